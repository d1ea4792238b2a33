"""From sentence scores to a document score and verdict.

Boilerplate is set aside first: scraped debris around a human article must not make it "spun".
The document score is the mean of the top tenth of its content sentences' artifact scores (at
least two), so one odd sentence cannot condemn an article, while a spun copy with a handful of
reworded captions still stands out. The verdict names the family that carries most of the mass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .labels import (
    ARTIFACT_TYPES,
    BOILERPLATE,
    MACHINE_TRANSLATED,
    SPINNER_TYPES,
    VERDICT_CLEAN,
    VERDICT_MACHINE_TRANSLATED,
    VERDICT_SPUN,
)
from .report import SentenceScore


@dataclass(frozen=True)
class DocumentSummary:
    score: float
    verdict: str
    counts: dict[str, int]
    shares: dict[str, float]
    flagged: int
    content: int


def mill_score(sentence: SentenceScore) -> float:
    """How much a sentence looks written by a paraphrase mill (boilerplate left out)."""
    return max((p for t, p in sentence.labels.items() if t != BOILERPLATE), default=0.0)


def summarise(sentences: list[SentenceScore], threshold: float, top_share: float = 0.1, min_top: int = 2) -> DocumentSummary:
    content = [s for s in sentences if s.labels.get(BOILERPLATE, 0.0) < threshold]
    counts = {t: sum(1 for s in sentences if s.labels.get(t, 0.0) >= threshold) for t in ARTIFACT_TYPES}
    shares = {
        t: (counts[BOILERPLATE] / len(sentences) if sentences else 0.0)
        if t == BOILERPLATE
        else (sum(1 for s in content if s.labels.get(t, 0.0) >= threshold) / len(content) if content else 0.0)
        for t in ARTIFACT_TYPES
    }
    flagged = sum(1 for s in sentences if s.score >= threshold)
    if not content:
        return DocumentSummary(0.0, VERDICT_CLEAN, counts, shares, flagged, 0)
    k = min(len(content), max(min_top, math.ceil(top_share * len(content))))
    top = sorted((mill_score(s) for s in content), reverse=True)[:k]
    score = sum(top) / k
    if score < threshold:
        verdict = VERDICT_CLEAN
    else:
        spinner = sum(max(s.labels.get(t, 0.0) for t in SPINNER_TYPES) for s in content)
        translated = sum(s.labels.get(MACHINE_TRANSLATED, 0.0) for s in content)
        verdict = VERDICT_SPUN if spinner >= translated else VERDICT_MACHINE_TRANSLATED
    return DocumentSummary(score, verdict, counts, shares, flagged, len(content))
