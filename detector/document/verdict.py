"""From sentence scores to a document score and verdict.

The document score is the mean of the top tenth of its content sentences' artifact scores (at
least two), so one odd sentence cannot condemn an article, while a spun copy with a handful of
reworded captions still stands out; with a fitted head it is 1 - P(clean) from the head. The
verdict names the family that carries most of the mass.
"""

from __future__ import annotations

from dataclasses import dataclass

from detector.document.features import content_sentences, document_features, flag_scores, mill_score, top_mean
from detector.document.head import DocumentHead
from detector.labels import (
    ARTIFACT_TYPES,
    BOILERPLATE,
    MACHINE_TRANSLATED,
    SPINNER_TYPES,
    VERDICT_CLEAN,
    VERDICT_MACHINE_TRANSLATED,
    VERDICT_SPUN,
)
from detector.report import SentenceScore


@dataclass(frozen=True)
class DocumentSummary:
    score: float
    verdict: str
    counts: dict[str, int]
    shares: dict[str, float]
    flagged: int
    content: int


def summarise(
    sentences: list[SentenceScore],
    threshold: float,
    top_share: float = 0.1,
    min_top: int = 2,
    head: DocumentHead | None = None,
    roundtrip: float | None = None,
    document_mt: float | None = None,
    head_view: list[SentenceScore] | None = None,
) -> DocumentSummary:
    """Counts, shares, score and verdict.

    Without a head, the score is the top-decile mean of the content sentences' artifact scores.
    With a fitted `head` the score is 1 - P(clean) from it, except that a document the top-decile
    rule finds spun stays spun: the rule sees the deterministic evidence (reworded captions,
    garbled lists), which the head's validation documents rarely show. `head_view`: the sentences
    with the probabilities the head was fitted on, where they differ from the reported ones (the
    language model's stack moves spun; the head never saw it). Default: `sentences`.
    """
    content = content_sentences(sentences, threshold)
    flags = {s.index: set(s.flagged_types(threshold)) for s in sentences}
    counts = {t: sum(1 for f in flags.values() if t in f) for t in ARTIFACT_TYPES}
    shares = {
        t: (counts[BOILERPLATE] / len(sentences) if sentences else 0.0)
        if t == BOILERPLATE
        else (sum(1 for s in content if t in flags[s.index]) / len(content) if content else 0.0)
        for t in ARTIFACT_TYPES
    }
    flagged = sum(1 for f in flags.values() if f)
    if not content:
        return DocumentSummary(0.0, VERDICT_CLEAN, counts, shares, flagged, 0)
    score, verdict = _rule(content, threshold, top_share, min_top)
    if head is not None and verdict != VERDICT_SPUN:
        view = sentences if head_view is None else head_view
        score, verdict = head.decide(document_features(view, threshold, top_share, min_top, roundtrip, document_mt))
    return DocumentSummary(score, verdict, counts, shares, flagged, len(content))


def _rule(content: list[SentenceScore], threshold: float, top_share: float, min_top: int) -> tuple[float, str]:
    """The top-decile rule: score, and the family carrying most of the probability mass."""
    score = top_mean([mill_score(s) for s in content], top_share, min_top)
    if score < threshold:
        return score, VERDICT_CLEAN
    scores = [flag_scores(s) for s in content]
    spinner = sum(max(f.get(t, 0.0) for t in SPINNER_TYPES) for f in scores)
    translated = sum(f.get(MACHINE_TRANSLATED, 0.0) for f in scores)
    return score, VERDICT_SPUN if spinner >= translated else VERDICT_MACHINE_TRANSLATED
