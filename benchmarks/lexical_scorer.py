"""What the lexical MT scorer (detector/scoring/lexical_mt.py) adds to scoring: its time per sentence next to
the classifier's forward, in one run on the same sentences.

    python benchmarks/lexical_scorer.py --model default --sentences 1000 --repeats 5

Sentences are WMT18 DeepL output and human translations (the data folder), cut into documents of
`--document-lines` lines, with their neighbours in the document as context (the scorer's own
window when it reads a wider one). Times the encoder's forward alone (torch fp32, batch 16,
length-sorted) and the lexical scorer's logits alone, two ways: from context strings (training's
path), and as `detector score` computes them (`windowed_logits`: each sentence hashed once for
itself and once as context); the same numbers, checked. Also the training side: the scorer's
feature matrix built from context strings (`featurize`) and as `training.lexical_mt.fit_lexical_on_blocks`
builds it (`windowed_features`), the same matrix, checked. With a document-level scorer
(`document_lexical`), also its time over the same documents. Reports medians and ratios.
Writes benchmarks/lexical_scorer.md and .json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine
from benchmarks.throughput import write_report
from detector.scoring.lexical_mt import featurize, windowed_features
from detector.scoring.model_folder import model_directory
from detector.scoring.predictor import Predictor
from training.config import DEFAULT_DATA_DIR
from training.corpus import sentence_context


def sentences(data_dir: Path, n: int) -> list[str]:
    lines: list[str] = []
    for kind in ("deepl", "human-translation"):
        lines += (data_dir / "wmt-ht-mt" / "dev" / f"wmt18.de-original.{kind}.en").read_text(encoding="utf-8").splitlines()[: n // 2]
    return lines


def contexts(documents: list[list[str]], window: int) -> list[str]:
    """The `window` lines each side of each line in its document, as the corpus and the detector build a context."""
    return [sentence_context(lines, i, window) for lines in documents for i in range(len(lines))]


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
    model = Predictor.from_pretrained(model_directory(args.model))
    if model.lexical is None:
        raise SystemExit(f"the model at {model_directory(args.model)} has no lexical MT scorer")
    texts = sentences(Path(args.data_dir), args.sentences)
    k = args.document_lines
    chunks = [texts[i : i + k] for i in range(0, len(texts), k)]
    documents = ["\n".join(chunk) for chunk in chunks]
    window = model.lexical_window or model.config.context_window
    around, lexical_around = contexts(chunks, model.config.context_window), contexts(chunks, window)
    forward, scorer, windowed, document, rows_strings, rows_windowed = [], [], [], [], [], []
    for _ in range(args.repeats):  # interleaved, so drift in the machine hits all alike
        started = time.perf_counter()
        model.predict_logits(texts, around, batch_size=args.batch_size, stack=False)  # the forward alone
        forward.append(time.perf_counter() - started)
        started = time.perf_counter()
        from_strings = model.lexical.logits(texts, lexical_around)
        scorer.append(time.perf_counter() - started)
        started = time.perf_counter()
        from_pieces = model.lexical_logits_in_documents(chunks)
        windowed.append(time.perf_counter() - started)
        if model.document_lexical is not None:
            started = time.perf_counter()
            model.document_lexical.logits(documents)
            document.append(time.perf_counter() - started)
        started = time.perf_counter()
        matrix_strings = featurize(texts, model.lexical.config, lexical_around)
        rows_strings.append(time.perf_counter() - started)
        started = time.perf_counter()
        matrix_windowed = windowed_features(chunks, model.lexical.config, window)
        rows_windowed.append(time.perf_counter() - started)
    gap = float(np.max(np.abs(from_strings - from_pieces)))
    if gap > 1e-4:
        raise SystemExit(f"windowed_logits differ from the string path by {gap}")
    matrix_gap = float(abs(matrix_strings - matrix_windowed).max())
    if matrix_gap > 1e-5:
        raise SystemExit(f"windowed_features differ from featurize by {matrix_gap}")
    rs, rw = statistics.median(rows_strings), statistics.median(rows_windowed)
    w = statistics.median(windowed)
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
        "windowed_s": windowed,
        "windowed_ms_per_sentence": 1000 * w / n,
        "windowed_max_abs_difference": gap,
        "document_lexical_s": document,
        "document_lexical_ms_per_sentence": 1000 * d / n if d is not None else None,
        "document_lines": k,
        "training_rows_from_strings_s": rows_strings,
        "training_rows_windowed_s": rows_windowed,
        "training_rows_max_abs_difference": matrix_gap,
    }
    lines = [
        "# Lexical MT scorer vs the classifier's forward",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; model: {result['model']}",
        f"- machine: {result['machine']}",
        f"- {n} WMT18 sentences (DeepL and human translations) in documents of {k} lines, with context; median of {args.repeats} interleaved repeats",
        "",
        "| step | ms per sentence | sentences/s |",
        "|---|---|---|",
        f"| classifier forward, torch fp32, batch {args.batch_size} | {result['forward_ms_per_sentence']:.2f} | {n / f:.1f} |",
        f"| lexical scorer from context strings (hashed n-grams, Python; context window {result['lexical_window']}) | {result['lexical_ms_per_sentence']:.2f} | {n / s:.1f} |",
        f"| lexical scorer as `detector score` runs it (`windowed_logits`) | {1000 * w / n:.2f} | {n / w:.1f} |",
    ]
    if d is not None:
        lines.append(f"| document-level lexical scorer ({len(documents)} documents of {k} lines) | {1000 * d / n:.2f} | {n / d:.1f} |")
    lines += [
        f"| training: feature rows from context strings (`featurize`) | {1000 * rs / n:.2f} | {n / rs:.1f} |",
        f"| training: feature rows as `fit_lexical_on_blocks` builds them (`windowed_features`) | {1000 * rw / n:.2f} | {n / rw:.1f} |",
    ]
    lines += [
        "",
        f"The lexical scorer costs {w / f:.1%} of the fp32 forward's time in this run as the detector runs it "
        f"({s / f:.1%} from context strings; `windowed_logits` takes {w / s:.2f} of that time, "
        f"its logits within {gap:.1e} of the string path's).",
    ]
    if d is not None:
        lines.append(f"The document-level scorer costs {d / f:.1%} of it: it reads each sentence once, with no context.")
    lines.append(
        f"Building the training rows with `windowed_features` takes {rw / rs:.2f} of the string path's time (same matrix, within {matrix_gap:.1e})."
    )
    lines.append("")
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
