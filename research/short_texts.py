"""How short a document can be before its learned flags stop meaning anything (validation data only).

    python research/short_texts.py --out research/short-texts

Validation blocks (10 lines of one text) are cut to their first k lines, for k = 1..6 and 10, and
scored as documents. For each k: the share of sentences of clean (human) blocks flagged spun or
machine translated, and the share of sentences of machine-translated blocks flagged machine
translated; and per document, the share of clean blocks called anything but clean and of
machine-translated blocks called machine translated. The shortest k whose clean rate is within the 2% target (issue 19) sets
`detector.document.confidence.MIN_LEARNED_SENTENCES`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector import Detector, TextRecord  # noqa: E402
from detector.labels import LEARNED_TYPES, MACHINE_TRANSLATED  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.sources import VALIDATION, all_blocks  # noqa: E402

LENGTHS = (1, 2, 3, 4, 5, 6, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--blocks", type=int, default=150, help="validation blocks of each kind")
    parser.add_argument("--out", default=str(ROOT / "research" / "short-texts"))
    args = parser.parse_args()
    corpus = TrainConfig.from_yaml(args.config).corpus
    blocks = [
        b for b in all_blocks(corpus.data_dir, corpus.block_lines, corpus.validation_share) if b.split == VALIDATION and len(b.lines) == 10
    ]
    human = [b for b in blocks if not b.machine_translated][:: max(1, sum(not b.machine_translated for b in blocks) // args.blocks)][
        : args.blocks
    ]
    mt = [b for b in blocks if b.machine_translated][:: max(1, sum(b.machine_translated for b in blocks) // args.blocks)][: args.blocks]
    detector = Detector.from_pretrained()
    rows = {}
    for k in LENGTHS:
        result = {}
        for kind, group in (("clean", human), ("machine_translated", mt)):
            records = [TextRecord(id=str(i), text="\n".join(b.lines[:k])) for i, b in enumerate(group)]
            flagged = total = called = 0
            for _, report in detector.score_many(records):
                called += report.verdict != "clean" if kind == "clean" else report.verdict == MACHINE_TRANSLATED
                for s in report.sentences:
                    total += 1
                    types = set(s.flagged_types(report.threshold))
                    flagged += bool(types & set(LEARNED_TYPES)) if kind == "clean" else MACHINE_TRANSLATED in types
            result[kind] = flagged / max(1, total)
            result[f"{kind} documents"] = called / max(1, len(records))
        rows[k] = result
        print(k, result, flush=True)
    lines = [
        "# Learned flags in short documents (validation data)",
        "",
        f"- command: `python research/short_texts.py`; model: {detector.name}; {len(human)} clean and {len(mt)} machine-translated validation blocks, cut to their first k lines",
        "",
        "| lines | clean sentences flagged spun or MT | MT sentences flagged MT | clean documents called anything but clean | MT documents called MT |",
        "|---|---|---|---|---|",
        *[
            f"| {k} | {r['clean']:.3f} | {r['machine_translated']:.3f} | {r['clean documents']:.3f} | {r['machine_translated documents']:.3f} |"
            for k, r in rows.items()
        ],
        "",
    ]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
