"""Per-type precision and recall of the flags on the hand-labelled sentences (tests/labelled/).

python -m tests.labelled_sentences [--lm]     # the table, for the model card or a report
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "labelled" / "sentences.jsonl"


def document_text(name: str) -> str:
    """A labelled document's text: a seed (`000_....txt`), or lines of the data folder
    (`data:<path under the data folder>:<first>-<last>`, 1-based and inclusive, one a paragraph)."""
    if not name.startswith("data:"):
        return (ROOT / "seeds" / name).read_text(encoding="utf-8")
    from training.config import DEFAULT_DATA_DIR

    path, span = name.removeprefix("data:").rsplit(":", 1)
    first, last = (int(x) for x in span.split("-"))
    return "\n".join((DEFAULT_DATA_DIR / path).read_text(encoding="utf-8").splitlines()[first - 1 : last])


def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(detector) -> dict[str, dict[str, float]]:
    """{type: {"tp", "fp", "fn", "precision", "recall"}} over the labelled sentences, by their flags."""
    rows = labelled()
    reports = {}
    for name in sorted({r["document"] for r in rows}):
        reports[name] = detector.score(document_text(name), id=name)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    types = {t for r in rows for t in r["types"]} | {
        "spun",
        "machine_translated",
        "duplicate",
        "garbled_list",
        "broken_punctuation",
        "boilerplate",
    }
    for row in rows:
        report = reports[row["document"]]
        sentence = report.sentences[row["index"]]
        if sentence.text != row["text"]:
            raise AssertionError(f"{row['document']} [{row['index']}] is now {sentence.text!r}, labelled {row['text']!r}")
        flagged = set(sentence.flagged_types(report.threshold))
        for t in types:
            truth = t in row["types"]
            counts[t]["tp"] += truth and t in flagged
            counts[t]["fp"] += (not truth) and t in flagged
            counts[t]["fn"] += truth and t not in flagged
    out = {}
    for t in sorted(types):
        c = counts[t]
        out[t] = {
            **c,
            "precision": c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0,
            "recall": c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0,
        }
    return out


if __name__ == "__main__":
    import sys

    from detector import Detector

    # --lm: the language model reads every sentence, as `serve --lm` does
    table = scores(Detector.from_pretrained(lm="all" if "--lm" in sys.argv[1:] else None))
    print("| type | labelled | flagged right | flagged wrong | precision | recall |\n|---|---|---|---|---|---|")
    for t, s in table.items():
        print(f"| {t} | {s['tp'] + s['fn']} | {s['tp']} | {s['fp']} | {s['precision']:.2f} | {s['recall']:.2f} |")
