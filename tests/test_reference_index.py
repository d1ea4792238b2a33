"""The reference index: built from originals, checked against, added to, merged, and refused
when it is damaged or was made for other vectors (with nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from detector.provenance.reference import FORMAT_VERSION, ReferenceIndex, ReferenceIndexError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wire(tmp_path_factory, baseline_detector, seeds):
    folder = tmp_path_factory.mktemp("ref") / "wire.idx"
    originals = [baseline_detector.score(seeds[k], id=k) for k in sorted(seeds) if k.startswith(("001", "004"))]
    index = ReferenceIndex.write(folder, baseline_detector.reference_sides(originals), baseline_detector.encoder_name, 384)
    return folder, index


def test_a_copy_is_checked_against_the_originals_alone(wire, baseline_detector, seeds):
    folder, index = wire
    assert len(index) == 2 and index.manifest["format_version"] == FORMAT_VERSION
    assert isinstance(index.sentence_vectors, np.memmap) and isinstance(index.doc_vectors, np.memmap)  # memory-mapped
    spun = baseline_detector.score(seeds[next(k for k in seeds if k.startswith("000"))], id="pasted")
    baseline_detector.link_sources([spun], reference=ReferenceIndex.open(folder, baseline_detector.encoder_name), within=False)
    match = spun.sources[0]
    assert match.id.startswith("001") and len(match.pairs) >= 8
    pair = next(p for p in match.pairs if "stern test" in p.source_text or "stern tests" in p.source_text)
    assert ("kinds", "sorts") in {(e.source_text, e.copy_text) for e in pair.edits}
    # the reference side's offsets index the original's own text
    original = seeds[match.id]
    assert original[pair.source_start : pair.source_end] == pair.source_text


def test_indexing_a_document_again_does_not_match_it_with_itself(wire, baseline_detector, seeds):
    folder, index = wire
    key = next(k for k in seeds if k.startswith("001"))
    again = baseline_detector.score(seeds[key], id=key)
    baseline_detector.link_sources([again], reference=index, within=False)
    assert all(m.id != key for m in again.sources)


def test_refused_indexes_say_why(wire, tmp_path, baseline_detector):
    folder, _ = wire
    with pytest.raises(ReferenceIndexError, match="not a reference index"):
        ReferenceIndex.open(tmp_path)
    with pytest.raises(ReferenceIndexError, match="not of this model's encoder"):
        ReferenceIndex.open(folder, "package:some-other-encoder")
    built_with = ReferenceIndex.write(folder.with_name("v.idx"), [], "package:enc", 384, model="millcheck-minilm-v9")
    with pytest.raises(ReferenceIndexError, match="built with model 'millcheck-minilm-v9'"):
        ReferenceIndex.open(built_with.folder, "package:enc", "evidence-baseline")
    old = tmp_path / "old.idx"
    old.mkdir()
    for p in folder.iterdir():
        (old / p.name).write_bytes(p.read_bytes())
    manifest = json.loads((old / "manifest.json").read_text())
    (old / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ReferenceIndexError, match="rebuild it"):
        ReferenceIndex.open(old)
    (old / "manifest.json").write_text(json.dumps(manifest))
    (old / "sentence_vectors.bin").write_bytes(np.zeros((3, 384), np.float16).tobytes())  # cut short
    with pytest.raises(ReferenceIndexError, match="damaged"):
        ReferenceIndex.open(old)
    (old / "documents.jsonl").write_text("{not json\n")
    with pytest.raises(ReferenceIndexError, match="damaged"):
        ReferenceIndex.open(old)


@pytest.mark.slow  # nine CLI processes, each loading a model
def test_cli_build_add_merge_score_and_errors(tmp_path):
    base = [sys.executable, "-m", "detector.apps.cli"]
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    model = ["--model", "evidence-baseline", "-q"]

    def run(*args):
        return subprocess.run([*base, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)

    a, b = tmp_path / "a.idx", tmp_path / "b.idx"
    assert run("index", "build", str(seeds[1]), "-o", str(a), *model).returncode == 0
    assert run("index", "build", str(seeds[4]), "-o", str(b), *model).returncode == 0
    assert run("index", "add", str(a), str(seeds[2]), *model).returncode == 0
    assert len(ReferenceIndex.open(a)) == 2
    merged = tmp_path / "both.idx"
    assert run("index", "merge", str(a), str(b), "-o", str(merged), *model).returncode == 0
    assert len(ReferenceIndex.open(merged)) == 3
    out = tmp_path / "scores.jsonl"
    scored = run("score", str(seeds[0]), str(seeds[3]), "--reference", str(merged), "-o", str(out), *model)
    assert scored.returncode == 0, scored.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {Path(m["id"]).name[:3] for m in records[0]["sources"]} >= {"001", "002"}
    # the corpus filter, against the same originals: the spun copy is dropped, with its sources
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text("".join(json.dumps({"id": p.name, "text": p.read_text(encoding="utf-8")}) + "\n" for p in (seeds[0], seeds[3])))
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.jsonl"
    filtered = run("filter", str(crawl), "-o", str(kept), "--rejected", str(dropped), "--reference", str(merged), *model)
    assert filtered.returncode == 0, filtered.stderr
    rejected = {r["id"]: r["millcheck"] for r in map(json.loads, dropped.read_text().splitlines())}
    assert {Path(s["id"]).name[:3] for s in rejected[seeds[0].name]["sources"]} >= {"001", "002"}
    missing = run("score", str(seeds[0]), "--reference", str(tmp_path / "nope.idx"), *model)
    assert missing.returncode == 2 and "not a reference index" in missing.stderr and not missing.stdout
    (merged / "minhash.bin").write_bytes(b"garbage")
    damaged = run("score", str(seeds[0]), "--reference", str(merged), *model)
    assert damaged.returncode == 2 and "damaged" in damaged.stderr
    refused = run("filter", str(crawl), "-o", str(tmp_path / "k2.jsonl"), "--reference", str(merged), *model)
    assert refused.returncode == 2 and "damaged" in refused.stderr and not (tmp_path / "k2.jsonl").exists()


def test_the_editor_api_checks_a_pasted_article_against_the_reference(wire, seeds):
    from fastapi.testclient import TestClient

    from detector import Detector
    from detector.apps.web import create_app

    folder, _ = wire
    detector = Detector.from_pretrained("evidence-baseline", reference=str(folder))  # what `serve --reference` gives each worker
    client = TestClient(create_app(detector))
    pasted = seeds[next(k for k in seeds if k.startswith("000"))]
    answer = client.post("/api/score", json={"text": pasted})
    assert answer.status_code == 200
    report = answer.json()
    assert report["sources"][0]["id"].startswith("001")
    copied = [s for s in report["sentences"] if "copied_from" in s]
    assert copied and all(pasted[s["start"] : s["end"]] == s["text"] for s in copied)
    assert all(s["copied_from"]["source"]["text"] for s in copied)


def test_an_index_keeps_its_originals_dates_for_direction(tmp_path, baseline_detector, seeds):
    """A stored original's publication date weighs on the direction against it, after reopening;
    a syndication published later than the stored original is the likelier copy."""
    key = next(k for k in seeds if k.startswith("001"))
    original = baseline_detector.score(seeds[key], id=key)
    original.published = "2022-01-03"
    folder = tmp_path / "dated.idx"
    ReferenceIndex.write(folder, baseline_detector.reference_sides([original]), baseline_detector.encoder_name, 384)
    lines = [json.loads(line) for line in (folder / "documents.jsonl").read_text().splitlines()]
    assert lines == [{"id": key, "published": "2022-01-03"}]
    index = ReferenceIndex.open(folder, baseline_detector.encoder_name)
    assert index.entry(0).published == "2022-01-03"
    syndicated = baseline_detector.score(seeds[next(k for k in seeds if k.startswith("002"))], id="later")
    syndicated.published = "2022-01-04"
    baseline_detector.link_sources([syndicated], reference=index, within=False)
    match = syndicated.sources[0]
    assert match.id == key and match.rewrite == "verbatim" and match.copy_confidence == pytest.approx(0.9)
    assert "1 day after the other" in match.direction_reasons[-1]
    # The editor's API takes the pasted article's date the same way (`serve --reference`).
    from fastapi.testclient import TestClient

    from detector import Detector
    from detector.apps.web import create_app

    client = TestClient(create_app(Detector.from_pretrained("evidence-baseline", reference=str(folder))))
    answer = client.post(
        "/api/score", json={"text": syndicated.text or seeds[next(k for k in seeds if k.startswith("002"))], "published": "2022-01-04"}
    )
    assert answer.status_code == 200 and answer.json()["published"] == "2022-01-04"
    assert answer.json()["sources"][0]["copy_confidence"] == pytest.approx(0.9)
    assert client.post("/api/score", json={"text": "Some text.", "published": "x" * 65}).status_code == 422
