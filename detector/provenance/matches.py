"""What provenance reports: a document's sources, and each aligned sentence with its word diff.

Seen from one document ("this one"), a `SourceMatch` is another document it shares content with.
`copy_confidence` is the probability that this one is the copy, not the original: 0.5 when the
evidence cannot tell (two verbatim syndications of one wire story).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detector.provenance.word_diff import WordEdit


@dataclass(frozen=True)
class AlignedSentence:
    sentence: int  # index of this document's sentence
    source_sentence: int  # index of the other document's sentence
    source_start: int
    source_end: int
    source_text: str
    similarity: float
    rewrite: str  # provenance.rewrite kinds
    moved: bool = False  # out of the source's order
    edits: tuple[WordEdit, ...] = ()

    def to_dict(self) -> dict:
        return {
            "sentence": self.sentence,
            "source_sentence": self.source_sentence,
            "source": {"start": self.source_start, "end": self.source_end, "text": self.source_text},
            "similarity": round(self.similarity, 4),
            "rewrite": self.rewrite,
            "moved": self.moved,
            "edits": [e.to_dict() for e in self.edits],
        }

    @classmethod
    def from_dict(cls, data: dict) -> AlignedSentence:
        s = data["source"]
        return cls(
            data["sentence"],
            data["source_sentence"],
            s["start"],
            s["end"],
            s["text"],
            data["similarity"],
            data["rewrite"],
            data.get("moved", False),
            tuple(WordEdit.from_dict(e) for e in data.get("edits", ())),
        )


@dataclass
class SourceMatch:
    id: str | None  # the other document's id
    rewrite: str  # the document pair's kind
    share: float  # share of this document's comparable sentences aligned to the other
    source_share: float  # share of the other's comparable sentences aligned to this one
    copy_confidence: float  # P(this document is the copy)
    direction_reasons: list[str] = field(default_factory=list)
    pairs: list[AlignedSentence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "rewrite": self.rewrite,
            "share": round(self.share, 4),
            "source_share": round(self.source_share, 4),
            "copy_confidence": round(self.copy_confidence, 4),
            "direction_reasons": list(self.direction_reasons),
            "pairs": [p.to_dict() for p in self.pairs],
        }

    @classmethod
    def from_dict(cls, data: dict) -> SourceMatch:
        return cls(
            data.get("id"),
            data["rewrite"],
            data["share"],
            data["source_share"],
            data["copy_confidence"],
            list(data.get("direction_reasons", ())),
            [AlignedSentence.from_dict(p) for p in data.get("pairs", ())],
        )
