"""Candidate retrieval: which documents might share content with this one.

Two ways in, because each misses what the other finds: nearest neighbours of the document vector
(a rewording shares meaning, not words) and MinHash LSH on content stems (a copy that keeps the
names and numbers but cut or merged sentences). Candidates are only candidates: the alignment
(provenance/align.py) decides. The vector search is usearch's HNSW above `exact_below`
documents and an exact dot product under it (benchmarks/provenance_index.md compares them with
faiss and hnswlib).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from detector.provenance.fingerprint import NUM_PERM, Fingerprint

_SCHEME = "affine32"  # datasketch's hashing scheme for MinHash(seed=1); stored hash values need it


@dataclass(frozen=True)
class RetrievalConfig:
    neighbours: int = 8  # nearest documents taken from the vector index
    min_document_similarity: float = 0.55  # cosine of document vectors; below it a neighbour is no candidate
    lsh_threshold: float = 0.3  # Jaccard of content stems that LSH aims to find
    exact_below: int = 20_000  # documents; an exact search under this is faster than building HNSW


class CandidateIndex:
    """Fingerprints added in order; `candidates(fp)` gives positions of possibly related ones."""

    def __init__(self, dim: int, config: RetrievalConfig = RetrievalConfig()):
        self.config = config
        self.dim = dim
        self._vectors: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._hnsw = None
        self._lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=NUM_PERM)

    def __len__(self) -> int:
        return len(self._vectors)

    def add(self, fingerprint: Fingerprint) -> int:
        position = len(self._vectors)
        self._vectors.append(fingerprint.vector.astype(np.float32))
        self._matrix = self._hnsw = None
        if not fingerprint.empty:
            self._lsh.insert(position, LeanMinHash(seed=1, hashvalues=fingerprint.minhash, scheme=_SCHEME), check_duplication=False)
        return position

    def candidates(self, fingerprint: Fingerprint, exclude: int | None = None) -> list[int]:
        if fingerprint.empty or not self._vectors:
            return []
        found = set(self._lsh.query(LeanMinHash(seed=1, hashvalues=fingerprint.minhash, scheme=_SCHEME)))
        found.update(self._nearest(fingerprint.vector, self.config.neighbours + 1))
        found.discard(exclude)
        return sorted(found)

    def _nearest(self, vector: np.ndarray, k: int) -> list[int]:
        if len(self._vectors) < self.config.exact_below:
            if self._matrix is None:
                self._matrix = np.stack(self._vectors)
            sims = self._matrix @ vector.astype(np.float32)
            top = np.argsort(-sims)[:k]
            return [int(i) for i in top if sims[i] >= self.config.min_document_similarity]
        if self._hnsw is None:
            from usearch.index import Index

            self._hnsw = Index(ndim=self.dim, metric="ip", dtype="f16")
            self._hnsw.add(np.arange(len(self._vectors)), np.stack(self._vectors))
        found = self._hnsw.search(vector.astype(np.float32), k)
        return [int(key) for key, d in zip(found.keys, found.distances) if 1.0 - d >= self.config.min_document_similarity]
