"""How should the spun probability be calibrated per sentence length? Four ways, on validation, and
the ABC articles as a check.

    python research/spun_length_calibration.py --model MODEL --lee PATH/TO/gensim/test/test_data \
        [--corpus artifacts/corpus-v10] [--out research/spun-length-calibration]

The spun head's probability rises with a sentence's length for human and spun lines alike
(research/spun-by-length.md), and a human article of many long sentences is called spun
(research/unseen-human-news.md). Each way below moves every sentence's spun logit by its band of
length (up to 14, 15-24, 25-34, 35 and more words), fitted on the corpus's validation split:
- `one scale`: one Platt scaling for every length (v9);
- `balanced, all negatives`: per band, a logistic fit of spun against every other validation
  sentence, each side weighed equally, then set to the split's spun rate;
- `balanced, native negatives`: the same against clean native English sentences only;
- `native median levelled`: one Platt scaling, each band moved so that clean native English
  sentences have one median at every length (the slope, and so every band's order, kept).
For each: the sentences' spun probability at the model's threshold (spun validation sentences,
clean ones, clean native English ones), native English medians by band, and the document head
refitted as the release fits it (training.train: the same documents, regression and bounds) with
5-fold calls per generator; then, fitted on all validation documents, the ABC articles of seven
content sentences or more (where the threshold alone decides) called other than clean. The
sentences' logits are read back from the model's calibrated probabilities (`raw_spun`), so one
scoring pass serves every way. Nothing is shipped.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "research"))

from document_length_mix import called, cross_called, fit  # noqa: E402
from unseen_human_news import lee_documents  # noqa: E402

from benchmarks.throughput import write_report  # noqa: E402
from detector import Detector  # noqa: E402
from detector.document.features import columns_outside, document_features  # noqa: E402
from detector.labels import SPUN, VERDICT_CLEAN  # noqa: E402
from detector.scoring.configuration import OVERALL  # noqa: E402
from detector.scoring.parts import band_of, sentence_words  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.documents import head_fitting_documents  # noqa: E402
from training.train import OUTPUTS, evaluate_split, fit_platt  # noqa: E402

BOUNDS = np.array([14, 24, 34, 10**9])
BAND_NAMES = ("1-14", "15-24", "25-34", "35+")


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def raw_spun(calibration, sentences) -> np.ndarray:
    """The spun head's logits behind `sentences`' calibrated probabilities (the model's scaling undone)."""
    a, b = calibration.scaling[SPUN]
    if SPUN in calibration.length_bands:
        a, b = calibration.band_scaling(SPUN, sentence_words([s.text for s in sentences]))
    return (_logit(np.array([s.labels.get(SPUN, 0.0) for s in sentences])) - b) / a


def ways(x: np.ndarray, y: np.ndarray, band: np.ndarray, clean: np.ndarray, native: np.ndarray, a: float, b: float) -> dict:
    """Per way, (slope, intercept) per band, fitted on the validation sentences' spun logits `x`."""
    from sklearn.linear_model import LogisticRegression

    prior = float(_logit(y.mean()))

    def balanced(negatives):
        out = []
        for i in range(len(BOUNDS)):
            rows = (band == i) & (negatives | (y == 1))
            lr = LogisticRegression(C=100.0, class_weight="balanced").fit(x[rows, None], y[rows])
            out.append((float(lr.coef_[0, 0]), float(lr.intercept_[0]) + prior))
        return out

    level = a * x + b
    target = np.median(level[native])
    return {
        "one scale": [(a, b)] * len(BOUNDS),
        "balanced, all negatives": balanced(np.ones_like(clean)),
        "balanced, native negatives": balanced(native),
        "native median levelled": [(a, b + float(target - np.median(level[native & (band == i)]))) for i in range(len(BOUNDS))],
    }


def rescored(sentences, raw: np.ndarray, scaling) -> list:
    """`sentences` with their spun probability from `raw` logits under per-band `scaling`."""
    band = band_of(BOUNDS, sentence_words([s.text for s in sentences]))
    a, b = np.array([scaling[i][0] for i in band]), np.array([scaling[i][1] for i in band])
    p = _sigmoid(a * raw + b)
    return [replace(s, labels={**s.labels, SPUN: float(v)}) for s, v in zip(sentences, p)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--corpus", default=str(ROOT / "artifacts" / "corpus-v10"), help="training.corpus's output")
    parser.add_argument("--lee", type=Path, required=True)
    parser.add_argument("--out", default=str(ROOT / "research" / "spun-length-calibration"))
    args = parser.parse_args()
    from datasets import load_from_disk

    config = TrainConfig.from_yaml(args.config)
    detector = Detector.from_pretrained(args.model)
    predictor = detector.predictor
    validation = load_from_disk(args.corpus)["validation"]
    logits, labels = evaluate_split(predictor, validation)
    k = OUTPUTS.index(SPUN)
    x, y = logits[:, k], labels[:, k].round().astype(int)
    clean = labels[:, OUTPUTS.index(OVERALL)] == 0
    native = clean & (np.asarray(validation["generator"]) == "human")
    band = band_of(BOUNDS, sentence_words(validation["sentence"]))
    a, b = fit_platt(logits, labels, config.calibration_priors)[SPUN]
    fitted = ways(x, y, band, clean, native, a, b)

    docs = [d for group in head_fitting_documents(config).values() for d in group]

    def scored(texts):
        out = []
        for _, report in detector.score_many(texts):
            mt = detector.document_mt_logit(report.sentences, report.threshold)
            out.append(
                (report.sentences, raw_spun(predictor.calibration, report.sentences), report.threshold, mt, report.content_sentences)
            )
        return out

    val_docs, lee = scored([d.text for d in docs]), scored([t for _, t in lee_documents(args.lee)])
    expected, generators = np.array([d.expected for d in docs]), np.array([d.generator for d in docs])
    lee_length = np.array([n for *_, n in lee])
    ignore = list(columns_outside(config.document_head_types))
    threshold = detector.config.threshold
    result = {
        "command": "python research/spun_length_calibration.py "
        + " ".join(a if not a.startswith("/") else Path(a).name for a in sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "threshold": threshold,
        "validation_documents": len(docs),
        "ways": {},
    }
    for name, scaling in fitted.items():
        p = _sigmoid(np.array([scaling[i][0] for i in band]) * x + np.array([scaling[i][1] for i in band]))

        def features(rows, scaling=scaling):
            return np.array([list(document_features(rescored(s, raw, scaling), t, document_mt=mt)) for s, raw, t, mt, _ in rows])

        vx, lx = features(val_docs), features(lee)
        predicted = cross_called(vx, expected, generators, config, ignore)
        head, cut = fit(vx, expected, generators, config, ignore)
        lee_called = called(head, cut, lx) != VERDICT_CLEAN
        result["ways"][name] = {
            "scaling": [[round(s, 4) for s in pair] for pair in scaling],
            "spun sentences at the threshold": float((p[y == 1] >= threshold).mean()),
            "clean sentences at the threshold": float((p[clean] >= threshold).mean()),
            "native median by band": {BAND_NAMES[i]: float(np.median(p[native & (band == i)])) for i in range(len(BOUNDS))},
            "documents, 5-fold: called as expected": {
                g: float((predicted[generators == g] == expected[generators == g]).mean()) for g in sorted(set(generators))
            },
            "document threshold": cut,
            "ABC articles of 7-9 called other than clean": float(lee_called[(lee_length >= 7) & (lee_length < 10)].mean()),
            "ABC articles of 10+ called other than clean": float(lee_called[lee_length >= 10].mean()),
        }
    write_report(Path(args.out), report_lines(result), result)


def report_lines(r: dict) -> list[str]:
    names = list(r["ways"])
    first = r["ways"][names[0]]
    lines = [
        "# The spun probability calibrated per sentence length: four ways (validation; the ABC articles as a check)",
        "",
        f"- command: `{r['command']}`; date: {r['date']}; model read: {r['model']}; threshold {r['threshold']:.3f};"
        f" {r['validation_documents']} validation documents",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]

    def row(label, get, fmt="{:.3f}"):
        lines.append(f"| {label} | " + " | ".join(fmt.format(get(r["ways"][n])) for n in names) + " |")

    row("validation spun sentences at the threshold", lambda w: w["spun sentences at the threshold"])
    row("validation clean sentences at the threshold", lambda w: w["clean sentences at the threshold"], "{:.4f}")
    for b in first["native median by band"]:
        row(f"native English median, {b} words", lambda w, b=b: w["native median by band"][b])
    for g in first["documents, 5-fold: called as expected"]:
        row(f"documents, 5-fold: {g} called as expected", lambda w, g=g: w["documents, 5-fold: called as expected"][g])
    row("document threshold", lambda w: w["document threshold"])
    row("ABC articles of 7-9 content sentences called other than clean", lambda w: w["ABC articles of 7-9 called other than clean"])
    row("ABC articles of 10+ called other than clean", lambda w: w["ABC articles of 10+ called other than clean"])
    return lines + [""]


if __name__ == "__main__":
    main()
