"""HTML of any depth: text by a streaming tokenizer, for pages the tree parser cannot hold.

libxml2 (under lxml and trafilatura) stops building the tree 256 elements deep and drops what lies
below, so a page of 300 nested `<div>`s or 150,000 unclosed `<b>`s read as "no readable text".
The standard library's `html.parser` builds no tree, so depth costs it nothing: it yields the text
with a line break at each block element, leaves out scripts and styles, and keeps image captions
on their own lines with their ranges (no article-body detection: such pages have no usable tree).
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

_BLOCKS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 br tr section article blockquote figcaption caption pre dd dt header footer td th ul ol table figure hr".split()
)
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "title"})
_CAPTIONS = frozenset({"figcaption", "caption"})
_SPACES = re.compile(r"[ \t\u00a0]+")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping = 0  # open script/style elements
        self.open: Counter = Counter()  # open elements by tag
        self.captions: list[tuple[str, int]] = []  # open caption elements: (tag, its nesting among its tag)
        self.marks: list[tuple[int, bool]] = []  # (piece index, caption opens/closes here)

    def _block(self) -> None:
        self.pieces.append("\n")

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self._block()
        if tag in _VOID:
            return
        self.open[tag] += 1
        if tag in _CAPTIONS or "caption" in (dict(attrs).get("class") or "").lower():
            self.captions.append((tag, self.open[tag]))
            self.marks.append((len(self.pieces), True))

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self._block()
        if self.captions and self.captions[-1] == (tag, self.open[tag]):
            self.captions.pop()
            self.marks.append((len(self.pieces), False))
            self._block()
        self.open[tag] = max(0, self.open[tag] - 1)

    def handle_data(self, data):
        if not self.skipping:
            self.pieces.append(data)


def extract_streamed(html: str) -> tuple[str, list[tuple[int, int]]]:
    """(text, caption ranges) of `html`, whatever its depth: lines normalised, blank lines dropped,
    a caption's lines marked by ranges into the returned text."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    in_caption = [0] * (len(collector.pieces) + 1)  # caption depth at each piece
    depth, marks = 0, iter(collector.marks)
    mark = next(marks, None)
    for i in range(len(collector.pieces) + 1):
        while mark is not None and mark[0] == i:
            depth += 1 if mark[1] else -1
            mark = next(marks, None)
        in_caption[i] = depth
    lines: list[tuple[str, bool]] = []
    current, caption = [], False
    for piece, depth in zip(collector.pieces, in_caption):
        for k, part in enumerate(piece.split("\n")):
            if k:
                lines.append(("".join(current), caption))
                current, caption = [], False
            if part.strip():
                current.append(part)
                caption = caption or depth > 0
    lines.append(("".join(current), caption))
    text, ranges = "", []
    for line, is_caption in lines:
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        if text:
            text += "\n"
        if is_caption:
            ranges.append((len(text), len(text) + len(line)))
        text += line
    return text, ranges
