"""Small lexical helpers shared by the evidence finders: word tokens, content words, title case."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say told""".split()
)


def words(text: str) -> list[str]:
    return WORD.findall(text)


def has_capital(text: str) -> bool:
    return any(c.isupper() for c in text)


@lru_cache(maxsize=1 << 16)  # called for every word of every sentence, news repeats its words
def fold(word: str) -> str:
    """Lower-case, strip accents, unify apostrophes and drop a possessive ending."""
    w = unicodedata.normalize("NFKD", word.lower())
    w = "".join(ch for ch in w if not unicodedata.combining(ch)).replace("’", "'")
    return w[:-2] if w.endswith("'s") else w


def content_stems(text: str) -> set[str]:
    """Content words cut to a 5-letter stem, enough to match 'drills'/'drill' and 'staged'/'stage'."""
    folded = (fold(w) for w in words(text))
    return {w[:5] for w in folded if w not in STOP_WORDS and not w.isdigit()}


def normalise(text: str) -> str:
    return " ".join(fold(w) for w in words(text))


def is_title_case(text: str) -> bool:
    """Headline style: most words of four letters or more start with a capital."""
    long_words = [w for w in words(text) if len(w) >= 4 and w.isalpha()]
    if len(long_words) < 3:
        return False
    return sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.8


def excerpt(text: str, limit: int = 80) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut: a passage quoted in a reason."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
