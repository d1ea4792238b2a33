"""Writing reports: JSONL (one record a document), CSV (one row a document), text for a person,
and Parquet (a folder of parts); one interface, `ReportWriter`, for all of them.

Batch outputs survive a kill. A job that dies (SIGKILL, OOM, a lost machine) and is started again
with `resume=True` reads what its output already holds (`done_ids`), skips that many input records
(`skip_done` checks their ids match) and goes on, so every input record ends up in the output
exactly once. JSONL appends one flushed line per record and drops a torn last line on resume;
Parquet writes parts of `rows_per_part` records to a temporary name and renames them into place,
so a part is either whole or absent.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Iterable, Iterator, Protocol, TextIO

from detector.io.records import TextRecord
from detector.labels import ARTIFACT_TYPES, TOO_SHORT_REASON
from detector.report import DocumentReport
from detector.version import FORMAT_VERSION

FORMATS = ("jsonl", "csv", "text", "parquet")
RESUMABLE = ("jsonl", "parquet")
CSV_FIELDS = [
    "id",
    "verdict",
    "score",
    "verdict_reason",
    "sentences_total",
    "sentences_flagged",
    "content_sentences",
    *[f"n_{t}" for t in ARTIFACT_TYPES],
    "low_confidence",
    "encoding",
    "replaced_bytes",
    "mojibake_mended",
    "language",
    "english_share",
    "skipped_sentences",
    "published",
    "top_source",
    "top_source_rewrite",
    "top_source_share",
    "top_source_copy_confidence",
    "error_code",
    "error",
    "format_version",
]
PART_GLOB = "part-*.parquet"


def _count(n: int, noun: str) -> str:
    """A count with its noun, singular for one ("1 sentence", "3 sentences")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class ResumeError(ValueError):
    """The output on disk does not belong to this input: resuming would lose or repeat records."""


class ReportWriter(Protocol):
    done_ids: list[str | None]  # ids of the records the output already holds, in input order

    def write(self, report: DocumentReport) -> None: ...

    def close(self) -> None: ...


class _Stream:
    """A text stream a writer owns (a file it opened) or borrows (stdout)."""

    def __init__(self, target: str | os.PathLike | TextIO | None, mode: str = "w", newline: str = ""):
        if target is None or hasattr(target, "write"):
            self.stream, self.owned = target or sys.stdout, False
        else:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.stream, self.owned = path.open(mode, encoding="utf-8", newline=newline), True
        self.done_ids: list[str | None] = []

    def close(self) -> None:
        if self.owned:
            self.stream.close()
        else:
            self.stream.flush()


class JsonlWriter(_Stream):
    """One JSON object a line, flushed as written (in the kernel's hands: survives a kill)."""

    def __init__(self, target: str | os.PathLike | TextIO | None = None, resume: bool = False):
        self.path = Path(target) if target is not None and not hasattr(target, "write") else None
        done: list[str | None] = []
        if resume and self.path is not None and self.path.exists():
            done = self._recover()
        appending = resume and self.path is not None and self.path.exists()
        super().__init__(target, "a" if appending else "w", newline="\n")
        self.done_ids = done

    def _recover(self) -> list[str | None]:
        data = self.path.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]  # a line without its newline was torn by the kill
        if len(whole) != len(data):
            with self.path.open("r+b") as f:
                f.truncate(len(whole))
        ids = []
        for number, line in enumerate(whole.splitlines(), start=1):
            try:
                ids.append(json.loads(line).get("id"))
            except (ValueError, AttributeError) as exc:
                raise ResumeError(f"{self.path}:{number} is not a report line ({exc}); it cannot be resumed") from exc
        return ids

    def write(self, report: DocumentReport) -> None:
        self.write_dict(report.to_dict())

    def write_dict(self, record: dict) -> None:
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()


