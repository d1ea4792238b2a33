"""The document head: a multinomial logistic regression over the named document features, fitted on
validation documents (training.train.fit_document_head), with a threshold on 1 - P(clean) that
bounds how many clean documents it flags."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from detector.labels import VERDICT_CLEAN


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

    @classmethod
    def from_dict(cls, data: dict) -> DocumentHead:
        return cls(
            tuple(data["classes"]),
            tuple(tuple(r) for r in data["coef"]),
            tuple(data["intercept"]),
            tuple(data.get("center", ())),
            tuple(data.get("scale", ())),
            float(data.get("threshold", 0.5)),
        )

    def to_dict(self) -> dict:
        return {
            "classes": list(self.classes),
            "coef": [list(r) for r in self.coef],
            "intercept": list(self.intercept),
            "center": list(self.center),
            "scale": list(self.scale),
            "threshold": self.threshold,
        }

    def probabilities(self, features: Sequence[float]) -> dict[str, float]:
        if self.coef and len(features) != len(self.coef[0]):
            raise ValueError(
                f"this document head reads {len(self.coef[0])} features but was given {len(features)}: "
                "it was fitted with a different set of document signals (lexical scorer, MT check)"
            )
        if self.center:
            features = [(f - c) / s for f, c, s in zip(features, self.center, self.scale)]
        logits = [sum(c * f for c, f in zip(row, features)) + b for row, b in zip(self.coef, self.intercept)]
        top = max(logits)
        exp = [math.exp(x - top) for x in logits]
        return {c: e / sum(exp) for c, e in zip(self.classes, exp)}

    def decide(self, features: Sequence[float]) -> tuple[float, str]:
        """Score (1 - P(clean)) and verdict: clean under the threshold, else the likelier artifact class."""
        probs = self.probabilities(features)
        score = 1.0 - probs.get(VERDICT_CLEAN, 0.0)
        if score < self.threshold:
            return score, VERDICT_CLEAN
        return score, max((c for c in probs if c != VERDICT_CLEAN), key=probs.get)
