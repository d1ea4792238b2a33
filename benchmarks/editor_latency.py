"""Latency of the editor API (`POST /api/score`) on a 1,000-word article, in process.

    python benchmarks/editor_latency.py [--runs 15]

Builds a 1,000-word article from the seeds (000 then 002, cut at 1,000 words), scores it
through the FastAPI app with its test client under the shipped model (ONNX Runtime fp32, the
editor's default, and int8; torch fp32; with `--lm` when the [lm] extra is installed) and the
evidence-only baseline, and prints the median, min and max wall time per variant with the
machine it ran on. The result is written to benchmarks/editor_latency.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine  # noqa: E402


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


VARIANTS = {  # name -> Detector.from_pretrained arguments
    "`serve` (its default: onnxruntime fp32)": ("default", {"runtime": "onnxruntime"}),
    "`serve --int8` (onnxruntime int8)": ("default", {"runtime": "onnxruntime", "int8": True}),
    "`serve --runtime torch` (torch fp32)": ("default", {}),
    "`serve --model evidence-baseline`": ("evidence-baseline", {}),
    "`serve --lm` (onnxruntime fp32 + the language model on every sentence)": ("default", {"runtime": "onnxruntime", "lm": "all"}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from fastapi.testclient import TestClient
    from transformers.utils import logging as hf_logging

    from detector import Detector
    from detector.apps.web import create_app

    hf_logging.disable_progress_bar()
    clients = {}
    for name, (model, kw) in VARIANTS.items():
        try:
            clients[name] = TestClient(create_app(Detector.from_pretrained(model, **kw)))
        except ImportError as exc:  # `--lm` needs the [lm] extra
            print(f"{name} skipped: {exc}", file=sys.stderr)
    text = article()
    models, sentences = {}, 0
    for name, client in clients.items():  # warm-up
        data = client.post("/api/score", json={"text": text}).json()
        models[name], sentences = data["model"], data["sentences_total"]
    times: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(args.runs):  # interleaved, so drift of the machine hits every variant alike
        for name, client in clients.items():
            start = time.perf_counter()
            response = client.post("/api/score", json={"text": text})
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
    lines = [
        "# Editor API latency, 1,000-word article",
        "",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; machine: {describe_machine()}",
        f"- article: {len(text.split())} words, {sentences} sentences (seeds 000 then 002)",
        f"- runs: {args.runs} per variant, interleaved, after one warm-up; `POST /api/score` through the app's test client",
        "",
        "| variant | model | median | min | max |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {models[name]} | {statistics.median(t) * 1000:.0f} ms | {min(t) * 1000:.0f} ms | {max(t) * 1000:.0f} ms |"
            for name, t in times.items()
        ],
        "",
    ]
    report = "\n".join(lines)
    (ROOT / "benchmarks" / "editor_latency.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
