"""Broken punctuation: quotes glued to words, and quotes that do not pair up within a sentence.

Spinners and round-trip translation rebuild the text around quotation marks and get them wrong:
"lasted'very positively'", "to’safeguard", "the’serious consequences”". Contractions (don't,
Russia’s), names (O'Brien) and plural possessives (sides’) are not quotes and are left alone.
"""

from __future__ import annotations

import re

from detector.evidence.base import FLAGGING_CONFIDENCE, Evidence, EvidenceFinder, Findings, Span, add
from detector.labels import BROKEN_PUNCTUATION
from detector.text.segment import Document

# A lowercase word glued to a quote that opens another word: "lasted'very", "to’safeguard".
_GLUED = re.compile(r"(?<![\w'’])([a-z]{2,})(['’‘“\"])([a-z]{3,})")
_CONTRACTION_TAILS = {"s", "t", "re", "ve", "ll", "d", "m", "em", "all", "n"}
# An opening curly quote stuck to the punctuation before it: "said,‘In", "stated:“Both".
_NO_SPACE = re.compile(r"[,;:]([‘“])\w")
_OPEN_DOUBLE, _CLOSE_DOUBLE, _OPEN_SINGLE, _CLOSE_SINGLE = "“", "”", "‘", "’"


def _is_closing_single(text: str, i: int) -> bool:
    """’ closing a quote (not an apostrophe): after a letter, before space, punctuation or the end."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before.isalpha() and before.lower() != "s" and not after.isalnum()


# A “ left open may close up to this many paragraphs below: a quoted passage of a few sentences
# runs over several lines where text comes a sentence to a line, as translated and scraped news does.
QUOTE_REACH = 4


def _quote_problems(text: str, carried: bool = False) -> tuple[list[tuple[int, str]], bool]:
    """(offset, what is wrong) for curly quotes in a paragraph that close without opening or close
    the wrong kind, and whether a “ is still open at its end. `carried`: a “ opened in a paragraph
    above is still open, so the first ” closes it. Quotes nest: a ‘ opened inside a “ closes
    before it (“He said ‘no’ to them.”)."""
    problems: list[tuple[int, str]] = []
    open_quotes: list[str] = [_OPEN_DOUBLE] if carried else []  # innermost last
    for i, ch in enumerate(text):
        inner = open_quotes[-1] if open_quotes else None
        if ch == _OPEN_DOUBLE or ch == _OPEN_SINGLE:
            open_quotes.append(ch)
        elif ch == _CLOSE_DOUBLE:
            if inner == _OPEN_DOUBLE:
                open_quotes.pop()
                continue
            if inner == _OPEN_SINGLE:
                problems.append((i, "a quote opened with ‘ is closed with ”"))
            elif '"' not in text[:i]:
                problems.append((i, "a closing ” with no opening quote"))
            open_quotes.clear()
        elif ch == _CLOSE_SINGLE and inner == _OPEN_SINGLE and not text[i + 1 : i + 2].isalnum():
            open_quotes.pop()  # closes the open ‘, even after an s ("‘the countries’")
        elif ch == _CLOSE_SINGLE and _is_closing_single(text, i):
            if inner == _OPEN_DOUBLE:
                problems.append((i, "a quote opened with “ is closed with ’"))
            elif inner is None and "'" not in text[:i]:
                problems.append((i, "a closing ’ with no opening quote"))
    if _OPEN_SINGLE in open_quotes:
        # An open “ may run on into the next paragraph by convention; an open ‘ may not.
        problems.append((text.rindex(_OPEN_SINGLE), "an opening ‘ is never closed"))
    return problems, _OPEN_DOUBLE in open_quotes


class PunctuationFinder(EvidenceFinder):
    name = "punctuation"

    def find(self, doc: Document) -> Findings:
        findings: Findings = {}
        for s in doc.sentences:
            text = s.text
            for m in _GLUED.finditer(text):
                if m.group(3).lower() in _CONTRACTION_TAILS:
                    continue
                start, end = s.start + m.start(), s.start + m.end()
                add(
                    findings,
                    s.index,
                    Evidence(
                        type=BROKEN_PUNCTUATION,
                        rule="glued_quote",
                        message=f"quote mark glued between two words: “{m.group(0)}”",
                        confidence=FLAGGING_CONFIDENCE,
                        spans=(Span.of(doc, start, end),),
                    ),
                )
            for m in _NO_SPACE.finditer(text):
                add(
                    findings,
                    s.index,
                    Evidence(
                        type=BROKEN_PUNCTUATION,
                        rule="missing_space_before_quote",
                        message=f"no space before an opening quote: “{m.group(0)}”",
                        confidence=0.6,
                        spans=(Span.of(doc, s.start + m.start(), s.start + m.end()),),
                    ),
                )
        # Quotes often run over several sentences of a paragraph, so they are paired per paragraph,
        # and a “ left open carries into the next QUOTE_REACH paragraphs.
        opened_in: int | None = None  # the paragraph whose “ is still open
        for p in doc.paragraphs:
            members = doc.paragraph_sentences(p.index)
            text = doc.text[p.start : p.end]
            carried = opened_in is not None and p.index - opened_in <= QUOTE_REACH
            problems, still_open = _quote_problems(text, carried)
            if not still_open:
                opened_in = None
            elif _OPEN_DOUBLE in text or not carried:
                opened_in = p.index  # opened here (or opened again, as a continued quote's paragraphs are)
            for offset, what in problems:
                at = p.start + offset
                owner = next((s for s in members if s.start <= at < s.end), None)
                if owner is None:
                    continue
                lo, hi = max(owner.start, at - 12), min(owner.end, at + 1)
                add(
                    findings,
                    owner.index,
                    Evidence(
                        type=BROKEN_PUNCTUATION,
                        rule="unbalanced_quotes",
                        message=what,
                        confidence=0.65,
                        spans=(Span.of(doc, lo, hi),),
                    ),
                )
        return findings
