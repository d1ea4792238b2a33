"""A document's scoring up to its report, and the editor's memory of the last few.

Everything before the report (the classifier pass, the finders, the MT check, the language
model's reading) is the same at every threshold; only the report depends on it. The editor asks
for one article several times: again when its slider moves (the verdict at another threshold)
and, with `serve --lm`, first without the language model's reading (a quick answer) and then with
it. `Detector.score` keeps the last `DetectorConfig.score_cache` articles' `ScoredDocument`s, so
such a request builds the report again, and the language model reads only what it has not read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Hashable

from detector.evidence.base import Findings
from detector.scoring.mt_check import RoundTripCheck
from detector.scoring.sentence_scorer import SentenceProbabilities
from detector.text.language import LanguageFindings
from detector.text.segment import Document


@dataclass
class ScoredDocument:
    """One document scored, before its report. `english` is the part scored (None: the document
    is not English enough to score, and the other fields stay None)."""

    doc: Document
    language: LanguageFindings | None = None  # None without the language check
    english: Document | None = None
    probabilities: SentenceProbabilities | None = None
    findings: Findings | None = None
    check: RoundTripCheck | None = None
    reading: object | None = None  # the language model's reading (improbable_words.LMReading)
    read: bool = False  # the language model has read it (a Detector without one never does)

    def copy(self) -> ScoredDocument:
        """A copy that building a report may change: the report stacks the LM's spun probability
        into `probabilities` and adds evidence to `findings`, in place."""
        if self.probabilities is None:
            return replace(self)
        probabilities = SentenceProbabilities(self.probabilities.probs.copy(), self.probabilities.words)
        findings = {index: list(evidence) for index, evidence in self.findings.items()}
        return replace(self, probabilities=probabilities, findings=findings)


class ScoredCache:
    """The last `size` documents scored, by their input (least recently used dropped first); safe
    to share between the server's threads. Entries are copies, and copies are handed out."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, ScoredDocument] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> ScoredDocument | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found.copy()

    def put(self, key: Hashable, scored: ScoredDocument) -> None:
        if self.size < 1:
            return
        with self._lock:
            self._items[key] = scored.copy()
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
