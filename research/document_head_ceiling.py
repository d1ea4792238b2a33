"""Is the document head what keeps document accuracy under the 0.90 target, or the signals it reads? (issue 3)

    python research/document_head_ceiling.py --model artifacts/release-v9-model \
        --config configs/release.yaml --out research/document-head-ceiling-v9

Scores, once, the validation documents a release's document head is fitted on and the test
documents `training.evaluate` measures (10 lines, 50 per generator, held-out generators
included), then replays other heads on the same document features (detector.document.verdict.
document_features; a document the top-decile rule finds spun stays spun, as in the detector):

1. the shipped head, as the evaluation measures it;
2. the same multinomial head refitted at other clean-flag budgets (the share of clean validation
   documents it may flag; the releases use 10%): accuracy rises only as clean documents are given up;
3. a cascade: a binary spun stage on the spun columns, then a binary machine-translated stage on
   the MT columns and document-level signals, each with its own budget;
4. a ceiling: heads fitted on the test documents themselves (5-fold cross-validation, logistic
   regression and gradient-boosted trees), which no head fitted on validation documents can
   expect to beat with these features;
5. how the head's score, the mean MT probability and the document-level lexical logit rank
   machine-translated against clean test documents.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector import Detector  # noqa: E402
from detector.document.features import columns_outside, document_features
from detector.document.verdict import summarise  # noqa: E402
from detector.labels import ARTIFACT_TYPES, MACHINE_TRANSLATED, VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.corpus import CorpusBuilder  # noqa: E402
from training.documents import head_fitting_documents, make_documents  # noqa: E402
from training.sources import TEST  # noqa: E402
from training.train import fit_head_weights, fit_thresholded_head, pick_threshold  # noqa: E402

CLEAN_GENERATORS = ("human", "human-translation")
MT_MEAN = 2 * ARTIFACT_TYPES.index(MACHINE_TRANSLATED)  # the mean MT probability's column
SIGNALS_START = 2 * len(ARTIFACT_TYPES) + 1  # document-level signals follow the types and the boilerplate share


@dataclass
class DocumentTable:
    """Scored documents: features, expected verdicts, generators, the top-decile rule's verdicts,
    and the shipped head's verdicts and scores."""

    features: np.ndarray
    expected: np.ndarray
    generators: np.ndarray
    rule: np.ndarray
    shipped: np.ndarray
    shipped_score: np.ndarray


def score_documents(detector: Detector, docs) -> DocumentTable:
    head, detector.document_head = detector.document_head, None  # sentences only; heads replayed below
    rows = []
    for doc, (_, report) in zip(docs, detector.score_many(d.text for d in docs)):
        document_mt = detector.document_mt_logit(report.sentences, report.threshold)
        features = document_features(report.sentences, report.threshold, document_mt=document_mt)
        shipped = summarise(report.sentences, report.threshold, head=head, document_mt=document_mt)
        rows.append((features, doc.expected, doc.generator, report.verdict, shipped.verdict, shipped.score))
    detector.document_head = head
    columns = list(zip(*rows))
    return DocumentTable(*(np.array(c) for c in columns))


def replay(decide, table: DocumentTable) -> np.ndarray:
    """Verdicts of a head (`decide`: features -> verdict) with the detector's rule: spun stays spun."""
    return np.array([VERDICT_SPUN if r == VERDICT_SPUN else decide(f) for f, r in zip(table.features, table.rule)])


def summary(verdicts: np.ndarray, table: DocumentTable) -> dict:
    right = verdicts == table.expected
    per_gen = {g: float(right[table.generators == g].mean()) for g in sorted(set(table.generators))}
    clean = np.isin(table.generators, CLEAN_GENERATORS)
    accuracy = float(right.mean())
    return {
        "accuracy": accuracy,
        "standard_error": float(np.sqrt(accuracy * (1 - accuracy) / len(right))),
        "clean_called_clean": float(right[clean].mean()) if clean.any() else None,
        "per_generator": per_gen,
    }


def multinomial_head(val: DocumentTable, clean_budget: float, c: float, types: list[str]):
    head, _ = fit_thresholded_head(val.features, val.expected, c, columns_outside(types), clean_budget)
    return lambda f: head.decide(list(f))[1]


def cascade_head(val: DocumentTable, spun_budget: float, mt_budget: float, c: float):
    """Binary spun stage (spun columns; at most `spun_budget` of the other documents flagged), then
    a binary MT stage fitted on the non-spun documents (MT columns and the document-level signals;
    at most `mt_budget` of clean documents flagged)."""
    signals = list(range(SIGNALS_START, val.features.shape[1]))
    stages = []
    remaining = np.ones(len(val.expected), dtype=bool)
    for verdict, budget, reads_signals in ((VERDICT_SPUN, spun_budget, False), (VERDICT_MACHINE_TRANSLATED, mt_budget, True)):
        # verdict names are the sentence types' names (detector.labels)
        ignore = sorted(set(columns_outside([verdict])) | (set() if reads_signals else set(signals)))
        x, positive = val.features[remaining], val.expected[remaining] == verdict
        binary = fit_head_weights(x, np.where(positive, "1", "0"), c, ignore=ignore)
        center, scale, coef, b = np.array(binary.center), np.array(binary.scale), np.array(binary.coef[1]), binary.intercept[1]
        z = ((x - center) / scale) @ coef + b
        cut = pick_threshold(z, ~positive, budget, floor=-np.inf, ceiling=np.inf)
        stages.append((verdict, center, scale, coef, b - cut))
        remaining &= val.expected != verdict

    def decide(f) -> str:
        for verdict, center, scale, coef, b in stages:
            if ((np.asarray(f) - center) / scale) @ coef + b >= 0:
                return verdict
        return VERDICT_CLEAN

    return decide


