"""The datatrove step in a real LocalPipelineExecutor: documents scored in batches, annotated,
the spun one sent to the exclusion writer with its reason, and stats per verdict."""

from __future__ import annotations

import gzip
import json

import pytest

pytest.importorskip("datatrove")


def test_millcheck_filter_runs_in_a_local_pipeline(tmp_path, seeds):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from detector.apps.datatrove_step import MillcheckFilter

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    with open(crawl / "part.jsonl", "w", encoding="utf-8") as f:
        for name in sorted(seeds):
            f.write(json.dumps({"id": name, "text": seeds[name]}) + "\n")
        f.write(
            json.dumps(
                {
                    "id": "german",
                    "text": "Die Bundesregierung hat am Mittwoch neue Regeln für den Wohnungsbau beschlossen, die ab Januar gelten.",
                }
            )
            + "\n"
        )
    step = MillcheckFilter(model="evidence-baseline", exclusion_writer=JsonlWriter(str(tmp_path / "dropped")), batch_size=4)
    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(str(crawl)), step, JsonlWriter(str(tmp_path / "kept"))], tasks=1, logging_dir=str(tmp_path / "logs")
    )
    executor.run()

    def read(folder):
        rows = []
        for path in sorted((tmp_path / folder).glob("*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                rows += [json.loads(line) for line in f]
        return {r["id"]: r for r in rows}

    kept, dropped = read("kept"), read("dropped")
    assert set(kept) | set(dropped) == set(seeds) | {"german"} and not set(kept) & set(dropped)
    spun = next(k for k in seeds if k.startswith("000"))
    assert dropped[spun]["metadata"]["millcheck"]["verdict"] == "spun"
    assert dropped[spun]["metadata"]["filter_reason"] == "verdict_spun"
    assert dropped["german"]["metadata"]["millcheck"]["verdict"] == "unsupported_language"
    assert all(r["metadata"]["millcheck"]["kept"] for r in kept.values())
    stats = json.loads(next((tmp_path / "logs" / "stats").glob("*.json")).read_text())
    mine = next(s for s in stats if "millcheck" in s["name"])
    assert mine["stats"]["verdict_spun"] == 1 and mine["stats"]["dropped"] == len(dropped)


def _write_jsonl(folder, docs: dict, dates: dict | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "part.jsonl", "w", encoding="utf-8") as f:
        for name in sorted(docs):
            extra = {"date": dates[name]} if dates and name in dates else {}
            f.write(json.dumps({"id": name, "text": docs[name], **extra}) + "\n")


def _read(folder) -> dict:
    rows = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            rows += [json.loads(line) for line in f]
    return {r["id"]: r for r in rows}


def _stats(logs, name: str) -> dict:
    """A step's counters from datatrove's stats file (a counter is a number or {"total": ...})."""
    stats = json.loads(next((logs / "stats").glob("*.json")).read_text())
    mine = next(s for s in stats if name in s["name"])["stats"]
    return {k: v["total"] if isinstance(v, dict) else v for k, v in mine.items()}


def test_originals_indexed_in_a_pipeline_then_a_crawl_filtered_against_them(tmp_path, seeds):
    """Two pipelines, as a corpus builder runs them: the wire stories into a reference index
    (one per task, merged by the CLI), then the crawl checked against it as it streams."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from detector.apps.datatrove_step import MillcheckFilter, MillcheckIndexWriter
    from detector.provenance.reference import ReferenceIndex

    wire = {k: v for k, v in seeds.items() if k.startswith(("001", "004"))}
    crawl = {k: v for k, v in seeds.items() if k.startswith(("000", "003"))}
    _write_jsonl(tmp_path / "wire", wire)
    _write_jsonl(tmp_path / "crawl", crawl)
    indexing = [JsonlReader(str(tmp_path / "wire")), MillcheckIndexWriter(str(tmp_path / "wire-index"), model="evidence-baseline")]
    LocalPipelineExecutor(pipeline=indexing, tasks=1, logging_dir=str(tmp_path / "logs-index")).run()
    index = ReferenceIndex.open(tmp_path / "wire-index" / "00000.idx")
    assert sorted(index.ids) == sorted(wire) and index.manifest["model"].startswith("evidence-baseline")
    assert _stats(tmp_path / "logs-index", "millcheck")["indexed"] == len(wire)

    step = MillcheckFilter(
        model="evidence-baseline",
        reference=str(tmp_path / "wire-index" / "00000.idx"),
        exclusion_writer=JsonlWriter(str(tmp_path / "dropped")),
    )
    pipeline = [JsonlReader(str(tmp_path / "crawl")), step, JsonlWriter(str(tmp_path / "kept"))]
    LocalPipelineExecutor(pipeline=pipeline, tasks=1, logging_dir=str(tmp_path / "logs")).run()
    out = {**_read(tmp_path / "kept"), **_read(tmp_path / "dropped")}
    assert set(out) == set(crawl)
    spun = out[next(k for k in crawl if k.startswith("000"))]["metadata"]["millcheck"]
    assert spun["verdict"] == "spun" and not spun["kept"]
    source = spun["sources"][0]
    assert source["id"].startswith("001") and source["rewrite"] in ("spun", "translated") and source["copy_confidence"] > 0.5
    assert _stats(tmp_path / "logs", "millcheck")["with_sources"] >= 1


def test_provenance_links_the_documents_of_a_task(tmp_path, seeds):
    """provenance=True: the two verbatim syndications find each other and are kept as
    syndicated (unless the rule drops that verdict); the spun copy names its source."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from detector.apps.datatrove_step import MillcheckFilter

    docs = {k: v for k, v in seeds.items() if k.startswith(("000", "001", "002"))}
    one, two = sorted(k for k in docs if not k.startswith("000"))
    _write_jsonl(tmp_path / "crawl", docs, dates={one: "2022-01-03", two: "2022-01-05T08:00:00Z"})  # datatrove's metadata
    step = MillcheckFilter(
        model="evidence-baseline", provenance=True, batch_size=2, exclusion_writer=JsonlWriter(str(tmp_path / "dropped"))
    )
    pipeline = [JsonlReader(str(tmp_path / "crawl")), step, JsonlWriter(str(tmp_path / "kept"))]
    LocalPipelineExecutor(pipeline=pipeline, tasks=1, logging_dir=str(tmp_path / "logs")).run()
    kept, dropped = _read(tmp_path / "kept"), _read(tmp_path / "dropped")
    for this, other, later in ((one, two, False), (two, one, True)):
        summary = kept[this]["metadata"]["millcheck"]
        assert summary["verdict"] == "syndicated" and summary["kept"]
        source = next(s for s in summary["sources"] if s["id"] == other)
        assert source["copy_confidence"] == pytest.approx(0.9 if later else 0.1)  # the later syndication is the copy
    spun = dropped[next(k for k in docs if k.startswith("000"))]["metadata"]["millcheck"]
    assert spun["verdict"] == "spun" and {s["id"] for s in spun["sources"]} >= {one, two}
    assert _stats(tmp_path / "logs", "millcheck")["with_sources"] == 3


def test_a_damaged_reference_fails_when_the_pipeline_is_built(tmp_path):
    from detector.apps.datatrove_step import MillcheckFilter
    from detector.provenance.reference import ReferenceIndexError

    (tmp_path / "bad.idx").mkdir()
    with pytest.raises(ReferenceIndexError, match="not a reference index"):
        MillcheckFilter(reference=str(tmp_path / "bad.idx"))
