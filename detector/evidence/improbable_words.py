"""Improbable-words evidence: words a real language model finds unlikely where they stand.

A spinner's swaps ("beaten all sorts of stern test", "grossly trompling") are words a writer would
not have chosen there, whatever spinner made them; a language model that has read far more English
than our corpus says so (GLTR; Martel et al. 2024 for tortured phrases). Raw surprisal would fire
on every rare but right word (names, places, numbers), so a word is scored against its own
frequency: improbability = surprisal in context - surprisal as a bare word (wordfreq), i.e. minus
the pointwise mutual information of the word and its context. A word that the context makes *less*
likely than it is in general English is out of place. Its right-hand side counts too: a causal LM
sees only the left, so the next word's excess is added at half weight ("stern *test*" after a swap).

How much the strongest word moves the sentence's spun probability is fitted on validation data
(`LMStack`, training/fit_lm_stack.py); the evidence names each word at or over the bar, how
improbable it is, and the model's likeliest word in its place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from detector.evidence.base import Evidence, Findings, Span, add
from detector.labels import SPUN
from detector.lm.model import WORD, LanguageModel, WordSurprisal
from detector.lm.stack import LMStack
from detector.text.segment import Document
from detector.text.words import has_capital

RULE = "improbable_words"
STACK_RULE = "lm_stack"  # flagged by the classifier and the LM together, no single word at the bar
FLOOR_FREQUENCY = 1e-8  # wordfreq's frequency for words it has never seen (18.4 nats)


@dataclass(frozen=True)
class ScoredWord:
    """A word with its frequency-normalised improbability (nats) and what the model expected."""

    word: WordSurprisal
    unigram: float  # -ln P(word) in general English (wordfreq)
    improbability: float

    def to_dict(self) -> dict:
        w = self.word
        return {
            "start": w.start,
            "end": w.end,
            "text": w.text,
            "surprisal": round(w.surprisal, 2),
            "improbability": round(self.improbability, 2),
            "alternative": w.alternative,
        }

    def describe(self) -> str:
        expected = f": the model expected “{self.word.alternative}”" if self.word.alternative else ""
        return f"“{self.word.text}” is improbable here ({self.word.surprisal:.1f} nats; {self.unigram:.1f} as a bare word){expected}"


def has_unknown_word(text: str) -> bool:
    """Whether `text` holds a lower-case word of letters that general English never uses (wordfreq
    frequency 0): a misspelling or a spinner's coinage ("trompling"), or a rare word."""
    from wordfreq import word_frequency

    return any(w.isalpha() and w.islower() and word_frequency(w, "en") == 0 for w in WORD.findall(text))


def unigram_surprisal(word: str) -> float:
    from wordfreq import word_frequency

    return -math.log(max(word_frequency(word.lower(), "en"), FLOOR_FREQUENCY))


def score_words(
    words: Sequence[WordSurprisal], following_weight: float = 0.5, frequency_weight: float = 1.0, skip_capitalised: bool = False
) -> list[ScoredWord]:
    """Each word's improbability: its surprisal less `frequency_weight` times its bare-word
    surprisal, plus `following_weight` times the next word's (only where that is positive); words
    with a capital left out when `skip_capitalised`."""
    if skip_capitalised:
        words = [w for w in words if not has_capital(w.text)]
    unigrams = [unigram_surprisal(w.text) for w in words]
    excess = [w.surprisal - frequency_weight * u for w, u in zip(words, unigrams)]
    scored = []
    for k, w in enumerate(words):
        following = max(0.0, excess[k + 1]) if k + 1 < len(words) else 0.0
        scored.append(ScoredWord(w, unigrams[k], excess[k] + following_weight * following))
    return scored


@dataclass
class LMReading:
    """What the LM read of one document: per sentence read, its scored words."""

    words: dict[int, list[ScoredWord]] = field(default_factory=dict)

    def improbabilities(self, index: int) -> list[float]:
        return [w.improbability for w in self.words.get(index, ())]


@dataclass
class ImprobableWordsFinder:
    """Reads sentences with the LM and turns what it finds into `spun` evidence; `stack` holds how
    words are scored and the fitted map into the spun probability (detector/lm/stack.py)."""

    lm: LanguageModel
    stack: LMStack
    name: str = RULE
    max_listed: int = 4

    def read(self, docs: Sequence[Document], wanted: Sequence[Sequence[int]] | None = None) -> list[LMReading]:
        """Per document, the LM's reading of its sentences in `wanted` (or all), one pass for all;
        each sentence read after the document's text before it (LanguageModel.read_documents)."""
        chosen = [list(doc.sentences) if wanted is None else [doc.sentences[i] for i in wanted[d]] for d, doc in enumerate(docs)]
        words = self.lm.read_documents([doc.text for doc in docs], [[(s.start, s.end) for s in c] for c in chosen], self.stack.judged)
        out = [LMReading() for _ in docs]
        for reading, sentences, per_sentence in zip(out, chosen, words):
            for s, ws in zip(sentences, per_sentence):
                reading.words[s.index] = score_words(ws, *self.stack.word_scoring)
        return out

    def stacked(self, reading: LMReading, spun: Sequence[float]) -> dict[int, float]:
        """Per sentence read, its spun probability stacked with its LM features."""
        read = sorted(reading.words)
        if not read:
            return {}
        features = np.stack([self.stack.features(reading.improbabilities(i)) for i in read])
        return dict(zip(read, self.stack.apply(np.asarray(spun, dtype=np.float64)[read], features).tolist()))

    def evidence(
        self, doc: Document, reading: LMReading, spun: Sequence[float], threshold: float, classifier_spun: Sequence[float]
    ) -> Findings:
        """`spun` evidence for each sentence read with a word at or over the word bar, or, where
        the sentence is flagged spun (`spun`, stacked, at `threshold`), over the lower mark bar; its
        confidence is the sentence's stacked spun probability. A sentence the stack flags with no
        word at the bar gets the stack's reason (`STACK_RULE`): the classifier's probability
        (`classifier_spun`, before the stack) and the strongest word's improbability."""
        findings: Findings = {}
        for index, scored in reading.words.items():
            flagged = spun[index] >= threshold
            bar = self.stack.mark_bar if flagged else self.stack.word_bar
            marked = sorted((w for w in scored if w.improbability >= bar), key=lambda w: -w.improbability)
            if not marked:
                if flagged:
                    reason = self._stack_reason(scored, float(spun[index]), float(classifier_spun[index]))
                    add(findings, index, Evidence(SPUN, STACK_RULE, reason, float(spun[index])))
                continue
            s = doc.sentences[index]
            listed = "; ".join(w.describe() for w in marked[: self.max_listed])
            spans = tuple(Span.of(doc, s.start + w.word.start, s.start + w.word.end) for w in sorted(marked, key=lambda w: w.word.start))
            add(findings, index, Evidence(SPUN, RULE, listed, float(spun[index]), spans=spans))
        return findings

    def _stack_reason(self, scored: Sequence[ScoredWord], stacked: float, before: float) -> str:
        message = f"the classifier and the language model together read it as spun ({stacked:.2f}, from the classifier's {before:.2f})"
        if scored:
            strongest = max(scored, key=lambda w: w.improbability)
            message += (
                f"; its least expected word, “{strongest.word.text}” ({strongest.improbability:.1f} nats), is under the bar of"
                f" {self.stack.mark_bar:.1f} at which a word is named"
            )
        return message
