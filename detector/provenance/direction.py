"""Which of two aligned documents is the copy.

The artifacts sit in the copy: a spinner's swapped words, a round trip's grammar, the broken quotes
and garbled lists a mill leaves. So the side whose aligned sentences carry more artifact
probability is the copy. Two verbatim syndications carry the same, and the answer is 0.5: the
report says it cannot tell rather than guess. Publication dates, where both sides have one, add
their own log-odds (provenance.dates): the later document is the likelier copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from detector.labels import BROKEN_PUNCTUATION, DUPLICATE, GARBLED_LIST, MACHINE_TRANSLATED, SPUN
from detector.provenance.dates import date_logit
from detector.report import SentenceScore

_ARTIFACTS = (SPUN, MACHINE_TRANSLATED, DUPLICATE, GARBLED_LIST, BROKEN_PUNCTUATION)


@dataclass(frozen=True)
class DirectionConfig:
    scale: float = 8.0  # logistic slope on the mean artifact-probability difference
    prior_pairs: float = 3.0  # the difference is shrunk by n / (n + this): three pairs say less than thirty
    min_difference: float = 0.02  # below this the two sides read alike: no reason is given


def artifact_probability(sentence: SentenceScore) -> float:
    return max(sentence.labels.get(t, 0.0) for t in _ARTIFACTS)


def copy_confidence(
    mine: list[float],
    theirs: list[float],
    config: DirectionConfig = DirectionConfig(),
    dates: tuple[str | None, str | None] = (None, None),
) -> tuple[float, list[str]]:
    """P(this side is the copy) from the artifact probabilities of aligned sentences (pair by
    pair, `artifact_probability`) and the two publication dates where both are known (this
    side's, the other's: provenance.dates), and the reasons in words."""
    logit, date_reason = date_logit(*dates)
    if not mine:
        reasons = ["the aligned sentences are verbatim copies: a syndication, with no side that rewrote the other"]
        return 1.0 / (1.0 + math.exp(-logit)), reasons + ([date_reason] if date_reason else [])
    difference = sum(mine) / len(mine) - sum(theirs) / len(theirs)
    shrunk = difference * len(mine) / (len(mine) + config.prior_pairs)
    confidence = 1.0 / (1.0 + math.exp(-(config.scale * shrunk + logit)))
    reasons = [date_reason] if date_reason else []
    if abs(difference) >= config.min_difference:
        side = "this document's" if difference > 0 else "the other document's"
        reasons.append(
            f"{side} aligned sentences carry more artifacts (mean artifact probability {sum(mine) / len(mine):.2f} here, {sum(theirs) / len(theirs):.2f} there)"
        )
    else:
        reasons.append("both sides read alike: which one is the copy cannot be told from the text")
    return confidence, reasons
