"""Probe: what the language model's spun stack does to document verdicts (issue 22 item 3).

    python research/lm_document_verdict.py [--per-kind 20] [--blocks 2]

The document head was fitted on the classifier's probabilities. With `--lm` the spun probability a
sentence reports is the LM stack's, which is fitted on lines of which about one in eight is spun:
a human sentence's spun goes from about 0.02 to about 0.1, and the head reads `spun.mean`. This
scores validation documents (training.documents.make_documents, the held-out generators
included: validation blocks, never the test) three ways: without the LM; with the LM on every
sentence (as `serve --lm`) and the head reading the stacked probabilities (as shipped before); and
with the LM and the head reading the classifier's probabilities (`head_view`, as now). Reports
verdict accuracy per generator and the share of clean documents called anything but clean.

Then whether a head fitted on the stacked probabilities would do better than the shipped head
reading the classifier's: heads refitted as training fits them (training.train.fit_head_weights,
its threshold bounded as configured), once on each view's features, 5-fold over the documents of
the generators training sees, and fitted on all of those for the held-out generators; the verdict
rule reads the LM's flags in both. Writes research/lm-document-verdict.md and .json.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.document.verdict import summarise  # noqa: E402
from detector.labels import VERDICT_CLEAN, VERDICT_SPUN  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.corpus import CorpusBuilder  # noqa: E402
from training.documents import make_documents  # noqa: E402
from training.sources import VALIDATION  # noqa: E402

WAYS = ("no LM", "LM, head reads the stack (before)", "LM, head reads the classifier (now)")


def verdicts(docs, model: str | None) -> tuple[dict[str, list[str]], dict[str, np.ndarray], list[str]]:
    """Each way's verdicts; each view's document features (classifier, stacked); the LM rule's verdicts."""
    from detector import Detector, TextRecord
    from detector.document.features import document_features

    plain = Detector.from_pretrained(model)
    with_lm = Detector.from_pretrained(model, lm="all")
    records = [TextRecord(id=str(i), text=d.text) for i, d in enumerate(docs)]

    def features(report, document_mt):
        return list(document_features(report.sentences, report.threshold, document_mt=document_mt))

    out = {WAYS[0]: [], WAYS[1]: [], WAYS[2]: []}
    views: dict[str, list] = {"classifier": [], "stacked": []}
    rule = []
    for _, report in plain.score_many(records):
        out[WAYS[0]].append(report.verdict)
        views["classifier"].append(features(report, plain.document_mt_logit(report.sentences, report.threshold)))
    for _, report in with_lm.score_many(records):
        out[WAYS[2]].append(report.verdict)
        # Before: the head read the reported (stacked) probabilities.
        document_mt = with_lm.document_mt_logit(report.sentences, report.threshold)
        before = summarise(report.sentences, report.threshold, head=with_lm.document_head, document_mt=document_mt)
        out[WAYS[1]].append(before.verdict)
        views["stacked"].append(features(report, document_mt))
        rule.append(summarise(report.sentences, report.threshold).verdict)
    return out, {k: np.array(v) for k, v in views.items()}, rule


def refitted(docs, views: dict[str, np.ndarray], rule: list[str], config: TrainConfig, folds: int = 5) -> dict[str, list[str]]:
    """Per view, each document's verdict from a head fitted without it (see the module's docstring)."""
    from detector.document.features import columns_outside
    from training.train import bounded_threshold, fit_head_weights

    expected = np.array([d.expected for d in docs])
    generators = np.array([d.generator for d in docs])
    seen = np.array([g not in config.corpus.held_out_generators for g in generators])
    ignore = columns_outside(config.document_head_types)
    fold = np.arange(len(docs)) % folds
    out = {}
    for view, x in views.items():
        verdict = [""] * len(docs)
        for k in range(folds + 1):  # the folds, then all seen documents for the held-out ones
            train = seen & (fold != k) if k < folds else seen
            apply = np.flatnonzero(seen & (fold == k)) if k < folds else np.flatnonzero(~seen)
            head = fit_head_weights(x[train], expected[train], config.document_head_c, ignore=ignore)
            scores = np.array([1.0 - head.probabilities(list(row)).get(VERDICT_CLEAN, 0.0) for row in x[train]])
            head = replace(head, threshold=bounded_threshold(scores, expected[train] == VERDICT_CLEAN, generators[train], config))
            for i in apply:
                verdict[i] = VERDICT_SPUN if rule[i] == VERDICT_SPUN else head.decide(list(x[i]))[1]
        out[f"refitted on the {view} probabilities"] = verdict
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--model", default=None)
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-document-verdict"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    config.corpus.pivot_spinner = False  # its Marian round trips take longer than the rest; two spinners suffice here
    builder = CorpusBuilder(config.corpus)
    docs = make_documents(builder, VALIDATION, args.per_kind, config.seed, held_out=(), blocks_per_document=args.blocks)
    cache = ROOT / "artifacts" / "cache" / f"lm-document-verdict-{args.per_kind}-{args.blocks}.pkl"
    if cache.exists():
        found, views, rule = pickle.loads(cache.read_bytes())
    else:
        found, views, rule = verdicts(docs, args.model)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps((found, views, rule)))
    found = {**found, **refitted(docs, views, rule, config)}
    ways = list(found)
    by_gen: dict[str, dict] = defaultdict(lambda: {"n": 0, **{w: 0 for w in ways}})
    not_clean = {w: [0, 0] for w in ways}
    for k, doc in enumerate(docs):
        g = by_gen[doc.generator]
        g["n"] += 1
        for w in ways:
            g[w] += found[w][k] == doc.expected
            if doc.expected == VERDICT_CLEAN:
                not_clean[w][0] += found[w][k] != VERDICT_CLEAN
                not_clean[w][1] += 1
    accuracy = {w: sum(found[w][k] == d.expected for k, d in enumerate(docs)) / len(docs) for w in ways}
    lines = [
        "# The language model's spun stack and document verdicts",
        "",
        f"- command: `python research/lm_document_verdict.py{''.join(' ' + a for a in sys.argv[1:])}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; validation documents of {args.blocks} blocks,"
        f" up to {args.per_kind} per generator (held-out generators included); {len(docs)} documents",
        "- the last two columns: heads refitted 5-fold with the LM's verdict rule (held-out generators: fitted on all the others)",
        "",
        "| generator | documents | " + " | ".join(f"correct: {w}" for w in ways) + " |",
        "|---|---|" + "---|" * len(ways),
    ]
    for gen, g in sorted(by_gen.items()):
        lines.append(f"| {gen} | {g['n']} | " + " | ".join(f"{g[w] / g['n']:.3f}" for w in ways) + " |")
    lines.append("| all | " + f"{len(docs)} | " + " | ".join(f"{accuracy[w]:.3f}" for w in ways) + " |")
    lines.append(
        "| clean documents called anything but clean | "
        + f"{not_clean[ways[0]][1]} | "
        + " | ".join(f"{not_clean[w][0] / max(1, not_clean[w][1]):.3f}" for w in ways)
        + " |"
    )
    lines.append("")
    result = {"documents": len(docs), "by_generator": dict(by_gen), "accuracy": accuracy, "not_clean": not_clean}
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
