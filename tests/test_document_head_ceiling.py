"""The document-head ceiling analysis (research/document_head_ceiling.py) on synthetic document features."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "research" / "document_head_ceiling.py"
spec = importlib.util.spec_from_file_location("document_head_ceiling", SCRIPT)
ceiling = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ceiling)

WIDTH = 14  # six types x (mean, top decile), the boilerplate share, the document-level MT logit
SPUN_MEAN, MT_MEAN, SIGNAL = 0, 2, 13


def table(n_per_class: int, seed: int, separation: float) -> "ceiling.DocumentTable":
    """Clean, MT and spun documents whose MT columns (and document logit) and spun columns are
    shifted by `separation` standard deviations for their class; generators two per class."""
    rng = np.random.default_rng(seed)
    rows, expected, generators = [], [], []
    for cls, gens in (
        ("clean", ("human", "human-translation")),
        ("machine_translated", ("deepl", "nllb")),
        ("spun", ("spinner-a", "spinner-b")),
    ):
        for i in range(n_per_class):
            f = rng.normal(0.0, 1.0, WIDTH)
            if cls == "machine_translated":
                f[[MT_MEAN, MT_MEAN + 1, SIGNAL]] += separation
            if cls == "spun":
                f[[SPUN_MEAN, SPUN_MEAN + 1]] += separation
            rows.append(f)
            expected.append(cls)
            generators.append(gens[i % 2])
    n = len(rows)
    rule = np.array(["clean"] * n)
    return ceiling.DocumentTable(np.array(rows), np.array(expected), np.array(generators), rule, rule.copy(), np.zeros(n))


def test_separable_documents_reach_the_ceiling_and_every_head_does_well():
    val, test = table(60, 0, 8.0), table(60, 1, 8.0)
    results = ceiling.analyse(val, test, 1.0, ["spun", "machine_translated"], budgets=[0.1], cascades=[(0.05, 0.1)])
    assert results["ceiling"]["logistic_regression"]["accuracy"] > 0.97
    assert results["multinomial"]["0.10"]["accuracy"] > 0.9
    assert results["cascade"]["0.05/0.10"]["accuracy"] > 0.9
    assert results["mt_vs_clean_roc_auc"]["mean_mt_probability"] > 0.99
    assert results["mt_vs_clean_roc_auc"]["document_lexical_logit"] > 0.99


def test_a_larger_clean_budget_flags_more_clean_documents():
    val, test = table(80, 2, 1.0), table(80, 3, 1.0)
    results = ceiling.analyse(val, test, 1.0, ["spun", "machine_translated"], budgets=[0.05, 0.3], cascades=[(0.02, 0.03), (0.1, 0.2)])
    tight, loose = results["multinomial"]["0.05"], results["multinomial"]["0.30"]
    assert tight["validation_clean_flagged"] <= 0.05 + 1e-9 < loose["validation_clean_flagged"] <= 0.30 + 1e-9
    assert tight["clean_called_clean"] > loose["clean_called_clean"]
    narrow, wide = results["cascade"]["0.02/0.03"], results["cascade"]["0.10/0.20"]
    assert narrow["validation_clean_flagged"] < wide["validation_clean_flagged"]


def test_a_document_the_rule_finds_spun_stays_spun():
    test = table(10, 4, 0.0)
    test.rule[:] = "spun"
    verdicts = ceiling.replay(lambda f: "clean", test)
    assert (verdicts == "spun").all()
    assert ceiling.summary(verdicts, test)["accuracy"] == pytest.approx(1 / 3)
