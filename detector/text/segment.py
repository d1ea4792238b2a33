"""Segmentation: text in, a `Document` of paragraphs and sentences with exact character offsets out.

Lines are split first, because scraped captions, headlines and teaser lists end without a period
and must never be glued to the next line; each line is then cut into sentences with sentencex.
Every offset indexes `Document.text`, so `text[s.start:s.end] == s.text` always holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import sentencex

BODY = "body"
CAPTION = "caption"

# Sentences longer than this are cut at whitespace: no real sentence is this long, and the
# classifier and the evidence finders cost grows with it.
MAX_SENTENCE_CHARS = 2000

_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int
    kind: str = BODY


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    kind: str = BODY


@dataclass
class Document:
    """A segmented article. `source` says whether `text` is the input itself or text extracted from HTML."""

    text: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    source: str = "text"
    # How the input was read (io/decode.py): the encoding of bytes input (None for text given as a
    # string) and how many undecodable bytes or lone surrogates became U+FFFD.
    encoding: str | None = None
    replaced_bytes: int = 0
    mojibake_mended: int = 0  # characters mended in mis-decoded lines (io/decode.py: mend_mojibake)
    published: str | None = None  # the publication date an HTML page's markup states (io/html.py)
    _by_paragraph: dict[int, list[Sentence]] | None = field(default=None, repr=False, compare=False)
    _indexed: int = field(default=-1, repr=False, compare=False)

    def context(self, index: int, window: int = 1) -> str:
        """The sentences around sentence `index` in the same paragraph-ordered stream, without it."""
        return " ".join(self.neighbours(index, window))

    def neighbours(self, index: int, window: int = 1) -> list[str]:
        """The texts of the sentences that make `context(index, window)`, in order."""
        lo = max(0, index - window)
        hi = min(len(self.sentences), index + window + 1)
        return [s.text for s in self.sentences[lo:hi] if s.index != index]

    def paragraph_sentences(self, paragraph: int) -> list[Sentence]:
        """The sentences of one paragraph (an index built once, so finders stay linear)."""
        if self._by_paragraph is None or self._indexed != len(self.sentences):
            self._by_paragraph = {}
            for s in self.sentences:
                self._by_paragraph.setdefault(s.paragraph, []).append(s)
            self._indexed = len(self.sentences)
        return self._by_paragraph.get(paragraph, [])


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long span at the last whitespace before `limit` characters (hard cut if none)."""
    while end - start > limit:
        cut = text.rfind(" ", start + 1, start + limit)
        if cut <= start:
            cut = start + limit
        yield _strip_span(text, start, cut)
        start, _ = _strip_span(text, cut, end)
    if end > start:
        yield start, end


# a "!" or "?" closing a span (its quote or bracket after it): sentencex ends a sentence there even
# when the next word is lowercase, which no new sentence starts with (Jeopardy!, Yahoo!, Kto Ya?)
_EXCLAIMED = re.compile(r"[!?][\"”’')\]]*$")
# a list item's number opening its line ("1.", "12.", "- 1.4."), which sentencex makes a sentence
_LIST_NUMBER = re.compile(r"(?:[-*•·]\s*)?\d{1,3}(?:\.\d{1,3})*[.)]")


def sentence_spans(text: str, start: int = 0, end: int | None = None, language: str = "en") -> list[tuple[int, int]]:
    """Sentence (start, end) offsets inside `text[start:end]`, whitespace trimmed, never empty."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    joined: list[tuple[int, int]] = []
    for bound in sentencex.get_sentence_boundaries(language, chunk):
        s, e = _strip_span(text, start + bound["start_index"], start + bound["end_index"])
        if e <= s:
            continue
        if joined and _EXCLAIMED.search(text, joined[-1][0], joined[-1][1]) and text[s].islower():
            joined[-1] = (joined[-1][0], e)  # "He appeared on Jeopardy! last year", "“Go!” she said"
        elif len(joined) == 1 and _LIST_NUMBER.fullmatch(text, *joined[0]):
            joined[-1] = (joined[-1][0], e)  # "1. The council met on Tuesday.", "- 1.4. Installation"
        else:
            joined.append((s, e))
    return [span for s, e in joined for span in _cut_long(text, s, e, MAX_SENTENCE_CHARS)]


def segment(
    text: str,
    source: str = "text",
    caption_ranges: Sequence[tuple[int, int]] = (),
    language: str = "en",
) -> Document:
    """Segment `text` into paragraphs (non-blank lines) and sentences.

    `caption_ranges` marks character ranges (from the HTML extractor) whose lines are image captions.
    """
    doc = Document(text=text, source=source)
    for match in _LINE.finditer(text):
        p_start, p_end = _strip_span(text, match.start(), match.end())
        if p_end <= p_start:
            continue
        kind = CAPTION if any(a <= p_start and p_end <= b for a, b in caption_ranges) else BODY
        paragraph = Paragraph(index=len(doc.paragraphs), start=p_start, end=p_end, kind=kind)
        doc.paragraphs.append(paragraph)
        for s, e in sentence_spans(text, p_start, p_end, language):
            doc.sentences.append(Sentence(index=len(doc.sentences), start=s, end=e, text=text[s:e], paragraph=paragraph.index, kind=kind))
    return doc
