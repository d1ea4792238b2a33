"""Bytes and strings from users into checked text: decoding, binary sniffing and size limits.

Decoding keeps UTF-8 whenever the bytes are UTF-8 with a few bad bytes: a scraped page with one
stray byte is still a UTF-8 page, and decoding it whole as a legacy code page garbles every curly
quote ("wasnâ€™t") and can flip the verdict. A legacy code page is chosen only when the bytes hold
no valid multi-byte UTF-8 sequence at all, or far more bad bytes than good sequences. Text that
was mis-decoded before it reached us (a scraper that read UTF-8 as Windows-1252 and saved the
result: "â€™" for "’", "Â£57bn") is mended line by line with ftfy, the field's tool for it.

Every refusal is an `InputError` with a short machine-readable `code` and a message that says what
to do, so batch jobs can write it into the record's output line and go on.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from detector.errors import InputError

DEFAULT_MAX_CHARS = 1_000_000  # about 150,000 words: far beyond any news article
# An HTML page may carry this many times `max_chars` of markup: a news page's scripts, styles and
# navigation run to 20-200 times its article (CNN's pages: 2.5 MB around 15,000 characters of
# story). Its extracted text is held to `max_chars` itself.
HTML_MARKUP_ALLOWANCE = 20
# UTF-8 unless bad bytes pass this share of all bytes AND outnumber the valid multi-byte sequences
# this many times: corruption of 1% of a UTF-8 file's bytes makes at most ~4% of them bad.
LEGACY_MIN_BAD_SHARE = 0.05
LEGACY_MIN_BAD_PER_GOOD = 3
# Over this share of non-ASCII bytes a single-byte Western code page is unlikely: ask charset_normalizer.
WESTERN_MAX_HIGH_SHARE = 0.3

_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that `surrogateescape` could not decode
_NON_ASCII = re.compile("[^\x00-\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class DecodedText:
    """Text with how it was read: `encoding` used, and `replaced_bytes` (bad bytes, each now U+FFFD)."""

    text: str
    encoding: str
    replaced_bytes: int = 0


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _control_share(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 0x7F <= ord(ch) < 0xA0)
    return bad / len(sample)


def mend_mojibake(text: str) -> tuple[str, int]:
    """The text with mis-decoded lines mended (ftfy's `fix_encoding`, which mends mojibake and
    nothing else: quotes and the rest stay as written), and how many characters the mending made
    (the non-ASCII characters of the mended lines). A scraper's mojibake turns every curly quote
    and dash into two or three letters, which the classifier reads as broken text and the
    punctuation finder as stray quotes. Line by line, so one garbled line does not decide the rest;
    ftfy leaves a line alone unless it is clearly mojibake (no line of the WMT data changes)."""
    if _NON_ASCII.search(text) is None:
        return text, 0
    from ftfy import fix_encoding

    lines = text.split("\n")
    mended = 0
    for n, line in enumerate(lines):
        if _NON_ASCII.search(line) is None:
            continue
        fixed = fix_encoding(line)
        if fixed != line:
            lines[n] = fixed
            mended += len(_NON_ASCII.findall(fixed)) or 1
    return ("\n".join(lines), mended) if mended else (text, 0)


def without_surrogates(text: str) -> tuple[str, int]:
    """Lone surrogates (which no encoder writes) replaced by U+FFFD, and how many there were."""
    if not _SURROGATE.search(text):
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def looks_like_html(text: str) -> bool:
    """True when the text opens like an HTML document or fragment (a cheap sniff, not a parse)."""
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body", "<article", "<div", "<p>", "<p ")) or bool(
        re.search(r"<(html|body|article|p|div|figure|figcaption)[\s>]", head)
    )


def char_limit(max_chars: int, html: bool) -> int:
    """Characters an input may have: `max_chars` of text, or a page's markup allowance for HTML."""
    return max_chars * HTML_MARKUP_ALLOWANCE if html else max_chars


def opens_like_html(head: bytes) -> bool:
    """`looks_like_html` for bytes not yet decoded."""
    return looks_like_html(head[:4096].decode("utf-8", errors="replace"))


def bytes_for(max_chars: int, html: bool) -> int:
    """Bytes an input may have (UTF-8: 4 bytes a character), text or an HTML page."""
    return 4 * char_limit(max_chars, html) + 4


def byte_limit(head: bytes, max_chars: int) -> int:
    """Bytes a reader may take for an input that begins with `head`."""
    return bytes_for(max_chars, opens_like_html(head))


