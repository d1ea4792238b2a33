"""Would the document head call fewer human articles spun if it knew how many long sentences they have?

    python research/document_length_mix.py --lee PATH/TO/gensim/test/test_data --out research/document-length-mix

The spun probability of a sentence rises with its length, human or spun (research/spun-by-length.md),
and an article of many long sentences (wire copy: research/unseen-human-news.md, 350 ABC articles
of 2001) gets a high spun mean and is called spun 12% of the time at 10 sentences or more. This fits
the document head as the release does (training.train: the same validation documents, the same
multinomial logistic regression and C, the same bounds on clean documents) with and without one
more column, the share of content sentences of 25 words or more, and compares: on validation,
5-fold (fit and threshold on four folds, judge the fifth), what each generator's documents are
called; on the ABC articles of ten content sentences or more (where the threshold alone decides),
how many are called anything but clean. A third variant reads, instead, each sentence's spun
probability moved to one human baseline for every length (`shifted`); a fourth, calibrated per
length band on validation lines, human against spun (`calibrated`). Nothing is shipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "research"))

from unseen_human_news import lee_documents  # noqa: E402

from detector import Detector  # noqa: E402
from detector.document.features import columns_outside, content_sentences, document_features  # noqa: E402
from detector.document.head import not_clean  # noqa: E402
from detector.labels import SPUN, VERDICT_CLEAN  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.documents import head_fitting_documents  # noqa: E402
from training.train import bounded_threshold, fit_head_weights  # noqa: E402

LONG_WORDS = 25
LONG_DOCUMENT = 10  # content sentences from which the threshold alone decides
# research/spun-by-length.md: validation human lines' median spun probability by words (1-14, 15-24,
# 25-34, 35+); the "shifted" variant moves each sentence's spun logit by its band's distance from
# the 15-24 band, which keeps every band's order and levels the human baseline.
HUMAN_MEDIANS = ((14, 0.014), (24, 0.031), (34, 0.068), (10_000, 0.074))
REFERENCE = 0.031


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def band_calibration(lines_file: Path) -> list[tuple[int, float, float]]:
    """Per length band, (most words, slope, intercept) of a logistic fit of human (0) against
    spun (1) lines on the spun logit, the two sides weighted equally in every band: one
    probability scale for every length (the lines of research/spun-by-length.json, validation)."""
    from sklearn.linear_model import LogisticRegression

    lines = json.loads(lines_file.read_text())["lines"]
    out, low = [], 1
    for most, _ in HUMAN_MEDIANS:
        x, y = [], []
        for name, group in lines.items():
            for words, p in group:
                if low <= words <= most:
                    x.append(_logit(p))
                    y.append(0 if name == "human" else 1)
        fit = LogisticRegression(class_weight="balanced").fit(np.array(x)[:, None], np.array(y))
        out.append((most, float(fit.coef_[0][0]), float(fit.intercept_[0])))
        low = most + 1
    return out


def calibrated(sentences, bands: list[tuple[int, float, float]]):
    """The sentences with their spun probability on one scale for every length (`band_calibration`)."""
    out = []
    for s in sentences:
        slope, intercept = next((a, b) for most, a, b in bands if len(s.text.split()) <= most)
        logit = slope * _logit(s.labels.get(SPUN, 0.0)) + intercept
        out.append(replace(s, labels={**s.labels, SPUN: float(1 / (1 + np.exp(-logit)))}))
    return out


def shifted(sentences):
    """The sentences with their spun probability moved to the reference band's human baseline."""
    out = []
    for s in sentences:
        median = next(m for most, m in HUMAN_MEDIANS if len(s.text.split()) <= most)
        logit = _logit(s.labels.get(SPUN, 0.0)) - (_logit(median) - _logit(REFERENCE))
        out.append(replace(s, labels={**s.labels, SPUN: float(1 / (1 + np.exp(-logit)))}))
    return out


def long_share(report) -> float:
    content = content_sentences(report.sentences, report.threshold)
    return sum(len(s.text.split()) >= LONG_WORDS for s in content) / max(1, len(content))


def table(detector: Detector, texts: list[str], bands) -> tuple[np.ndarray, ...]:
    """Per document: the head's features, the long-sentence share, the content sentences, and the
    head's features with the spun probabilities shifted by length (`shifted`) and calibrated per
    length band (`calibrated`)."""
    rows, shares, lengths, moved, scaled = [], [], [], [], []
    for _, report in detector.score_many(texts):
        document_mt = detector.document_mt_logit(report.sentences, report.threshold)
        rows.append(document_features(report.sentences, report.threshold, document_mt=document_mt))
        moved.append(document_features(shifted(report.sentences), report.threshold, document_mt=document_mt))
        scaled.append(document_features(calibrated(report.sentences, bands), report.threshold, document_mt=document_mt))
        shares.append(long_share(report))
        lengths.append(report.content_sentences)
    return np.array(rows), np.array(shares), np.array(lengths), np.array(moved), np.array(scaled)


