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
