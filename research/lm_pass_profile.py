"""Where the language model's pass spends its time, read sentence by sentence and as a document in
windows (issue 22 item 4).

    python research/lm_pass_profile.py [--sentences 120] [--dtype bfloat16]

Reads real sentences (WMT23 original English lines, segmented as `detector score` segments them)
two ways: each after the 400 characters before it (`LanguageModel.word_surprisals`), and the
document tokenised once and read in windows (`read_documents`, the improbable-words finder's
pass). For each it times the transformer over context and sentence (`body`), the output layer
at the scored positions (`output layer`: 262,144 tokens x 640, read a block of the vocabulary at a
time, its log-sum-exp, best token and target included), and the rest (tokenising, batching, word
assembly), and counts the tokens the body reads and the positions scored. After a warm-up, of
`--passes` interleaved passes of each the one with the median total is kept. Writes
research/lm-pass-profile.md and .json.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.lm_runtimes import WINDOWS, read, sample  # noqa: E402
from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import write_report  # noqa: E402
from detector.lm import output_layer  # noqa: E402
from detector.lm.model import LanguageModel  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402

# name -> (how it is read, output-layer vocabulary: "whole" or the shipped shortlist, window tokens)
WAYS = {
    "sentence by sentence (400 characters before each), whole vocabulary": ("sentences", "whole", None),
    "document in windows of 256, whole vocabulary": (WINDOWS, "whole", 256),
    "document in windows of 256, 65,536-token vocabulary (the finder's pass)": (WINDOWS, "short", 256),
    "document in windows of 512, 65,536-token vocabulary": (WINDOWS, "short", 512),
    "document in windows of 1,024, 65,536-token vocabulary": (WINDOWS, "short", 1024),
}


def configured(lm: LanguageModel, way: tuple, shortlist) -> str:
    """Set `lm` up for `way` (its vocabulary and window) and say how it reads."""
    how, vocabulary, window = way
    lm.shortlist = shortlist if vocabulary == "short" else None
    if window is not None:
        lm.config.window_tokens = window
    return how


def profile(lm: LanguageModel, how: str, data, judged=None) -> dict:
    """Seconds per stage and token counts of one reading of `data` (in windows, of the words
    `judged` accepts, as the finder reads)."""
    seconds: Counter = Counter()
    counts: Counter = Counter()
    body = lm.model.base_model
    body_forward, plain_output_layer = body.forward, output_layer.target_surprisal_and_best

    def timed_body(*a, **k):
        counts["tokens read"] += int(k["attention_mask"].sum())
        counts["padded tokens"] += int(k["input_ids"].numel())
        started = time.perf_counter()
        try:
            return body_forward(*a, **k)
        finally:
            seconds["body"] += time.perf_counter() - started

    def timed_output_layer(hidden, *a, **k):
        counts["positions scored"] += int(hidden.shape[0])
        started = time.perf_counter()
        try:
            return plain_output_layer(hidden, *a, **k)
        finally:
            seconds["output layer"] += time.perf_counter() - started

    body.forward, output_layer.target_surprisal_and_best = timed_body, timed_output_layer
    try:
        started = time.perf_counter()
        read(lm, how, data, judged=judged)
        total = time.perf_counter() - started
    finally:
        body.forward, output_layer.target_surprisal_and_best = body_forward, plain_output_layer
    seconds["rest"] = total - sum(seconds.values())
    return {
        "counts": dict(counts),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "total_s": round(total, 3),
        "sentences_per_s": round(len(data.texts) / total, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=120)
    parser.add_argument("--dtype", default="bfloat16", choices=("float32", "bfloat16"))
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"), help="whose LM stack says which words are scored")
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-pass-profile"))
    args = parser.parse_args()
    data = sample(Path(args.data_dir), args.sentences)
    lm = LanguageModel.from_pretrained(dtype=args.dtype, progress=False)
    shortlist = lm.shortlist  # the shipped vocabulary (LMConfig.vocabulary)
    judged = LMStack.load(args.model).judged  # the words the finder scores
    for way in WAYS.values():  # warm-up
        read(lm, configured(lm, way, shortlist), data, first=16)
    passes = {name: [] for name in WAYS}
    for _ in range(args.passes):  # interleaved; the pass with the median total is kept
        for name, way in WAYS.items():
            passes[name].append(profile(lm, configured(lm, way, shortlist), data, judged))
    ways = {name: sorted(p, key=lambda x: x["total_s"])[len(p) // 2] for name, p in passes.items()}
    n = len(data.texts)
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "dtype": args.dtype,
        "sentences": n,
        "words_per_sentence": round(sum(len(s.split()) for s in data.texts) / n, 1),
        "vocabulary": lm.config.vocabulary,
        "context_tokens": lm.config.context_tokens,
        "ways": ways,
    }
    lines = [
        "# The language model's pass: where the time goes",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}; Gemma 3 270M in {args.dtype}",
        f"- {n} sentences of WMT23 original English ({result['words_per_sentence']} words each on average), batches of"
        f" {lm.config.batch_size}; windows of the tokens named, each after {lm.config.context_tokens} before it;"
        f" {args.passes} interleaved passes of each after a warm-up, the one with the median total shown;"
        " in windows only the words the finder scores are read out (`LMStack.judged`: no word with a capital)",
        "",
        "| reading | stage | seconds | share | per sentence |",
        "|---|---|---:|---:|---:|",
    ]
    for name, way in ways.items():
        total = way["total_s"]
        lines += [f"| {name} | {k} | {v:.2f} | {v / total:.0%} | {1000 * v / n:.0f} ms |" for k, v in way["seconds"].items()]
        lines.append(f"| {name} | total | {total:.2f} | 100% | {1000 * total / n:.0f} ms |")
    lines += ["", "| reading | sentences/s | tokens read a sentence (padded) | positions scored a sentence |", "|---|---:|---:|---:|"]
    for name, way in ways.items():
        c = way["counts"]
        lines.append(
            f"| {name} | {way['sentences_per_s']:.1f} | {c['tokens read'] / n:.0f} ({c['padded tokens'] / n:.0f}) | {c['positions scored'] / n:.0f} |"
        )
    lines.append("")
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
