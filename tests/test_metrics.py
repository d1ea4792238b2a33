import numpy as np
import pytest

from training.metrics import load_metric
from training.metrics.artifact_metrics.artifact_metrics import expected_calibration_error


@pytest.fixture(scope="module")
def metric():
    return load_metric()


def test_per_label_precision_recall_auc(metric):
    preds = [[0.9, 0.2], [0.6, 0.7], [0.4, 0.1], [0.1, 0.9]]
    refs = [[1, 0], [0, 1], [1, 0], [0, 1]]
    out = metric.compute(predictions=preds, references=refs, label_names=["a", "b"], threshold=0.5)
    assert out["a"]["precision"] == pytest.approx(0.5) and out["a"]["recall"] == pytest.approx(0.5)
    assert out["a"]["roc_auc"] == pytest.approx(0.75)
    assert out["b"]["f1"] == pytest.approx(1.0) and out["b"]["roc_auc"] == pytest.approx(1.0)
    assert out["b"]["pr_auc"] == pytest.approx(1.0)
    assert out["a"]["support"] == 2


def test_single_class_label_reports_none_not_error(metric):
    out = metric.compute(predictions=[[0.1], [0.3]], references=[[0], [0]], label_names=["x"])
    assert out["x"]["roc_auc"] is None and out["x"]["pr_auc"] is None


def test_expected_calibration_error():
    probs = np.array([0.1, 0.1, 0.9, 0.9])
    labels = np.array([0, 0, 1, 1])
    assert expected_calibration_error(probs, labels, n_bins=10) == pytest.approx(0.1)
    assert expected_calibration_error(np.array([0.5, 0.5]), np.array([0, 1]), n_bins=10) == pytest.approx(0.0)
