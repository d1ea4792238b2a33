"""The shipped ranking of the language model's vocabulary (detector/lm/vocabulary.py): token ids of
Gemma's vocabulary, each once, and a clear error for a size it cannot give."""

from __future__ import annotations

import numpy as np
import pytest

from detector.lm.vocabulary import news_vocabulary


def test_the_ranking_gives_distinct_ids_of_the_vocabulary_likeliest_first():
    ids = news_vocabulary(65_536)
    assert len(ids) == 65_536 and len(np.unique(ids)) == 65_536
    assert ids.min() >= 0 and ids.max() < 262_144
    assert np.array_equal(news_vocabulary(1_000), ids[:1_000])  # a smaller shortlist is its head


@pytest.mark.parametrize("size", [0, 65_537])
def test_a_size_the_ranking_cannot_give_is_a_clear_error(size):
    with pytest.raises(ValueError, match="between 1 and 65536"):
        news_vocabulary(size)
