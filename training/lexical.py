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

from .corpus import CONTEXT_WINDOW, OUTPUTS

log = logging.getLogger("training.lexical")


def window_contexts(split, blocks, window: int) -> list[str]:
    """Each example's context at `window` sentences each side, rebuilt from its source block the
    way the corpus built the one-sentence context. An example whose sentence is not in its block
    (synthetic damage, round trips) keeps the context it has."""
    from .corpus import block_sentences, sentence_context

    lines = {(b.key, b.generator): b.lines for b in blocks}
    segmented: dict[tuple[str, str], list[str]] = {}
    out = []
    for sentence, context, doc_id in zip(split["sentence"], split["context"], split["doc_id"]):
        key, generator = doc_id.split("/")[:2]
        if (key, generator) not in segmented:
            block = lines.get((key, generator))
            segmented[key, generator] = block_sentences(list(block)) if block else []
        sentences = segmented[key, generator]
        out.append(sentence_context(sentences, sentences.index(sentence), window) if sentence in sentences else context)
    return out


def split_contexts(splits, corpus_config, window: int) -> list[list[str]]:
    """Each split's contexts at `window`: the corpus's own column at its window, else rebuilt from
    the source blocks (`window_contexts`)."""
    if window == CONTEXT_WINDOW:
        return [list(split["context"]) for split in splits]
    from .sources import all_blocks

    blocks = all_blocks(corpus_config.data_dir, corpus_config.block_lines, corpus_config.validation_share)
    return [window_contexts(split, blocks, window) for split in splits]


def fit_lexical(
    train_split, c: float = 4.0, config: LexicalConfig | None = None, seed: int = 0, contexts: list[str] | None = None
) -> LexicalMTScorer:
    """Logistic regression on hashed n-grams (and, with `config.context`, their contexts'): MT
    sentences against clean ones. `contexts`: one per example of the split, at the scorer's
    window (default: the split's own context column)."""
    from sklearn.linear_model import LogisticRegression

    config = config or LexicalConfig()
    labels = np.asarray(train_split["labels"], dtype=np.float32)
    mt = labels[:, OUTPUTS.index(MACHINE_TRANSLATED)] >= 0.5
    clean = labels[:, OUTPUTS.index(OVERALL)] < 0.5
    rows = np.where(mt | clean)[0]
    every, around = list(train_split["sentence"]), list(train_split["context"] if contexts is None else contexts)
    sentences, contexts = [every[i] for i in rows], [around[i] for i in rows]
    y = mt[rows].astype(int)
    if y.min() == y.max():
        raise ValueError("the lexical MT scorer needs both machine-translated and clean training sentences")
    x = featurize(sentences, config, contexts)
    lr = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y)
    log.info("lexical MT scorer: %d sentences (%d MT), %d weights", len(y), int(y.sum()), 1 << config.hash_bits)
    return LexicalMTScorer(config, lr.coef_[0], float(lr.intercept_[0]))


def fit_stack(encoder_logits: np.ndarray, lexical_logits: np.ndarray, is_mt: np.ndarray) -> list[float]:
    """[w_encoder, w_lexical, bias]: the stacked MT logit that best predicts the validation labels."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([encoder_logits, lexical_logits], axis=1)
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(x, is_mt.astype(int))
    return [float(lr.coef_[0, 0]), float(lr.coef_[0, 1]), float(lr.intercept_[0])]
