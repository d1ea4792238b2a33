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
Writes research/lm-document-verdict.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.document.verdict import summarise  # noqa: E402
from detector.labels import VERDICT_CLEAN  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.corpus import CorpusBuilder  # noqa: E402
from training.documents import make_documents  # noqa: E402
from training.sources import VALIDATION  # noqa: E402

WAYS = ("no LM", "LM, head reads the stack (before)", "LM, head reads the classifier (now)")


def verdicts(docs, model: str | None) -> dict[str, list[str]]:
    from detector import Detector, TextRecord

    plain = Detector.from_pretrained(model)
    with_lm = Detector.from_pretrained(model, lm="all")
    records = [TextRecord(id=str(i), text=d.text) for i, d in enumerate(docs)]
    out = {WAYS[0]: [r.verdict for _, r in plain.score_many(records)], WAYS[1]: [], WAYS[2]: []}
    for _, report in with_lm.score_many(records):
        out[WAYS[2]].append(report.verdict)
        # Before: the head read the reported (stacked) probabilities.
        document_mt = with_lm.document_mt_logit(report.sentences, report.threshold)
        before = summarise(report.sentences, report.threshold, head=with_lm.document_head, document_mt=document_mt)
        out[WAYS[1]].append(before.verdict)
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
    found = verdicts(docs, args.model)
    by_gen: dict[str, dict] = defaultdict(lambda: {"n": 0, **{w: 0 for w in WAYS}})
    not_clean = {w: [0, 0] for w in WAYS}
    for k, doc in enumerate(docs):
        g = by_gen[doc.generator]
        g["n"] += 1
        for w in WAYS:
            g[w] += found[w][k] == doc.expected
            if doc.expected == VERDICT_CLEAN:
                not_clean[w][0] += found[w][k] != VERDICT_CLEAN
                not_clean[w][1] += 1
    accuracy = {w: sum(found[w][k] == d.expected for k, d in enumerate(docs)) / len(docs) for w in WAYS}
    lines = [
        "# The language model's spun stack and document verdicts",
        "",
        f"- command: `python research/lm_document_verdict.py{''.join(' ' + a for a in sys.argv[1:])}`",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; validation documents of {args.blocks} blocks,"
        f" up to {args.per_kind} per generator (held-out generators included); {len(docs)} documents",
        "",
        "| generator | documents | " + " | ".join(f"correct: {w}" for w in WAYS) + " |",
        "|---|---|" + "---|" * len(WAYS),
    ]
    for gen, g in sorted(by_gen.items()):
        lines.append(f"| {gen} | {g['n']} | " + " | ".join(f"{g[w] / g['n']:.3f}" for w in WAYS) + " |")
    lines.append("| all | " + f"{len(docs)} | " + " | ".join(f"{accuracy[w]:.3f}" for w in WAYS) + " |")
    lines.append(
        "| clean documents called anything but clean | "
        + f"{not_clean[WAYS[0]][1]} | "
        + " | ".join(f"{not_clean[w][0] / max(1, not_clean[w][1]):.3f}" for w in WAYS)
        + " |"
    )
    lines.append("")
    result = {"documents": len(docs), "by_generator": dict(by_gen), "accuracy": accuracy, "not_clean": not_clean}
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
