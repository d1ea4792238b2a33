"""The context check with the shipped model: a spun reading the sentence alone does not support is
replaced by the lone one; a sentence that reads as spun alone keeps its probability."""

from __future__ import annotations

import numpy as np

from detector.labels import SPUN
from detector.scoring.context_check import ContextCheck

CLEAN = "US intelligence officials believe that up to 175,000 Russian troops might launch an attack in early next year."
GARBLED = "Australia, Canada, Britain, and Canada are not sending representatives to the Olympics."  # seed 000


def test_only_readings_the_sentence_alone_does_not_support_are_replaced(detector):
    predictor = detector.predictor
    column = predictor.config.outputs.index(SPUN)
    probs = np.full((3, len(predictor.config.outputs)), 0.2, dtype=np.float32)
    probs[:, column] = [0.9, 0.9, 0.3]  # as if read between spun neighbours; the last is under check_from
    check = ContextCheck()
    changed = check.apply(predictor, [CLEAN, GARBLED, CLEAN], probs)
    assert changed == [0]
    assert probs[0, column] < check.alone_bar  # the clean sentence's own reading
    assert probs[1, column] == np.float32(0.9) and probs[2, column] == np.float32(0.3)
    assert np.all(np.delete(probs, column, axis=1) == np.float32(0.2))  # other types untouched


def test_the_check_can_be_turned_off(seeds):
    from detector import Detector

    off = Detector.from_pretrained(context_check=False)
    assert off.scorer.context_check is None
    report = off.score(seeds[next(k for k in seeds if k.startswith("000"))])
    assert report.verdict == "spun"
