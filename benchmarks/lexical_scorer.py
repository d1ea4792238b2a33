"""What the lexical MT scorer (detector/lexical.py) adds to scoring: its time per sentence next to
the classifier's forward, in one run on the same sentences.

    python benchmarks/lexical_scorer.py --model default --sentences 1000 --repeats 5

Sentences are WMT18 DeepL output and human translations (the data folder), with their neighbours
as context, as `detector score` feeds them (the scorer's own window when it reads a wider one).
Times the encoder's forward alone (torch fp32, batch 16, length-sorted) and the lexical scorer's
logits alone; reports medians and their ratio. With a document-level scorer (`document_lexical`),
also its time over the same sentences joined into documents of `--document-lines` lines.
Writes benchmarks/lexical_scorer.md and .json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine
from benchmarks.throughput import write_report
from detector.detector import model_directory
from detector.model import ArtifactClassifier
from training.config import DEFAULT_DATA_DIR
from training.corpus import sentence_context


def sentences(data_dir: Path, n: int) -> list[str]:
    lines: list[str] = []
    for kind in ("deepl", "human-translation"):
        lines += (data_dir / "wmt-ht-mt" / "dev" / f"wmt18.de-original.{kind}.en").read_text(encoding="utf-8").splitlines()[: n // 2]
    return lines


def contexts(lines: list[str], window: int) -> list[str]:
    """The `window` lines each side of each line, as the corpus and the detector build a context."""
    return [sentence_context(lines, i, window) for i in range(len(lines))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--document-lines", type=int, default=30)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "lexical_scorer"))
    args = parser.parse_args()
    model = ArtifactClassifier.from_pretrained(model_directory(args.model))
    if model.lexical is None:
        raise SystemExit(f"the model at {model_directory(args.model)} has no lexical MT scorer")
    texts = sentences(Path(args.data_dir), args.sentences)
    around, lexical_around = contexts(texts, model.config.context_window), contexts(texts, model.lexical_window or model.config.context_window)
    k = args.document_lines
    documents = ["\n".join(texts[i : i + k]) for i in range(0, len(texts), k)]
    forward, scorer, document = [], [], []
    for _ in range(args.repeats):  # interleaved, so drift in the machine hits all alike
        started = time.perf_counter()
        model.predict_logits(texts, around, batch_size=args.batch_size, stack=False)  # the forward alone
        forward.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.lexical.logits(texts, lexical_around)
        scorer.append(time.perf_counter() - started)
        if model.document_lexical is not None:
            started = time.perf_counter()
            model.document_lexical.logits(documents)
            document.append(time.perf_counter() - started)
    f, s = statistics.median(forward), statistics.median(scorer)
    d = statistics.median(document) if document else None
    n = len(texts)
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": describe_machine(torch.get_num_threads()),
        "model": model.config.name,
        "sentences": n,
        "repeats": args.repeats,
        "forward_s": forward,
        "lexical_s": scorer,
        "forward_ms_per_sentence": 1000 * f / n,
        "lexical_ms_per_sentence": 1000 * s / n,
        "lexical_over_forward": s / f,
        "lexical_window": model.lexical_window or 0,
        "document_lexical_s": document,
        "document_lexical_ms_per_sentence": 1000 * d / n if d is not None else None,
        "document_lines": k,
    }
    lines = [
        "# Lexical MT scorer vs the classifier's forward",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; model: {result['model']}",
        f"- machine: {result['machine']}",
        f"- {n} WMT18 sentences (DeepL and human translations) with context; median of {args.repeats} interleaved repeats",
        "",
        "| step | ms per sentence | sentences/s |",
        "|---|---|---|",
        f"| classifier forward, torch fp32, batch {args.batch_size} | {result['forward_ms_per_sentence']:.2f} | {n / f:.1f} |",
        f"| lexical scorer (hashed n-grams, Python; context window {result['lexical_window']}) | {result['lexical_ms_per_sentence']:.2f} | {n / s:.1f} |",
    ]
    if d is not None:
        lines.append(f"| document-level lexical scorer ({len(documents)} documents of {k} lines) | {1000 * d / n:.2f} | {n / d:.1f} |")
    lines += ["", f"The lexical scorer costs {s / f:.1%} of the fp32 forward's time in this run."]
    if d is not None:
        lines.append(f"The document-level scorer costs {d / f:.1%} of it: it reads each sentence once, with no context.")
    lines.append("")
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
