"""The document head's inputs, by name: per sentence type the mean and the top-decile mean over the
content sentences, the boilerplate share, and the document-level signals when a model has them
(the lexical MT scorer's logit, the MT check's round-trip similarity, the language model's reading).

Dense signals (machine translation) show in the mean over many sentences even when each sentence is
uncertain; sparse ones (a few reworded captions) show in the top decile. Boilerplate is set aside
first: scraped debris around a human article must not make it anything but clean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

from detector.labels import ARTIFACT_TYPES, BOILERPLATE
from detector.report import SentenceScore

MEAN = "mean"
TOP = "top"  # the mean of the top tenth (at least `min_top` sentences)
BOILERPLATE_SHARE = "boilerplate_share"
DOCUMENT_MT = "document_mt_logit"  # the document-level lexical MT scorer's logit on the content text
ROUNDTRIP = "roundtrip_similarity"  # the MT check's mean round-trip similarity
# With --lm: the mean over the content sentences of each one's least expected word's improbability
# (nats; 0 for a sentence without a judged word). Spun copies are high on it, and human news of any
# publisher is not: the head that reads it (`document_head_lm`) no longer calls wire-service prose
# spun for its middling classifier probabilities (reports/lm-document-head.md).
LM_STRONGEST = "lm_strongest_mean"


def type_feature(artifact_type: str, statistic: str) -> str:
    """The name of one type's column: `spun.mean`, `duplicate.top`."""
    return f"{artifact_type}.{statistic}"


def feature_names(document_mt: bool = False, roundtrip: bool = False, lm: bool = False) -> tuple[str, ...]:
    """The columns in the order a head reads them; the document-level signals come last."""
    names = [type_feature(t, s) for t in ARTIFACT_TYPES for s in (MEAN, TOP)] + [BOILERPLATE_SHARE]
    return (*names, *([DOCUMENT_MT] if document_mt else []), *([ROUNDTRIP] if roundtrip else []), *([LM_STRONGEST] if lm else []))


@dataclass(frozen=True)
class DocumentFeatures(Sequence[float]):
    """Named feature values: `features["spun.top"]`, or by position as the head's vector."""

    names: tuple[str, ...]
    values: tuple[float, ...]

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.values[self.names.index(key)]
        return self.values[key]

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[float]:
        return iter(self.values)

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.values))


def flag_scores(sentence: SentenceScore) -> dict[str, float]:
    """The sentence's probabilities as far as they may flag: an evidence type's counts only with a
    finder's evidence of it (the classifier's own probability for it may order, never flag)."""
    flaggable = sentence.flaggable_types()
    return {t: p if t in flaggable else 0.0 for t, p in sentence.labels.items()}


def mill_score(sentence: SentenceScore) -> float:
    """How much a sentence looks written by a paraphrase mill (boilerplate left out)."""
    return max((p for t, p in flag_scores(sentence).items() if t != BOILERPLATE), default=0.0)


def top_mean(values: list[float], top_share: float, min_top: int) -> float:
    """The mean of the highest `top_share` of `values` (at least `min_top` of them)."""
    k = min(len(values), max(min_top, math.ceil(top_share * len(values))))
    return sum(sorted(values, reverse=True)[:k]) / k if k else 0.0


def content_sentences(sentences: list[SentenceScore], threshold: float) -> list[SentenceScore]:
    """The article's own sentences: those not scored as boilerplate."""
    return [s for s in sentences if s.labels.get(BOILERPLATE, 0.0) < threshold]


def content_text(sentences: list[SentenceScore], threshold: float) -> str:
    """The content sentences (all, when every one is boilerplate), a line each: what the
    document-level lexical MT scorer reads."""
    return "\n".join(s.text for s in content_sentences(sentences, threshold) or sentences)


def document_features(
    sentences: list[SentenceScore],
    threshold: float,
    top_share: float = 0.1,
    min_top: int = 2,
    roundtrip: float | None = None,
    document_mt: float | None = None,
    lm_strongest: float | None = None,
) -> DocumentFeatures:
    """The features of `feature_names(document_mt is not None, roundtrip is not None, lm_strongest is not None)`."""
    content = content_sentences(sentences, threshold) or sentences
    values: list[float] = []
    for t in ARTIFACT_TYPES:
        scores = [s.labels.get(t, 0.0) for s in content]
        values += [sum(scores) / len(scores) if scores else 0.0, top_mean(scores, top_share, min_top)]
    values.append(1.0 - len(content) / len(sentences) if sentences else 0.0)
    if document_mt is not None:
        values.append(document_mt)
    if roundtrip is not None:
        values.append(roundtrip)
    if lm_strongest is not None:
        values.append(lm_strongest)
    names = feature_names(document_mt is not None, roundtrip is not None, lm_strongest is not None)
    return DocumentFeatures(names, tuple(values))


def lm_strongest_mean(sentences: list[SentenceScore], threshold: float) -> float | None:
    """`LM_STRONGEST` from the sentences' `lm_words`, or None unless the language model read every
    content sentence (batch `--lm` reads only the suspect ones: the mean would not compare)."""
    content = content_sentences(sentences, threshold) or sentences
    if not content or any(s.lm_words is None for s in content):
        return None
    return sum(max((w["improbability"] for w in s.lm_words), default=0.0) for s in content) / len(content)


def boilerplate_columns() -> list[int]:
    """The columns that describe boilerplate: its mean, its top decile and the boilerplate share.
    A fitted head gives them no weight (training.train.fit_head_weights): boilerplate must not make
    a document non-clean, and validation documents hold none to learn from (on them these columns
    barely vary, so a scraped article's 46% share read as 156 standard deviations and made seed 001
    "machine translated")."""
    names = feature_names()
    return [names.index(n) for n in (type_feature(BOILERPLATE, MEAN), type_feature(BOILERPLATE, TOP), BOILERPLATE_SHARE)]


def columns_outside(types: Sequence[str]) -> list[int]:
    """The columns a head fitted on `types` alone gives no weight: the mean and top decile of every
    other type, and the boilerplate share (never a reason for a verdict). Validation documents are
    news blocks, machine translated or clean, and word-spun copies: they hold no duplicates, garbled
    lists or broken quotes, so what those columns vary with there is noise (v7's head read a fine
    list in seed 002 as a sign of machine translation). Documents with such evidence are called spun
    by the top-decile rule, not the head."""
    unknown = set(types) - set(ARTIFACT_TYPES)
    if unknown:
        raise ValueError(f"unknown sentence types for the document head: {sorted(unknown)}")
    names = feature_names()
    out = [names.index(type_feature(t, s)) for t in ARTIFACT_TYPES if t not in types for s in (MEAN, TOP)]
    return sorted({*out, *boilerplate_columns()})
