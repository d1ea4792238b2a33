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
from detector.provenance.rewrite import VERBATIM
from detector.report import SentenceScore

_ARTIFACTS = (SPUN, MACHINE_TRANSLATED, DUPLICATE, GARBLED_LIST, BROKEN_PUNCTUATION)


@dataclass(frozen=True)
class DirectionConfig:
    scale: float = 8.0  # logistic slope on the mean artifact-probability difference
    prior_pairs: float = 3.0  # the difference is shrunk by n / (n + this): three pairs say less than thirty
    min_difference: float = 0.02  # below this the two sides read alike: no reason is given
    # P(the later document is the copy) from two publication dates alone (provenance.dates); a
    # wrong date then outweighs most artifact evidence (research/provenance-witnesses.md): set it
    # nearer 0.5 for dates that are crawl times, 0.5 to leave dates out.
    date_confidence: float = 0.9
    # Log-odds per third document that carries one side's wording word for word and the other's
    # rewritten (weigh_witnesses), counted up to max_witnesses net. 0 by default: witnesses are
    # named in the reasons but not weighed, because a mill network reposts its own rewrites as
    # a wire story is reposted, and on known copies weighing them lost a fifth of the directions
    # where the copy was reposted while gaining little where the original was
    # (research/provenance-witnesses.md). A crawl known to hold wire syndications may set 1.0.
    witness_logit: float = 0.0
    max_witnesses: int = 3


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
    logit, date_reason = date_logit(*dates, config.date_confidence)
    if not mine:
        reasons = ["the aligned sentences are verbatim copies: a syndication, with no side that rewrote the other"]
        return _sigmoid(logit), reasons + ([date_reason] if date_reason else [])
    difference = sum(mine) / len(mine) - sum(theirs) / len(theirs)
    shrunk = difference * len(mine) / (len(mine) + config.prior_pairs)
    confidence = _sigmoid(config.scale * shrunk + logit)
    reasons = [date_reason] if date_reason else []
    if abs(difference) >= config.min_difference:
        side = "this document's" if difference > 0 else "the other document's"
        reasons.append(
            f"{side} aligned sentences carry more artifacts (mean artifact probability {sum(mine) / len(mine):.2f} here, {sum(theirs) / len(theirs):.2f} there)"
        )
    else:
        reasons.append("both sides read alike: which one is the copy cannot be told from the text")
    return confidence, reasons


def weigh_witnesses(matched: dict, config: DirectionConfig = DirectionConfig()) -> None:
    """Third parties' agreement, in place: for each rewritten document pair (a, b) of a batch
    (`matched`: (a, b) -> (a's SourceMatch, b's)), a document c matched to both that is a verbatim
    copy of one side and a rewrite of the other attests that side's wording, so the other side is
    the likelier copy. Each net witness adds `witness_logit` (0 by default: named, not weighed) to
    that side's log-odds of being the original; the reasons name the witnesses either way. Pairs
    that are verbatim themselves are left alone."""
    seen: dict[int, dict] = {}  # document -> {other document: the match as this one sees it}
    for (a, b), (seen_from_a, seen_from_b) in matched.items():
        seen.setdefault(a, {})[b] = seen_from_a
        seen.setdefault(b, {})[a] = seen_from_b
    for (a, b), (seen_from_a, seen_from_b) in matched.items():
        if VERBATIM in (seen_from_a.rewrite, seen_from_b.rewrite):
            continue
        for_a, for_b = [], []  # the ids of the witnesses carrying a's wording, b's
        for c in sorted(seen[a].keys() & seen[b].keys()):
            with_a, with_b = seen[c][a].rewrite == VERBATIM, seen[c][b].rewrite == VERBATIM
            if with_a != with_b:
                (for_a if with_a else for_b).append(seen[a][c].id)
        net = max(-config.max_witnesses, min(config.max_witnesses, len(for_a) - len(for_b)))
        if net == 0:
            continue
        weighed = config.witness_logit > 0
        if weighed:
            p = min(max(seen_from_a.copy_confidence, 1e-6), 1 - 1e-6)
            seen_from_a.copy_confidence = _sigmoid(math.log(p / (1 - p)) - config.witness_logit * net)
            seen_from_b.copy_confidence = 1.0 - seen_from_a.copy_confidence
        seen_from_a.direction_reasons.append(_witness_reason(for_a, for_b, weighed))
        seen_from_b.direction_reasons.append(_witness_reason(for_b, for_a, weighed))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _witness_reason(mine: list, theirs: list, weighed: bool) -> str:
    def who(ids: list) -> str:
        shown = ", ".join(str(i) for i in ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        return f"{len(ids)} other document{'s' if len(ids) > 1 else ''} ({shown}) {'carry' if len(ids) > 1 else 'carries'}"

    parts = ([f"{who(mine)} this document's wording word for word"] if mine else []) + (
        [f"{who(theirs)} the other's word for word"] if theirs else []
    )
    if weighed:
        return "; ".join(parts) + ": independent copies keep the original's wording, not the rewrite's"
    return "; ".join(parts) + " (not weighed: a mill can repost its own rewrite as a wire story is reposted)"
