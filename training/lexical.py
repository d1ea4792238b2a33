"""Fit the lexical MT scorer (detector/lexical.py) and its stack with the encoder's MT logit.

The scorer learns machine-translated vs clean sentences of the train split (other damage left
out: a spun sentence is neither). The stack is a two-feature logistic regression on the
validation split: encoder logit and lexical logit in, the machine_translated label out.
"""

from __future__ import annotations

import logging

import numpy as np

from detector.labels import MACHINE_TRANSLATED
from detector.lexical import LexicalConfig, LexicalMTScorer, featurize
from detector.model import OVERALL

from .corpus import OUTPUTS

log = logging.getLogger("training.lexical")


def fit_lexical(train_split, c: float = 4.0, config: LexicalConfig | None = None, seed: int = 0) -> LexicalMTScorer:
    """Logistic regression on hashed n-grams: MT sentences against clean ones."""
    from sklearn.linear_model import LogisticRegression

    config = config or LexicalConfig()
    labels = np.asarray(train_split["labels"], dtype=np.float32)
    mt = labels[:, OUTPUTS.index(MACHINE_TRANSLATED)] >= 0.5
    clean = labels[:, OUTPUTS.index(OVERALL)] < 0.5
    rows = np.where(mt | clean)[0]
    every = list(train_split["sentence"])
    sentences = [every[i] for i in rows]
    y = mt[rows].astype(int)
    if y.min() == y.max():
        raise ValueError("the lexical MT scorer needs both machine-translated and clean training sentences")
    lr = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(featurize(sentences, config), y)
    log.info("lexical MT scorer: %d sentences (%d MT), %d weights", len(y), int(y.sum()), 1 << config.hash_bits)
    return LexicalMTScorer(config, lr.coef_[0], float(lr.intercept_[0]))


def fit_stack(encoder_logits: np.ndarray, lexical_logits: np.ndarray, is_mt: np.ndarray) -> list[float]:
    """[w_encoder, w_lexical, bias]: the stacked MT logit that best predicts the validation labels."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([encoder_logits, lexical_logits], axis=1)
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(x, is_mt.astype(int))
    return [float(lr.coef_[0, 0]), float(lr.coef_[0, 1]), float(lr.intercept_[0])]
