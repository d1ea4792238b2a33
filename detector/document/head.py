"""The document head: a multinomial logistic regression over the named document features, fitted on
validation documents (training.train.fit_document_head), with a threshold on 1 - P(clean) that
bounds how many clean documents it flags."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

from detector.labels import VERDICT_CLEAN
from detector.scoring.configuration import CONFIG_NAME
from detector.scoring.manifest import Manifest
from detector.scoring.parts import read_part, write_part


@dataclass(frozen=True)
class DocumentHead:
    """A multinomial logistic regression over `document_features`, fitted on validation documents."""

    classes: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    center: tuple[float, ...] = ()  # features are standardised first: (f - center) / scale
    scale: tuple[float, ...] = ()
    # 1 - P(clean) at or above this makes a document non-clean; fitted on validation documents to
    # bound how many clean ones are flagged.
    threshold: float = 0.5
    # The names of the features it reads, in order (detector.document.features.feature_names);
    # empty for heads saved before features had names, which are checked by count alone.
    features: tuple[str, ...] = ()
    # Higher bars for short documents: ((most content sentences, bar), ...), shortest first. The
    # threshold is fitted on documents of 10-30 lines; a mean of fewer sentences swings wider, and
    # 2-3 line human texts were called non-clean 25% of the time at it (training/fit_short_bars.py).
    short_bars: tuple[tuple[int, float], ...] = ()

    FILENAME: ClassVar[str] = "document_head.json"
    MT_CHECK_FILENAME: ClassVar[str] = "document_head_mt_check.json"  # the head used with --mt-check
    LM_FILENAME: ClassVar[str] = "document_head_lm.json"  # with --lm, where every content sentence was read
    KIND: ClassVar[str] = "document_head"

    @classmethod
    def from_dict(cls, data: dict) -> DocumentHead:
        return cls(
            tuple(data["classes"]),
            tuple(tuple(r) for r in data["coef"]),
            tuple(data["intercept"]),
            tuple(data.get("center", ())),
            tuple(data.get("scale", ())),
            float(data.get("threshold", 0.5)),
            tuple(data.get("features", ())),
            tuple((int(n), float(b)) for n, b in data.get("short_bars", ())),
        )

    def to_dict(self) -> dict:
        return {
            "classes": list(self.classes),
            "coef": [list(r) for r in self.coef],
            "intercept": list(self.intercept),
            "center": list(self.center),
            "scale": list(self.scale),
            "threshold": self.threshold,
            "features": list(self.features),
            "short_bars": [list(x) for x in self.short_bars],
        }

    def save(self, directory: str | os.PathLike, filename: str = FILENAME) -> Path:
        return write_part(directory, filename, self.KIND, self.to_dict())

    @classmethod
    def load(cls, directory: str | os.PathLike, filename: str = FILENAME) -> DocumentHead:
        return cls.from_dict(read_part(directory, filename, cls.KIND))

    def probabilities(self, features: Sequence[float]) -> dict[str, float]:
        names = getattr(features, "names", None)
        if self.features and names is not None and tuple(names) != self.features:
            raise ValueError(
                f"this document head reads the features {list(self.features)} but was given {list(names)}: "
                "it was fitted with a different set of document signals (lexical scorer, MT check)"
            )
        if self.coef and len(features) != len(self.coef[0]):
            raise ValueError(
                f"this document head reads {len(self.coef[0])} features but was given {len(features)}: "
                "it was fitted with a different set of document signals (lexical scorer, MT check)"
            )
        features = self.standardised(features)
        logits = [sum(c * f for c, f in zip(row, features)) + b for row, b in zip(self.coef, self.intercept)]
        top = max(logits)
        exp = [math.exp(x - top) for x in logits]
        return {c: e / sum(exp) for c, e in zip(self.classes, exp)}

    def standardised(self, features: Sequence[float]) -> list[float]:
        """The features as the weights read them: (f - center) / scale, where the head standardises."""
        return [(f - c) / s for f, c, s in zip(features, self.center, self.scale)] if self.center else list(features)

    def contributions(self, features: Sequence[float], toward: str) -> list[tuple[str, float, float]]:
        """Per feature: its name, its standardised value, and what it adds to the logit of `toward`
        over clean's (that value x the difference of the two classes' weights): which features made
        the call, and whether by standing above or below the usual."""
        names = tuple(getattr(features, "names", None) or self.features or range(len(features)))
        values = self.standardised(features)
        a, b = self.coef[self.classes.index(toward)], self.coef[self.classes.index(VERDICT_CLEAN)]
        return [(str(n), v, (wa - wb) * v) for n, wa, wb, v in zip(names, a, b, values)]

    def score(self, features: Sequence[float]) -> float:
        """The document score the threshold reads: 1 - P(clean)."""
        return not_clean(self.probabilities(features))

    def bar(self, content_sentences: int | None = None) -> float:
        """The bar on 1 - P(clean) for a document of this many content sentences (None: the threshold)."""
        if content_sentences is not None:
            for most, bar in self.short_bars:
                if content_sentences <= most:
                    return max(bar, self.threshold)
        return self.threshold

    def decide(self, features: Sequence[float], content_sentences: int | None = None) -> tuple[float, str]:
        """Score (1 - P(clean)) and verdict: clean under the bar for the document's length, else the
        likelier artifact class."""
        probs = self.probabilities(features)
        score = not_clean(probs)
        if score < self.bar(content_sentences):
            return score, VERDICT_CLEAN
        return score, max((c for c in probs if c != VERDICT_CLEAN), key=probs.get)


def not_clean(probs: dict[str, float]) -> float:
    """1 - P(clean) of a head's class probabilities."""
    return 1.0 - probs.get(VERDICT_CLEAN, 0.0)


HEAD_PARTS = {
    "document_head": DocumentHead.FILENAME,
    "document_head_mt_check": DocumentHead.MT_CHECK_FILENAME,
    "document_head_lm": DocumentHead.LM_FILENAME,
}


def load_heads(directory: str | os.PathLike) -> dict[str, DocumentHead | None]:
    """A model folder's document heads by part name (`document_head`, `document_head_mt_check`,
    `document_head_lm`), None where it has none; 0.1.0 folders kept them in config.json."""
    if not Manifest.exists(directory):
        meta = json.loads((Path(directory) / CONFIG_NAME).read_text(encoding="utf-8"))
        legacy = {"document_head": meta.get("document_head"), "document_head_mt_check": meta.get("document_head_roundtrip")}
        return {part: DocumentHead.from_dict(data) if data else None for part, data in legacy.items()}
    manifest = Manifest.load(directory)
    return {part: DocumentHead.load(directory, filename) if manifest.has(part) else None for part, filename in HEAD_PARTS.items()}


def save_head(directory: str | os.PathLike, part: str, head: DocumentHead | None) -> None:
    """Write one document head (or remove it, with None) and its manifest entry; nothing else changes."""
    manifest = Manifest.load(directory)
    path = Path(directory) / HEAD_PARTS[part]
    if head is None:
        path.unlink(missing_ok=True)
        manifest.discard(part)
    else:
        head.save(directory, HEAD_PARTS[part])
        manifest.add(part)
    manifest.save(directory)