class CsvWriter(_Stream):
    def __init__(self, target: str | os.PathLike | TextIO | None = None):
        super().__init__(target)
        self.writer = csv.DictWriter(self.stream, fieldnames=CSV_FIELDS)
        self.writer.writeheader()

    def write(self, report: DocumentReport) -> None:
        row = {
            "id": report.id,
            "verdict": report.verdict,
            "score": "" if report.score is None else f"{report.score:.4f}",
            "verdict_reason": report.verdict_reason or "",
            "sentences_total": report.sentences_total,
            "sentences_flagged": report.sentences_flagged,
            "content_sentences": report.content_sentences,
            "error_code": (report.error or {}).get("code", ""),
            "error": (report.error or {}).get("message", ""),
            "format_version": FORMAT_VERSION,
            "low_confidence": int(report.low_confidence),
            "encoding": report.encoding or "",
            "replaced_bytes": report.replaced_bytes,
            "mojibake_mended": report.mojibake_mended,
            "language": (report.language or {}).get("language", ""),
            "english_share": (report.language or {}).get("english_share", ""),
            "skipped_sentences": report.skipped_sentences,
            "published": report.published or "",
            **_top_source(report),
        }
        row.update({f"n_{t}": report.counts.get(t, 0) for t in ARTIFACT_TYPES})
        self.writer.writerow(row)
        self.stream.flush()


def _top_source(report: DocumentReport) -> dict:
    """The CSV's view of provenance: the document this one shares most with (blank without)."""
    top = (report.sources or [None])[0]
    if top is None:
        return {"top_source": "", "top_source_rewrite": "", "top_source_share": "", "top_source_copy_confidence": ""}
    return {
        "top_source": top.id,
        "top_source_rewrite": top.rewrite,
        "top_source_share": f"{top.share:.4f}",
        "top_source_copy_confidence": f"{top.copy_confidence:.4f}",
    }


class TextWriter(_Stream):
    """The article with suspect sentences marked [n]…[/n] and, below each paragraph, why."""

    def __init__(self, target: str | os.PathLike | TextIO | None = None, color: bool = False, width: int = 100):
        super().__init__(target)
        self.color = color
        self.width = width

    def _mark(self, text: str) -> str:
        return f"\x1b[1;31m{text}\x1b[0m" if self.color else text

    def write(self, report: DocumentReport) -> None:
        out = self.stream
        title = f"== {report.id or '(document)'}: "
        if report.error:
            out.write(f"{title}error [{report.error['code']}] {report.error['message']}\n\n")
            out.flush()
            return
        if report.score is None:  # not English: nothing was scored
            found = report.language or {}
            share = found.get("english_share", 0.0)
            out.write(f"{title}{report.verdict} ({found.get('language', '?')}; {share:.0%} of the judged text is English): not scored\n\n")
            out.flush()
            return
        out.write(
            f"{title}{report.verdict} (score {report.score:.2f}, {report.sentences_flagged} of "
            f"{report.sentences_total} sentences flagged at {report.threshold:.2f})\n"
        )
        if report.verdict_reason:
            out.write(textwrap.fill(f"   why: {report.verdict_reason}", self.width, subsequent_indent="        ") + "\n")
        if report.low_confidence and not (report.verdict_reason or "").startswith(TOO_SHORT_REASON):
            out.write("   too short for the learned scores: spun and machine translated are not judged\n")
        if report.skipped_sentences:
            out.write(f"   {_count(report.skipped_sentences, 'sentence')} in other languages not scored\n")
        if report.replaced_bytes:
            out.write(f"   {_count(report.replaced_bytes, 'undecodable byte')} replaced by \ufffd (read as {report.encoding or 'text'})\n")
        if report.mojibake_mended:
            out.write(f"   {_count(report.mojibake_mended, 'mis-decoded character')} mended (mojibake such as “â€™” for “’”)\n")
        counts = ", ".join(f"{t} {n}" for t, n in report.counts.items() if n)
        if counts:
            out.write(f"   {counts}\n")
        for match in report.sources or ():
            out.write(
                f"   shares {_count(len(match.pairs), 'sentence')} ({match.share:.0%} of its own) with {match.id}: "
                f"{match.rewrite}, P(this is the copy) {match.copy_confidence:.2f}\n"
            )
            for reason in match.direction_reasons:
                out.write(f"      {reason}\n")
        out.write("\n")
        by_paragraph: dict[int, list] = {}
        for s in report.sentences:
            by_paragraph.setdefault(s.paragraph, []).append(s)
        mark = 0
        for sentences in by_paragraph.values():
            parts, notes = [], []
            for s in sentences:
                flagged = s.flagged_types(report.threshold)
                if flagged:
                    mark += 1
                    parts.append(self._mark(f"[{mark}]{s.text}[/{mark}]"))
                    types = ", ".join(f"{t} {s.labels[t]:.2f}" for t in flagged)
                    reasons = "; ".join(e.message for e in s.evidence if e.type in flagged)
                    notes.append(f"  [{mark}] {types}: {reasons}")
                else:
                    parts.append(s.text)
            out.write(textwrap.fill(" ".join(parts), self.width) if not self.color else " ".join(parts))
            out.write("\n")
            for note in notes:
                out.write(textwrap.fill(note, self.width, subsequent_indent="      ") + "\n")
            out.write("\n")
        out.flush()


