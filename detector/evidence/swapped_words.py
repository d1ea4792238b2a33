"""Swapped-word evidence: for a sentence the classifier finds spun, the words its token head reads
as swapped for synonyms, so a learned `spun` score comes with the words that earned it."""

from __future__ import annotations

from typing import Sequence

from detector.evidence.base import Evidence, Findings, Span, add
from detector.labels import SPUN
from detector.text.segment import Document

MAX_LISTED = 6  # words quoted in the message; every marked word is a span


def swapped_words(doc: Document, spun: Sequence[float], marked: Sequence[Sequence[tuple[int, int, float]]], threshold: float) -> Findings:
    """Evidence per sentence whose `spun` probability reaches `threshold` and that has marked words
    ((start, end, probability) in the sentence's own characters)."""
    findings: Findings = {}
    for s in doc.sentences:
        words, probability = marked[s.index], float(spun[s.index])
        if not words or probability < threshold:
            continue
        spans = tuple(Span.of(doc, s.start + a, s.start + b) for a, b, _ in words)
        listed = ", ".join(f"“{span.text}”" for span in spans[:MAX_LISTED])
        add(
            findings,
            s.index,
            Evidence(
                type=SPUN,
                rule="swapped_words",
                message=f"words the model reads as swapped for synonyms: {listed}",
                confidence=probability,
                spans=spans,
            ),
        )
    return findings
