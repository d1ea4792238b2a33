"""Multi-label metrics for millcheck, as an `evaluate` metric module (hub metrics cannot load offline).

Per output: precision, recall and F1 at a threshold, ROC-AUC, PR-AUC (average precision) and the
expected calibration error (ECE, equal-width bins). Outputs without both classes report None for
the ranking metrics instead of failing.
"""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

_DESCRIPTION = "Per-label precision, recall, F1, ROC-AUC, PR-AUC and expected calibration error for multi-label probabilities."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of lists of probabilities, one inner list per example (one value per label).
    references: list of lists of 0/1 labels, the same shape.
    label_names: optional names of the labels (default label_0, label_1, ...).
    threshold: decision threshold for precision/recall/F1 (a float, or a dict name -> float).
    n_bins: number of bins for the calibration error.
Returns:
    A dict with one entry per label name: {precision, recall, f1, roc_auc, pr_auc, ece, support}.
"""


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (probs > lo) & (probs <= hi) if lo > 0 else (probs >= lo) & (probs <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(probs[in_bin].mean() - labels[in_bin].mean())
    return float(ece)


def label_metrics(probs: np.ndarray, labels: np.ndarray, threshold: float, n_bins: int = 10) -> dict:
    pred = probs >= threshold
    tp = float(np.sum(pred & (labels == 1)))
    fp = float(np.sum(pred & (labels == 0)))
    fn = float(np.sum(~pred & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    both = 0 < labels.sum() < len(labels)
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "roc_auc": float(roc_auc_score(labels, probs)) if both else None,
        "pr_auc": float(average_precision_score(labels, probs)) if both else None,
        "ece": expected_calibration_error(probs, labels, n_bins),
        "support": int(labels.sum()),
        "threshold": float(threshold),
    }


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ArtifactMetrics(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float32")),
                    "references": datasets.Sequence(datasets.Value("float32")),
                }
            ),
        )

    def _compute(self, predictions, references, label_names=None, threshold=0.5, n_bins=10):
        probs = np.asarray(predictions, dtype=np.float64)
        labels = np.asarray(references, dtype=np.float64).round().astype(int)
        names = list(label_names) if label_names else [f"label_{i}" for i in range(probs.shape[1])]
        out = {}
        for k, name in enumerate(names):
            t = threshold.get(name, 0.5) if isinstance(threshold, dict) else threshold
            out[name] = label_metrics(probs[:, k], labels[:, k], t, n_bins)
        return out
