"""Provenance over a batch: for each document, the others it shares content with, aligned and diffed.

    reports -> fingerprints (one encoder pass) -> candidates (ANN + LSH) -> sentence alignment ->
    word diff per pair -> rewrite kind and direction -> third parties' agreement -> SourceMatch per
    document and side

Each unordered pair of documents is aligned once; both sides get a `SourceMatch`, the edits
written from that side (what it has that the other lacks is an insertion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from detector.provenance.align import AlignConfig, align_similarities, most_pairs, similarities
from detector.provenance.direction import DirectionConfig, artifact_probability, copy_confidence, weigh_witnesses
from detector.provenance.fingerprint import Fingerprint, fingerprints
from detector.provenance.index import CandidateIndex, RetrievalConfig
from detector.provenance.matches import AlignedSentence, SourceMatch
from detector.provenance.rewrite import VERBATIM, RewriteConfig, document_kind, pair_kind
from detector.provenance.word_diff import word_diff
from detector.report import DocumentReport

# `--provenance` holds every report and fingerprint of a run (about 50 KB a news article): past
# this many it stops and points to the reference index, which streams.
MAX_LINKED_DOCUMENTS = 200_000


@dataclass(frozen=True)
class ProvenanceConfig:
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    rewrite: RewriteConfig = field(default_factory=RewriteConfig)
    direction: DirectionConfig = field(default_factory=DirectionConfig)
    min_pairs: int = 2  # aligned sentences a document pair needs to be reported (1 for a one-sentence side)
    min_share: float = 0.2  # ...and the share of the shorter side's comparable sentences they cover


def link(
    reports: list[DocumentReport], encoder, config: ProvenanceConfig = ProvenanceConfig(), fps: list[Fingerprint] | None = None
) -> list[list[SourceMatch]]:
    """The sources of each report (same order), strongest first. Reports that failed or were not
    scored have no sentences and get no sources. `fps`: their fingerprints, when already made."""
    fps = fingerprints(reports, encoder) if fps is None else fps
    index = CandidateIndex(fps[0].vector.shape[0] if fps else 1, config.retrieval)
    for fp in fps:
        index.add(fp)
    sides = [Side.of(r, fp) for r, fp in zip(reports, fps)]
    sources: list[list[SourceMatch]] = [[] for _ in reports]
    matched: dict[tuple[int, int], tuple[SourceMatch, SourceMatch]] = {}
    for a, b in candidate_pairs(index, fps):
        found = match_pair(sides[a], sides[b], config)
        if found is not None:
            sources[a].append(found[0])
            sources[b].append(found[1])
            matched[(a, b)] = found
    weigh_witnesses(matched, config.direction)
    for matches in sources:
        matches.sort(key=lambda m: -m.share)
    return sources


def candidate_pairs(index: CandidateIndex, fps: list[Fingerprint]) -> Iterator[tuple[int, int]]:
    """Each unordered pair of positions that either side's candidates name, once: (the query, its
    candidate), queries in order."""
    seen: set[tuple[int, int]] = set()
    for a, fp in enumerate(fps):
        for b in index.candidates(fp, exclude=a):
            key = (min(a, b), max(a, b))
            if key not in seen:
                seen.add(key)
                yield a, b


@dataclass(frozen=True)
class Side:
    """One document as the matcher sees it: its id, fingerprint, the artifact probability of
    each comparable sentence and its publication date where known (what direction weighs)."""

    id: str | None
    fingerprint: Fingerprint
    artifacts: tuple[float, ...]
    published: str | None = None

    @classmethod
    def of(cls, report: DocumentReport, fp: Fingerprint) -> Side:
        by_index = {s.index: s for s in report.sentences}
        return cls(report.id, fp, tuple(artifact_probability(by_index[s.index]) for s in fp.sentences), report.published)


def match_pair(a: Side, b: Side, config: ProvenanceConfig) -> tuple[SourceMatch, SourceMatch] | None:
    """The two sides' matches (a's view, b's view), or None when too little aligns."""
    fp_a, fp_b = a.fingerprint, b.fingerprint
    shorter = min(len(fp_a.sentences), len(fp_b.sentences))
    sim = similarities(fp_a.vectors, fp_b.vectors, config.align)
    if _too_few(most_pairs(sim, config.align), shorter, config):
        return None
    pairs = align_similarities(sim, config.align)
    if _too_few(len(pairs), shorter, config):
        return None
    seen_from_a = _aligned(fp_a, fp_b, [(p.copy, p.source, p) for p in pairs], config)
    seen_from_b = _aligned(fp_b, fp_a, [(p.source, p.copy, p) for p in pairs], config)
    kind_a = document_kind([x.rewrite for x in seen_from_a], len(fp_a.sentences), len(fp_b.sentences), config.rewrite)
    kind_b = document_kind([x.rewrite for x in seen_from_b], len(fp_b.sentences), len(fp_a.sentences), config.rewrite)
    # Words a verbatim pair shares cannot hold artifacts one side added: direction comes from the
    # rewritten pairs only, and a syndication (verbatim as a whole) has none: 0.5, said so.
    rewritten = (
        [] if VERBATIM in (kind_a, kind_b) else [(p, x) for p, x in zip(pairs, seen_from_a) if x.rewrite != VERBATIM]  # both in a's order
    )
    mine = [a.artifacts[p.copy] for p, _ in rewritten]
    theirs = [b.artifacts[p.source] for p, _ in rewritten]
    confidence, reasons_a = copy_confidence(mine, theirs, config.direction, (a.published, b.published))
    reasons_b = copy_confidence(theirs, mine, config.direction, (b.published, a.published))[1]

    def side(other: Side, fp_this: Fingerprint, aligned, kind, conf, reasons) -> SourceMatch:
        share, source_share = len(aligned) / len(fp_this.sentences), len(aligned) / len(other.fingerprint.sentences)
        return SourceMatch(other.id, kind, share, source_share, conf, reasons, aligned)

    return (
        side(b, fp_a, seen_from_a, kind_a, confidence, reasons_a),
        side(a, fp_b, seen_from_b, kind_b, 1.0 - confidence, reasons_b),
    )


