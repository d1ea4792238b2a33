"""How strict may the duplicate finder's lexical prefilter be? Recall, false flags and encoder work.

    python benchmarks/duplicate_prefilter.py --config configs/release.yaml [--docs 150] [--split validation]

Before any embedding, the duplicate finder keeps only unit pairs whose shorter side has at least
`min_shared_content` of its content words in the longer, and that sit at most `max_line_distance`
lines apart. This plants one reworded copy (an en-pt-en Marian round trip, else an
embedding-spinner rewrite) after a random sentence of human news blocks of one split (validation
by default: settings are chosen there), and for each setting reports: the share of planted copies
found, sentences flagged that are not part of the planted pair, reworded-copy flags on real human
documents of that split (article-length, as the human false-positive report builds them), and how
many units the encoder must embed on the throughput benchmark's documents. It also gives the
shared-content share of the planted pairs that pass the cosine check, i.e. how much margin a value
leaves. Writes benchmarks/duplicate_prefilter.md.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import documents
from detector import Detector
from detector.evidence.duplicates import DuplicateConfig, DuplicateFinder
from detector.text.segment import segment
from detector.text.words import content_stems
from training.config import TrainConfig
from training.corpus import CorpusBuilder
from training.human_false_positives import human_documents

SETTINGS = "0.35/any,0.35/3,0.35/2,0.35/1,0.5/any"  # min_shared_content/max_line_distance ("any": no limit)


def planted_documents(builder: CorpusBuilder, n: int, seed: int, split: str) -> list[tuple[str, list[str], int]]:
    """(copy kind, lines, index of the original line) for n human blocks of one split."""
    rng = random.Random(seed)
    roundtrips = builder.roundtrips_for(split, 1500)
    docs = []
    for _, sentences in builder.human_sentences(split):
        candidates = [i for i, s in enumerate(sentences) if 6 <= len(s.split()) <= 45]
        if not candidates:
            continue
        i = rng.choice(candidates)
        kind = "round trip" if sentences[i] in roundtrips and rng.random() < 0.8 else "spinner"
        copy = roundtrips[sentences[i]] if kind == "round trip" else builder.embedding_spinner.spin(sentences[i], rng).text
        if copy.strip() == sentences[i].strip():
            continue
        original = sentences[i]
        if rng.random() < 0.5:  # captions carry no final period
            original, copy = original.rstrip("."), copy.rstrip(".")
        docs.append((kind, sentences[:i] + [original, copy] + sentences[i + 1 :], i))
        if len(docs) >= n:
            break
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--docs", type=int, default=150)
    parser.add_argument("--settings", default=SETTINGS, help="min_shared_content/max_line_distance pairs, comma-separated")
    parser.add_argument("--split", default="validation", help="where copies are planted and human documents read")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "duplicate_prefilter.md"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    builder = CorpusBuilder(config.corpus)
    encoder = Detector.from_pretrained("evidence-baseline").encoder
    docs = planted_documents(builder, args.docs, args.seed, args.split)
    throughput_docs = [segment(t) for t in documents(60, Path(config.corpus.data_dir))]
    human = [segment(t) for _, _, t in human_documents(config, 2, split=args.split)]
    human_sentences = sum(len(d.sentences) for d in human)
    kinds = sorted({k for k, _, _ in docs})
    rows = []
    for setting in args.settings.split(","):
        share, distance = setting.split("/")
        value = (float(share), None if distance == "any" else int(distance))
        finder = DuplicateFinder(encoder, DuplicateConfig(min_shared_content=value[0], max_line_distance=value[1]))
        hits = {k: [] for k in kinds}
        false_flags = 0
        for kind, lines, i in docs:
            doc = segment("\n".join(lines))
            found = {k for k, evs in finder.find(doc).items() if any(e.rule == "reworded_copy" for e in evs)}
            pair = {s.index for s in doc.sentences if s.paragraph in (i, i + 1)}
            hits[kind].append(bool(found & pair))
            false_flags += len(found - pair)
        embedded = sum(len(finder.plan(d).needed) for d in throughput_docs)
        human_flags = sum(any(e.rule == "reworded_copy" for e in evs) for found in finder.find_many(human) for evs in found.values())
        rows.append((value, {k: float(np.mean(v)) for k, v in hits.items()}, false_flags, human_flags, embedded))
    margins = []
    cfg = DuplicateConfig()
    for _, lines, i in docs:
        a, b = content_stems(lines[i]), content_stems(lines[i + 1])
        emb = encoder.encode([lines[i], lines[i + 1]])
        if float(emb[0] @ emb[1]) >= cfg.min_cosine:
            margins.append(len(a & b) / max(1, min(len(a), len(b))))
    pct = np.percentile(margins, [0, 1, 5, 10]) if margins else [float("nan")] * 4
    units = sum(len(DuplicateFinder(encoder).plan(d).units) for d in throughput_docs)
    lines = [
        "# Duplicate finder: lexical prefilter strictness",
        "",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        (
            f"- {len(docs)} held-out news blocks with one planted reworded copy ({', '.join(f'{k}: {sum(x == k for x, _, _ in docs)}' for k in kinds)});"
            f" encoder work on the 60 throughput documents ({units} units)"
        ),
        f"- {args.split} split; shipped values: min_shared_content = {cfg.min_shared_content}, max_line_distance = {cfg.max_line_distance}",
        f"- human documents: {len(human)} article-length documents of the {args.split} split's human lines ({human_sentences} sentences),"
        " flags counted at any confidence (the detector flags only those at or above its threshold)",
        "",
        "| min_shared_content | max_line_distance | "
        + " | ".join(f"{k} copies found" for k in kinds)
        + " | other sentences flagged (planted documents) | sentences flagged (human documents) | units embedded |",
        "|---|---|" + "---|" * (len(kinds) + 3),
        *[
            f"| {v[0]} | {v[1] or 'any'} | " + " | ".join(f"{hit[k]:.3f}" for k in kinds) + f" | {ff} | {hf} | {emb} |"
            for v, hit, ff, hf, emb in rows
        ],
        "",
        (
            f"Planted pairs above the cosine threshold ({len(margins)}): shared-content share min {pct[0]:.2f}, "
            f"1st percentile {pct[1]:.2f}, 5th {pct[2]:.2f}, 10th {pct[3]:.2f}."
        ),
        "",
    ]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
