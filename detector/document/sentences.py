"""Each sentence's report: its learned probabilities with the evidence found for it.

Deterministic evidence is a floor under the learned probability of its type (a reworded caption
found at 0.9 scores at least 0.9 as a duplicate), and a sentence's score is the highest of its
overall probability and its types'.
"""

from __future__ import annotations

import numpy as np

from detector.evidence.base import Findings
from detector.labels import ARTIFACT_TYPES
from detector.report import SentenceScore
from detector.text.segment import Document


def sentence_scores(doc: Document, probs: np.ndarray, findings: Findings) -> list[SentenceScore]:
    """`probs`: (sentences x types + overall), the overall probability last."""
    sentences: list[SentenceScore] = []
    for s in doc.sentences:
        evidence = findings.get(s.index, [])
        labels = {t: float(probs[s.index, k]) for k, t in enumerate(ARTIFACT_TYPES)}
        for e in evidence:
            labels[e.type] = max(labels[e.type], e.confidence)
        score = max(float(probs[s.index, -1]), *labels.values())
        sentences.append(SentenceScore(s.index, s.start, s.end, s.text, score, labels, evidence, s.paragraph, s.kind))
    return sentences
