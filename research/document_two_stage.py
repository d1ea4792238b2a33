"""Does a second, narrow MT stage after the document head win back MT documents within the clean bounds? (issue 19 item 4)

    python research/document_two_stage.py [--model detector/models/default] [--config configs/release.yaml]

The document head's threshold is held by native English (at most 4% flagged), which left MT
documents caught at 0.598 on validation; the mean MT probability alone caught 0.740 at the same
native bound (research/document-mt-stage.md). This measures the whole verdict, on validation
documents only (5-fold cross-validation by document, every part refitted on the training folds):

  - one stage: the head (three classes) and its threshold, as `training.train` fits them;
  - two stages: the head, then, for a document it calls clean, an MT stage on one column
    (`machine_translated.mean`, or the head's own P(machine translated)) with the lowest
    threshold that keeps the union of both stages' flags within the bounds on the training folds;
  - spun from the head, MT from the mean MT probability alone: the pair of thresholds with the
    highest training-fold accuracy whose union of flags keeps within the bounds.

Reported on the held-out folds: documents caught per expected verdict, native and all clean
documents flagged, and accuracy over all documents. Writes research/document-two-stage.md and .json.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.document.features import columns_outside, feature_names  # noqa: E402
from detector.labels import VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN  # noqa: E402
from detector.scoring.configuration import OVERALL  # noqa: E402
from detector.scoring.predictor import Predictor  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.train import bounded_threshold, document_bounds, fit_head_weights, validation_documents  # noqa: E402

FOLDS = 5


def within(flagged: np.ndarray, groups: list[tuple[np.ndarray, float]]) -> bool:
    """Whether the flagged documents keep within every bound (`training.train.document_bounds`)."""
    return all(flagged[documents].mean() <= fpr for documents, fpr in groups if documents.any())


def union_threshold(stage: np.ndarray, first: np.ndarray, clean: np.ndarray, generators: np.ndarray, config: TrainConfig) -> float:
    """The lowest threshold on `stage` for which the first stage's flags or `stage` >= it keep within every bound."""
    groups = document_bounds(config, clean, generators)
    for t in np.unique(stage):  # ascending: the first that fits is the lowest
        flagged = first | (stage >= t)
        if within(flagged, groups):
            return float(t)
    return float("inf")


