"""The spun probability stacked with the language model's evidence: a fitted part of a model folder.

With `--lm`, a sentence the LM reads gets spun = sigmoid(w_classifier * logit(classifier's spun)
+ w_lm . its LM features + bias), fitted by logistic regression on validation data
(training/fit_lm_stack.py), as the lexical MT scorer is stacked into machine_translated. The LM
features of a sentence (`sentence_features`) are its strongest and second-strongest word
improbabilities, the mean of its three strongest, and the share of its words at or over
`mark_bar`: one odd word is weak evidence, several are strong. The file also keeps how words are
scored (the weights of the next word and of the bare-word frequency, whether words written with a
capital are skipped) and the bars from which a word is named, so the evidence and the stack agree.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, ClassVar, Sequence

import numpy as np

from detector.scoring.parts import read_part, write_part
from detector.text.words import has_capital


@dataclass
class LMStack:
    FILENAME: ClassVar[str] = "lm_stack.json"
    KIND: ClassVar[str] = "lm_stack"

    lm: str  # the language model it was fitted with (its outputs would not compare with another's)
    w_classifier: float
    w_lm: list[float]  # one per `FEATURES`
    bias: float
    following_weight: float
    frequency_weight: float
    word_bar: float  # nats of improbability from which a word is named in any sentence (1 in 1,000 human words)
    mark_bar: float  # ... and in a sentence flagged spun (1 in 100 human words); also a feature's bar
    # words with a capital (names, acronyms, a sentence's first word) not scored: a spinner swaps
    # dictionary words, and names the LM cannot know were the human lines' improbable words
    skip_capitalised: bool = False

    FEATURES: ClassVar[tuple[str, ...]] = ("strongest", "second", "top3_mean", "share_marked")

    @property
    def word_scoring(self) -> tuple[float, float, bool]:
        """`score_words`' settings: (following weight, frequency weight, skip capitalised)."""
        return (self.following_weight, self.frequency_weight, self.skip_capitalised)

    @property
    def judged(self) -> Callable[[str], bool] | None:
        """Which words are scored at all (`LanguageModel.read_documents` reads out only those, so
        a skipped word costs no output layer); None: every word."""
        return _uncapitalised if self.skip_capitalised else None

    def features(self, improbabilities: Sequence[float]) -> np.ndarray:
        """A sentence's LM features from its words' improbabilities (zeros for a sentence without words)."""
        x = np.sort(np.asarray(improbabilities, dtype=np.float64))[::-1]
        if not len(x):
            return np.zeros(len(self.FEATURES))
        second = x[1] if len(x) > 1 else x[0]
        return np.array([x[0], second, x[:3].mean(), float(np.mean(x >= self.mark_bar))])

    def apply(self, spun: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Stacked spun probabilities from the classifier's (calibrated) ones and each sentence's
        LM features (sentences x FEATURES)."""
        p = np.clip(np.asarray(spun, dtype=np.float64), 1e-6, 1 - 1e-6)
        x = np.asarray(features, dtype=np.float64).reshape(len(p), len(self.FEATURES))
        z = self.w_classifier * np.log(p / (1 - p)) + x @ np.asarray(self.w_lm) + self.bias
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def save(self, directory: str | os.PathLike) -> Path:
        return write_part(directory, self.FILENAME, self.KIND, asdict(self))

    @classmethod
    def load(cls, directory: str | os.PathLike) -> LMStack:
        data = read_part(directory, cls.FILENAME, cls.KIND)
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})  # a field added since keeps its default

    @classmethod
    def exists(cls, directory: str | os.PathLike) -> bool:
        return (Path(directory) / cls.FILENAME).is_file()


def _uncapitalised(word: str) -> bool:
    return not has_capital(word)
