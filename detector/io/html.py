"""HTML in, plain text plus caption ranges out.

trafilatura finds the article body and drops navigation, scripts and footers, but it also drops
image captions, and duplicated captions are a main paraphrase-mill tell. Captions are therefore
pulled out separately with lxml and appended after the body, one per line, marked as captions.
Pages nested deeper than libxml2 builds trees are read by the streaming reader (html_stream.py).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import lxml.html
import trafilatura
from lxml import etree

from detector.io.decode import mend_mojibake
from detector.io.html_stream import extract_streamed
from detector.text.segment import Document, segment

_CAPTION_XPATH = "//figcaption | //caption | //*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"
_BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "tr",
    "section",
    "article",
    "blockquote",
    "figcaption",
    "caption",
    "pre",
    "dd",
    "dt",
    "header",
    "footer",
    "td",
    "th",
}
_SPACES = re.compile(r"[ \t\u00a0]+")
_HTML_SPACES = re.compile(r"[ \t\n\r\f]+")  # HTML's whitespace (a no-break space is text)


@dataclass
class ExtractedHTML:
    text: str
    caption_ranges: list[tuple[int, int]] = field(default_factory=list)
    published: str | None = None  # the page's publication date (YYYY-MM-DD) from its markup
    mojibake_mended: int = 0  # characters of mis-decoded text mended in the article and its captions


def page_date(html: str) -> str | None:
    """The publication date the page's markup states (meta tags, JSON-LD, <time>), as
    YYYY-MM-DD; None where it states none. Dates in the running text are not guessed at."""
    from htmldate import find_date

    try:
        return find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # a page htmldate cannot read has no date, and is still scored
        return None


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _parse(html: str):
    """The lxml tree, or None when there is none; `TooDeep` when libxml2 stopped at its depth limit."""
    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        tree = None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise _TooDeep
    return tree


class _TooDeep(Exception):
    """libxml2 dropped what lay past its nesting limit (256 elements): read the page streamed."""


def _captions(tree) -> list[str]:
    if tree is None:
        return []
    found = tree.xpath(_CAPTION_XPATH)
    chosen = set(found)
    captions: list[str] = []
    for el in found:
        if any(anc in chosen for anc in el.iterancestors()):
            continue  # a caption nested in another caption element is the same caption
        text = _normalise(el.text_content())
        if text:
            captions.append(text)
    return captions


def _fallback_text(tree) -> str:
    """Block-aware plain text for pages trafilatura finds no article in."""
    if tree is None:
        return ""
    for bad in tree.xpath("//script | //style | //noscript | //template"):
        bad.drop_tree()
    _rendered_whitespace(tree)
    parts: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            if el.tail:
                parts.append(el.tail)
            continue
        if el.tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        if el.tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)
    lines = (_normalise(line) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def _rendered_whitespace(tree) -> None:
    """Each run of spaces and line breaks in the page's text made one space, as a browser shows it
    (in place; <pre> and <textarea> keep theirs). trafilatura keeps the source's line breaks in a
    paragraph with inline <code>, and a line break ends a line here: "... call the panic! macro. If"
    / "there's no file ..." made lines "If" and "The" that were then flagged as repeated lines."""
    kept = {e for block in tree.iter("pre", "textarea") for e in block.iter()}
    for el in tree.iter():
        try:
            if el.text and isinstance(el.tag, str) and el not in kept:
                el.text = _HTML_SPACES.sub(" ", el.text)
            if el.tail and el.getparent() not in kept:
                el.tail = _HTML_SPACES.sub(" ", el.tail)
        except ValueError:
            continue  # lxml refuses to set text with control characters it parsed: left as it was


def _article_text(tree) -> str | None:
    """trafilatura's article text of the page as rendered, preformatted blocks left out where the
    page has other text.

    A <pre> holds code, program output or an ASCII table, not prose: a tech story's listing of
    "hi number 1 from the main thread!" lines gave 22 duplicate flags and made the page `spun`. A
    page whose text is all in <pre> (a plain-text press release) keeps it.
    """
    rendered = copy.deepcopy(tree)  # the caller reads its captions from `tree` as it was
    _rendered_whitespace(rendered)
    whole = lxml.html.tostring(rendered, encoding="unicode")
    preformatted = list(rendered.iter("pre"))
    if preformatted:
        for pre in preformatted:
            pre.drop_tree()  # its tail, the text after it, stays
        body = _trafilatura_text(lxml.html.tostring(rendered, encoding="unicode"))
        if body:
            return body
    return _trafilatura_text(whole)


def _trafilatura_text(html: str) -> str | None:
    return trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)


def _mended(text: str, ranges: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]], int]:
    """`text` with its mojibake mended (decode.py), the body and each caption apart, the caption
    ranges moved to match, and how many characters were mended. Mending the extracted text rather
    than the page counts only what the reader sees, not a garbled menu or script."""
    parts, moved, mended, at, length = [], [], 0, 0, 0
    for start, end in ranges:
        gap, in_gap = mend_mojibake(text[at:start])
        caption, in_caption = mend_mojibake(text[start:end])
        begin = length + len(gap)
        parts += [gap, caption]
        moved.append((begin, begin + len(caption)))
        mended, at, length = mended + in_gap + in_caption, end, begin + len(caption)
    tail, in_tail = mend_mojibake(text[at:])
    return "".join(parts) + tail, moved, mended + in_tail


def extract_html(html: str) -> ExtractedHTML:
    """The article text of an HTML page with its captions appended after the body, mojibake mended."""
    try:
        tree = _parse(html)
    except _TooDeep:
        text, ranges, mended = _mended(*extract_streamed(html))
        return ExtractedHTML(text=text, caption_ranges=ranges, mojibake_mended=mended)  # too deep to parse: no date either
    body = _article_text(tree) if tree is not None else None
    if not body:
        body = _fallback_text(_parse(html))  # a fresh tree: the fallback drops scripts from it
    read = "\n".join(_normalise(line) for line in body.splitlines())  # captions the extractor kept, on a line or in one
    text = body.rstrip()
    ranges: list[tuple[int, int]] = []
    for caption in _captions(tree):
        if caption in read:
            continue  # the extractor kept this caption in the body already
        text += "\n\n" if not ranges else "\n"
        ranges.append((len(text), len(text) + len(caption)))
        text += caption
    text, ranges, mended = _mended(text, ranges)
    return ExtractedHTML(text=text, caption_ranges=ranges, published=page_date(html) if tree is not None else None, mojibake_mended=mended)


def segment_html(html: str, language: str = "en") -> Document:
    extracted = extract_html(html)
    doc = segment(extracted.text, source="html", caption_ranges=extracted.caption_ranges, language=language)
    doc.published, doc.mojibake_mended = extracted.published, extracted.mojibake_mended
    return doc
