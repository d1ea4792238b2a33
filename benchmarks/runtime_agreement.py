"""How far each runtime's scores move from torch fp32's, and whether any flag or verdict flips.

    python benchmarks/runtime_agreement.py --out benchmarks/runtime_agreement

The documents are the golden test's: 10-line runs of real WMT18/WMT23 news (native English, human
translation, DeepL, Google, ONLINE-B, GPT-4; a tenth as HTML), read from MILLCHECK_DATA_DIR, plus
the seeds. For each runtime against torch fp32: the share of sentence probabilities (every type
and the overall score) within 0.02, the 99.9th percentile and the largest move, the sentences
whose flags differ and the documents whose verdict differs. Target (issue 19): a runtime that a
command defaults to stays within 0.02 on 99.9% of sentences and flips no flag.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import golden  # noqa: E402  (the golden test's documents)

from benchmarks.machine import describe_machine  # noqa: E402
from detector import Detector, TextRecord  # noqa: E402

RUNTIMES = {
    "torch int8 (`--int8`)": {"int8": True},
    "onnxruntime fp32 (`--runtime onnxruntime`)": {"runtime": "onnxruntime"},
    "onnxruntime int8 (`--runtime onnxruntime --int8`)": {"runtime": "onnxruntime", "int8": True},
}


def reports(detector: Detector, records: list[dict]) -> list:
    inputs = [TextRecord(id=r["id"], text=r.get("text"), html=r.get("html")) for r in records]
    return [report for _, report in detector.score_many(inputs)]


def compare(reference: list, other: list) -> dict:
    moves, flips, verdicts, sentences = [], 0, 0, 0
    for a, b in zip(reference, other):
        verdicts += a.verdict != b.verdict
        for x, y in zip(a.sentences, b.sentences):
            sentences += 1
            moves.append(max([abs(x.labels[t] - y.labels[t]) for t in x.labels] + [abs(x.score - y.score)]))
            flips += x.flagged_types(a.threshold) != y.flagged_types(b.threshold)
    moves = np.asarray(moves)
    return {
        "sentences": sentences,
        "within_0.02": float((moves <= 0.02).mean()),
        "p99.9_move": float(np.quantile(moves, 0.999)),
        "max_move": float(moves.max()),
        "flag_flips": int(flips),
        "verdict_flips": int(verdicts),
        "documents": len(reference),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "runtime_agreement"))
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    records = golden.seed_records() + golden.documents(golden.data_dir())
    base = Detector.from_pretrained()
    reference = reports(base, records)
    rows = {name: compare(reference, reports(Detector.from_pretrained(**options), records)) for name, options in RUNTIMES.items()}
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": describe_machine(),
        "model": base.name,
        "rows": rows,
    }
    lines = [
        "# Runtime agreement with torch fp32",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}; model: {result['model']}",
        f"- {len(records)} documents (the seeds and the golden test's real WMT documents); a sentence's move is the largest over its types and overall score",
        "",
        "| runtime | sentences within 0.02 | 99.9th percentile move | largest move | sentences whose flags differ | verdicts that differ |",
        "|---|---|---|---|---|---|",
        *[
            f"| {name} | {r['within_0.02']:.4f} | {r['p99.9_move']:.4f} | {r['max_move']:.4f} | {r['flag_flips']} of {r['sentences']} | {r['verdict_flips']} of {r['documents']} |"
            for name, r in rows.items()
        ],
        "",
    ]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
