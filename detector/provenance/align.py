"""Sentence alignment of a copy with its source: embedding similarity, in order where it can be.

A mill keeps the source's order and rewrites each sentence, so the alignment is the monotone
one-to-one matching that maximises the summed similarity above a floor (a weighted longest common
subsequence). Sentences the mill moved are added afterwards when they match unusually well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AlignConfig:
    # Cosine similarity (base encoder, normalised) above which two sentences may be aligned in
    # order, and the higher bar for a pair out of order. 0.75: the lowest with source precision
    # >= 0.99 on validation copies among 10,000 distractors (reports/provenance-v1.md).
    min_similarity: float = 0.75
    min_moved_similarity: float = 0.85
    max_sentences: int = 400  # a longer side is aligned on its first sentences (the table is n*m)


@dataclass(frozen=True)
class SentencePair:
    copy: int  # positions in the lists given to `align` (not sentence indices)
    source: int
    similarity: float
    moved: bool = False


def align(copy_vectors: np.ndarray, source_vectors: np.ndarray, config: AlignConfig = AlignConfig()) -> list[SentencePair]:
    """Aligned pairs in copy order. Vectors are L2-normalised rows, one per sentence."""
    return align_similarities(similarities(copy_vectors, source_vectors, config), config)


def similarities(copy_vectors: np.ndarray, source_vectors: np.ndarray, config: AlignConfig = AlignConfig()) -> np.ndarray:
    """The cosine table the alignment reads: [copy sentences, source sentences], each side cut to
    `max_sentences`."""
    a, b = copy_vectors[: config.max_sentences], source_vectors[: config.max_sentences]
    return a.astype(np.float32) @ b.astype(np.float32).T


def most_pairs(sim: np.ndarray, config: AlignConfig = AlignConfig()) -> int:
    """An upper bound on how many pairs `align_similarities` can return, read off the table at no
    cost: pairs are one to one and none is under the lower bar. Most candidates of a crawl share
    a word or two, not sentences; this turns them away before the alignment's table is filled."""
    if not sim.size:
        return 0
    above = sim >= min(config.min_similarity, config.min_moved_similarity)
    return int(min(above.any(1).sum(), above.any(0).sum()))


def align_similarities(sim: np.ndarray, config: AlignConfig = AlignConfig()) -> list[SentencePair]:
    """`align` on a cosine table already made (`similarities`)."""
    if not sim.size:
        return []
    gain = np.where(sim >= config.min_similarity, sim - config.min_similarity + 1e-3, -np.inf)
    n, m = sim.shape
    table = np.zeros((n + 1, m + 1), dtype=np.float64)
    for i in range(1, n + 1):  # rows in Python, columns as a running maximum in numpy
        diag = table[i - 1, :-1] + gain[i - 1]
        row = np.maximum(table[i - 1, 1:], diag)
        table[i, 1:] = np.maximum.accumulate(row)
    pairs: list[SentencePair] = []
    i, j = n, m
    while i > 0 and j > 0:
        if table[i, j] == table[i - 1, j]:
            i -= 1
        elif table[i, j] == table[i, j - 1]:
            j -= 1
        else:
            pairs.append(SentencePair(i - 1, j - 1, float(sim[i - 1, j - 1])))
            i, j = i - 1, j - 1
    pairs.reverse()
    return sorted(pairs + _moved(sim, pairs, config.min_moved_similarity), key=lambda p: p.copy)


def _moved(sim: np.ndarray, pairs: list[SentencePair], floor: float) -> list[SentencePair]:
    """Mutual best matches among the sentences left out, above the higher bar."""
    used_a, used_b = {p.copy for p in pairs}, {p.source for p in pairs}
    free_a = [i for i in range(sim.shape[0]) if i not in used_a]
    free_b = [j for j in range(sim.shape[1]) if j not in used_b]
    if not free_a or not free_b:
        return []
    sub = sim[np.ix_(free_a, free_b)]
    moved = []
    for r, i in enumerate(free_a):
        c = int(sub[r].argmax())
        if sub[r, c] >= floor and int(sub[:, c].argmax()) == r:
            moved.append(SentencePair(i, free_b[c], float(sub[r, c]), moved=True))
    return moved
