"""Batch jobs: compressed inputs, Parquet output, and resuming after a real SIGKILL."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zstandard

from detector.io.readers import iter_records

ROOT = Path(__file__).resolve().parents[1]


def write_jsonl(path: Path, n: int, seeds: dict[str, str]) -> list[str]:
    texts = list(seeds.values())
    ids = []
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            record = {"id": f"doc-{i:03d}", "text": texts[i % len(texts)][: 800 + 37 * i]}
            if i % 11 == 5:
                record = {"id": f"doc-{i:03d}", "body": "no text field"}  # fails, and must still be written
            f.write(json.dumps(record) + "\n")
            ids.append(record["id"])
        f.write("this line is not JSON\n")
    ids.append(f"{path}:{n + 1}")
    return ids


def detector_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "detector.apps.cli", "score", "--model", "evidence-baseline", "-q", *args]


def test_compressed_jsonl_and_documents_read_like_plain_ones(tmp_path, seeds):
    plain = tmp_path / "crawl.jsonl"
    ids = write_jsonl(plain, 6, seeds)
    (tmp_path / "crawl.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes()))
    (tmp_path / "crawl.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(b"<html><body><p>Putin spoke. Xi spoke.</p></body></html>"))
    for name in ("crawl.jsonl.gz", "crawl.jsonl.zst"):
        records = list(iter_records([str(tmp_path / name)]))
        assert [r.id for r in records] == [i.replace("crawl.jsonl", name) for i in ids]
        assert records[0].meta["id"] == "doc-000" and records[0].text == seeds["000"][:800]
    (page,) = iter_records([str(tmp_path / "page.html.gz")])
    assert page.error is None and page.text.startswith(b"<html>")


def test_damaged_or_bomb_archives_become_error_records(tmp_path):
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    good = gzip.compress(b'{"id": "a", "text": "One."}\n' * 50)
    (tmp_path / "cut.jsonl.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 5_000_000))
    bad = list(iter_records([str(tmp_path / "bad.jsonl.gz")]))
    assert len(bad) == 1 and bad[0].error.code == "unreadable"
    cut = list(iter_records([str(tmp_path / "cut.jsonl.gz")]))
    assert cut[-1].error.code == "unreadable" and all(r.error is None for r in cut[:-1])
    (bomb,) = iter_records([str(tmp_path / "bomb.txt.gz")], max_chars=100_000)
    assert bomb.error.code == "too_large"


@pytest.mark.slow  # scores the seeds several times over
def test_parquet_output_has_one_row_per_record_with_the_full_report(tmp_path, seeds):
    import pyarrow.parquet as pq

    source = tmp_path / "in.jsonl"
    ids = write_jsonl(source, 7, seeds)
    out = tmp_path / "out"
    done = subprocess.run(
        detector_cmd(str(source), "-f", "parquet", "-o", str(out), "--part-rows", "3"), cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    table = pq.read_table(out)
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert table.column("id").to_pylist() == ids
    rows = table.to_pylist()
    assert rows[5]["verdict"] == "error" and rows[5]["error_code"] == "missing_text"
    assert json.loads(rows[0]["report"])["sentences"] and rows[0]["share_spun"] is not None


def wait_for(predicate, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the job to write output")


def jsonl_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def parquet_count(path: Path) -> int:
    return len(list(path.glob("part-*.parquet"))) if path.exists() else 0


@pytest.mark.slow  # kills a real job mid-run and resumes it
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_killed_job_resumes_and_scores_every_record_exactly_once(tmp_path, seeds, fmt):
    source = tmp_path / "crawl.jsonl"
    ids = write_jsonl(source, 40, seeds)
    out = tmp_path / ("out.jsonl" if fmt == "jsonl" else "out")
    command = detector_cmd(str(source), "-f", fmt, "-o", str(out), "--part-rows", "4")
    job = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    counter = jsonl_count if fmt == "jsonl" else parquet_count
    wait_for(lambda: counter(out) >= 3 or job.poll() is not None)
    os.kill(job.pid, signal.SIGKILL)
    job.wait()
    assert job.returncode == -signal.SIGKILL, "the job finished before it could be killed; make it longer"
    if fmt == "jsonl":
        with out.open("ab") as f:
            f.write(b'{"id": "torn')  # what a kill in the middle of a write leaves behind
    first = counter(out)
    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    if fmt == "jsonl":
        written = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        import pyarrow.parquet as pq

        written = [json.loads(r) for r in pq.read_table(out).column("report").to_pylist()]
    assert [r["id"] for r in written] == ids  # all of them, in order, none twice
    assert 0 < first < len(ids)
    assert sum(r["verdict"] == "error" for r in written) == 5  # 4 records without text + 1 broken line


@pytest.mark.slow  # scores the seeds several times over
def test_resume_refuses_an_output_from_another_input(tmp_path, seeds):
    source = tmp_path / "a.jsonl"
    write_jsonl(source, 3, seeds)
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "something-else", "verdict": "clean"}) + "\n")
    done = subprocess.run(detector_cmd(str(source), "-o", str(out), "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "another input" in done.stderr
    csv = subprocess.run(detector_cmd(str(source), "-f", "csv", "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert csv.returncode == 2 and "--resume needs" in csv.stderr
