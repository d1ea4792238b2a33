"""Would a narrower machine-translation stage catch more MT documents at the same clean budget? (issue 19 item 4)

    python research/document_mt_stage.py [--model detector/models/default] [--config configs/release.yaml]

Keeping native English documents clean moved the document threshold from 0.748 to 0.848 and cost
MT documents (research/document-threshold-by-generator.md). On the test, the mean MT probability
alone had ranked MT above clean documents better than the head (research/document-head-ceiling-v9.md),
so the head's many columns may cost more than they give. This compares, on validation documents
only (the head's fitting set, 5-fold cross-validation by document, spun documents left out), how
many MT documents each scorer catches at a threshold that flags at most 4% of native English and
10% of all clean documents in the training folds:
  - the shipped head's 1 - P(clean) (its weights fitted on all of validation: an upper bound),
  - the head's columns, refitted per fold (clean vs MT),
  - a binary MT-vs-clean logistic regression on the MT columns and the document-level lexical logit,
  - the mean MT probability alone, and the document-level lexical logit alone.
Writes research/document-mt-stage.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.document.features import columns_outside, feature_names  # noqa: E402
from detector.document.head import load_heads  # noqa: E402
from detector.labels import VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED  # noqa: E402
from detector.scoring.configuration import OVERALL  # noqa: E402
from detector.scoring.predictor import Predictor  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.train import fit_head_weights, pick_threshold, validation_documents  # noqa: E402

FOLDS = 5
NATIVE_BOUND, CLEAN_BOUND = 0.04, 0.10


def threshold_for(scores: np.ndarray, clean: np.ndarray, native: np.ndarray) -> float:
    """The lowest threshold flagging at most NATIVE_BOUND of native and CLEAN_BOUND of all clean documents."""
    return max(
        pick_threshold(scores, clean, CLEAN_BOUND, floor=-np.inf, ceiling=np.inf),
        pick_threshold(scores, native, NATIVE_BOUND, floor=-np.inf, ceiling=np.inf),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--out", default=str(ROOT / "research" / "document-mt-stage"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    model = Predictor.from_pretrained(args.model)
    shipped = load_heads(args.model)["document_head"]
    data = validation_documents(model, config, model.threshold(OVERALL, 0.5))
    keep = data.expected != "spun"
    x, y, gen = data.x[keep], data.expected[keep], data.generators[keep]
    names = list(feature_names(document_mt=model.document_lexical is not None))
    mt_columns = [names.index(n) for n in ("machine_translated.mean", "machine_translated.top", "document_mt_logit") if n in names]
    clean, native, mt = y == VERDICT_CLEAN, gen == "human", y == VERDICT_MACHINE_TRANSLATED
    rng = np.random.default_rng(config.seed)
    fold = rng.permutation(len(y)) % FOLDS

    scorers = {
        "shipped head (fitted on all of validation)": lambda tr, te: (_scores(shipped, x[tr]), _scores(shipped, x[te])),
        "the head's columns, refitted per fold (clean vs MT)": lambda tr, te: _fit(
            x, y, tr, te, config, columns_outside(config.document_head_types)
        ),
        "binary MT stage (MT columns, document lexical logit)": lambda tr, te: _fit(
            x, y, tr, te, config, [j for j in range(x.shape[1]) if j not in mt_columns]
        ),
        "mean MT probability alone": lambda tr, te: (
            x[tr, names.index("machine_translated.mean")],
            x[te, names.index("machine_translated.mean")],
        ),
    }
    if "document_mt_logit" in names:
        j = names.index("document_mt_logit")
        scorers["document-level lexical logit alone"] = lambda tr, te: (x[tr, j], x[te, j])
    rows = {}
    for name, scorer in scorers.items():
        caught, flagged_native, flagged_clean = [], [], []
        for k in range(FOLDS):
            tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            s_tr, s_te = scorer(tr, te)
            t = threshold_for(s_tr, clean[tr], native[tr])
            caught += list(s_te[mt[te]] >= t)
            flagged_native += list(s_te[native[te]] >= t)
            flagged_clean += list(s_te[clean[te]] >= t)
        rows[name] = {
            "mt_caught": float(np.mean(caught)),
            "native_flagged": float(np.mean(flagged_native)),
            "clean_flagged": float(np.mean(flagged_clean)),
        }
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "documents": {"clean": int(clean.sum()), "native": int(native.sum()), "machine_translated": int(mt.sum())},
        "bounds": {"native": NATIVE_BOUND, "clean": CLEAN_BOUND},
        "rows": rows,
    }
    lines = [
        "# A narrower MT stage for the document verdict? (validation only, 5-fold cross-validation)",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {model.config.name}",
        f"- validation documents (spun ones left out): {int(clean.sum())} clean ({int(native.sum())} native English), {int(mt.sum())} machine translated",
        f"- each fold's threshold flags at most {NATIVE_BOUND:.0%} of native and {CLEAN_BOUND:.0%} of all clean documents of the other folds",
        "",
        "| scorer | MT documents caught | native flagged | clean flagged |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {r['mt_caught']:.3f} | {r['native_flagged']:.3f} | {r['clean_flagged']:.3f} |" for name, r in rows.items()],
        "",
    ]
    write_report(Path(args.out), lines, result)


def _fit(x, y, tr, te, config, ignore) -> tuple[np.ndarray, np.ndarray]:
    """A head fitted on the training folds (class-balanced logistic regression); 1 - P(clean) on both."""
    head = fit_head_weights(x[tr], y[tr], config.document_head_c, ignore=ignore)
    return _scores(head, x[tr]), _scores(head, x[te])


def _scores(head, rows) -> np.ndarray:
    """1 - P(clean) for each row of document features."""
    return np.array([head.score(list(r)) for r in rows])


if __name__ == "__main__":
    main()
