"""Where the language model's pass spends its time, and how fast it could be (issue 22 item 4).

    python research/lm_pass_profile.py [--sentences 120] [--dtype bfloat16]

Reads real sentences (WMT23 original English lines, segmented as `detector score` segments them),
each after the 400 characters before it, as the improbable-words finder does, and times the stages
of `LanguageModel.word_surprisals`: the transformer over context and sentence (`body`), the output
layer at the sentence's positions (`head`: 262,144 tokens x 640), the log-softmax, and the rest
(float conversion, argmax, gather, tokenising, word assembly). It counts the tokens the body reads
and the positions the head scores, and from the measured per-token costs gives two ceilings: a
pass that reads each token of a document once (a key/value cache across sentences instead of
re-reading 400 characters for every sentence), and the head alone. Writes
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

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import write_report  # noqa: E402
from detector.lm.model import LanguageModel  # noqa: E402
from detector.text.segment import segment  # noqa: E402


class Timed:
    """Adds a callable's wall time to `seconds[label]` (the calls run in this thread, one at a time)."""

    def __init__(self, seconds: Counter, label: str, fn):
        self.seconds, self.label, self.fn = seconds, label, fn

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds[self.label] += time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=120)
    parser.add_argument("--dtype", default="bfloat16", choices=("float32", "bfloat16"))
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-pass-profile"))
    args = parser.parse_args()
    lines = [x.strip() for x in (Path(args.data_dir) / "wmt23" / "en-original.human.en").read_text(encoding="utf-8").splitlines()]
    doc = segment("\n".join(x for x in lines[:200] if x))
    chosen = doc.sentences[: args.sentences]
    lm = LanguageModel.from_pretrained(dtype=args.dtype, progress=False)
    sentences = [s.text for s in chosen]
    contexts = [doc.text[max(0, s.start - lm.config.context_chars) : s.start] for s in chosen]
    lm.word_surprisals(sentences[:8], contexts[:8])  # warm-up

    seconds: Counter = Counter()
    counts: Counter = Counter()
    body, head = lm.model.base_model, lm.model.get_output_embeddings()
    body_forward, head_forward, log_softmax = body.forward, head.forward, torch.log_softmax

    def counted_body(*a, **k):
        counts["tokens read"] += int(k["attention_mask"].sum()) if "attention_mask" in k else 0
        counts["padded tokens"] += int(k["input_ids"].numel()) if "input_ids" in k else 0
        return Timed(seconds, "body", body_forward)(*a, **k)

    def counted_head(x):
        counts["positions scored"] += int(x.shape[0])
        return Timed(seconds, "head", head_forward)(x)

    body.forward, head.forward = counted_body, counted_head
    torch.log_softmax = Timed(seconds, "log-softmax", log_softmax)
    try:
        started = time.perf_counter()
        lm.word_surprisals(sentences, contexts)
        total = time.perf_counter() - started
    finally:
        body.forward, head.forward, torch.log_softmax = body_forward, head_forward, log_softmax
    seconds["rest"] = total - sum(seconds.values())
    per_token_body = seconds["body"] / counts["padded tokens"]
    per_position_head = (seconds["head"] + seconds["log-softmax"] + seconds["rest"]) / counts["positions scored"]
    # a document read once: the body reads each sentence's own tokens (its positions plus one), the
    # head and the rest cost what they cost now
    once = per_token_body * (counts["positions scored"] + len(sentences)) + per_position_head * counts["positions scored"]
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "dtype": args.dtype,
        "sentences": len(sentences),
        "words_per_sentence": round(sum(len(s.split()) for s in sentences) / len(sentences), 1),
        "counts": dict(counts),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "total_s": round(total, 3),
        "sentences_per_s": round(len(sentences) / total, 2),
        "ceiling_read_once_sentences_per_s": round(len(sentences) / once, 2),
        "ceiling_head_alone_sentences_per_s": round(len(sentences) / (seconds["head"] + seconds["log-softmax"]), 2),
    }
    n = len(sentences)
    lines_out = [
        "# The language model's pass: where the time goes",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}; Gemma 3 270M in {args.dtype}",
        f"- {n} sentences of WMT23 original English ({result['words_per_sentence']} words each on average), each read after"
        f" the {lm.config.context_chars} characters before it, batches of {lm.config.batch_size}; one pass after a warm-up",
        "",
        "| stage | seconds | share | per sentence |",
        "|---|---:|---:|---:|",
        *[f"| {k} | {v:.2f} | {v / total:.0%} | {1000 * v / n:.0f} ms |" for k, v in seconds.items()],
        f"| total | {total:.2f} | 100% | {1000 * total / n:.0f} ms |",
        "",
        f"The body read {counts['padded tokens']} tokens ({counts['tokens read']} without padding), "
        f"{counts['padded tokens'] / n:.0f} a sentence, to score {counts['positions scored']} positions "
        f"({counts['positions scored'] / n:.0f} a sentence): most of what it reads is context read again for every sentence.",
        "",
        f"- now: {result['sentences_per_s']:.1f} sentences/s",
        f"- reading each token of a document once (a key/value cache carried across its sentences; the"
        f" head and the rest unchanged): at most {result['ceiling_read_once_sentences_per_s']:.1f} sentences/s",
        f"- the output layer and its log-softmax alone (262,144-token vocabulary, at every scored position):"
        f" {result['ceiling_head_alone_sentences_per_s']:.1f} sentences/s",
        "",
    ]
    write_report(Path(args.out), lines_out, result)


if __name__ == "__main__":
    main()
