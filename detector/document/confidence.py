"""When a document is too short for its learned scores to mean anything.

The classifier and the lexical MT scorer read a sentence with its neighbours. On validation blocks
cut to their first k lines (research/short-texts.md), one sentence alone gets a machine-translated
flag 0.6% of the time where it is machine translated (two lines: 7.5%, ten: 12%), so a learned
score of a lone sentence is noise. Below MIN_LEARNED_SENTENCES content sentences a document is
`low_confidence`: its learned types (spun, machine_translated) flag nothing; evidence still does.

A sentence without a word (a lone quote mark, a ")" or a "```" line of a scraped page) has nothing
for a learned type to be about: on validation, learned flags on such sentences hit 1 of 9 human
ones and none of 20 machine-translated ones, and the lexical scorer's reasons for one read
“)”. It gets no learned type either, wherever it stands.
"""

from __future__ import annotations

from detector.document.features import content_sentences
from detector.report import SentenceScore
from detector.text.words import words

MIN_LEARNED_SENTENCES = 2


def low_confidence(sentences: list[SentenceScore], threshold: float) -> bool:
    return len(content_sentences(sentences, threshold)) < MIN_LEARNED_SENTENCES


def judges_learned(text: str) -> bool:
    """Whether a learned type may flag a sentence of this text (in a document long enough)."""
    return bool(words(text))