def joint_thresholds(score, spun_call, mt_mean, y, clean, generators, config: TrainConfig) -> tuple[float, float]:
    """The (spun, MT) threshold pair of highest accuracy whose union of flags keeps within every bound."""
    groups = document_bounds(config, clean, generators)
    best, pair = -1.0, (float("inf"), float("inf"))
    for t_spun in np.quantile(score, np.linspace(0.3, 1.0, 36)):
        is_spun = spun_call & (score >= t_spun)
        for t_mt in np.quantile(mt_mean, np.linspace(0.3, 1.0, 71)):
            flagged = is_spun | (mt_mean >= t_mt)
            if not within(flagged, groups):
                continue
            verdict = np.where(is_spun, VERDICT_SPUN, np.where(mt_mean >= t_mt, VERDICT_MACHINE_TRANSLATED, VERDICT_CLEAN))
            accuracy = float((verdict == y).mean())
            if accuracy > best:
                best, pair = accuracy, (float(t_spun), float(t_mt))
    return pair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--cache", help="a pickle of the scored validation documents (written when missing)")
    parser.add_argument("--out", default=str(ROOT / "research" / "document-two-stage"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    model = Predictor.from_pretrained(args.model)
    if args.cache and Path(args.cache).is_file():
        data = pickle.loads(Path(args.cache).read_bytes())
    else:
        data = validation_documents(model, config, model.threshold(OVERALL, 0.5))
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(data))
    x, y, gen = data.x, data.expected, data.generators
    names = list(feature_names(document_mt=model.document_lexical is not None))
    mt_mean = x[:, names.index("machine_translated.mean")]
    clean, native = y == VERDICT_CLEAN, gen == "human"
    fold = np.random.default_rng(config.seed).permutation(len(y)) % FOLDS
    ignore = columns_outside(config.document_head_types)

    variants = (
        "one stage (the head)",
        "two stages: head, then mean MT probability",
        "two stages: head, then the head's P(MT)",
        "spun from the head, MT from the mean MT probability (joint thresholds)",
    )
    verdicts = {v: np.empty(len(y), dtype=object) for v in variants}
    for k in range(FOLDS):
        tr, te = fold != k, fold == k
        head = fit_head_weights(x[tr], y[tr], config.document_head_c, ignore=ignore)
        probs = [head.probabilities(list(r)) for r in x]
        score = np.array([1.0 - p[VERDICT_CLEAN] for p in probs])
        p_mt = np.array([p.get(VERDICT_MACHINE_TRANSLATED, 0.0) for p in probs])
        likelier = np.array([max((c for c in p if c != VERDICT_CLEAN), key=p.get) for p in probs])
        t_head = bounded_threshold(score[tr], clean[tr], gen[tr], config)
        first = score >= t_head
        one = np.where(first, likelier, VERDICT_CLEAN)
        verdicts[variants[0]][te] = one[te]
        for variant, stage in ((variants[1], mt_mean), (variants[2], p_mt)):
            t = union_threshold(stage[tr], first[tr], clean[tr], gen[tr], config)
            two = np.where(~first & (stage >= t), VERDICT_MACHINE_TRANSLATED, one)
            verdicts[variant][te] = two[te]
        spun_call = likelier == VERDICT_SPUN
        t_spun, t_mt = joint_thresholds(score[tr], spun_call[tr], mt_mean[tr], y[tr], clean[tr], gen[tr], config)
        joint = np.where(spun_call & (score >= t_spun), VERDICT_SPUN, np.where(mt_mean >= t_mt, VERDICT_MACHINE_TRANSLATED, VERDICT_CLEAN))
        verdicts[variants[3]][te] = joint[te]

    rows = {}
    for variant, v in verdicts.items():
        rows[variant] = {
            "accuracy": float((v == y).mean()),
            "machine_translated_caught": float((v[y == VERDICT_MACHINE_TRANSLATED] == VERDICT_MACHINE_TRANSLATED).mean()),
            "spun_caught": float((v[y == VERDICT_SPUN] == VERDICT_SPUN).mean()),
            "artifact_documents_not_clean": float((v[~clean] != VERDICT_CLEAN).mean()),
            "native_flagged": float((v[native] != VERDICT_CLEAN).mean()),
            "translated_flagged": float((v[clean & ~native] != VERDICT_CLEAN).mean()),
            "clean_flagged": float((v[clean] != VERDICT_CLEAN).mean()),
        }
    bounds = {"all clean": config.max_document_fpr, **config.max_document_fpr_by_generator}
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": model.config.name,
        "documents": {str(c): int((y == c).sum()) for c in sorted(set(y))} | {"native": int(native.sum())},
        "bounds": bounds,
        "rows": rows,
    }
    lines = [
        "# A second, narrow MT stage after the document head? (validation only, 5-fold cross-validation)",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {result['model']}",
        "- validation documents: " + ", ".join(f"{n} {c}" for c, n in result["documents"].items()),
        "- every part refitted on the training folds (head weights, its threshold, the stage's threshold);"
        " bounds on clean documents flagged by either stage: " + ", ".join(f"{g} {b:.0%}" for g, b in bounds.items()),
        "",
        "| verdict | accuracy | MT caught | spun caught | native flagged | translated flagged | clean flagged |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {name} | {r['accuracy']:.3f} | {r['machine_translated_caught']:.3f} | {r['spun_caught']:.3f} | "
            f"{r['native_flagged']:.3f} | {r['translated_flagged']:.3f} | {r['clean_flagged']:.3f} |"
            for name, r in rows.items()
        ],
        "",
    ]
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
