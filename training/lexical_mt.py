"""Fit the lexical MT scorer (detector/scoring/lexical_mt.py) and its stack with the encoder's MT logit.

The scorer learns machine-translated vs clean sentences of the train split (other damage left
out: a spun sentence is neither). The stack is a two-feature logistic regression on the
validation split: encoder logit and lexical logit in, the machine_translated label out.

The document-level scorer (`fit_document_lexical`) is the same model fitted on whole train-split
documents (runs of one to three blocks), machine translated against human: its logit on a
document's content text is a feature of the document head.
"""

from __future__ import annotations

import logging

import numpy as np

from detector.labels import MACHINE_TRANSLATED
from detector.scoring.configuration import OVERALL
from detector.scoring.lexical_mt import LexicalConfig, LexicalMTScorer, featurize, windowed_features

from .corpus import CONTEXT_WINDOW, OUTPUTS

log = logging.getLogger("training.lexical_mt")


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
    labels = np.asarray(train_split["labels"], dtype=np.float32)
    mt = labels[:, OUTPUTS.index(MACHINE_TRANSLATED)] >= 0.5
    clean = labels[:, OUTPUTS.index(OVERALL)] < 0.5
    rows = np.where(mt | clean)[0]
    every, around = list(train_split["sentence"]), list(train_split["context"] if contexts is None else contexts)
    sentences, contexts = [every[i] for i in rows], [around[i] for i in rows]
    return _fit_scorer(sentences, contexts, mt[rows].astype(int), c, config or LexicalConfig(), seed, "lexical MT scorer")


def fit_lexical_on_blocks(corpus_config, c: float = 4.0, config: LexicalConfig | None = None, seed: int = 0) -> LexicalMTScorer:
    """The same scorer fitted on every sentence of the train split's blocks (held-out generators
    left out), each labelled by its block, with its context at the scorer's window built as the
    corpus builds it: about ten times the sentences the corpus samples (53,822 against ~5,000 MT
    and ~6,000 human in v4's corpus), which a linear model over 2^20 n-grams can use. The rows are
    built as the detector scores (`windowed_features`): each sentence hashed once for itself and
    once as context."""
    from .corpus import block_sentences

    config = config or LexicalConfig()
    documents, y = [], []
    for block in _train_blocks(corpus_config):
        documents.append(block_sentences(list(block.lines)))
        y += [int(block.machine_translated)] * len(documents[-1])
    if config.context:
        x = windowed_features(documents, config, config.context_window)
    else:
        x = featurize([s for sentences in documents for s in sentences], config)
    return _fit_matrix(x, np.array(y), c, config, seed, "lexical MT scorer (train blocks)")


def _train_blocks(corpus_config, min_lines: int = 1) -> list:
    """The train split's blocks of at least `min_lines` lines, held-out generators left out."""
    from .sources import TRAIN, all_blocks

    held_out = set(corpus_config.held_out_generators)
    return [
        b
        for b in all_blocks(corpus_config.data_dir, corpus_config.block_lines, corpus_config.validation_share)
        if b.split == TRAIN and b.generator not in held_out and len(b.lines) >= min_lines
    ]


def _fit_scorer(
    texts: list[str], contexts: list[str] | None, y: np.ndarray, c: float, config: LexicalConfig, seed: int, what: str
) -> LexicalMTScorer:
    return _fit_matrix(featurize(texts, config, contexts if config.context else None), y, c, config, seed, what)


def _fit_matrix(x, y: np.ndarray, c: float, config: LexicalConfig, seed: int, what: str) -> LexicalMTScorer:
    """Logistic regression on a featurised matrix (one row per text), as a scorer."""
    from sklearn.linear_model import LogisticRegression

    if len(y) == 0 or y.min() == y.max():
        raise ValueError(f"the {what} needs both machine-translated and human training texts")
    lr = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y)
    log.info("%s: %d texts (%d MT), %d weights", what, len(y), int(y.sum()), 1 << config.hash_bits)
    return LexicalMTScorer(config, lr.coef_[0], float(lr.intercept_[0]))


def fit_stack(encoder_logits: np.ndarray, lexical_logits: np.ndarray, is_mt: np.ndarray) -> list[float]:
    """[w_encoder, w_lexical, bias]: the stacked MT logit that best predicts the validation labels."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([encoder_logits, lexical_logits], axis=1)
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(x, is_mt.astype(int))
    return [float(lr.coef_[0, 0]), float(lr.coef_[0, 1]), float(lr.intercept_[0])]


def fit_document_lexical(
    corpus_config,
    blocks_per_document: list[int],
    c: float = 4.0,
    seed: int = 0,
    config: LexicalConfig | None = None,
    max_documents: int = 0,
) -> LexicalMTScorer:
    """The lexical MT scorer fitted on train-split documents of each length in `blocks_per_document`
    (held-out generators left out, as in the sentence corpus): machine-translated documents
    against human writing and human translation. `max_documents` > 0 fits on a random sample."""
    import random

    from .documents import join_blocks

    blocks = _train_blocks(corpus_config, min_lines=4)  # as make_documents takes them
    documents = [run for k in blocks_per_document for run in join_blocks(blocks, k)]
    if 0 < max_documents < len(documents):
        documents = random.Random(f"{seed}-document-lexical").sample(documents, max_documents)
    y = np.array([int(d.machine_translated) for d in documents])
    texts = ["\n".join(d.lines) for d in documents]
    return _fit_scorer(texts, None, y, c, config or LexicalConfig(), seed, "document-level lexical MT scorer")
