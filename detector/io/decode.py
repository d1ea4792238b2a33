"""Bytes and strings from users into checked text: decoding, binary sniffing and size limits.

Every refusal is an `InputError` with a short machine-readable `code` and a message that says what
to do, so batch jobs can write it into the record's output line and go on.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

from detector.errors import InputError

DEFAULT_MAX_CHARS = 1_000_000  # about 150,000 words: far beyond any news article


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


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


def check_text(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Refuse text that cannot be an article: empty, too long, or mostly control characters."""
    if not text.strip():
        raise InputError("empty", "the document is empty or whitespace only; nothing to score")
    if len(text) > max_chars:
        raise InputError(
            "too_large",
            f"the document has {len(text):,} characters, over the limit of {max_chars:,}; split it or raise the limit (--max-chars)",
        )
    if "\x00" in text[:65536] or _control_share(text) > 0.05:
        raise InputError("binary", "the document looks like binary data, not text; give a text or HTML file")
    return text


def decode_bytes(data: bytes, max_chars: int = DEFAULT_MAX_CHARS) -> DecodedText:
    """Decode bytes as UTF-8 (or the encoding a BOM names); otherwise guess, and say so in `encoding`."""
    if not data.strip():
        raise InputError("empty", "the file is empty or whitespace only; nothing to score")
    if len(data) > 4 * max_chars + 4:
        raise InputError(
            "too_large",
            f"the file has {len(data):,} bytes, over the limit of {max_chars:,} characters; split it or raise the limit (--max-chars)",
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return DecodedText(check_text(data.decode(encoding, errors="replace"), max_chars), encoding)
    if b"\x00" in data[:65536]:
        raise InputError("binary", "the file looks like binary data (it has NUL bytes); give a text or HTML file")
    try:
        return DecodedText(check_text(data.decode("utf-8"), max_chars), "utf-8")
    except UnicodeDecodeError:
        pass
    try:  # English news that is not UTF-8 is nearly always Windows-1252 (a superset of Latin-1)
        return DecodedText(check_text(data.decode("cp1252"), max_chars), "cp1252")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:1_000_000]).best()
    if best is None:
        raise InputError("decode", "the file is not UTF-8 and its encoding could not be guessed; convert it to UTF-8")
    return DecodedText(check_text(data.decode(best.encoding, errors="replace"), max_chars), best.encoding)
