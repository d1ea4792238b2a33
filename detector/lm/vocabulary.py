"""The vocabulary the output layer reads: Gemma's tokens ranked by how much probability the model
gives them in English news.

Gemma's 262,144 tokens serve 140 languages; in English news most of them never get a measurable
share of the probability, yet the output layer multiplies every one of them at every scored position
(41% of the finder's pass on an AMD EPYC; research/lm-pass-profile.md). The ranking here sums, over
every word position of human-translated WMT news (lines the LM's measures never read), each token's
probability under the model; the likeliest `LMConfig.vocabulary` tokens are read in full, and a
target outside them is scored alone (detector/lm/output_layer.py). What the rest would add to a
word's surprisal is measured on validation lines in research/lm-vocabulary.md.

    python -m training.lm_vocabulary   # rebuilds the ranking and that measurement
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

RANKING_FILE = Path(__file__).with_name("gemma-3-270m-news-vocabulary.npy")  # token ids, likeliest first


def news_vocabulary(size: int) -> np.ndarray:
    """The `size` likeliest token ids of English news (at most as many as the ranking keeps)."""
    ranking = np.load(RANKING_FILE)
    if not 1 <= size <= len(ranking):
        raise ValueError(f"the vocabulary's size must be between 1 and {len(ranking)} tokens, not {size}")
    return ranking[:size].astype(np.int64)
