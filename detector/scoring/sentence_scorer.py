"""The sentence-scoring stage: per document, each sentence's probabilities and its marked words.

A model folder either has a fine-tuned classifier (`ClassifierScorer`) or none (`EvidenceOnly`,
the evidence-baseline model, whose learned types score 0); the pipeline calls either the same way.
All documents' sentences of a batch go through the classifier in one length-sorted pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from detector.labels import ARTIFACT_TYPES
from detector.scoring.configuration import OVERALL
from detector.scoring.context_check import ContextCheck
from detector.scoring.lexical_mt import MTExplanation
from detector.text.segment import Document

OUTPUTS = (*ARTIFACT_TYPES, OVERALL)  # the columns of `SentenceProbabilities.probs`


@dataclass
class SentenceProbabilities:
    """One document's sentence scores: probabilities (sentences x OUTPUTS) and, per sentence, the
    words the token head marks as swapped, as (start, end, probability) in the sentence's characters."""

    probs: np.ndarray
    words: list[list[tuple[int, int, float]]]

    @classmethod
    def zeros(cls, sentences: int) -> SentenceProbabilities:
        return cls(np.zeros((sentences, len(OUTPUTS)), dtype=np.float32), [[] for _ in range(sentences)])


class EvidenceOnly:
    """No learned scorer: every learned probability is 0, and there is no document-level signal."""

    predictor = None

    def score(self, docs: Sequence[Document]) -> list[SentenceProbabilities]:
        return [SentenceProbabilities.zeros(len(d.sentences)) for d in docs]

    def document_mt_logit(self, text: str) -> float | None:
        return None

    def explain_mt(self, sentences: Sequence[str], index: int) -> MTExplanation | None:
        return None


class ClassifierScorer:
    """The fine-tuned classifier (a `Predictor`): sentence + context in, calibrated probabilities out, with the
    lexical MT scorer stacked in (it reads its own, wider window of each document)."""

    def __init__(self, predictor, batch_size: int = 16, context_check: ContextCheck | None = ContextCheck()):
        self.predictor = predictor
        self.batch_size = batch_size
        self.context_check = context_check  # None: the spun probability as read with the neighbours

    def score(self, docs: Sequence[Document]) -> list[SentenceProbabilities]:
        predictor = self.predictor
        window = predictor.config.context_window
        sentences = [s.text for d in docs for s in d.sentences]
        if not sentences:
            return [SentenceProbabilities.zeros(len(d.sentences)) for d in docs]
        neighbours = [d.neighbours(s.index, window) for d in docs for s in d.sentences]
        contexts = [" ".join(texts) for texts in neighbours]
        # the lexical scorer reads its own window, each sentence hashed once for itself and once as context
        lexical_logits = predictor.lexical_logits_in_documents([[s.text for s in d.sentences] for d in docs])
        probs, words = predictor.predict_with_words(
            sentences, contexts, batch_size=self.batch_size, lexical_logits=lexical_logits, neighbours=neighbours
        )
        if self.context_check is not None:
            for row in self.context_check.apply(predictor, sentences, probs, self.batch_size):
                words[row] = []  # the token head's marks came from the same read with the neighbours
        order = [predictor.config.outputs.index(o) for o in OUTPUTS]
        result, lo = [], 0
        for d in docs:
            n = len(d.sentences)
            doc_probs = probs[lo : lo + n][:, order] if n else np.zeros((0, len(OUTPUTS)), dtype=np.float32)
            result.append(SentenceProbabilities(doc_probs, words[lo : lo + n]))
            lo += n
        return result

    def document_mt_logit(self, text: str) -> float | None:
        """The document-level lexical MT logit of a document's content text (None without that
        scorer: the document heads were then fitted without it)."""
        return self.predictor.document_mt_logit(text)

    def explain_mt(self, sentences: Sequence[str], index: int) -> MTExplanation | None:
        """Why the lexical MT scorer reads sentence `index` of a document as it does (None without one)."""
        predictor = self.predictor
        if not predictor.stacked:
            return None
        return predictor.lexical.explain(sentences, index, predictor.lexical_window or 0)
