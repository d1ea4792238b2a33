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
import os
import platform
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

from benchmarks.throughput import documents, roc_auc, write_report
from detector import Detector
from detector.quantize import HEADS, merge_lora
from detector.text import segment


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


class _Logits(nn.Module):
    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.classifier(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)["logits"]


def onnx_sessions(classifier, workdir: Path) -> dict:
    """ONNX Runtime sessions for the exported classifier, fp32 and dynamic int8 (per channel)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32, int8 = workdir / "model.onnx", workdir / "model-int8.onnx"
    example = classifier.tokenize(["An example sentence."] * 2, ["Its context."] * 2)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Logits(classifier).eval(), tuple(example[n] for n in names), str(fp32), input_names=names, output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}}, opset_version=17, dynamo=False,
        )
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    return {
        "onnxruntime fp32": ort.InferenceSession(str(fp32), options, providers=["CPUExecutionProvider"]),
        "onnxruntime int8": ort.InferenceSession(str(int8), options, providers=["CPUExecutionProvider"]),
    }


def logits_fn(variant):
    """A function from a tokenised batch to logits (numpy) for a torch module or an ORT session."""
    if isinstance(variant, nn.Module):
        def run(batch):
            with torch.inference_mode():
                return variant(**batch)["logits"].float().numpy()
    else:
        def run(batch):
            feed = {k: batch[k].numpy() for k in ("input_ids", "attention_mask", "token_type_ids")}
            return variant.run(["logits"], feed)[0]
    return run


def predict(classifier, run, sentences, contexts, batch_size: int) -> np.ndarray:
    logits = np.zeros((len(sentences), len(classifier.config.outputs)), dtype=np.float32)
    for idx, batch in classifier.sorted_batches(sentences, contexts, batch_size):
        logits[idx] = run(batch)
    return classifier.calibrate(logits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--docs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
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
        "torch int8 (shipped `--int8`)": torch_int8(classifier, skip_ffn_output=False),
        "torch int8, FFN output fp32": torch_int8(classifier, skip_ffn_output=True),
    }
    workdir = Path(tempfile.mkdtemp(prefix="millcheck-onnx-"))
    try:
        variants.update(onnx_sessions(classifier, workdir))
    except ImportError as exc:
        print(f"ONNX Runtime rows skipped: {exc}", file=sys.stderr)
    runs = {name: logits_fn(v) for name, v in variants.items()}

    docs = [segment(t) for t in documents(args.docs, Path(args.data_dir))]
    sentences = [s.text for d in docs for s in d.sentences]
    contexts = [d.context(s.index, classifier.config.context_window) for d in docs for s in d.sentences]
    batches = [b for _, b in classifier.sorted_batches(sentences, contexts, args.batch_size)]
    for run in runs.values():  # warm-up
        run(batches[0])
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):  # interleaved, so drift of the machine hits every variant alike
        for name, run in runs.items():
            started = time.perf_counter()
            for batch in batches:
                run(batch)
            times[name].append(time.perf_counter() - started)
    rate = {name: len(sentences) / statistics.median(t) for name, t in times.items()}

    reference = predict(classifier, runs["torch fp32"], sentences, contexts, args.batch_size)
    diff = {name: float(np.abs(predict(classifier, run, sentences, contexts, args.batch_size) - reference).max()) for name, run in runs.items()}
    aucs: dict[str, dict] = {}
    if args.corpus:
        from datasets import load_from_disk

        test = load_from_disk(args.corpus)["test"]
        labels = np.asarray(test["labels"])
        for name, run in runs.items():
            probs = predict(classifier, run, test["sentence"], test["context"], args.batch_size)
            aucs[name] = {o: roc_auc(probs[labels[:, k] == 1, k], probs[labels[:, k] == 0, k]) for k, o in enumerate(classifier.config.outputs)}
    base = "torch fp32"
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads, Python {platform.python_version()}, torch {torch.__version__}",
        "model": classifier.config.name,
        "sentences": len(sentences),
        "sentences_per_s": {k: round(v, 1) for k, v in rate.items()},
        "speedup_over_torch_fp32": {k: round(v / rate[base], 2) for k, v in rate.items()},
        "max_probability_difference": {k: round(v, 4) for k, v in diff.items()},
        "roc_auc": aucs,
    }
    lines = [
        "# Forward pass backends on CPU: speed and accuracy against torch fp32",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- model: {result['model']}; {len(sentences)} sentences from {len(docs)} documents; median of {args.repeats} interleaved repeats",
        "",
        "| backend | sent/s | speed-up | max prob. diff | spun ROC-AUC diff | MT ROC-AUC diff | overall ROC-AUC diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in runs:
        deltas = [
            f"{aucs[name][o] - aucs[base][o]:+.4f}" if aucs else "n/a" for o in ("spun", "machine_translated", "overall")
        ]
        lines.append(f"| {name} | {rate[name]:.1f} | {rate[name] / rate[base]:.2f}x | {diff[name]:.4f} | {' | '.join(deltas)} |")
    lines.append("")
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
