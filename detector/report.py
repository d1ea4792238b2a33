"""The output format: per-sentence scores with evidence, and the document report around them.

These dataclasses are the boundary every writer (CLI, editor API, batch engines) shares; their
`to_dict` is the JSONL record, with the format's version (`detector.FORMAT_VERSION`), and
`from_dict` reads it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from detector.evidence.base import Evidence
from detector.labels import BOILERPLATE, LEARNED_TYPES, VERDICT_ERROR
from detector.provenance.matches import SourceMatch
from detector.version import FORMAT_VERSION


def _r(x: float) -> float:
    return round(float(x), 4)


@dataclass
class SentenceScore:
    index: int
    start: int
    end: int
    text: str
    score: float
    labels: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    paragraph: int = 0
    kind: str = "body"
    # False in a document too short for learned scores, or for a sentence without a word
    # (document/confidence.py): only evidence flags it. In the record as `"learned": false`.
    learned: bool = True
    # With provenance on: the sentence of another document this one restates (its best source),
    # {"id", "sentence", "start", "end", "text", "rewrite", "similarity", "edits"}.
    copied_from: dict | None = None
    # With --lm: each word's reading by the language model (evidence/improbable_words.py),
    # {"start", "end" (in the sentence), "text", "surprisal", "improbability", "alternative"}.
    lm_words: list[dict] | None = None

    def flagged_types(self, threshold: float) -> list[str]:
        """The types this sentence is flagged for at `threshold`, most probable first: a learned
        type (spun, machine translated) at or over it, or an evidence type at or over it that a
        finder found evidence of; a sentence with boilerplate evidence, or one learned scores do not
        judge (`learned` False: in a document too short for them, or without a word), gets no
        learned type. A sentence is flagged if and only if some type is."""
        flaggable = self.flaggable_types()
        chosen = [t for t, p in self.labels.items() if p >= threshold and t in flaggable]
        if any(e.type == BOILERPLATE for e in self.evidence):  # scraped debris, not article prose: the learned scorers do not judge it
            chosen = [t for t in chosen if t not in LEARNED_TYPES]
        return sorted(chosen, key=lambda t: -self.labels[t])

    def flaggable_types(self) -> set[str]:
        """The types whose probability may flag this sentence: the learned ones (unless learned
        scores do not judge it) and those a finder found evidence of."""
        return {*(LEARNED_TYPES if self.learned else ()), *(e.type for e in self.evidence)}

    def flagged(self, threshold: float) -> bool:
        return bool(self.flagged_types(threshold))

    def to_dict(self, threshold: float | None = None) -> dict:
        """The JSON sentence; with `threshold`, its `flags` (the flagged types) too."""
        data = {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "paragraph": self.paragraph,
            "kind": self.kind,
            "score": _r(self.score),
            "labels": {k: _r(v) for k, v in self.labels.items()},
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if not self.learned:
            data["learned"] = False
        if threshold is not None:
            data["flags"] = self.flagged_types(threshold)
        if self.copied_from is not None:
            data["copied_from"] = self.copied_from
        if self.lm_words is not None:
            data["lm_words"] = self.lm_words
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SentenceScore:
        return cls(
            index=data["index"],
            start=data["start"],
            end=data["end"],
            text=data["text"],
            score=data["score"],
            labels=dict(data["labels"]),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            paragraph=data.get("paragraph", 0),
            kind=data.get("kind", "body"),
            learned=data.get("learned", True),
            copied_from=data.get("copied_from"),
            lm_words=data.get("lm_words"),
        )


@dataclass
class DocumentReport:
    """One scored document. Sentence offsets index `text` (the input, or the text extracted from HTML)."""

    id: str | None
    score: float | None
    verdict: str
    threshold: float
    # Why the verdict (document/verdict.py): the flags of its family, or the head's weightiest features.
    verdict_reason: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    sentences_total: int = 0
    sentences_flagged: int = 0
    content_sentences: int = 0
    sentences: list[SentenceScore] = field(default_factory=list)
    source: str = "text"
    text: str | None = None
    model: str | None = None
    error: dict | None = None
    mt_check: dict | None = None  # with the MT check on: {"similarity", "sentences": [[index, similarity]]}
    # Too short for learned scores to mean anything: spun and machine_translated flag nothing.
    low_confidence: bool = False
    # How the input was read: the encoding of bytes input (None for text given as a string), and
    # how many undecodable bytes or lone surrogates were replaced by U+FFFD.
    encoding: str | None = None
    replaced_bytes: int = 0
    mojibake_mended: int = 0  # characters mended in mis-decoded lines; then the record carries `text`
    # The languages found (text/language.py): {"language", "english_share", "skipped_sentences",
    # "skipped": [[start, end, language], ...]}: paragraphs not scored. None with the check off.
    language: dict | None = None
    # With provenance on (detector/provenance): the documents this one shares content with,
    # strongest first; None with it off.
    sources: list[SourceMatch] | None = None
    # The publication date (ISO YYYY-MM-DD) the input gave (provenance.dates); None where none.
    published: str | None = None
    # Provenance's fingerprint of it (provenance/fingerprint.py), when made as it was scored;
    # never written out.
    fingerprint: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def failed(cls, id: str | None, error: dict, threshold: float = 0.5) -> DocumentReport:
        return cls(id=id, score=None, verdict=VERDICT_ERROR, threshold=threshold, error=error)

    @property
    def skipped_sentences(self) -> int:
        """Sentences left out of scoring because their paragraph is not English."""
        return (self.language or {}).get("skipped_sentences", 0)

    def to_dict(self, include_text: bool | None = None) -> dict:
        """The JSONL record. The text is included for HTML input (offsets index the extracted text) and
        for text with mended mojibake (offsets index the mended text)."""
        data = {
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "score": None if self.score is None else _r(self.score),
            "verdict": self.verdict,
            "threshold": self.threshold,
            "verdict_reason": self.verdict_reason,
            "counts": dict(self.counts),
            "shares": {k: _r(v) for k, v in self.shares.items()},
            "sentences_total": self.sentences_total,
            "sentences_flagged": self.sentences_flagged,
            "content_sentences": self.content_sentences,
            "source": self.source,
            "model": self.model,
            "low_confidence": self.low_confidence,
            "encoding": self.encoding,
            "replaced_bytes": self.replaced_bytes,
            "language": self.language,
            "sentences": [s.to_dict(self.threshold) for s in self.sentences],
        }
        if self.mojibake_mended:
            data["mojibake_mended"] = self.mojibake_mended
        if include_text if include_text is not None else (self.source == "html" or self.mojibake_mended > 0):
            data["text"] = self.text
        if self.error is not None:
            data["error"] = self.error
        if self.mt_check is not None:
            data["mt_check"] = self.mt_check
        if self.sources is not None:
            data["sources"] = [m.to_dict() for m in self.sources]
        if self.published is not None:
            data["published"] = self.published
        return data

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(**kwargs), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> DocumentReport:
        report = cls(
            id=data.get("id"),
            score=data.get("score"),
            verdict=data["verdict"],
            threshold=data.get("threshold", 0.5),
            verdict_reason=data.get("verdict_reason"),
            counts=dict(data.get("counts", {})),
            shares=dict(data.get("shares", {})),
            sentences_total=data.get("sentences_total", 0),
            sentences_flagged=data.get("sentences_flagged", 0),
            content_sentences=data.get("content_sentences", 0),
            sentences=[SentenceScore.from_dict(s) for s in data.get("sentences", [])],
            source=data.get("source", "text"),
            text=data.get("text"),
            model=data.get("model"),
            error=data.get("error"),
            mt_check=data.get("mt_check"),
            low_confidence=data.get("low_confidence", False),
            encoding=data.get("encoding"),
            replaced_bytes=data.get("replaced_bytes", 0),
            mojibake_mended=data.get("mojibake_mended", 0),
            language=data.get("language"),
            sources=[SourceMatch.from_dict(m) for m in data["sources"]] if data.get("sources") is not None else None,
            published=data.get("published"),
        )
        for sentence in report.sentences:
            sentence.learned = sentence.learned and not report.low_confidence
        return report
