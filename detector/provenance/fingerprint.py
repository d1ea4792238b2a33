"""What provenance keeps of a document: its comparable sentences, their embeddings, a document
vector and a MinHash signature.

Boilerplate and very short lines are left out: two unrelated pages of one site share their
"Subscribe" lines, and that is no copy. The document vector (the mean of its sentence vectors)
finds a rewording that shares few words with its source; the MinHash of its content stems finds
a copy whose sentences were cut or merged. Both go to the index (provenance/index.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from detector.labels import BOILERPLATE
from detector.report import DocumentReport
from detector.text.words import content_stems, words

NUM_PERM = 64  # MinHash permutations of a document's content stems
# LSH bands of the signature: 21 bands of 3 rows is what datasketch's MinHashLSH picks for Jaccard
# 0.3 at 64 permutations (the same candidates, checked on the provenance validation collection).
BANDS, ROWS = 21, 3
MIN_WORDS = 4  # a sentence shorter than this ("Photo: AFP") matches too much to be evidence


@dataclass(frozen=True)
class ComparableSentence:
    index: int  # the sentence's index in its report
    start: int
    end: int
    text: str


@dataclass
class Fingerprint:
    id: str | None
    sentences: list[ComparableSentence]
    vectors: np.ndarray  # (sentences, dim) float32, L2-normalised
    vector: np.ndarray  # (dim,) the normalised mean, the document's place in the ANN index
    minhash: np.ndarray  # (NUM_PERM,) uint64 hash values of its content stems

    @property
    def empty(self) -> bool:
        return not self.sentences


def comparable_sentences(report: DocumentReport) -> list[ComparableSentence]:
    return [
        ComparableSentence(s.index, s.start, s.end, s.text)
        for s in report.sentences
        if len(words(s.text)) >= MIN_WORDS and not any(e.type == BOILERPLATE for e in s.evidence)
    ]


def minhash_of(texts: list[str]) -> np.ndarray:
    stems = set().union(*(content_stems(t) for t in texts)) if texts else set()
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([s.encode("utf-8") for s in sorted(stems)])
    return m.hashvalues.copy()


def band_keys(minhash: np.ndarray) -> np.ndarray:
    """[n, BANDS] uint64 keys: each band's ROWS hash values mixed into one number; two signatures
    share a band when the keys are equal (the LSH candidates of the batch and of a reference index)."""
    m = np.atleast_2d(minhash).astype(np.uint64)[:, : BANDS * ROWS].reshape(len(np.atleast_2d(minhash)), BANDS, ROWS)
    key = np.zeros(m.shape[:2], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            key = key * np.uint64(0x9E3779B97F4A7C15) + m[:, :, r]
    return key


def estimated_jaccard(minhashes: np.ndarray, minhash: np.ndarray) -> np.ndarray:
    """[n] the Jaccard similarity of each row's content stems with `minhash`'s, as the share of
    equal hash values (standard error about 0.06 at 0.3 with 64 permutations)."""
    return (np.asarray(minhashes) == np.asarray(minhash)).mean(axis=-1)


def fingerprints(reports: list[DocumentReport], encoder) -> list[Fingerprint]:
    """One fingerprint per report, all their sentences embedded in one encoder pass."""
    chosen = [comparable_sentences(r) for r in reports]
    texts = [s.text for group in chosen for s in group]
    vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.model.config.hidden_size), dtype=np.float32)
    out, lo = [], 0
    for report, group in zip(reports, chosen):
        v = vectors[lo : lo + len(group)]
        lo += len(group)
        mean = v.mean(0) if len(v) else np.zeros(vectors.shape[1], dtype=np.float32)
        norm = float(np.linalg.norm(mean))
        out.append(Fingerprint(report.id, group, v, mean / norm if norm else mean, minhash_of([s.text for s in group])))
    return out
