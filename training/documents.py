"""Whole documents for document-level fitting and evaluation: blocks of real text, and spun copies.

Validation documents fit the document head (a multinomial logistic regression over sentence
scores); test documents measure document accuracy. Held-out generators appear in test only.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from detector.labels import VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN

from .sources import TEST


@dataclass(frozen=True)
class LabelledDocument:
    generator: str
    expected: str
    text: str


def make_documents(builder, split: str, per_kind: int, seed: int, held_out: tuple[str, ...] = ()) -> list[LabelledDocument]:
    rng = random.Random(f"{seed}-{split}-documents")
    blocks = [b for b in builder.blocks if b.split == split and len(b.lines) >= 4]
    by_gen = defaultdict(list)
    for b in blocks:
        by_gen[b.generator].append(b)
    docs = []
    for gen, group in sorted(by_gen.items()):
        if gen in held_out and split != TEST:
            continue
        expected = VERDICT_MACHINE_TRANSLATED if group[0].machine_translated else VERDICT_CLEAN
        for b in rng.sample(group, min(per_kind, len(group))):
            docs.append(LabelledDocument(gen, expected, "\n".join(b.lines)))
    humans = rng.sample(by_gen["human"], min(per_kind, len(by_gen["human"])))
    spinners = [("spinner-embedding", builder.embedding_spinner), ("spinner-tortured", builder.tortured_spinner)]
    for name, spinner in spinners:
        if name in held_out and split != TEST:
            continue
        for b in humans:
            lines = [spinner.spin(line, rng).text for line in b.lines]
            docs.append(LabelledDocument(name, VERDICT_SPUN, "\n".join(lines)))
    return docs
