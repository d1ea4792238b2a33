"""Reading inputs for batch scoring: files, folders, JSONL and stdin, one `TextRecord` per document.

Files may be compressed (`.gz`, `.zst`): `crawl.jsonl.zst` is read as JSONL, `page.html.gz` as one
document.

Readers never raise for a bad document: an unreadable file or a broken JSONL line becomes a
record that carries its `InputError`, so it reaches the output with its error and nothing is lost.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from detector.errors import InputError
from detector.io.dates import record_date
from detector.io.decode import DEFAULT_MAX_CHARS, HTML_MARKUP_ALLOWANCE, byte_limit, bytes_for, decode_utf8_lenient, too_large
from detector.io.records import TextRecord

JSONL_SUFFIXES = (".jsonl", ".ndjson")
TEXT_FIELD = "text"  # a JSONL record's text, unless the caller names another (`--text-field`)
COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd")
STDIN = "-"


def _too_big(size: int, max_chars: int) -> InputError:
    """Refused before decoding: whether it is a page is not known yet, so both limits are named."""
    return too_large("the file", f"{size:,} bytes", f"{max_chars:,} characters ({HTML_MARKUP_ALLOWANCE} times that for an HTML page)")


def _plain_name(path: Path) -> str:
    name = path.name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _archive_errors() -> tuple[type[Exception], ...]:
    """What reading a file may raise: OS errors, and damaged gzip or zstd archives."""
    import zstandard

    return (OSError, EOFError, ValueError, zstandard.ZstdError)


def is_jsonl(path: Path) -> bool:
    return _plain_name(path).endswith(JSONL_SUFFIXES)


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed as they are read when the name says `.gz` or `.zst`."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith((".zst", ".zstd")):
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(path.open("rb"), closefd=True))
    return path.open("rb")


def _record_from_json(line: bytes, where: str, text_field: str = TEXT_FIELD) -> TextRecord:
    """One JSONL line as a record, its text in `text_field` (datasets name it "text", "document",
    "article", "content") or its page in `html`. JSONL is UTF-8: bad bytes are replaced and counted, not fatal."""
    decoded, replaced, _ = decode_utf8_lenient(line)
    try:
        data = json.loads(decoded)
    except ValueError as exc:
        return TextRecord(id=where, error=InputError("bad_json", f"line is not valid JSON ({exc}); fix or drop it"))
    if not isinstance(data, dict):
        return TextRecord(id=where, error=InputError("bad_json", "line is JSON but not an object with 'text' or 'html'"))
    rid = data.get("id")
    rid = where if rid is None else str(rid)
    text, html = data.get(text_field), data.get("html")
    for field, value in ((text_field, text), ("html", html)):
        if value is not None and not isinstance(value, str):
            return TextRecord(id=rid, error=InputError("bad_field", f"'{field}' must be a string, got {type(value).__name__}"))
    if text is None and html is None:
        fields = ", ".join(f"'{k}'" for k in list(data)[:8]) or "none"
        message = f"the record has neither '{text_field}' nor 'html' (its fields: {fields}); name its text field with --text-field"
        return TextRecord(id=rid, error=InputError("missing_text", message), meta=data)
    return TextRecord(id=rid, text=text, html=html, meta=data, encoding="utf-8", replaced_bytes=replaced, published=record_date(data))


def read_jsonl(stream: BinaryIO, name: str, max_chars: int = DEFAULT_MAX_CHARS, text_field: str = TEXT_FIELD) -> Iterator[TextRecord]:
    """One record per non-blank line; `id` defaults to `name:line`. A line may hold a page's HTML,
    so lines are held to the HTML limit here; the scorer holds text to `max_chars`."""
    limit = bytes_for(max_chars, html=True) + 1020
    for number, line in enumerate(stream, start=1):
        where = f"{name}:{number}"
        if len(line) > limit:
            yield TextRecord(id=where, error=_too_big(len(line), max_chars))
            continue
        if line.strip():
            yield _record_from_json(line, where, text_field)


def read_file(path: Path, rid: str, max_chars: int = DEFAULT_MAX_CHARS, text_field: str = TEXT_FIELD) -> Iterator[TextRecord]:
    """One record for a document file (the limit is the HTML one when the file opens as HTML), or
    one per line of a JSONL file."""
    limit = bytes_for(max_chars, html=True)
    try:
        if is_jsonl(path):
            with open_binary(path) as stream:
                yield from read_jsonl(stream, rid, max_chars, text_field)
            return
        compressed = _plain_name(path) != path.name.lower()
        size = path.stat().st_size
        if not compressed and size > limit:  # refused before reading; compressed files by the bounded read
            yield TextRecord(id=rid, error=_too_big(size, max_chars))
            return
        with open_binary(path) as stream:
            data = stream.read(limit + 1)  # bounded: a small .gz can inflate to gigabytes
        if len(data) > byte_limit(data, max_chars):
            yield TextRecord(id=rid, error=_too_big(len(data), max_chars))
            return
        yield TextRecord(id=rid, text=data)
    except _archive_errors() as exc:
        yield TextRecord(id=rid, error=InputError("unreadable", f"could not read {path}: {getattr(exc, 'strerror', None) or exc}"))


def _folder_files(folder: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
    return files


def iter_records(
    paths: Iterable[str], max_chars: int = DEFAULT_MAX_CHARS, stdin: BinaryIO | None = None, text_field: str = TEXT_FIELD
) -> Iterator[TextRecord]:
    """Records from each path in order: `-` is stdin (JSONL if it looks like it, else one document).
    `text_field`: the JSONL field that holds a record's text."""
    for arg in paths:
        if arg == STDIN:
            yield from read_stdin(stdin or sys.stdin.buffer, max_chars, text_field)
            continue
        path = Path(arg)
        if path.is_dir():
            for file in _folder_files(path):
                yield from read_file(file, str(file.relative_to(path)), max_chars, text_field)
        elif path.exists():
            yield from read_file(path, str(path), max_chars, text_field)
        else:
            yield TextRecord(id=arg, error=InputError("not_found", f"no such file or folder: {arg}"))


def read_stdin(stream: BinaryIO, max_chars: int = DEFAULT_MAX_CHARS, text_field: str = TEXT_FIELD) -> Iterator[TextRecord]:
    head = stream.read(bytes_for(max_chars, html=True) + 1)
    limit = byte_limit(head, max_chars)
    if len(head) > limit and not head.lstrip().startswith(b"{"):
        yield TextRecord(id=STDIN, error=too_large("stdin", f"more than {limit:,} bytes", f"{max_chars:,} characters"))
        return
    first = head.lstrip().split(b"\n", 1)[0]
    if first.startswith(b"{") and _record_from_json(first, STDIN, text_field).error is None:
        yield from read_jsonl(_chain(io.BytesIO(head), stream), "stdin", max_chars, text_field)
        return
    yield TextRecord(id=STDIN, text=head)


def _chain(first: BinaryIO, second: BinaryIO) -> Iterator[bytes]:
    """Lines of `first` then `second`, joining the line split between them."""
    carry = b""
    for line in first:
        if line.endswith(b"\n"):
            yield carry + line
            carry = b""
        else:
            carry += line
    for line in second:
        yield carry + line
        carry = b""
    if carry:
        yield carry
