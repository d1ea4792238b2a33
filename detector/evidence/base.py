"""What every evidence finder returns: typed, explainable findings tied to character offsets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from detector.text.segment import Document

# The lowest confidence a finder gives a finding that must flag its sentence at the default
# threshold (bare links, link lists, teasers, separators, glued quotes); training caps the default
# threshold here (`TrainConfig.threshold_ceiling`). Weaker findings stay below it on purpose.
FLAGGING_CONFIDENCE = 0.85


@dataclass(frozen=True)
class Span:
    """A stretch of the document: offsets into `Document.text` and the text they cover."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, doc: Document, start: int, end: int) -> Span:
        return cls(start, end, doc.text[start:end])

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Evidence:
    """One reason a sentence looks like a paraphrase-mill artifact.

    `spans` are the parts of the sentence itself to highlight (a repeated list item, a glued quote);
    `related` points elsewhere in the document (the sentence this one restates).
    """

    type: str
    rule: str
    message: str
    confidence: float
    spans: tuple[Span, ...] = field(default_factory=tuple)
    related: tuple[Span, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "rule": self.rule,
            "message": self.message,
            "confidence": round(float(self.confidence), 4),
            "spans": [s.to_dict() for s in self.spans],
            "related": [s.to_dict() for s in self.related],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Evidence:
        return cls(
            type=data["type"],
            rule=data["rule"],
            message=data["message"],
            confidence=float(data["confidence"]),
            spans=tuple(Span(**s) for s in data.get("spans", ())),
            related=tuple(Span(**s) for s in data.get("related", ())),
        )


Findings = dict[int, list[Evidence]]  # sentence index -> evidence


class EvidenceFinder:
    """One finder, one artifact type's rules (after datatrove's BaseFilter): `find` one document,
    or `find_many` for a batch, which a finder overrides when a batch is cheaper than its parts
    (the duplicate finder embeds all documents' sentences in one pass)."""

    name: str = "finder"

    def find(self, doc: Document) -> Findings:
        raise NotImplementedError

    def find_many(self, docs: Sequence[Document]) -> list[Findings]:
        return [self.find(doc) for doc in docs]


def add(findings: Findings, index: int, evidence: Evidence) -> None:
    findings.setdefault(index, []).append(evidence)
