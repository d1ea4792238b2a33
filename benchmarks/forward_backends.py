"""The classifier's forward on CPU under other backends: torch fp32, torch int8 (two layer choices),
and ONNX Runtime fp32 and int8, for speed and for accuracy against torch fp32.

    pip install onnxruntime onnx   # optional; without them only the torch rows are measured
    python benchmarks/forward_backends.py --docs 30 --repeats 3 --corpus artifacts/corpus-v3

The issue asks for >= 2x plain torch fp32 throughput within 0.005 ROC-AUC. This records what each
candidate gives on this machine, in one run, so the choice of `--int8` rests on numbers: sentences
per second (median of interleaved repeats over the same length-sorted batches the pipeline feeds),
the speed-up over torch fp32, the largest probability difference, and ROC-AUC per output on the
corpus test split. Writes benchmarks/forward_backends.md and .json.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine
from benchmarks.throughput import documents, roc_auc, write_report
from detector import Detector
from detector.scoring.lora import merge_lora
from detector.scoring.model_folder import model_directory
from detector.scoring.runtimes.int8 import HEADS
from detector.text.segment import segment


def torch_int8(classifier, skip_ffn_output: bool):
    """Dynamic int8 of the encoder's Linear layers; optionally the FFN output layers stay fp32."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        model = merge_lora(copy.deepcopy(classifier)).eval()
        spec = {
            name: per_channel_dynamic_qconfig
            for name, child in model.named_modules()
            if isinstance(child, nn.Linear)
            and name.split(".")[0] not in HEADS
            and not (skip_ffn_output and name.endswith("output.dense") and "attention" not in name)
        }
        return quantize_dynamic(model, spec, dtype=torch.qint8, inplace=True)


ORT_INT8 = "onnxruntime int8 (`--runtime onnxruntime --int8`)"


def with_runtime(classifier, runtime):
    """The same classifier, its inference sent through `runtime` (the shipped `--runtime` path)."""
    other = copy.copy(classifier)  # shares the weights; only the runtime attribute differs
    return other.use_runtime(runtime)


def timed(classifier, batches) -> float:
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            classifier.run_batch(batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--docs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--sweep", type=int, nargs="*", default=[8, 32, 64], help="other batch sizes timed for torch fp32 and ORT int8")
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--corpus", help="a corpus saved by training.corpus, for ROC-AUC per backend")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "forward_backends"))
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    classifier = Detector.from_pretrained(args.model).classifier
    if classifier is None:
        raise SystemExit(f"{args.model} has no classifier: nothing to time")
    variants = {
        "torch fp32": classifier,
        "torch int8 (`--int8`)": torch_int8(classifier, skip_ffn_output=False),
        "torch int8, FFN output fp32": torch_int8(classifier, skip_ffn_output=True),
    }
    cache = Path(tempfile.mkdtemp(prefix="millcheck-onnx-"))  # a fresh export, as a first run makes it
    try:
        from detector.scoring.runtimes.onnx import cached_onnx_forward

        model_dir = model_directory(args.model)
        variants["onnxruntime fp32 (`--runtime onnxruntime`)"] = with_runtime(
            classifier, cached_onnx_forward(classifier, model_dir, False, cache)
        )
        variants[ORT_INT8] = with_runtime(classifier, cached_onnx_forward(classifier, model_dir, True, cache))
    except ImportError as exc:
        print(f"ONNX Runtime rows skipped: {exc}", file=sys.stderr)

    docs = [segment(t) for t in documents(args.docs, Path(args.data_dir))]
    sentences = [s.text for d in docs for s in d.sentences]
    contexts = [d.context(s.index, classifier.config.context_window) for d in docs for s in d.sentences]
    sizes = sorted({args.batch_size, *args.sweep})
    batches = {size: [b for _, b in classifier.sorted_batches(sentences, contexts, size)] for size in sizes}
    runs = [(name, args.batch_size) for name in variants]
    runs += [(name, size) for name in ("torch fp32", ORT_INT8) if name in variants for size in sizes if size != args.batch_size]
    for name, size in runs:  # warm-up
        timed(variants[name], batches[size][:1])
    times: dict[tuple, list[float]] = {run: [] for run in runs}
    for _ in range(args.repeats):  # interleaved, so drift of the machine hits every variant alike
        for name, size in runs:
            times[name, size].append(timed(variants[name], batches[size]))
    rates = {run: len(sentences) / statistics.median(t) for run, t in times.items()}
    rate = {name: rates[name, args.batch_size] for name in variants}

    reference = classifier.predict(sentences, contexts, args.batch_size)
    diff = {name: float(np.abs(v.predict(sentences, contexts, args.batch_size) - reference).max()) for name, v in variants.items()}
    aucs: dict[str, dict] = {}
    if args.corpus:
        from datasets import load_from_disk

        test = load_from_disk(args.corpus)["test"]
        labels = np.asarray(test["labels"])
        for name, v in variants.items():
            probs = v.predict(test["sentence"], test["context"], args.batch_size)
            aucs[name] = {
                o: roc_auc(probs[labels[:, k] == 1, k], probs[labels[:, k] == 0, k]) for k, o in enumerate(classifier.config.outputs)
            }
    base = "torch fp32"
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "model": classifier.config.name,
        "sentences": len(sentences),
        "sentences_per_s": {k: round(v, 1) for k, v in rate.items()},
        "speedup_over_torch_fp32": {k: round(v / rate[base], 2) for k, v in rate.items()},
        "batch_size": args.batch_size,
        "sentences_per_s_by_batch_size": {f"{name} @ {size}": round(r, 1) for (name, size), r in rates.items()},
        "max_probability_difference": {k: round(v, 4) for k, v in diff.items()},
        "roc_auc": aucs,
    }
    lines = [
        "# Forward pass backends on CPU: speed and accuracy against torch fp32",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- model: {result['model']}; {len(sentences)} sentences from {len(docs)} documents; batch size {args.batch_size}; median of {args.repeats} interleaved repeats",
        "",
        "| backend | sent/s | speed-up | max prob. diff | spun ROC-AUC diff | MT ROC-AUC diff | overall ROC-AUC diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in variants:
        deltas = [f"{aucs[name][o] - aucs[base][o]:+.4f}" if aucs else "n/a" for o in ("spun", "machine_translated", "overall")]
        lines.append(f"| {name} | {rate[name]:.1f} | {rate[name] / rate[base]:.2f}x | {diff[name]:.4f} | {' | '.join(deltas)} |")
    lines += ["", "Batch size (sentences per forward call, length-sorted as the pipeline feeds them):", ""]
    lines += ["| backend (sent/s) | " + " | ".join(str(size) for size in sizes) + " |", "|---" * (len(sizes) + 1) + "|"]
    for name in dict.fromkeys(n for n, _ in runs):
        cells = [f"{rates[name, size]:.1f}" if (name, size) in rates else "" for size in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
