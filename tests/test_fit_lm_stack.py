"""The LM stack's fit reads its bars on a pool of human lines besides the spun comparison's: the
quantiles move with the pool, and the pool never repeats a line the comparison holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.config import DEFAULT_DATA_DIR
from training.fit_lm_stack import BLOCK, bars, human_pool

DATA = Path(DEFAULT_DATA_DIR)


def _line(values):
    return [(k, k + 1, v) for k, v in enumerate(values)]


def test_the_bars_are_quantiles_of_the_human_lines_and_the_pool():
    rows = [{"kind": "human"}, {"kind": "spun-embedding"}]
    scored = [_line([1.0, 2.0]), _line([50.0])]  # the spun line's words never count
    alone = bars(rows, scored)
    assert alone == (2.0, np.quantile([1.0, 2.0], 0.99))
    pool = [_line([3.0, 4.0]) for _ in range(400)] + [_line([30.0])]
    word_bar, mark_bar = bars(rows, scored, pool)
    strongest = [2.0] + [4.0] * 400 + [30.0]
    assert word_bar == float(np.quantile(strongest, 1 - 0.005)) and 4.0 <= word_bar < 30.0
    assert mark_bar == float(np.quantile([1.0, 2.0] + [3.0, 4.0] * 400 + [30.0], 0.99))


def test_the_human_pool_takes_whole_blocks_and_none_of_the_excluded_lines():
    first = human_pool(DATA, "validation", 4, exclude=[])
    assert first and len(first) % BLOCK == 0 and all(r["kind"] == "human" and not r["spans"] for r in first)
    assert [r["before"] for r in first[:2]] == ["", first[0]["text"]]  # each line read after the ones before it
    second = human_pool(DATA, "validation", 4, exclude=first)
    assert second and not {r["text"] for r in first} & {r["text"] for r in second}
