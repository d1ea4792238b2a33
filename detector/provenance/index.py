"""Candidate retrieval: which documents might share content with this one.

Two ways in, because each misses what the other finds: nearest neighbours of the document vector
(a rewording shares meaning, not words) and MinHash LSH on content stems (a copy that keeps the
names and numbers but cut or merged sentences). Candidates are only candidates: the alignment
(provenance/align.py) decides. The vector search is usearch's HNSW above `exact_below`
documents and an exact dot product under it (benchmarks/provenance_index.md compares them with
faiss and hnswlib).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from detector.provenance.fingerprint import Fingerprint, band_keys, estimated_jaccard

EXACT_BELOW = 20_000  # documents; an exact search under this is faster than building HNSW


@dataclass(frozen=True)
class RetrievalConfig:
    neighbours: int = 8  # nearest documents taken from the vector index
    min_document_similarity: float = 0.55  # cosine of document vectors; below it a neighbour is no candidate
    # Two unrelated articles share one of the 21 LSH bands with a small fixed chance, so band
    # matches grow with the square of the crawl. Checking them against the whole signature
    # (estimated Jaccard >= this) turns half of them away at 0.1, but they cost 0.02 ms each once
    # `match_pair`'s bound turns them away, and 0.1 loses 0.14-0.26% of a crawl's sources: off by
    # default (research/provenance-link-profile.md).
    min_lsh_jaccard: float = 0.0
    exact_below: int = EXACT_BELOW


def lsh_checked(rows: set[int], minhashes: np.ndarray, minhash: np.ndarray, floor: float) -> set[int]:
    """The band matches `rows` whose estimated Jaccard with `minhash` reaches `floor`
    (`minhashes`: every document's signature, by row)."""
    if not rows or floor <= 0:
        return rows
    ordered = np.fromiter(rows, dtype=np.int64, count=len(rows))
    return {int(r) for r in ordered[estimated_jaccard(minhashes[ordered], minhash) >= floor]}


def nearest(vectors: np.ndarray, hnsw, query: np.ndarray, k: int, floor: float) -> list[int]:
    """Rows of `vectors` (L2-normalised) among the `k` nearest to `query` with cosine >= `floor`:
    through `hnsw` (a usearch inner-product index over the rows) when given, else exactly."""
    query = query.astype(np.float32)
    if hnsw is not None:
        hits = hnsw.search(query, k)
        return [int(key) for key, d in zip(hits.keys, hits.distances) if 1.0 - d >= floor]
    sims = np.asarray(vectors, dtype=np.float32) @ query
    top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
    return [int(i) for i in top if sims[i] >= floor]


class CandidateIndex:
    """Fingerprints added in order; `candidates(fp)` gives positions of possibly related ones."""

    def __init__(self, dim: int, config: RetrievalConfig = RetrievalConfig()):
        self.config = config
        self.dim = dim
        self._vectors: list[np.ndarray] = []
        self._minhashes: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._signatures: np.ndarray | None = None
        self._hnsw = None
        self._bands: dict[tuple[int, int], list[int]] = defaultdict(list)  # (band, key) -> positions

    def __len__(self) -> int:
        return len(self._vectors)

    def add(self, fingerprint: Fingerprint) -> int:
        position = len(self._vectors)
        self._vectors.append(fingerprint.vector.astype(np.float32))
        self._minhashes.append(np.asarray(fingerprint.minhash, dtype=np.uint64))
        self._matrix = self._signatures = self._hnsw = None
        if not fingerprint.empty:
            for band, key in enumerate(band_keys(fingerprint.minhash)[0]):
                self._bands[(band, int(key))].append(position)
        return position

    def candidates(self, fingerprint: Fingerprint, exclude: int | None = None) -> list[int]:
        if fingerprint.empty or not self._vectors:
            return []
        found = {p for band, key in enumerate(band_keys(fingerprint.minhash)[0]) for p in self._bands.get((band, int(key)), ())}
        if self._matrix is None:
            self._matrix = np.stack(self._vectors)
        if self.config.min_lsh_jaccard > 0:  # off by default: no signature matrix to stack then
            if self._signatures is None:
                self._signatures = np.stack(self._minhashes)
            found = lsh_checked(found, self._signatures, fingerprint.minhash, self.config.min_lsh_jaccard)
        if self._hnsw is None and len(self._vectors) >= self.config.exact_below:
            from usearch.index import Index

            self._hnsw = Index(ndim=self.dim, metric="ip", dtype="f16")
            # One thread: a graph built on several differs from run to run, and so did a large
            # batch's sources (0.04% of them at 100,000 documents). 30,000 clustered vectors took
            # 7.3 s on one thread, 5.7-10.1 s on two (research/provenance-link-profile.md).
            self._hnsw.add(np.arange(len(self._vectors)), self._matrix, threads=1)
        found.update(nearest(self._matrix, self._hnsw, fingerprint.vector, self.config.neighbours + 1, self.config.min_document_similarity))
        found.discard(exclude)
        return sorted(found)
