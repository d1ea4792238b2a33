"""Do ONNX Runtime's spinning worker threads slow the rest of the batch pipeline? (issue 18 item 7)

    python research/ort_spinning.py [--docs 60] [--repeats 3]

Under ONNX Runtime int8 the pipeline runs at well under 0.85 of the bare forward
(benchmarks/throughput.md). After each run, ORT's intra-op threads spin waiting for the next one;
on 2 cores they could take the CPU from what runs in between (the duplicate encoder's own ORT
session, the finders, lexical hashing). This times the bare forward and the pipeline with
spinning allowed (ORT's default) and disallowed (`session.intra_op.allow_spinning = 0`), fp32
and int8, interleaved, on the throughput benchmark's documents. Writes research/ort-spinning.md
and .json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import bare_forward, documents, pipeline, write_report  # noqa: E402
from detector import Detector  # noqa: E402
from detector.scoring.runtimes import onnx  # noqa: E402

LOAD = onnx.OnnxForward.load.__func__  # the unpatched loader


def loader(spinning: bool):
    """`OnnxForward.load` with ORT's thread spinning allowed or not."""
    return classmethod(lambda cls, path, threads=None: LOAD(cls, path, threads, spinning=spinning))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "research" / "ort-spinning"))
    args = parser.parse_args()
    import torch

    texts = documents(args.docs, Path(args.data_dir))
    detectors = {}
    original = onnx.OnnxForward.load
    try:
        for spinning in (True, False):
            onnx.OnnxForward.load = loader(spinning)
            for int8 in (False, True):
                name = f"onnxruntime {'int8' if int8 else 'fp32'}, spinning {'allowed' if spinning else 'off'}"
                detectors[name] = Detector.from_pretrained(None, batch_size=16, runtime="onnxruntime", int8=int8)
    finally:
        onnx.OnnxForward.load = original
    for det in detectors.values():  # warm-up
        pipeline(det, texts[:2])
        bare_forward(det, texts[:2], 16)
    times = {name: {"forward": [], "pipeline": []} for name in detectors}
    sentences = 0
    for _ in range(args.repeats):
        for name, det in detectors.items():
            seconds, sentences = bare_forward(det, texts, 16)
            times[name]["forward"].append(seconds)
            seconds, _ = pipeline(det, texts)
            times[name]["pipeline"].append(seconds)
    rate = {name: {m: sentences / statistics.median(v) for m, v in t.items()} for name, t in times.items()}
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "documents": len(texts),
        "sentences": sentences,
        "seconds": times,
        "sentences_per_s": rate,
    }
    lines = [
        "# ONNX Runtime thread spinning and the batch pipeline",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        f"- machine: {result['machine']}; {len(texts)} documents, {sentences} sentences; median of {args.repeats} interleaved repeats",
        "",
        "| variant | bare forward (sent/s) | pipeline (sent/s) | pipeline / forward |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {r['forward']:.1f} | {r['pipeline']:.1f} | {r['pipeline'] / r['forward']:.2f} |" for name, r in rate.items()],
        "",
    ]
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
