"""The evaluation's document measures, on a stand-in detector (no model needed)."""

from dataclasses import dataclass, field

import pytest

from detector.labels import VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN
from detector.report import SentenceScore
from training.documents import LabelledDocument
from training.evaluate import _length_lines, document_accuracy


@dataclass
class _Report:
    verdict: str
    score: float
    threshold: float = 0.5
    sentences: list = field(default_factory=lambda: [SentenceScore(0, 0, 4, "Text", 0.1, {"boilerplate": 0.0})])


class _Detector:
    """Calls every document MT whose text says so, and ranks by a score written in the text."""

    def score(self, text: str) -> _Report:
        verdict, score = text.split()
        return _Report(verdict, float(score))

    def document_mt_logit(self, sentences, threshold):
        return 0.0


def test_document_accuracy_counts_per_generator_with_a_standard_error():
    docs = [
        LabelledDocument("deepl", VERDICT_MACHINE_TRANSLATED, f"{VERDICT_MACHINE_TRANSLATED} 0.9"),
        LabelledDocument("deepl", VERDICT_MACHINE_TRANSLATED, f"{VERDICT_CLEAN} 0.4"),  # missed, but ranked above both clean ones
        LabelledDocument("human", VERDICT_CLEAN, f"{VERDICT_CLEAN} 0.1"),
        LabelledDocument("human", VERDICT_CLEAN, f"{VERDICT_CLEAN} 0.2"),
        LabelledDocument("spinner-embedding", VERDICT_SPUN, f"{VERDICT_MACHINE_TRANSLATED} 0.8"),  # wrong family
    ]
    row = document_accuracy(_Detector(), docs)
    assert row["n"] == 5 and row["accuracy"] == pytest.approx(0.6)
    assert row["standard_error"] == pytest.approx((0.6 * 0.4 / 5) ** 0.5)
    assert {g: v["accuracy"] for g, v in row["per_generator"].items()} == {"deepl": 0.5, "human": 1.0, "spinner-embedding": 0.0}
    assert row["mt_vs_clean_roc_auc"]["document_score"] == pytest.approx(1.0)  # spun documents are not ranked
    lines = _length_lines({"documents": {**row, "mean_lines": 1.0}, "documents_by_length": {2: {**row, "mean_lines": 2.0}}})
    assert any("| 1 | 1.0 | 5 | 0.600 ± 0.219 |" in line for line in lines)
