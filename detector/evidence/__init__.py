"""Deterministic evidence finders: each explains one artifact type with offsets a person can check."""

from .base import Evidence, EvidenceFinder, Findings, Span
from .boilerplate import BoilerplateFinder
from .duplicates import DuplicateConfig, DuplicateFinder
from .lists import GarbledListFinder
from .punctuation import PunctuationFinder


def default_finders(encoder) -> list[EvidenceFinder]:
    """The finders the detector runs, in a fixed order (evidence is listed in this order)."""
    return [DuplicateFinder(encoder), GarbledListFinder(), PunctuationFinder(), BoilerplateFinder()]


def find_all(doc, finders) -> Findings:
    merged: Findings = {}
    for finder in finders:
        for index, evidence in finder.find(doc).items():
            merged.setdefault(index, []).extend(evidence)
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
]
