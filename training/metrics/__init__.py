"""Our own `evaluate` metric module, loaded from this folder (hub metrics cannot load offline)."""

from pathlib import Path

METRIC_PATH = str(Path(__file__).resolve().parent / "artifact_metrics")


def load_metric():
    import evaluate

    return evaluate.load(METRIC_PATH)
