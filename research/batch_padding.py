"""Probe (issue 18 item 7): batches sorted by characters or by tokens, how much they pad and how long
their forward takes.

    python research/batch_padding.py [--docs 16] [--repeats 3] [--data-dir ../shared/data]

The documents of benchmarks/throughput.py (one `docs_per_batch` group: 16), their sentences as the
pipeline batches them for the classifier (sentence + neighbours, batch size 16), and the texts the
duplicate finder embeds for them (its plan's units). Each way of sorting is timed over the same
texts, the two in turn, `--repeats` times; medians. Writes research/batch-padding.md and .json.
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

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import documents, write_report  # noqa: E402
from detector import Detector  # noqa: E402
from detector.scoring import pair_tokens  # noqa: E402
from detector.scoring.encoder import SentenceEncoder  # noqa: E402
from detector.text.segment import segment  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402


def by_characters(self, sentence, texts):
    return len(sentence) + len(" ".join(texts))  # the order before: characters of sentence and context


def classifier_pass(predictor, sentences, neighbours, sort) -> tuple[int, int, float]:
    """(padded tokens, real tokens, seconds) of the classifier's batches under `sort`."""
    contexts = [" ".join(n) for n in neighbours]
    saved = pair_tokens.PairTokenizer.length
    pair_tokens.PairTokenizer.length = saved if sort == "tokens" else by_characters
    try:
        batches = [b for _, b in predictor.sorted_batches(sentences, contexts, 16, neighbours=neighbours)]
    finally:
        pair_tokens.PairTokenizer.length = saved
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            predictor.run_batch(batch)
    seconds = time.perf_counter() - started
    masks = [b.tensors["attention_mask"] for b in batches]
    return sum(m.numel() for m in masks), sum(int(m.sum()) for m in masks), seconds


def encoder_pass(encoder: SentenceEncoder, texts, sort) -> tuple[int, int, float]:
    """The same for the duplicate finder's encoder."""
    encoded = encoder.tokenizer(list(texts), truncation=True, max_length=encoder.config.max_length)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    key = (lambda i: lengths[i]) if sort == "tokens" else (lambda i: len(texts[i]))
    order = sorted(range(len(texts)), key=key)
    size = encoder.config.batch_size
    batches = [encoder._padded(encoded, order[lo : lo + size]) for lo in range(0, len(order), size)]
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            encoder.model(**batch)
    seconds = time.perf_counter() - started
    return sum(b["attention_mask"].numel() for b in batches), sum(lengths), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    args = parser.parse_args()
    detector = Detector.from_pretrained("default")
    predictor, encoder = detector.predictor, detector.encoder
    docs = [segment(t) for t in documents(args.docs, Path(args.data_dir))]
    window = predictor.config.context_window
    sentences = [s.text for d in docs for s in d.sentences]
    neighbours = [d.neighbours(s.index, window) for d in docs for s in d.sentences]
    finder = next(f for f in detector.finders if hasattr(f, "plan"))
    units = sorted({t for d in docs for t in finder.plan(d).texts})
    passes = {
        "classifier": lambda sort: classifier_pass(predictor, sentences, neighbours, sort),
        "duplicate encoder": lambda sort: encoder_pass(encoder, units, sort),
    }
    result = {
        "command": "python research/batch_padding.py " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": describe_machine(),
        "documents": args.docs,
        "passes": {},
    }
    for name, run in passes.items():
        seconds = {"characters": [], "tokens": []}
        for _ in range(args.repeats):
            for sort in seconds:
                padded, real, took = run(sort)
                seconds[sort].append(took)
                result["passes"].setdefault(name, {})[sort] = {"padded": padded, "real": real}
        for sort, times in seconds.items():
            result["passes"][name][sort]["seconds"] = statistics.median(times)
    lines = [
        "# Batches sorted by characters or by tokens",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; machine: {result['machine']}",
        f"- {args.docs} documents ({len(sentences)} sentences, {len(units)} texts for the duplicate finder); batch size 16;"
        f" medians of {args.repeats} passes, the two sorts in turn",
        "",
        "| pass | sorted by | tokens, padded | real | padding | forward (s) | time vs characters |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, sorts in result["passes"].items():
        for sort, m in sorts.items():
            lines.append(
                f"| {name} | {sort} | {m['padded']:,} | {m['real']:,} | {1 - m['real'] / m['padded']:.1%} | {m['seconds']:.2f}"
                f" | {m['seconds'] / sorts['characters']['seconds']:.2f} |"
            )
    lines.append("")
    write_report(ROOT / "research" / "batch-padding", lines, result)


if __name__ == "__main__":
    main()
