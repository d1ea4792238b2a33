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


def _top_k(values: list[float], top_share: float, min_top: int) -> float:
    k = min(len(values), max(min_top, math.ceil(top_share * len(values))))
    return sum(sorted(values, reverse=True)[:k]) / k if k else 0.0


def content_sentences(sentences: list[SentenceScore], threshold: float) -> list[SentenceScore]:
    """The article's own sentences: those not scored as boilerplate."""
    return [s for s in sentences if s.labels.get(BOILERPLATE, 0.0) < threshold]


def content_text(sentences: list[SentenceScore], threshold: float) -> str:
    """The content sentences (all, when every one is boilerplate), a line each: what the
    document-level lexical MT scorer reads."""
    return "\n".join(s.text for s in content_sentences(sentences, threshold) or sentences)


def document_features(
    sentences: list[SentenceScore],
    threshold: float,
    top_share: float = 0.1,
    min_top: int = 2,
    roundtrip: float | None = None,
    document_mt: float | None = None,
) -> list[float]:
    """Per type: mean probability and top-decile mean over content sentences; then the boilerplate
    share; then, with a document-level lexical MT scorer, its logit on the content text
    (`document_mt`); then, with the MT check on, the mean round-trip similarity (detector.roundtrip).

    Dense signals (machine translation) show in the mean over many sentences even when each
    sentence is uncertain; sparse ones (a few reworded captions) show in the top decile.
    """
    content = content_sentences(sentences, threshold) or sentences
    features: list[float] = []
    for t in ARTIFACT_TYPES:
        values = [s.labels.get(t, 0.0) for s in content]
        features += [sum(values) / len(values) if values else 0.0, _top_k(values, top_share, min_top)]
    features.append(1.0 - len(content) / len(sentences) if sentences else 0.0)
    if document_mt is not None:
        features.append(document_mt)
    if roundtrip is not None:
        features.append(roundtrip)
    return features


def boilerplate_columns() -> list[int]:
    """The columns of `document_features` that describe boilerplate: its mean, its top decile and
    the boilerplate share. A fitted head gives them no weight (training.train.fit_head_weights):
    boilerplate must not make a document non-clean, and validation documents hold none to learn
    from (on them these columns barely vary, so a scraped article's 46% share read as 156 standard
    deviations and made seed 001 "machine translated")."""
    k = ARTIFACT_TYPES.index(BOILERPLATE)
    return [2 * k, 2 * k + 1, 2 * len(ARTIFACT_TYPES)]


def columns_outside(types: tuple[str, ...] | list[str]) -> list[int]:
    """The columns of `document_features` a head fitted on `types` alone gives no weight: the mean
    and top decile of every other type, and the boilerplate share (never a reason for a verdict).
    Validation documents are news blocks, machine translated or clean, and word-spun copies: they
    hold no duplicates, garbled lists or broken quotes, so what those columns vary with there is
    noise (v7's head read a fine list in seed 002 as a sign of machine translation). Documents with
    such evidence are called spun by the top-decile rule, not the head."""
    unknown = set(types) - set(ARTIFACT_TYPES)
    if unknown:
        raise ValueError(f"unknown sentence types for the document head: {sorted(unknown)}")
    out = [c for k, t in enumerate(ARTIFACT_TYPES) if t not in types for c in (2 * k, 2 * k + 1)]
    return sorted({*out, *boilerplate_columns()})


@dataclass(frozen=True)
class DocumentHead:
    """A multinomial logistic regression over `document_features`, fitted on validation documents."""

    classes: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    center: tuple[float, ...] = ()  # features are standardised first: (f - center) / scale
    scale: tuple[float, ...] = ()
    # 1 - P(clean) at or above this makes a document non-clean; fitted on validation documents to
    # bound how many clean ones are flagged.
    threshold: float = 0.5

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentHead":
        return cls(
            tuple(data["classes"]),
            tuple(tuple(r) for r in data["coef"]),
            tuple(data["intercept"]),
            tuple(data.get("center", ())),
            tuple(data.get("scale", ())),
            float(data.get("threshold", 0.5)),
        )

    def to_dict(self) -> dict:
        return {
            "classes": list(self.classes),
            "coef": [list(r) for r in self.coef],
            "intercept": list(self.intercept),
            "center": list(self.center),
            "scale": list(self.scale),
            "threshold": self.threshold,
        }

    def probabilities(self, features: list[float]) -> dict[str, float]:
        if self.coef and len(features) != len(self.coef[0]):
            raise ValueError(
                f"this document head reads {len(self.coef[0])} features but was given {len(features)}: "
                "it was fitted with a different set of document signals (lexical scorer, MT check)"
            )
        if self.center:
            features = [(f - c) / s for f, c, s in zip(features, self.center, self.scale)]
        logits = [sum(c * f for c, f in zip(row, features)) + b for row, b in zip(self.coef, self.intercept)]
        top = max(logits)
        exp = [math.exp(x - top) for x in logits]
        return {c: e / sum(exp) for c, e in zip(self.classes, exp)}

    def decide(self, features: list[float]) -> tuple[float, str]:
        """Score (1 - P(clean)) and verdict: clean under the threshold, else the likelier artifact class."""
        probs = self.probabilities(features)
        score = 1.0 - probs.get(VERDICT_CLEAN, 0.0)
        if score < self.threshold:
            return score, VERDICT_CLEAN
        return score, max((c for c in probs if c != VERDICT_CLEAN), key=probs.get)


def summarise(
    sentences: list[SentenceScore],
    threshold: float,
    top_share: float = 0.1,
    min_top: int = 2,
    head: DocumentHead | None = None,
    roundtrip: float | None = None,
    document_mt: float | None = None,
) -> DocumentSummary:
    """Counts, shares, score and verdict.

    Without a head, the score is the top-decile mean of the content sentences' artifact scores.
    With a fitted `head` the score is 1 - P(clean) from it, except that a document the top-decile
    rule finds spun stays spun: the rule sees the deterministic evidence (reworded captions,
    garbled lists), which the head's validation documents rarely show.
    """
    content = content_sentences(sentences, threshold)
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
    score, verdict = _rule(content, threshold, top_share, min_top)
    if head is not None and verdict != VERDICT_SPUN:
        score, verdict = head.decide(document_features(sentences, threshold, top_share, min_top, roundtrip, document_mt))
    return DocumentSummary(score, verdict, counts, shares, flagged, len(content))


def _rule(content: list[SentenceScore], threshold: float, top_share: float, min_top: int) -> tuple[float, str]:
    """The top-decile rule: score, and the family carrying most of the probability mass."""
    score = _top_k([mill_score(s) for s in content], top_share, min_top)
    if score < threshold:
        return score, VERDICT_CLEAN
    spinner = sum(max(s.labels.get(t, 0.0) for t in SPINNER_TYPES) for s in content)
    translated = sum(s.labels.get(MACHINE_TRANSLATED, 0.0) for s in content)
    return score, VERDICT_SPUN if spinner >= translated else VERDICT_MACHINE_TRANSLATED
