"""Latency of the editor API (`POST /api/score`) on a 1,000-word article, in process.

    python benchmarks/editor_latency.py [--model default] [--runs 15]

Builds a 1,000-word article from the seeds (000 then 002, cut at 1,000 words), scores it
through the FastAPI app with its test client, and prints the median, min and max wall time
with the machine it ran on. The result is written to benchmarks/editor_latency.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def article(words: int = 1000) -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("00[02]_*.txt")))
    out, count = [], 0
    for line in text.splitlines():
        n = len(line.split())
        if count + n > words:
            line = " ".join(line.split()[: words - count])
            n = words - count
        out.append(line)
        count += n
        if count >= words:
            break
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from fastapi.testclient import TestClient
    from transformers.utils import logging as hf_logging

    from detector import Detector
    from detector.web import create_app

    hf_logging.disable_progress_bar()
    detector = Detector.from_pretrained(args.model)
    client = TestClient(create_app(detector))
    text = article()
    client.post("/api/score", json={"text": text})  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        response = client.post("/api/score", json={"text": text})
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    data = response.json()
    lines = [
        "# Editor API latency, 1,000-word article",
        "",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- model: {data['model']}; article: {len(text.split())} words, {data['sentences_total']} sentences",
        f"- runs: {args.runs} (after one warm-up)",
        "",
        "| median | min | max |",
        "|---|---|---|",
        f"| {statistics.median(times) * 1000:.0f} ms | {min(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |",
        "",
    ]
    report = "\n".join(lines)
    (ROOT / "benchmarks" / "editor_latency.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
