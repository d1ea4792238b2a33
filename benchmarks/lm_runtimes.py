"""The language model's pass on CPU, per runtime: sentences a second and agreement with fp32.

    python benchmarks/lm_runtimes.py [--sentences 120] [--repeats 3] [--data-dir ../shared/data]

Sentences are consecutive sentences of WMT23 original English news. Two ways of reading them: each
sentence after the text before it (at most `LMConfig.context_chars`; `word_surprisals`, the base),
and the document tokenised once and read in windows (`read_documents`, as the improbable-words
finder reads a document: each token after at least `LMConfig.context_tokens` tokens). Runtimes:
transformers fp32 and bf16, sentence by sentence and by windows, the output layer over the whole
vocabulary or over the shipped 65,536 tokens (LMConfig.vocabulary, detector/lm/vocabulary.py);
ONNX Runtime fp32 running the exported body by windows (`runtime="onnxruntime"`,
detector/lm/onnx_body.py); and llama.cpp on the GGUF itself (when `llama-cpp-python` is
installed). For each:
sentences/second (median of interleaved repeats), the largest word-surprisal difference from fp32
with the full context, and the share of words whose "named at the word bar" call differs. Writes
benchmarks/lm_runtimes.md and .json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import write_report  # noqa: E402
from detector.evidence.improbable_words import score_words  # noqa: E402
from detector.lm.model import CONTEXT_CHARS, LanguageModel  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402
from detector.text.segment import segment  # noqa: E402

BASE = "transformers fp32, sentence by sentence"
WINDOWS = "document in windows"
WHOLE = {"vocabulary": None}  # the output layer over all 262,144 tokens
VARIANTS = {  # name -> (LMConfig options, how the text is read)
    BASE: ({"dtype": "float32", **WHOLE}, "sentences"),
    "transformers bf16, sentence by sentence": ({"dtype": "bfloat16", **WHOLE}, "sentences"),
    f"transformers fp32, {WINDOWS}": ({"dtype": "float32", **WHOLE}, WINDOWS),
    f"transformers bf16, {WINDOWS}": ({"dtype": "bfloat16", **WHOLE}, WINDOWS),
    f"transformers fp32, {WINDOWS}, 65,536-token vocabulary (the finder's pass without AVX-512 BF16)": ({"dtype": "float32"}, WINDOWS),
    f"transformers bf16, {WINDOWS}, 65,536-token vocabulary (the finder's pass with it)": ({"dtype": "bfloat16"}, WINDOWS),
    f"onnxruntime fp32 (the body exported), {WINDOWS}, 65,536-token vocabulary": ({"runtime": "onnxruntime"}, WINDOWS),
    "llama.cpp (Q4_K_M GGUF, `llama-cpp-python`), sentence by sentence": ({"runtime": "llama-cpp", **WHOLE}, "sentences"),
}


@dataclass(frozen=True)
class Sample:
    """The first sentences of a document: each with the text before it, and their spans in it."""

    texts: list[str]
    contexts: list[str]
    document: str
    spans: list[tuple[int, int]]


def sample(data_dir: Path, n: int) -> Sample:
    """The first `n` sentences of WMT23 original English (its lines are paragraphs of about 77 words,
    segmented as `detector score` segments them)."""
    lines = [x.strip() for x in (data_dir / "wmt23" / "en-original.human.en").read_text(encoding="utf-8").splitlines()]
    doc = segment("\n".join(x for x in lines if x))
    chosen = doc.sentences[:n]
    return Sample(
        [s.text for s in chosen],
        [doc.text[max(0, s.start - 2 * CONTEXT_CHARS) : s.start] for s in chosen],
        doc.text[: chosen[-1].end],
        [(s.start, s.end) for s in chosen],
    )


def read(lm: LanguageModel, how: str, data: Sample, first: int | None = None, judged=None) -> list:
    """Each sentence's words, read as `how` says (the first `first` sentences only, for a warm-up);
    in windows, only the words `judged` accepts are read out, as the finder reads (LMStack.judged)."""
    k = len(data.texts) if first is None else first
    if how == WINDOWS:
        return lm.read_documents([data.document], [data.spans[:k]], judged)[0]
    return lm.word_surprisals(data.texts[:k], data.contexts[:k])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "lm_runtimes"))
    args = parser.parse_args()
    data = sample(Path(args.data_dir), args.sentences)
    texts = data.texts
    stack = LMStack.load(args.model)
    models = {}
    for name, (options, _) in VARIANTS.items():
        try:
            models[name] = LanguageModel.from_pretrained(**options)
        except ImportError as exc:  # llama.cpp is optional (it builds from source)
            print(f"{name} skipped: {exc}", file=sys.stderr)
    for name, lm in models.items():  # warm-up
        read(lm, VARIANTS[name][1], data, first=8)
    seconds: dict[str, list[float]] = {k: [] for k in models}
    readings = {}
    for _ in range(args.repeats):  # interleaved, so drift of the machine hits every runtime alike
        for name, lm in models.items():
            started = time.perf_counter()
            readings[name] = read(lm, VARIANTS[name][1], data, judged=stack.judged)
            seconds[name].append(time.perf_counter() - started)
    weights = stack.word_scoring

    def scored_words(name, k):
        return [w.word.text for w in score_words(readings[name][k], *weights)]

    def improbability(name, keep):
        return np.asarray([w.improbability for k in keep for w in score_words(readings[name][k], *weights)])

    rows = {}
    for name in models:
        # sentences whose words the runtime reads as the base does (a shorter context can move a
        # sentence's first token boundary)
        keep = [k for k in range(len(texts)) if scored_words(name, k) == scored_words(BASE, k)]
        mine, base = improbability(name, keep), improbability(BASE, keep)
        rows[name] = {
            "sentences_per_s": round(len(texts) / statistics.median(seconds[name]), 2),
            "sentences_compared": len(keep),
            "max_improbability_diff": round(float(np.abs(mine - base).max()), 3),
            "median_improbability_diff": round(float(np.median(np.abs(mine - base))), 3),
            "named_calls_differ": round(float(np.mean((mine >= stack.word_bar) != (base >= stack.word_bar))), 5),
            "marked_calls_differ": round(float(np.mean((mine >= stack.mark_bar) != (base >= stack.mark_bar))), 5),
        }
    base = improbability(BASE, range(len(texts)))
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "sentences": len(texts),
        "words": int(len(base)),
        "repeats": args.repeats,
        "runtimes": rows,
    }
    lines = [
        "# Language-model pass on CPU, per runtime",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- {len(texts)} sentences of WMT23 original English ({len(base)} words), each read after the text before it;"
        f" median of {args.repeats} interleaved repeats; differences against {BASE} (context {CONTEXT_CHARS} chars)",
        "",
        "| runtime | sentences/s | sentences compared | improbability difference (nats): median | largest | named-word calls that differ | marked-word calls that differ |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {k} | {v['sentences_per_s']:.2f} | {v['sentences_compared']} | {v['median_improbability_diff']} | {v['max_improbability_diff']} | {v['named_calls_differ']} | {v['marked_calls_differ']} |"
            for k, v in rows.items()
        ],
        "",
    ]
    for lm in models.values():
        if lm.runtime is not None:
            lm.runtime.close()
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
