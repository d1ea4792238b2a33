"""Deterministic evidence finders: each explains one artifact type with offsets a person can check."""

from .base import Evidence, EvidenceFinder, Findings, Span
from .boilerplate import BoilerplateFinder
from .duplicates import DuplicateConfig, DuplicateFinder
from .lists import GarbledListFinder
from .punctuation import PunctuationFinder


def default_finders(encoder) -> list[EvidenceFinder]:
    """The finders the detector runs, in a fixed order (evidence is listed in this order)."""
    return [DuplicateFinder(encoder), GarbledListFinder(), PunctuationFinder(), BoilerplateFinder()]


def find_all(doc, finders, given: dict[str, Findings] | None = None) -> Findings:
    """Every finder's evidence merged per sentence, in finder order; `given` holds findings a
    caller already computed, by finder name (the duplicates of a batch embedded in one pass)."""
    given = given or {}
    merged: Findings = {}
    for finder in finders:
        found = given[finder.name] if finder.name in given else finder.find(doc)
        for index, evidence in found.items():
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
