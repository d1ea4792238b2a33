"""Probe: does a candidate's token head find more swapped words than the shipped one at the same rate
of marks on human lines (issue 22 item 5)?

    python research/token_marks_matched.py --candidate artifacts/v10-distill2-model [--baseline default]

A distilled token head can mark more swaps simply by marking more words. Validation only:
fit_lm_stack's validation lines (human, spun by the training spinner, spun by the held-out
tortured-phrase spinner). For each model and each bar on the token head's word probability:
marks per human line, and the share of swapped words marked per spinner. Compare the rows where
the two models mark human lines alike. Writes research/token-marks-matched.md and .json.
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
from training.fit_lm_stack import DEFAULT_DATA_DIR, KINDS, cases  # noqa: E402

BARS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # the shipped bar is 0.5 (Predictor.predict_with_words)


def marks_at(rows, words, bar: float) -> dict:
    kinds = [r["kind"] for r in rows]
    out = {"marks_per_human_line": float(np.mean([sum(p >= bar for *_, p in w) for w, k in zip(words, kinds) if k == "human"]))}
    for kind in KINDS[1:]:
        spans = [(a, b, w) for r, w, k in zip(rows, words, kinds) if k == kind for a, b in r["spans"]]
        out[kind] = sum(any(a < e and b > s and p >= bar for s, e, p in w) for a, b, w in spans) / max(1, len(spans))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--baseline", default="default")
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    args = parser.parse_args()
    from detector import Detector

    rows = cases(Path(args.data_dir), "validation", args.blocks)
    models = {}
    for name in (args.baseline, args.candidate):
        detector = Detector.from_pretrained(name)
        _, words = detector.predictor.predict_with_words([r["text"] for r in rows], [r["around"] for r in rows], word_threshold=min(BARS))
        models[detector.name] = {f"{bar:.1f}": marks_at(rows, words, bar) for bar in BARS}
    result = {
        "command": "python research/token_marks_matched.py " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "lines": {kind: sum(r["kind"] == kind for r in rows) for kind in KINDS},
        "models": models,
    }
    lines = [
        "# Token-head marks at matched rates on human lines",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        "- validation only: fit_lm_stack's validation lines (" + ", ".join(f"{k} {n}" for k, n in result["lines"].items()) + ")",
        "- a word is marked when the token head's probability reaches the bar (the shipped bar: 0.5)",
        "",
        "| model | bar | marks per human line | training spinner's swapped words marked | held-out (tortured) spinner's swapped words marked |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, bars in models.items():
        lines += [
            f"| {name} | {bar} | {m['marks_per_human_line']:.3f} | {m['spun-embedding']:.3f} | {m['spun-tortured']:.3f} |"
            for bar, m in bars.items()
        ]
    lines.append("")
    write_report(ROOT / "research" / "token-marks-matched", lines, result)


if __name__ == "__main__":
    main()
