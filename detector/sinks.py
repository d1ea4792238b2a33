"""Writing reports: JSONL (one record a document), CSV (one row a document) and text for a person."""

from __future__ import annotations

import csv
import json
import textwrap
from typing import TextIO

from .labels import ARTIFACT_TYPES
from .report import DocumentReport

FORMATS = ("jsonl", "csv", "text")
CSV_FIELDS = [
    "id", "verdict", "score", "sentences_total", "sentences_flagged", "content_sentences",
    *[f"n_{t}" for t in ARTIFACT_TYPES], "error_code", "error",
]


class JsonlSink:
    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, report: DocumentReport) -> None:
        self.stream.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        self.stream.flush()


class CsvSink:
    def __init__(self, stream: TextIO):
        self.stream = stream
        self.writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS)
        self.writer.writeheader()

    def write(self, report: DocumentReport) -> None:
        row = {
            "id": report.id,
            "verdict": report.verdict,
            "score": "" if report.score is None else f"{report.score:.4f}",
            "sentences_total": report.sentences_total,
            "sentences_flagged": report.sentences_flagged,
            "content_sentences": report.content_sentences,
            "error_code": (report.error or {}).get("code", ""),
            "error": (report.error or {}).get("message", ""),
        }
        row.update({f"n_{t}": report.counts.get(t, 0) for t in ARTIFACT_TYPES})
        self.writer.writerow(row)
        self.stream.flush()


class TextSink:
    """The article with suspect sentences marked [n]…[/n] and, below each paragraph, why."""

    def __init__(self, stream: TextIO, color: bool = False, width: int = 100):
        self.stream = stream
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
        out.write(
            f"{title}{report.verdict} (score {report.score:.2f}, {report.sentences_flagged} of "
            f"{report.sentences_total} sentences flagged at {report.threshold:.2f})\n"
        )
        counts = ", ".join(f"{t} {n}" for t, n in report.counts.items() if n)
        if counts:
            out.write(f"   {counts}\n")
        out.write("\n")
        by_paragraph: dict[int, list] = {}
        for s in report.sentences:
            by_paragraph.setdefault(s.paragraph, []).append(s)
        mark = 0
        for sentences in by_paragraph.values():
            parts, notes = [], []
            for s in sentences:
                if s.flagged(report.threshold):
                    mark += 1
                    parts.append(self._mark(f"[{mark}]{s.text}[/{mark}]"))
                    top = sorted(s.labels.items(), key=lambda kv: -kv[1])
                    types = ", ".join(f"{t} {p:.2f}" for t, p in top if p >= report.threshold)
                    reasons = "; ".join(e.message for e in s.evidence) or "classifier score"
                    notes.append(f"  [{mark}] {types}: {reasons}")
                else:
                    parts.append(s.text)
            out.write(textwrap.fill(" ".join(parts), self.width) if not self.color else " ".join(parts))
            out.write("\n")
            for note in notes:
                out.write(textwrap.fill(note, self.width, subsequent_indent="      ") + "\n")
            out.write("\n")
        out.flush()


def make_sink(fmt: str, stream: TextIO, color: bool = False):
    if fmt == "jsonl":
        return JsonlSink(stream)
    if fmt == "csv":
        return CsvSink(stream)
    if fmt == "text":
        return TextSink(stream, color=color)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
