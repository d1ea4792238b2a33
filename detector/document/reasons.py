"""Reasons for the learned types: every `spun` or `machine_translated` flag carries evidence.

The deterministic types flag only with a finder's evidence. The learned ones flag on the
classifier's probability, so they get their reason here: for `spun`, the words the token head
marks (evidence/swapped_words.py) or, when it marks none, that no single word stands out; for
`machine_translated`, the word n-grams that push the lexical scorer toward MT most, and whether
the push came mostly from the sentences around it (both scorers read the neighbours).
"""

from __future__ import annotations

from typing import Callable, Sequence

from detector.evidence.base import Evidence
from detector.labels import MACHINE_TRANSLATED, SPUN
from detector.report import SentenceScore
from detector.scoring.lexical_mt import MTExplanation

Explain = Callable[[int], MTExplanation | None]  # sentence index -> the lexical scorer's explanation


def add_learned_reasons(sentences: Sequence[SentenceScore], threshold: float, explain_mt: Explain) -> None:
    """Give each sentence flagged for a learned type without evidence of that type its reason (in place)."""
    for s in sentences:
        has, flagged = {e.type for e in s.evidence}, s.flagged_types(threshold)
        spun = s.labels.get(SPUN, 0.0)
        if SPUN in flagged and SPUN not in has:
            s.evidence.append(
                Evidence(SPUN, "classifier", f"the classifier reads it as spun ({spun:.2f}); its token head marks no single word", spun)
            )
        mt = s.labels.get(MACHINE_TRANSLATED, 0.0)
        if MACHINE_TRANSLATED in flagged and MACHINE_TRANSLATED not in has:
            s.evidence.append(Evidence(MACHINE_TRANSLATED, "lexical_ngrams", _mt_message(mt, explain_mt(s.index)), mt))


def _mt_message(probability: float, explanation: MTExplanation | None) -> str:
    message = f"reads as machine translated ({probability:.2f})"
    if explanation is None:
        return message
    if explanation.ngrams:
        message += "; the words that weigh most toward MT: " + ", ".join(f"“{g}”" for g, _ in explanation.ngrams)
    if explanation.mostly_context:
        message += "; most of the lexical signal comes from the sentences around it"
    return message
