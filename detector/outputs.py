"""Batch outputs that survive a kill: JSONL written record by record, Parquet written in parts.

A job that dies (SIGKILL, OOM, a lost machine) and is started again with `--resume` reads what
its output already holds, skips that many input records (checking their ids match) and goes on,
so every input record ends up in the output exactly once. JSONL appends one flushed line per
record and drops a torn last line on resume; Parquet writes parts of `rows_per_part` records to a
temporary name and renames them into place, so a part is either whole or absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Iterator, Protocol

from .detector import TextRecord

PART_GLOB = "part-*.parquet"


class ResumeError(ValueError):
    """The output on disk does not belong to this input: resuming would lose or repeat records."""


class RecordOutput(Protocol):
    done_ids: list[str | None]  # ids of the records the output already holds, in input order

    def write(self, record: dict) -> None: ...

    def close(self) -> None: ...


class JsonlOutput:
    def __init__(self, path: str | os.PathLike, resume: bool = False):
        self.path = Path(path)
        self.done_ids: list[str | None] = []
        if resume and self.path.exists():
            self.done_ids = self._recover()
            self.stream = self.path.open("a", encoding="utf-8", newline="\n")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.stream = self.path.open("w", encoding="utf-8", newline="\n")

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

    def write(self, record: dict) -> None:
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()  # in the kernel's hands: survives the process being killed

    def close(self) -> None:
        self.stream.close()


class ParquetOutput:
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

    def write(self, record: dict) -> None:
        self.rows.append(record)
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

    from .labels import ARTIFACT_TYPES

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
            ("report", pa.string()),  # the whole JSONL record: sentences, evidence, offsets
        ]
    )


def _parquet_row(record: dict) -> dict:
    from .labels import ARTIFACT_TYPES

    error = record.get("error") or {}
    row = {k: record.get(k) for k in ("id", "verdict", "score", "threshold", "sentences_total", "sentences_flagged", "content_sentences", "model")}
    row.update({f"share_{t}": (record.get("shares") or {}).get(t) for t in ARTIFACT_TYPES})
    row.update(error_code=error.get("code"), error=error.get("message"), report=json.dumps(record, ensure_ascii=False))
    return row


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
