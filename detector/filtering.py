"""Keep-or-drop decisions for corpus building, in the manner of datatrove's quality filters.

A document is kept when it scored (no error), its verdict is not one of `drop_verdicts`, its
document score is at most `max_score`, and each artifact type's share of its content sentences
is at most the given limit. The decision says why a document was dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from detector.io.records import TextRecord
from detector.labels import ARTIFACT_TYPES, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN, VERDICT_UNSUPPORTED_LANGUAGE
from detector.report import DocumentReport
from detector.version import FORMAT_VERSION


@dataclass(frozen=True)
class Decision:
    keep: bool
    reason: str = ""


@dataclass
class DocumentFilter:
    # A document that is not English was not scored: it cannot pass as clean.
    drop_verdicts: tuple[str, ...] = (VERDICT_SPUN, VERDICT_MACHINE_TRANSLATED, VERDICT_UNSUPPORTED_LANGUAGE)
    max_score: float | None = None
    max_shares: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.max_shares) - set(ARTIFACT_TYPES)
        if unknown:
            raise ValueError(f"unknown artifact type(s) {sorted(unknown)}; known: {', '.join(ARTIFACT_TYPES)}")

    @classmethod
    def parse_shares(cls, items: list[str]) -> dict[str, float]:
        """`["boilerplate=0.3", "duplicate=0.1"]` -> {"boilerplate": 0.3, "duplicate": 0.1}."""
        shares = {}
        for item in items:
            name, sep, value = item.partition("=")
            try:
                shares[name.strip()] = float(value)
            except ValueError:
                sep = ""
            if not sep:
                raise ValueError(f"--max-share takes TYPE=FRACTION, e.g. boilerplate=0.3; got {item!r}")
        return shares

    def decide(self, report: DocumentReport) -> Decision:
        if report.error is not None:
            return Decision(False, f"error: {report.error.get('code')}")
        if report.verdict in self.drop_verdicts:
            found = f" ({report.language['language']})" if report.verdict == VERDICT_UNSUPPORTED_LANGUAGE and report.language else ""
            return Decision(False, f"verdict {report.verdict}{found}")
        if self.max_score is not None and report.score is not None and report.score > self.max_score:
            return Decision(False, f"score {report.score:.3f} > {self.max_score:g}")
        for name, limit in self.max_shares.items():
            share = report.shares.get(name, 0.0)
            if share > limit:
                return Decision(False, f"{name} share {share:.3f} > {limit:g}")
        return Decision(True)


def annotate(record: dict, report: DocumentReport, decision: Decision) -> dict:
    """The input record with millcheck's document-level scores added under `millcheck`."""
    summary = {
        "score": None if report.score is None else round(report.score, 4),
        "verdict": report.verdict,
        "shares": {k: round(v, 4) for k, v in report.shares.items()},
        "counts": dict(report.counts),
        "model": report.model,
        "format_version": FORMAT_VERSION,
        "kept": decision.keep,
    }
    if report.language is not None:
        summary["language"] = report.language["language"]
        summary["skipped_sentences"] = report.language["skipped_sentences"]
    if decision.reason:
        summary["reason"] = decision.reason
    if report.error is not None:
        summary["error"] = report.error
    if report.sources is not None:  # provenance ran: the documents this one shares content with
        summary["sources"] = [
            {"id": m.id, "rewrite": m.rewrite, "share": round(m.share, 4), "copy_confidence": round(m.copy_confidence, 4)}
            for m in report.sources
        ]
    return {**record, "millcheck": summary}


@dataclass(frozen=True)
class Filtered:
    """One record through the filter: the record as read with millcheck's summary added, the
    report behind it, and the decision."""

    record: dict
    report: DocumentReport
    decision: Decision


def passthrough(record: TextRecord) -> dict:
    """What the filter writes for a record: the JSONL object as read, or the file's id and text."""
    if record.meta is not None:
        return record.meta
    data = record.html if record.html is not None else record.text
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return {"id": record.id, "text": data}


def filter_records(detector, records: Iterable[TextRecord], rule: DocumentFilter) -> Iterator[Filtered]:
    """Score `records` with `detector` and decide each, in input order."""
    for record, report in detector.score_many(records):
        decision = rule.decide(report)
        yield Filtered(annotate(passthrough(record), report, decision), report, decision)