def too_large(subject: str, amount: str, limit: str) -> InputError:
    """The one wording of a refusal for size: readers, decoding and the scorer's check alike."""
    return InputError("too_large", f"{subject} has {amount}, over the limit of {limit}; split it or raise the limit (--max-chars)")


def _too_large(size: int, unit: str, max_chars: int, html: bool) -> InputError:
    what = "HTML page" if html else ("document" if unit == "characters" else "file")
    limit = f"{char_limit(max_chars, html):,} characters"
    if html:
        limit += f" ({HTML_MARKUP_ALLOWANCE} times --max-chars, for its markup)"
    return too_large(f"the {what}", f"{size:,} {unit}", limit)


def check_text(text: str, max_chars: int = DEFAULT_MAX_CHARS, html: bool = False) -> str:
    """Refuse text that cannot be an article: empty, too long, or mostly control characters.
    `html`: the text is a page, allowed its markup (`HTML_MARKUP_ALLOWANCE`)."""
    if not text.strip():
        raise InputError("empty", "the document is empty or whitespace only; nothing to score")
    if len(text) > char_limit(max_chars, html):
        raise _too_large(len(text), "characters", max_chars, html)
    if "\x00" in text[:65536] or _control_share(text) > 0.05:
        raise InputError("binary", "the document looks like binary data, not text; give a text or HTML file")
    return text


def _with_bom(data: bytes, max_chars: int, html: bool | None) -> DecodedText | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8-sig":
                text, bad, _ = decode_utf8_lenient(data[len(bom) :])
            else:  # UTF-16/32: bad code units become U+FFFD, counted as such
                text = data.decode(encoding, errors="replace")
                bad = text.count("\ufffd")
            return DecodedText(_checked(text, max_chars, html), encoding, bad)
    return None


def decode_utf8_lenient(data: bytes) -> tuple[str, int, int]:
    """UTF-8 with each bad byte replaced: (text, bad bytes, valid non-ASCII characters)."""
    escaped = data.decode("utf-8", errors="surrogateescape")
    text, bad = _ESCAPED.subn("\ufffd", escaped)
    return text, bad, len(_NON_ASCII.findall(escaped)) - bad


def _legacy(data: bytes) -> tuple[str, str, int]:
    """(text, encoding, replaced bytes) for bytes that are not UTF-8: Windows-1252 (English news
    that is not UTF-8 nearly always is; it keeps ASCII as it is), or charset_normalizer's guess
    when most bytes are non-ASCII (then it is likely no Western text)."""
    high = sum(1 for b in data[:65536] if b > 0x7F) / max(1, min(len(data), 65536))
    if high > WESTERN_MAX_HIGH_SHARE:
        import charset_normalizer

        best = charset_normalizer.from_bytes(data[:1_000_000]).best()
        if best is not None:
            text = data.decode(best.encoding, errors="replace")
            return text, best.encoding, text.count("\ufffd")
    text = data.decode("cp1252", errors="replace")  # five bytes are unassigned in cp1252
    return text, "cp1252", text.count("\ufffd")


def _checked(text: str, max_chars: int, html: bool | None) -> str:
    return check_text(text, max_chars, looks_like_html(text) if html is None else html)


def decode_bytes(data: bytes, max_chars: int = DEFAULT_MAX_CHARS, html: bool | None = None) -> DecodedText:
    """Decode bytes as UTF-8 (or the encoding a BOM names), bad bytes replaced and counted; a legacy
    code page only on strong evidence (see the module doc). `encoding` says which was used. The
    text is checked (`check_text`) as a page when `html` says so, or when it looks like one."""
    if not data.strip():
        raise InputError("empty", "the file is empty or whitespace only; nothing to score")
    page = opens_like_html(data) if html is None else html
    if len(data) > bytes_for(max_chars, page):
        raise _too_large(len(data), "bytes", max_chars, page)
    bom = _with_bom(data, max_chars, html)
    if bom is not None:
        return bom
    if b"\x00" in data[:65536]:
        raise InputError("binary", "the file looks like binary data (it has NUL bytes); give a text or HTML file")
    text, bad, good = decode_utf8_lenient(data)
    if bad == 0 or (good > 0 and not (bad > LEGACY_MIN_BAD_SHARE * len(data) and bad > LEGACY_MIN_BAD_PER_GOOD * good)):
        return DecodedText(_checked(text, max_chars, html), "utf-8", bad)
    text, encoding, replaced = _legacy(data)
    return DecodedText(_checked(text, max_chars, html), encoding, replaced)
