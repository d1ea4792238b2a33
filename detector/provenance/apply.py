"""Provenance into the reports: `sources`, each aligned sentence's `copied_from`, evidence where the
copy rewrote its source, and the verdict of a document that is mostly a copy.

A sentence that restates another document's sentence with swapped words is `spun` evidence, one
restructured as a round trip restructures is `machine_translated` evidence; either counts only as
far as this document is likely the copy (`copy_confidence`). Verbatim and summarised copies are
reported, never flagged: syndication and quoting are not mill artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass

from detector.document.verdict import summarise
from detector.evidence.base import Evidence, Span
from detector.labels import MACHINE_TRANSLATED, SPUN, VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN, VERDICT_SYNDICATED
from detector.provenance.fingerprint import comparable_sentences
from detector.provenance.matches import AlignedSentence, SourceMatch
from detector.provenance.rewrite import SPUN as REWRITE_SPUN
from detector.provenance.rewrite import TRANSLATED, VERBATIM
from detector.provenance.word_diff import INSERT, MOVE, REPLACE
from detector.report import DocumentReport

EVIDENCE_TYPE = {REWRITE_SPUN: SPUN, TRANSLATED: MACHINE_TRANSLATED}
RULE = "copied_from"
TIE_DIGITS = 6  # sources whose copy confidence x similarity agree to this many places tie


@dataclass(frozen=True)
class VerdictConfig:
    min_copy_confidence: float = 0.5  # this document is more likely the copy than the original
    document_share: float = 0.5  # share of its comparable sentences restating others, for a document verdict
    max_confidence: float = 0.95  # evidence confidence = copy confidence, capped here


def attach(report: DocumentReport, sources: list[SourceMatch], config: VerdictConfig = VerdictConfig()) -> DocumentReport:
    """Write `sources` into `report` (in place, returned): sentences, evidence, counts and verdict."""
    report.sources = sources
    if not report.sentences:
        return report
    best: dict[int, tuple[float, SourceMatch, AlignedSentence]] = {}
    for match in sources:
        for pair in match.pairs:
            # Rounded: identical sources (a story syndicated twice) tie, and the first listed keeps
            # the sentence whatever float noise a batch's padding leaves in the embeddings.
            weight = round(match.copy_confidence * pair.similarity, TIE_DIGITS)
            if pair.sentence not in best or weight > best[pair.sentence][0]:
                best[pair.sentence] = (weight, match, pair)
    by_index = {s.index: s for s in report.sentences}
    for index, (_, match, pair) in best.items():
        sentence = by_index[index]
        sentence.copied_from = {"id": match.id, "copy_confidence": round(match.copy_confidence, 4), **pair.to_dict()}
        kind = EVIDENCE_TYPE.get(pair.rewrite)
        # In a syndication, the odd reworded sentence is an editor's touch (a new headline), not a mill's.
        if kind is None or match.rewrite == VERBATIM or match.copy_confidence < config.min_copy_confidence:
            continue
        # The rewrite is certain (the source is there); whether it is this side's is not.
        confidence = min(config.max_confidence, match.copy_confidence)
        sentence.evidence.append(Evidence(kind, RULE, _message(match, pair), confidence, _changed(pair)))
        sentence.labels[kind] = max(sentence.labels[kind], confidence)
        sentence.score = max(sentence.score, confidence)
    _decide(report, sources, config)
    return report


def _message(match: SourceMatch, pair: AlignedSentence) -> str:
    changes = [f"{e.source_text or '∅'} → {e.copy_text or '∅'}" for e in pair.edits if e.op == REPLACE][:6]
    how = "with words swapped" if pair.rewrite == REWRITE_SPUN else "restructured, as a round trip through another language rewrites"
    said = f": {', '.join(changes)}" if changes else ""
    return f"restates sentence {pair.source_sentence} of {match.id!s} {how}{said} (P(copy) {match.copy_confidence:.2f})"


def _changed(pair: AlignedSentence) -> tuple[Span, ...]:
    """The copy's changed words as spans: an edit's text is its exact slice of the document, so
    this holds for reports read back without their text (the Ray engine's)."""
    return tuple(Span(e.copy[0], e.copy[1], e.copy_text) for e in pair.edits if e.op in (REPLACE, INSERT, MOVE) and e.copy[1] > e.copy[0])


def _decide(report: DocumentReport, sources: list[SourceMatch], config: VerdictConfig) -> None:
    """Counts again, and the verdict of a document mostly made of others' sentences."""
    summary = summarise(report.sentences, report.threshold)
    report.counts, report.shares, report.sentences_flagged = summary.counts, summary.shares, summary.flagged
    if report.verdict != VERDICT_CLEAN:
        return
    comparable = len(comparable_sentences(report))
    if not sources or not comparable:
        return
    copied = {k: set() for k in (VERBATIM, REWRITE_SPUN, TRANSLATED)}
    strength = {REWRITE_SPUN: 0.0, TRANSLATED: 0.0}
    for match in sources:
        for pair in match.pairs:
            if match.rewrite == VERBATIM and pair.rewrite != VERBATIM:
                continue
            if pair.rewrite == VERBATIM or match.copy_confidence >= config.min_copy_confidence:
                copied.get(pair.rewrite, set()).add(pair.sentence)
            if pair.rewrite in strength:
                strength[pair.rewrite] = max(strength[pair.rewrite], min(config.max_confidence, match.copy_confidence))
    rewritten = {k: len(copied[k]) / comparable for k in (REWRITE_SPUN, TRANSLATED)}
    if rewritten[REWRITE_SPUN] + rewritten[TRANSLATED] >= config.document_share:
        kind = REWRITE_SPUN if rewritten[REWRITE_SPUN] >= rewritten[TRANSLATED] else TRANSLATED
        report.verdict = VERDICT_SPUN if kind == REWRITE_SPUN else VERDICT_MACHINE_TRANSLATED
        report.score = max(report.score or 0.0, strength[kind])
        how = "with words swapped" if kind == REWRITE_SPUN else "as a round trip through another language rewrites"
        share = rewritten[REWRITE_SPUN] + rewritten[TRANSLATED]
        report.verdict_reason = f"{share:.0%} of its sentences restate another document's, mostly {how} (provenance)"
    elif len(copied[VERBATIM]) / comparable >= config.document_share:
        report.verdict = VERDICT_SYNDICATED
        report.verdict_reason = (
            f"{len(copied[VERBATIM]) / comparable:.0%} of its sentences are another document's word for word (provenance)"
        )
