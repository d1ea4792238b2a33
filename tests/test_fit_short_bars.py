"""The short-document bars: fitted per length on one half of the documents, never under the
threshold, each keeping that half's clean documents of its length within the config's bounds."""

import numpy as np

from detector.document.head import DocumentHead
from training.config import TrainConfig
from training.fit_short_bars import BUCKETS, ShortDocument, bucket, fit_bars, rates, report_lines


def _docs(rng: np.random.Generator) -> list[ShortDocument]:
    docs = []
    for half in (0, 1):
        for content in range(1, 13):
            spread = 1.0 / content  # fewer sentences, wider swings
            for _ in range(60):
                clean_score = float(np.clip(rng.normal(0.5, spread), 0, 1))
                mt_score = float(np.clip(rng.normal(0.9, spread / 2), 0, 1))
                docs.append(ShortDocument(half, "human", True, content, content, content >= 2, clean_score, "machine_translated"))
                docs.append(ShortDocument(half, "deepl", False, content, content, content >= 2, mt_score, "machine_translated"))
    return docs


def test_bars_bound_the_clean_documents_of_each_length_and_never_go_under_the_threshold():
    head = DocumentHead(("clean", "machine_translated"), ((0.0,), (1.0,)), (0.0, 0.0), threshold=0.8)
    config = TrainConfig(max_document_fpr=0.1)
    docs = _docs(np.random.default_rng(0))
    fitted = fit_bars(head, docs, config)
    assert [most for most, _ in fitted.short_bars] == list(BUCKETS)
    bars = [bar for _, bar in fitted.short_bars]
    assert all(bar >= head.threshold for bar in bars) and bars == sorted(bars, reverse=True)  # shorter: higher
    fit = rates(docs, fitted, 0)
    for most in BUCKETS:
        assert fit[most]["human called anything but clean, bars"] <= 0.1 + 1e-9
        assert fit[most]["human called anything but clean, bars"] <= fit[most]["human called anything but clean, threshold"]
    assert fit[None]["human called anything but clean, bars"] == fit[None]["human called anything but clean, threshold"]
    assert bucket(1) == 3 and bucket(4) == 6 and bucket(9) == 9 and bucket(10) is None
    # a document too short for learned scores is never called by the head, at any bar
    lone = [d for d in docs if d.content == 1 and not d.clean]
    assert lone and not any(d.learned for d in lone)
    result = {
        "command": "x",
        "date": "d",
        "model": "m",
        "threshold": 0.8,
        "short_bars": fitted.short_bars,
        "fit": fit,
        "check": rates(docs, fitted, 1),
    }
    text = "\n".join(report_lines(result))
    assert "| 1-3 |" in text and "| 10 or more |" in text and "## check half" in text


def test_documents_the_head_does_not_judge_fit_nothing_and_keep_the_fallback_bars():
    """With --mt-check, a document with no round-tripped sentence is judged by the default head."""
    head = DocumentHead(("clean", "machine_translated"), ((0.0,), (1.0,)), (0.0, 0.0), threshold=0.8)
    fallback = DocumentHead(("clean", "machine_translated"), ((0.0,), (1.0,)), (0.0, 0.0), threshold=0.8, short_bars=((9, 0.99),))
    judged = _docs(np.random.default_rng(0))
    unjudged = [ShortDocument(d.half, d.generator, d.clean, d.lines, d.content, d.learned, 0.95, d.likelier, judged=False) for d in judged]
    config = TrainConfig(max_document_fpr=0.1)
    assert fit_bars(head, judged + unjudged, config).short_bars == fit_bars(head, judged, config).short_bars
    fitted = fit_bars(head, judged, config)
    alone = rates(unjudged, fitted, 0, fallback)  # every score 0.95: under the fallback's 0.99 up to 9 sentences
    assert all(alone[most]["human called anything but clean, bars"] == 0.0 for most in BUCKETS)
    assert alone[None]["human called anything but clean, bars"] == 1.0  # from 10 on: the threshold, 0.8
