"""How a copy rewrote its source: per aligned sentence pair, and per document pair.

`verbatim` is syndication (the same words; not an artifact in itself); `spun` keeps the source's
structure and swaps words one or two at a time (a synonym swapper); `translated` restructures,
changing function words and order the way a round trip through another language does;
`summarised` keeps a part of the source sentence (or of the source's sentences).
"""

from __future__ import annotations

from dataclasses import dataclass

from detector.provenance.word_diff import DELETE, INSERT, MOVE, REPLACE, WordDiff
from detector.text.words import words

VERBATIM = "verbatim"
SPUN = "spun"
TRANSLATED = "translated"
SUMMARISED = "summarised"
REWRITE_KINDS = (VERBATIM, SPUN, TRANSLATED, SUMMARISED)


@dataclass(frozen=True)
class RewriteConfig:
    verbatim_kept: float = 0.95  # share of words kept in place at or above which a pair is verbatim
    # A spin keeps most words where they were, swaps them in short runs, and adds or drops few.
    # Chosen on validation (WMT14-15) copies by the best mean accuracy over the embedding spinner
    # and DeepL round trips (training/evaluate_provenance.py; reports/provenance-v1.md).
    spun_kept: float = 0.7
    spun_max_run: int = 2
    spun_max_indel: float = 0.1  # share of the longer side
    summarised_length: float = 0.6  # the copy has at most this share of the source's words
    document_share: float = 0.5  # the document pair's kind: the kind of at least this share of its pairs


def pair_kind(diff: WordDiff, config: RewriteConfig = RewriteConfig()) -> str:
    """A pair's kind from its diff. Verbatim also when one side is the other with words only added
    or cut (a scraper that glued a caption on, a syndication that trimmed a clause)."""
    longest = max(diff.copy_words, diff.source_words, 1)
    shorter = max(min(diff.copy_words, diff.source_words), 1)
    runs = [max(_width(e.copy_text), _width(e.source_text)) for e in diff.edits if e.op == REPLACE]
    replaced = sum(runs)
    if diff.kept_share >= config.verbatim_kept or (diff.matched_words >= config.verbatim_kept * shorter and replaced <= 0.05 * shorter):
        return VERBATIM
    if diff.source_words and diff.copy_words / diff.source_words <= config.summarised_length:
        return SUMMARISED
    indel = sum(_width(e.copy_text) + _width(e.source_text) for e in diff.edits if e.op in (INSERT, DELETE, MOVE))
    if diff.kept_share >= config.spun_kept and indel / longest <= config.spun_max_indel and all(r <= config.spun_max_run for r in runs):
        return SPUN
    return TRANSLATED


def document_kind(kinds: list[str], copy_sentences: int, source_sentences: int, config: RewriteConfig = RewriteConfig()) -> str:
    """The kind of a document pair from its pairs' kinds: a kind held by `document_share` of the
    pairs, else the most common rewrite; a copy much shorter than its source is `summarised`."""
    if not kinds:
        return TRANSLATED
    counts = {k: kinds.count(k) for k in REWRITE_KINDS}
    if counts[VERBATIM] >= config.document_share * len(kinds):
        return VERBATIM
    if (
        source_sentences
        and copy_sentences / source_sentences <= config.summarised_length
        and len(kinds) < config.summarised_length * source_sentences
    ):
        return SUMMARISED
    rewritten = {k: counts[k] for k in (SPUN, TRANSLATED, SUMMARISED)}
    return max(rewritten, key=lambda k: (rewritten[k], k == SPUN))


def _width(text: str) -> int:
    return len(words(text))
