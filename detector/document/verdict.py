"""From sentence scores to a document score and verdict.

The document score is the mean of the top tenth of its content sentences' artifact scores (at
least two), so one odd sentence cannot condemn an article, while a spun copy with a handful of
reworded captions still stands out; with a fitted head it is 1 - P(clean) from the head. The
verdict names the family that carries most of the mass, and its reason says which way it was
reached and on what: the flags of that family, or the head's features that weighed most.
"""

from __future__ import annotations

from dataclasses import dataclass

from detector.document.features import (
    BOILERPLATE_SHARE,
    DOCUMENT_MT,
    LM_STRONGEST,
    MEAN,
    ROUNDTRIP,
    TOP,
    DocumentFeatures,
    content_sentences,
    document_features,
    flag_scores,
    mill_score,
    top_mean,
)
from detector.document.head import DocumentHead
from detector.labels import (
    ARTIFACT_TYPES,
    BOILERPLATE,
    MACHINE_TRANSLATED,
    SPINNER_TYPES,
    SPUN,
    TOO_SHORT_REASON,
    VERDICT_CLEAN,
    VERDICT_MACHINE_TRANSLATED,
    VERDICT_SPUN,
)
from detector.report import SentenceScore
from detector.text.words import excerpt


@dataclass(frozen=True)
class DocumentSummary:
    score: float
    verdict: str
    counts: dict[str, int]
    shares: dict[str, float]
    flagged: int
    content: int
    reason: str = ""


