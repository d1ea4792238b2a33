"""Deterministic evidence finders: each explains one artifact type with offsets a person can check."""

from typing import Sequence

from detector.evidence.base import Evidence, EvidenceFinder, Findings, Span
from detector.evidence.boilerplate import BoilerplateFinder
from detector.evidence.duplicates import DuplicateConfig, DuplicateFinder
from detector.evidence.lists import GarbledListFinder
from detector.evidence.punctuation import PunctuationFinder
from detector.text.segment import Document


def default_finders(encoder) -> list[EvidenceFinder]:
    """The finders the detector runs, in a fixed order (evidence is listed in this order)."""
    return [DuplicateFinder(encoder), GarbledListFinder(), PunctuationFinder(), BoilerplateFinder()]


def find_all(doc: Document, finders: Sequence[EvidenceFinder]) -> Findings:
    """Every finder's evidence for one document, merged per sentence in finder order."""
    return find_many([doc], finders)[0]


def find_many(docs: Sequence[Document], finders: Sequence[EvidenceFinder]) -> list[Findings]:
    """`find_all` for a batch: each finder sees the whole batch at once (`EvidenceFinder.find_many`)."""
    merged: list[Findings] = [{} for _ in docs]
    for finder in finders:
        for into, found in zip(merged, finder.find_many(docs)):
            for index, evidence in found.items():
                into.setdefault(index, []).extend(evidence)
    return merged


__all__ = [
    "BoilerplateFinder",
    "DuplicateConfig",
    "DuplicateFinder",
    "Evidence",
    "EvidenceFinder",
    "Findings",
    "GarbledListFinder",
    "PunctuationFinder",
    "Span",
    "default_finders",
    "find_all",
    "find_many",
]