class ParquetWriter:
    """A folder of `part-NNNNN.parquet` files; one row a document, the full report as JSON."""

    def __init__(self, folder: str | os.PathLike, resume: bool = False, rows_per_part: int = 1000):
        import pyarrow.parquet as pq

        self.folder = Path(folder)
        self.rows_per_part = rows_per_part
        self.rows: list[dict] = []
        self.done_ids: list[str | None] = []
        if self.folder.exists() and not self.folder.is_dir():
            raise ResumeError(f"{self.folder} is a file; Parquet output is a folder of parts")
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("*.tmp"):
            stale.unlink()
        parts = sorted(self.folder.glob(PART_GLOB))
        if resume:
            for part in parts:
                self.done_ids += pq.read_table(part, columns=["id"]).column("id").to_pylist()
        else:
            for part in parts:
                part.unlink()
        self.next_part = len(parts) if resume else 0

    def write(self, report: DocumentReport) -> None:
        self.rows.append(report.to_dict())
        if len(self.rows) >= self.rows_per_part:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([_parquet_row(r) for r in self.rows], schema=_parquet_schema())
        final = self.folder / f"part-{self.next_part:05d}.parquet"
        temporary = final.with_name(final.name + ".tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, final)
        self.next_part += 1
        self.rows = []

    def close(self) -> None:
        self.flush()


def _parquet_schema():
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("verdict", pa.string()),
            ("score", pa.float64()),
            ("threshold", pa.float64()),
            ("sentences_total", pa.int64()),
            ("sentences_flagged", pa.int64()),
            ("content_sentences", pa.int64()),
            *[(f"share_{t}", pa.float64()) for t in ARTIFACT_TYPES],
            ("model", pa.string()),
            ("error_code", pa.string()),
            ("error", pa.string()),
            ("format_version", pa.int64()),
            ("report", pa.string()),  # the whole JSONL record: sentences, evidence, offsets
        ]
    )


def _parquet_row(record: dict) -> dict:
    error = record.get("error") or {}
    row = {
        k: record.get(k)
        for k in ("id", "verdict", "score", "threshold", "sentences_total", "sentences_flagged", "content_sentences", "model")
    }
    row.update({f"share_{t}": (record.get("shares") or {}).get(t) for t in ARTIFACT_TYPES})
    row.update(error_code=error.get("code"), error=error.get("message"), format_version=record.get("format_version"))
    row["report"] = json.dumps(record, ensure_ascii=False)
    return row


def open_writer(
    fmt: str, output: str | os.PathLike | None = None, resume: bool = False, rows_per_part: int = 1000, color: bool = False
) -> ReportWriter:
    """The writer for `fmt`, to `output` (a file; a folder for parquet) or stdout."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if resume and (output is None or fmt not in RESUMABLE):
        raise ResumeError("--resume needs --output and --format jsonl or parquet")
    if fmt == "parquet":
        if output is None:
            raise ResumeError("--format parquet writes a folder of parts: give it with --output")
        return ParquetWriter(output, resume=resume, rows_per_part=rows_per_part)
    if fmt == "jsonl":
        return JsonlWriter(output, resume=resume)
    if fmt == "csv":
        return CsvWriter(output)
    return TextWriter(output, color=color)


def skip_done(records: Iterable[TextRecord], done_ids: list[str | None]) -> Iterator[TextRecord]:
    """Drop the records an interrupted run already wrote, checking that their ids line up."""
    iterator = iter(records)
    for position, expected in enumerate(done_ids):
        record = next(iterator, None)
        if record is None:
            raise ResumeError(f"the output holds {len(done_ids)} records but the input has only {position}; wrong output?")
        if record.id != expected:
            raise ResumeError(
                f"record {position + 1} of the input has id {record.id!r} but the output has {expected!r}; "
                "the output belongs to another input (remove it, or run without --resume)"
            )
    yield from iterator
