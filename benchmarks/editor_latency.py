"""Latency of the editor API (`POST /api/score`) on a 1,000-word article, in process.

    python benchmarks/editor_latency.py [--runs 15]

Builds a 1,000-word article from the seeds (000 then 002, cut at 1,000 words), scores it
through the FastAPI app with its test client under the shipped model (ONNX Runtime fp32, the
editor's default, and int8; torch fp32; with `--lm` when the [lm] extra is installed) and the
evidence-only baseline, each with the cache `serve` gives it (`DetectorConfig.score_cache`),
emptied before each new article. It times a new article; under `--lm` also the page's two
requests (first `lm: false`, then the whole report) and, for `serve` and `serve --lm`, the
slider's request (the same article at another threshold, from the cache). Prints the median, min
and max wall time per row with the machine it ran on, into benchmarks/editor_latency.md.
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


LM_VARIANT = "`serve --lm` (onnxruntime fp32 + the language model on every sentence)"
FIRST = "`serve --lm`, the page's first answer (`lm: false`: no language model yet)"
BOTH = "`serve --lm`, the page's whole answer (`lm: false`, then the report with the language model)"
SLIDER = "{}, the slider: the same article at threshold 0.6 (scored already)"
VARIANTS = {  # name -> Detector.from_pretrained arguments
    "`serve` (its default: onnxruntime fp32)": ("default", {"runtime": "onnxruntime"}),
    "`serve --int8` (onnxruntime int8)": ("default", {"runtime": "onnxruntime", "int8": True}),
    "`serve --runtime torch` (torch fp32)": ("default", {}),
    "`serve --model evidence-baseline`": ("evidence-baseline", {}),
    LM_VARIANT: ("default", {"runtime": "onnxruntime", "lm": "all"}),
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
    from detector.apps.cli import SERVE_SCORE_CACHE

    detectors, clients = {}, {}
    for name, (model, kw) in VARIANTS.items():
        try:
            detectors[name] = Detector.from_pretrained(model, **kw, score_cache=SERVE_SCORE_CACHE)
        except ImportError as exc:  # `--lm` needs the [lm] extra
            print(f"{name} skipped: {exc}", file=sys.stderr)
            continue
        clients[name] = TestClient(create_app(detectors[name]))
    text = article()

    def post(name: str, **body) -> float:
        start = time.perf_counter()
        response = clients[name].post("/api/score", json={"text": text, **body})
        assert response.status_code == 200, response.text
        return time.perf_counter() - start

    models, sentences = {}, 0
    for name, client in clients.items():  # warm-up
        data = client.post("/api/score", json={"text": text}).json()
        models[name], sentences = data["model"], data["sentences_total"]
    editor, lm = next(iter(VARIANTS)), LM_VARIANT if LM_VARIANT in clients else None
    rows: dict[str, tuple[str, list[float]]] = {name: (name, []) for name in clients}  # row -> (variant, times)
    if lm:
        rows[FIRST] = (lm, [])
        rows[BOTH] = (lm, [])
    rows[SLIDER.format("`serve`")] = (editor, [])
    if lm:
        rows[SLIDER.format("`serve --lm`")] = (lm, [])
    for _ in range(args.runs):  # interleaved, so drift of the machine hits every variant alike
        for name in clients:
            detectors[name].scored_cache.clear()  # a new article
            rows[name][1].append(post(name))
        rows[SLIDER.format("`serve`")][1].append(post(editor, threshold=0.6))
        if lm:
            detectors[lm].scored_cache.clear()
            first = post(lm, lm=False)
            rows[FIRST][1].append(first)
            rows[BOTH][1].append(first + post(lm))
            rows[SLIDER.format("`serve --lm`")][1].append(post(lm, threshold=0.6))
    lines = [
        "# Editor API latency, 1,000-word article",
        "",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; machine: {describe_machine()}",
        f"- article: {len(text.split())} words, {sentences} sentences (seeds 000 then 002)",
        f"- runs: {args.runs} per row, interleaved, after one warm-up; `POST /api/score` through the app's test client;"
        " a new article is one the cache has not seen",
        "",
        "| request | model | median | min | max |",
        "|---|---|---|---|---|",
        *[
            f"| {row} | {models[name]} | {statistics.median(t) * 1000:.0f} ms | {min(t) * 1000:.0f} ms | {max(t) * 1000:.0f} ms |"
            for row, (name, t) in rows.items()
        ],
        "",
    ]
    report = "\n".join(lines)
    (ROOT / "benchmarks" / "editor_latency.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