def cross_validated_ceiling(test: DocumentTable, folds: int = 5, seed: int = 0) -> dict:
    """Heads fitted on the test documents themselves (out-of-fold verdicts), argmax, rule applied."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    models = {
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "gradient_boosted_trees": HistGradientBoostingClassifier(max_depth=3, max_iter=200, random_state=seed),
    }
    out = {}
    for name, model in models.items():
        predicted = cross_val_predict(model, test.features, test.expected, cv=cv)
        out[name] = summary(np.where(test.rule == VERDICT_SPUN, VERDICT_SPUN, predicted), test)
    return out


def rankings(test: DocumentTable) -> dict:
    from sklearn.metrics import roc_auc_score

    keep = np.isin(test.expected, (VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED))
    is_mt = test.expected[keep] == VERDICT_MACHINE_TRANSLATED
    scores = {"shipped_head_score": test.shipped_score[keep], "mean_mt_probability": test.features[keep, MT_MEAN]}
    if test.features.shape[1] > SIGNALS_START:
        scores["document_lexical_logit"] = test.features[keep, SIGNALS_START]
    return {name: float(roc_auc_score(is_mt, s)) for name, s in scores.items()}


def analyse(
    val: DocumentTable, test: DocumentTable, c: float, types: list[str], budgets: list[float], cascades: list[tuple[float, float]]
) -> dict:
    val_clean = val.expected == VERDICT_CLEAN

    def with_val_flags(decide) -> dict:
        row = summary(replay(decide, test), test)
        row["validation_clean_flagged"] = float((replay(decide, val)[val_clean] != VERDICT_CLEAN).mean())
        return row

    return {
        "shipped": summary(test.shipped, test),
        "multinomial": {f"{b:.2f}": with_val_flags(multinomial_head(val, b, c, types)) for b in budgets},
        "cascade": {f"{s:.2f}/{m:.2f}": with_val_flags(cascade_head(val, s, m, c)) for s, m in cascades},
        "ceiling": cross_validated_ceiling(test),
        "mt_vs_clean_roc_auc": rankings(test),
        "documents": {"validation": len(val.expected), "test": len(test.expected)},
    }


def render(results: dict, command: str, machine: str) -> str:
    def row(name: str, r: dict) -> str:
        flagged = f"{r['validation_clean_flagged']:.3f}" if "validation_clean_flagged" in r else ""
        return f"| {name} | {flagged} | {r['accuracy']:.3f} ± {r['standard_error']:.3f} | {r['clean_called_clean']:.2f} |"

    gens = list(results["shipped"]["per_generator"])
    lines = [
        "# Document head ceiling",
        "",
        f"Command: `{command}`",
        "",
        f"Run {results['date']} on {machine}; {results['seconds']:.0f} s. Documents: {results['documents']['validation']} validation "
        f"(the head's fitting set), {results['documents']['test']} test (10 lines, 50 per generator). Every head below is replayed "
        "on the same document features; a document the top-decile rule finds spun stays spun.",
        "",
        "| head | clean validation documents flagged | test accuracy | clean test documents called clean |",
        "|---|---|---|---|",
        row("shipped", results["shipped"]),
        *[row(f"multinomial, clean budget {k}", r) for k, r in results["multinomial"].items()],
        *[row(f"cascade, spun / MT budgets {k}", r) for k, r in results["cascade"].items()],
        *[row(f"fitted on test (5-fold CV), {k.replace('_', ' ')}", r) for k, r in results["ceiling"].items()],
        "",
        "Per generator (test accuracy):",
        "",
        "| head | " + " | ".join(gens) + " |",
        "|---|" + "---|" * len(gens),
    ]
    for name, r in (
        [("shipped", results["shipped"])]
        + [(f"cascade {k}", r) for k, r in results["cascade"].items()]
        + [(f"CV {k.replace('_', ' ')}", r) for k, r in results["ceiling"].items()]
    ):
        lines.append(f"| {name} | " + " | ".join(f"{r['per_generator'][g]:.2f}" for g in gens) + " |")
    lines += ["", "MT against clean test documents, ROC-AUC:", ""]
    lines += [f"- {k.replace('_', ' ')}: {v:.3f}" for k, v in results["mt_vs_clean_roc_auc"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True, help="report path without extension (.md and .json are written)")
    parser.add_argument("--docs-per-kind", type=int, default=50)
    args = parser.parse_args()
    start = time.time()
    config = TrainConfig.from_yaml(args.config)
    detector = Detector.from_pretrained(args.model)
    val_docs = [d for group in head_fitting_documents(config).values() for d in group]
    test_docs = make_documents(CorpusBuilder(config.corpus), TEST, args.docs_per_kind, config.seed)
    val, test = score_documents(detector, val_docs), score_documents(detector, test_docs)
    results = analyse(
        val,
        test,
        config.document_head_c,
        config.document_head_types,
        budgets=[0.05, 0.10, 0.15, 0.20, 0.25],
        cascades=[(0.02, 0.08), (0.03, 0.07), (0.05, 0.10)],
    )
    results.update(date=datetime.now(timezone.utc).strftime("%Y-%m-%d"), seconds=time.time() - start, model=args.model)
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    machine = f"{platform.processor() or platform.machine()}, {platform.python_version()}"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(render(results, command, machine), encoding="utf-8")
    print(render(results, command, machine))


if __name__ == "__main__":
    main()
