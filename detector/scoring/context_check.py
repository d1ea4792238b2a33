"""The context check: a spun reading that the sentence alone does not support is its neighbours'.

The classifier reads each sentence with its neighbours, and a clean sentence between two spun ones
reads as spun (research/contagion.md). A spinner swaps words inside a sentence, so a spun sentence
still reads as spun without its neighbours, and a clean one does not. Each sentence whose spun
probability is at least `check_from` is read again alone (empty context); where it then scores
under `alone_bar`, its spun probability is the lone one. `check_from` does not depend on the
threshold, so a probability means the same whatever threshold a caller (or the editor's slider
above it) applies. On validation lines (research/context-check.md) the bar removes half the flags
a clean sentence caught from spun neighbours and one in twenty of the flags of spun sentences
between spun neighbours; the threshold's spun flags of spun sentences between clean lines keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from detector.labels import SPUN


@dataclass(frozen=True)
class ContextCheck:
    check_from: float = 0.5  # spun probabilities from here are checked (below every shipped threshold)
    alone_bar: float = 0.05  # chosen on validation lines: research/context_check.py

    def apply(self, predictor, sentences: Sequence[str], probs: np.ndarray, batch_size: int = 16) -> list[int]:
        """Check the rows of `probs` (calibrated, `predictor.config.outputs` columns) in place;
        returns the rows whose spun probability became the lone one."""
        column = predictor.config.outputs.index(SPUN)
        rows = [int(i) for i in np.nonzero(probs[:, column] >= self.check_from)[0]]
        if not rows:
            return []
        # the encoder's logits alone: the spun column has no lexical stack to give it
        checked = [sentences[i] for i in rows]
        logits = predictor.predict_logits(checked, [""] * len(rows), batch_size, stack=False)
        alone = predictor.calibrate(logits, checked)[:, column]
        changed = []
        for row, p in zip(rows, alone):
            if p < self.alone_bar:
                probs[row, column] = p
                changed.append(row)
        return changed
