"""Probe (issue 22 item 4): would cheaper arithmetic make the language model's pass fast enough?

    python research/lm_smaller_arithmetic.py [--sentences 120] [--repeats 3] [--data-dir ../shared/data]

The finder's pass is the transformer body (85% of it, research/lm-pass-profile.md). On a CPU with
AVX-512 BF16 it runs in bfloat16; the shipped alternatives are in benchmarks/lm_runtimes.md. This
probe tries what is left, on the same sentences and the same reading (the document in windows,
the shipped 65,536-token vocabulary, only the words the stack judges), each against transformers
fp32 read the same way:
- torch dynamic int8 (`torch.ao.quantization.quantize_dynamic` on the body's linear layers: int8
  weights, activations quantised per batch, VNNI kernels);
- ONNX Runtime with 4-bit weights (`MatMulNBitsQuantizer`, blocks of 32, int8 arithmetic:
  accuracy_level 4; needs `onnx_ir`), the body exported as `runtime="onnxruntime"` exports it;
- transformers bf16 with its body compiled (`torch.compile`, inductor; the compile time apart).
Writes research/lm-smaller-arithmetic.md and .json.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.lm_runtimes import WINDOWS, read, sample  # noqa: E402
from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import write_report  # noqa: E402
from detector.evidence.improbable_words import score_words  # noqa: E402
from detector.lm.model import LanguageModel  # noqa: E402
from detector.lm.onnx_body import OnnxBody, export_body  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402

BASE = "transformers fp32"
BF16 = "transformers bf16 (the finder's pass)"


def int8_body() -> LanguageModel:
    lm = LanguageModel.from_pretrained(dtype="float32", progress=False)
    torch.ao.quantization.quantize_dynamic(lm.model.base_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return lm


def four_bit_body(work: Path) -> LanguageModel:
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer  # needs onnx_ir

    logging.getLogger("onnxruntime").setLevel(logging.WARNING)  # the quantiser logs every node it skips

    lm = LanguageModel.from_pretrained(dtype="float32", progress=False)
    exported = export_body(lm.model, work / "body.onnx")
    quantiser = MatMulNBitsQuantizer(onnx.load(str(exported)), block_size=32, is_symmetric=False, accuracy_level=4)
    quantiser.process()
    quantiser.model.save_model_to_file(str(work / "body-4bit.onnx"), use_external_data_format=False)
    lm.body = OnnxBody.load(work / "body-4bit.onnx")
    return lm


def compiled_body(data) -> tuple[LanguageModel, float]:
    lm = LanguageModel.from_pretrained(dtype="bfloat16", progress=False)
    lm.model.model = torch.compile(lm.model.model, dynamic=True)
    started = time.perf_counter()
    read(lm, WINDOWS, data, first=8)  # compiles
    return lm, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-smaller-arithmetic"))
    args = parser.parse_args()
    data = sample(Path(args.data_dir), args.sentences)
    stack = LMStack.load(ROOT / "detector" / "models" / "default")
    work = Path(tempfile.mkdtemp(prefix="millcheck-lm-arith-"))
    models = {
        BASE: LanguageModel.from_pretrained(dtype="float32", progress=False),
        BF16: LanguageModel.from_pretrained(dtype="bfloat16", progress=False),
    }
    notes = {}
    models["torch dynamic int8 (body)"] = int8_body()
    try:
        models["ONNX Runtime, 4-bit weights, int8 arithmetic (body)"] = four_bit_body(work)
    except ImportError as exc:
        notes["ONNX Runtime, 4-bit weights"] = f"skipped: {exc}"
    models["transformers bf16, body compiled"], compile_s = compiled_body(data)
    notes["transformers bf16, body compiled"] = f"compiling took {compile_s:.0f} s"
    for lm in models.values():  # warm-up
        read(lm, WINDOWS, data, first=8)
    seconds: dict[str, list[float]] = {k: [] for k in models}
    readings = {}
    for _ in range(args.repeats):  # interleaved, so drift of the machine hits every variant alike
        for name, lm in models.items():
            started = time.perf_counter()
            readings[name] = read(lm, WINDOWS, data, judged=stack.judged)
            seconds[name].append(time.perf_counter() - started)

    def improbability(name):
        return np.asarray([w.improbability for words in readings[name] for w in score_words(words, *stack.word_scoring)])

    base = improbability(BASE)
    rows = {}
    for name in models:
        mine = improbability(name)
        rows[name] = {
            "sentences_per_s": round(len(data.texts) / statistics.median(seconds[name]), 2),
            "median_improbability_diff": round(float(np.median(np.abs(mine - base))), 3),
            "max_improbability_diff": round(float(np.abs(mine - base).max()), 3),
            "marked_calls_differ": round(float(np.mean((mine >= stack.mark_bar) != (base >= stack.mark_bar))), 5),
        }
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "sentences": len(data.texts),
        "words": int(len(base)),
        "repeats": args.repeats,
        "variants": rows,
        "notes": notes,
    }
    lines = [
        "# The language model's pass in cheaper arithmetic",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- {len(data.texts)} sentences of WMT23 original English ({len(base)} words judged), the document read in windows with the"
        f" shipped vocabulary; median of {args.repeats} interleaved repeats; differences against {BASE} read the same way",
        "",
        "| variant | sentences/s | improbability difference (nats): median | largest | marked-word calls that differ |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {k} | {v['sentences_per_s']:.2f} | {v['median_improbability_diff']} | {v['max_improbability_diff']} | {v['marked_calls_differ']} |"
            for k, v in rows.items()
        ],
        "",
        *[f"- {k}: {v}" for k, v in notes.items()],
        "",
    ]
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