def could_match(vectors_a: np.ndarray, vectors_b: np.ndarray, config: ProvenanceConfig) -> bool:
    """False when two documents' sentence vectors cannot align into a source: the bound
    `match_pair` reads first, for a caller that holds the vectors before the rest of a side
    (a reference index reads a candidate's texts only when this passes)."""
    shorter = min(len(vectors_a), len(vectors_b))
    return not _too_few(most_pairs(similarities(vectors_a, vectors_b, config.align), config.align), shorter, config)


def _too_few(pairs: int, shorter: int, config: ProvenanceConfig) -> bool:
    """Fewer aligned pairs than a source needs, for a pair whose shorter side has `shorter` sentences."""
    return pairs < min(config.min_pairs, shorter) or pairs < config.min_share * shorter


def _aligned(fp_this: Fingerprint, fp_other: Fingerprint, pairs, config: ProvenanceConfig) -> list[AlignedSentence]:
    """Aligned pairs seen from one side: (this side's position, the other's, the pair), diffed
    with this side as the copy, in this side's order."""
    out = []
    for mine_at, theirs_at, pair in sorted(pairs, key=lambda x: x[0]):
        mine, theirs = fp_this.sentences[mine_at], fp_other.sentences[theirs_at]
        diff = word_diff(mine.text, theirs.text, mine.start, theirs.start)
        out.append(
            AlignedSentence(
                mine.index,
                theirs.index,
                theirs.start,
                theirs.end,
                theirs.text,
                pair.similarity,
                pair_kind(diff, config.rewrite),
                pair.moved,
                diff.edits,
            )
        )
    return out