def summarise(
    sentences: list[SentenceScore],
    threshold: float,
    top_share: float = 0.1,
    min_top: int = 2,
    head: DocumentHead | None = None,
    roundtrip: float | None = None,
    document_mt: float | None = None,
    head_view: list[SentenceScore] | None = None,
    lm_strongest: float | None = None,
) -> DocumentSummary:
    """Counts, shares, score and verdict.

    Without a head, the score is the top-decile mean of the content sentences' artifact scores.
    With a fitted `head` the score is 1 - P(clean) from it, except that a document the top-decile
    rule finds spun stays spun: the rule sees the deterministic evidence (reworded captions,
    garbled lists), which the head's validation documents rarely show. `head_view`: the sentences
    with the probabilities the head was fitted on, where they differ from the reported ones (the
    language model's stack moves spun; the head never saw it). Default: `sentences`. A document
    of few content sentences must clear the head's higher bar for its length (`DocumentHead.bar`);
    one too short for learned scores is not given to the head at all. `roundtrip`, `document_mt`
    and `lm_strongest`: the document-level signals the head reads, where it reads them.
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
        return DocumentSummary(0.0, VERDICT_CLEAN, counts, shares, flagged, 0, "no content sentence: every sentence is boilerplate")
    score, verdict = _rule(content, threshold, top_share, min_top)
    judged = any(s.learned for s in content)  # else too short for learned scores (document/confidence.py)
    # the head reads learned probabilities: not for a document too short for them
    if head is not None and verdict != VERDICT_SPUN and judged:
        view = sentences if head_view is None else head_view
        features = document_features(view, threshold, top_share, min_top, roundtrip, document_mt, lm_strongest)
        score, verdict = head.decide(features, len(content))
        reason = head_reason(head, features, score, verdict, head.bar(len(content))) + _unflagged_note(content, flags, verdict)
        return DocumentSummary(score, verdict, counts, shares, flagged, len(content), reason)
    reason = _rule_reason(score, verdict, threshold, counts)
    if not judged:
        reason = f"{TOO_SHORT_REASON}: {reason}"
    return DocumentSummary(score, verdict, counts, shares, flagged, len(content), reason)


def _rule_reason(score: float, verdict: str, threshold: float, counts: dict[str, int]) -> str:
    if verdict == VERDICT_CLEAN:
        return f"its most suspect tenth of sentences scores {score:.2f}, under the threshold {threshold:.2f}"
    family = SPINNER_TYPES if verdict == VERDICT_SPUN else (MACHINE_TRANSLATED,)
    flags = ", ".join(f"{t} {counts[t]}" for t in family if counts.get(t))
    kind = "a spinner's kinds" if verdict == VERDICT_SPUN else "machine translation"
    return f"its most suspect tenth of sentences scores {score:.2f} (threshold {threshold:.2f}), mostly for {kind}" + (
        f": flags {flags}" if flags else ""
    )


FEATURE_WORDS = {MEAN: "mean", TOP: "most suspect tenth's"}
SIGNAL_WORDS = {
    DOCUMENT_MT: "the lexical MT scorer's reading of the whole text",
    ROUNDTRIP: "its round-trip similarity",
    LM_STRONGEST: "the language model's mean improbability of each sentence's least expected word",
}


def head_reason(head: DocumentHead, features: DocumentFeatures, score: float, verdict: str, bar: float, listed: int = 2) -> str:
    """The head's call; for an artifact class, the features that pushed it there most by being
    higher than on the validation documents it was fitted on, each with its value. (A feature that
    pushes by being low, or a clean call's pushes, would read backwards: the features move together,
    so the fit gives some of them negative weights.)"""
    if verdict == VERDICT_CLEAN:
        return f"the document head gives 1 - P(clean) {score:.2f}, under its bar {bar:.2f}{_length_note(head, bar)}"
    said = f"the document head gives 1 - P(clean) {score:.2f} (bar {bar:.2f}{_length_note(head, bar)})"
    pushes = [(name, push) for name, z, push in head.contributions(features, verdict) if push > 0 and z > 0]
    top = [name for name, _ in sorted(pushes, key=lambda nw: -nw[1])][:listed]
    if not top:
        return said
    return f"{said}; above the usual, it weighs most: " + ", ".join(f"{_feature_words(n)} {features[n]:.2f}" for n in top)


def _unflagged_note(content: list[SentenceScore], flags: dict[int, set[str]], verdict: str) -> str:
    """Where the head calls a document spun or machine translated with no sentence flagged for it,
    the sentence that points that way most, so the reader has somewhere to look: the head adds up
    many middling probabilities, which no highlight shows."""
    family = SPINNER_TYPES if verdict == VERDICT_SPUN else (MACHINE_TRANSLATED,) if verdict == VERDICT_MACHINE_TRANSLATED else ()
    kind = SPUN if verdict == VERDICT_SPUN else MACHINE_TRANSLATED
    judged = [s for s in content if s.learned]
    if not family or not judged or any(flags[s.index] & set(family) for s in content):
        return ""
    top = max(judged, key=lambda s: s.labels.get(kind, 0.0))
    return f"; no sentence is flagged {kind}, the likeliest: “{excerpt(top.text, 70)}” ({kind} {top.labels.get(kind, 0.0):.2f})"


def _length_note(head: DocumentHead, bar: float) -> str:
    return " for a document this short" if bar > head.threshold else ""


def _feature_words(name: str) -> str:
    if name in SIGNAL_WORDS:
        return SIGNAL_WORDS[name]
    if name == BOILERPLATE_SHARE:
        return "its share of boilerplate"
    kind, _, statistic = name.partition(".")
    return f"the {FEATURE_WORDS.get(statistic, statistic)} {kind} probability"


def _rule(content: list[SentenceScore], threshold: float, top_share: float, min_top: int) -> tuple[float, str]:
    """The top-decile rule: score, and the family carrying most of the probability mass."""
    score = top_mean([mill_score(s) for s in content], top_share, min_top)
    if score < threshold:
        return score, VERDICT_CLEAN
    scores = [flag_scores(s) for s in content]
    spinner = sum(max(f.get(t, 0.0) for t in SPINNER_TYPES) for f in scores)
    translated = sum(f.get(MACHINE_TRANSLATED, 0.0) for f in scores)
    return score, VERDICT_SPUN if spinner >= translated else VERDICT_MACHINE_TRANSLATED
