"""How many clean validation documents does the document head flag, native English and human
translations apart, and what would bounding each cost? (issue 19 item 4)

    python research/document_threshold_by_generator.py --model detector/models/default \
        --config configs/release.yaml --out research/document-threshold-by-generator

The head's threshold bounds the clean validation documents it flags as one group (10%), while
issue 19's targets bound them apart: at most 5% of native English and 10% of human-translated
documents called anything but clean. This scores the validation documents the head is fitted on
(training.train.validation_documents, as `train --document-head-only` does), and for bounds per
generator reports the threshold they give, the clean documents flagged per generator and the
artifact documents caught per class. Validation only, unless `--test-against PREVIOUS`: then,
after the choice, what it costs on `training.evaluate`'s test documents (50 a generator, one block,
read once), the shipped head against the same head at the PREVIOUS threshold, in one run, full
verdict rule (a document the top-decile rule finds spun stays spun).
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

from detector.document.head import load_heads  # noqa: E402
from detector.labels import VERDICT_CLEAN  # noqa: E402
from detector.scoring.configuration import OVERALL  # noqa: E402
from detector.scoring.predictor import Predictor  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.train import threshold_document_head, validation_documents  # noqa: E402

BOUNDS = [{}, {"human": 0.05}, {"human": 0.04}, {"human": 0.03}, {"human": 0.02}, {"human": 0.03, "human-translation": 0.08}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--out", default=str(ROOT / "research" / "document-threshold-by-generator"))
    parser.add_argument("--test-against", type=float, metavar="PREVIOUS", help="the head's previous threshold, compared on test documents")
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    model = Predictor.from_pretrained(args.model)
    head = load_heads(args.model)["document_head"]
    data = validation_documents(model, config, model.threshold(OVERALL, 0.5))
    scores = np.array([head.score(list(row)) for row in data.x])
    clean = data.expected == VERDICT_CLEAN
    rows = []
    for bounds in BOUNDS:
        fitted, fit = threshold_document_head(head, data, replace(config, max_document_fpr_by_generator=bounds))
        flagged = scores >= fitted.threshold
        caught = {c: float(flagged[data.expected == c].mean()) for c in sorted(set(data.expected[~clean]))}
        rows.append(
            {
                "bounds": bounds,
                "threshold": fitted.threshold,
                "clean_flagged": fit["clean_flagged_at_threshold_by_generator"],
                "caught": caught,
            }
        )
    generators = sorted(set(data.generators[clean]))
    classes = sorted(set(data.expected[~clean]))
    lines = [
        "# Document head threshold, bounded per clean generator (validation only)",
        "",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; model: {model.config.name}; shipped threshold {head.threshold:.4f}",
        f"- validation documents: {', '.join(f'{g} {int((data.generators == g).sum())}' for g in sorted(set(data.generators)))}",
        "- the overall bound (10% of all clean validation documents) applies in every row; a row's bounds add to it",
        "- caught: the share of each artifact class's documents the head calls non-clean (the top-decile spun rule not applied)",
        "",
        "| bounds per generator | threshold | "
        + " | ".join(f"{g} flagged" for g in generators)
        + " | "
        + " | ".join(f"{c} caught" for c in classes)
        + " |",
        "|---|---:|" + "---:|" * (len(generators) + len(classes)),
    ]
    for row in rows:
        named = ", ".join(f"{g} <= {b:.0%}" for g, b in row["bounds"].items()) or "none (the rule before: 10% of all clean)"
        lines.append(
            f"| {named} | {row['threshold']:.4f} | "
            + " | ".join(f"{row['clean_flagged'].get(g, 0.0):.3f}" for g in generators)
            + " | "
            + " | ".join(f"{row['caught'][c]:.3f}" for c in classes)
            + " |"
        )
    result = {"rows": rows, "shipped_threshold": head.threshold}
    if args.test_against is not None:
        result["test"] = test_cost(args.model, config, args.test_against)
        lines += [
            "",
            "On `training.evaluate`'s test documents (read once, after the choice; one run, the full verdict rule):",
            "",
            "| threshold | accuracy | " + " | ".join(result["test"]["shipped"]["per_generator"]) + " |",
            "|---|---:|" + "---:|" * len(result["test"]["shipped"]["per_generator"]),
            *[
                f"| {name} ({t['threshold']:.3f}) | {t['accuracy']:.3f} | "
                + " | ".join(f"{g['accuracy']:.2f}" for g in t["per_generator"].values())
                + " |"
                for name, t in result["test"].items()
            ],
        ]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


def test_cost(model_dir: str, config: TrainConfig, previous: float) -> dict:
    """Document accuracy on the evaluation's test documents: the shipped head, and at `previous`."""
    from detector import Detector
    from training.corpus import CorpusBuilder
    from training.documents import make_documents
    from training.evaluate import document_accuracy
    from training.sources import TEST

    docs = make_documents(CorpusBuilder(config.corpus), TEST, 50, config.seed)
    detector = Detector.from_pretrained(model_dir)
    shipped = detector.document_head
    out = {}
    for name, threshold in (("previous", previous), ("shipped", shipped.threshold)):
        detector.document_head = replace(shipped, threshold=threshold)
        out[name] = {"threshold": threshold, **document_accuracy(detector, docs)}
    return out


if __name__ == "__main__":
    main()
