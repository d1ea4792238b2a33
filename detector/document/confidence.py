"""When a document is too short for its learned scores to mean anything.

The classifier and the lexical MT scorer read a sentence with its neighbours. On validation blocks
cut to their first k lines (research/short-texts.md), one sentence alone gets a machine-translated
flag 0.6% of the time where it is machine translated (two lines: 7.5%, ten: 12%), so a learned
score of a lone sentence is noise. Below MIN_LEARNED_SENTENCES content sentences a document is
`low_confidence`: its learned types (spun, machine_translated) flag nothing; evidence still does.
"""

from __future__ import annotations

from detector.document.features import content_sentences
from detector.report import SentenceScore

MIN_LEARNED_SENTENCES = 2


def low_confidence(sentences: list[SentenceScore], threshold: float) -> bool:
    return len(content_sentences(sentences, threshold)) < MIN_LEARNED_SENTENCES