def fit(x: np.ndarray, y: np.ndarray, generators: np.ndarray, config: TrainConfig, ignore: list[int]):
    head = fit_head_weights(x, y, config.document_head_c, ignore=ignore)
    scores = np.array([not_clean(head.probabilities(list(row))) for row in x])
    return head, bounded_threshold(scores, y == VERDICT_CLEAN, generators, config)


def cross_called(x: np.ndarray, y: np.ndarray, generators: np.ndarray, config: TrainConfig, ignore: list[int]) -> np.ndarray:
    """What each row is called by a head fitted (and thresholded) on the other four of five folds."""
    folds = np.arange(len(x)) % 5
    np.random.default_rng(config.seed).shuffle(folds)
    predicted = np.empty(len(x), dtype=object)
    for k in range(5):
        train = folds != k
        head, threshold = fit(x[train], y[train], generators[train], config, ignore)
        predicted[~train] = called(head, threshold, x[~train])
    return predicted


def called(head, threshold: float, x: np.ndarray) -> np.ndarray:
    """What the head calls each row at `threshold`: its likeliest class, clean under the threshold."""
    out = []
    for row in x:
        p = head.probabilities(list(row))
        out.append(VERDICT_CLEAN if not_clean(p) < threshold else max((c for c in p if c != VERDICT_CLEAN), key=p.get))
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--lee", type=Path, required=True)
    parser.add_argument("--lines", type=Path, default=ROOT / "research" / "spun-by-length.json", help="research/spun_by_length.py's output")
    parser.add_argument("--out", default=str(ROOT / "research" / "document-length-mix"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    docs = [d for group in head_fitting_documents(config).values() for d in group]
    detector = Detector.from_pretrained()
    bands = band_calibration(args.lines)
    x, share, _, x_shifted, x_calibrated = table(detector, [d.text for d in docs], bands)
    y, generators = np.array([d.expected for d in docs]), np.array([d.generator for d in docs])
    lee_x, lee_share, lee_length, lee_shifted, lee_calibrated = table(detector, [t for _, t in lee_documents(args.lee)], bands)
    ignore = list(columns_outside(config.document_head_types))
    variants = {
        "as shipped": (x, lee_x),
        "with the long-sentence share": (np.column_stack([x, share]), np.column_stack([lee_x, lee_share])),
        "spun shifted by length": (x_shifted, lee_shifted),
        "spun calibrated per length band": (x_calibrated, lee_calibrated),
    }
    result = {
        "command": "python research/document_length_mix.py " + " ".join(a if not a.startswith("/") else Path(a).name for a in sys.argv[1:])
    }
    result |= {"date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}", "model": detector.name, "documents": len(docs), "variants": {}}
    for name, (vx, vlee) in variants.items():
        predicted = cross_called(vx, y, generators, config, ignore)
        head, threshold = fit(vx, y, generators, config, ignore)
        lee_called = called(head, threshold, vlee)
        long_docs = lee_length >= LONG_DOCUMENT
        result["variants"][name] = {
            "threshold": threshold,
            "validation, 5-fold: called as expected": {
                g: float((predicted[generators == g] == y[generators == g]).mean()) for g in sorted(set(generators))
            },
            "ABC articles of 10+ content sentences": int(long_docs.sum()),
            "ABC articles of 10+ called other than clean": float((lee_called[long_docs] != VERDICT_CLEAN).mean()),
            "long-sentence share weight (spun row)": None
            if vx.shape[1] == x.shape[1]
            else float(head.coef[head.classes.index("spun")][-1]),
        }
    Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    names = list(result["variants"])
    generators_seen = list(result["variants"][names[0]]["validation, 5-fold: called as expected"])
    lines = [
        "# The document head with the article's length mix (validation, and the ABC articles as a check)",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {result['model']}; {result['documents']} validation documents",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for g in generators_seen:
        lines.append(
            f"| validation, 5-fold: {g} called as expected | "
            + " | ".join(f"{result['variants'][n]['validation, 5-fold: called as expected'][g]:.3f}" for n in names)
            + " |"
        )
    for key in ("threshold", "ABC articles of 10+ called other than clean"):
        lines.append(f"| {key} | " + " | ".join(f"{result['variants'][n][key]:.3f}" for n in names) + " |")
    lines.append(
        "| ABC articles of 10+ content sentences | "
        + " | ".join(str(result["variants"][n]["ABC articles of 10+ content sentences"]) for n in names)
        + " |"
    )
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
