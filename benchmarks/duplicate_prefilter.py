"""How strict may the duplicate finder's lexical prefilter be? Recall, false flags and encoder work.

    python benchmarks/duplicate_prefilter.py --config configs/release.yaml [--docs 150]

Before any embedding, the duplicate finder keeps only unit pairs whose shorter side has at least
`min_shared_content` of its content words in the longer. This plants one reworded copy (an
en-pt-en Marian round trip, else an embedding-spinner rewrite) after a random sentence of held-out
human news blocks, and for several values reports: the share of planted copies found, sentences
flagged that are not part of the planted pair, and how many units the encoder must embed on the
throughput benchmark's documents. It also gives the shared-content share of the planted pairs that
pass the cosine check, i.e. how much margin a value leaves. Writes benchmarks/duplicate_prefilter.md.
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


def planted_documents(builder: CorpusBuilder, n: int, seed: int) -> list[tuple[str, list[str], int]]:
    """(copy kind, lines, index of the original line) for n held-out human blocks."""
    rng = random.Random(seed)
    roundtrips = builder.roundtrips_for("test", 1500)
    docs = []
    for _, sentences in builder.human_sentences("test"):
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
    parser.add_argument("--values", default="0.25,0.35,0.4,0.5")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "duplicate_prefilter.md"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    builder = CorpusBuilder(config.corpus)
    encoder = Detector.from_pretrained("evidence-baseline").encoder
    docs = planted_documents(builder, args.docs, args.seed)
    throughput_docs = [segment(t) for t in documents(60, Path(config.corpus.data_dir))]
    kinds = sorted({k for k, _, _ in docs})
    rows = []
    for value in (float(v) for v in args.values.split(",")):
        finder = DuplicateFinder(encoder, DuplicateConfig(min_shared_content=value))
        hits = {k: [] for k in kinds}
        false_flags = 0
        for kind, lines, i in docs:
            doc = segment("\n".join(lines))
            found = {k for k, evs in finder.find(doc).items() if any(e.rule == "reworded_copy" for e in evs)}
            pair = {s.index for s in doc.sentences if s.paragraph in (i, i + 1)}
            hits[kind].append(bool(found & pair))
            false_flags += len(found - pair)
        embedded = sum(len(finder.plan(d).needed) for d in throughput_docs)
        rows.append((value, {k: float(np.mean(v)) for k, v in hits.items()}, false_flags, embedded))
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
        f"- shipped value: min_shared_content = {cfg.min_shared_content}",
        "",
        "| min_shared_content | " + " | ".join(f"{k} copies found" for k in kinds) + " | false flags | units embedded |",
        "|---|" + "---|" * (len(kinds) + 2),
        *[f"| {v} | " + " | ".join(f"{hit[k]:.3f}" for k in kinds) + f" | {ff} | {emb} |" for v, hit, ff, emb in rows],
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
