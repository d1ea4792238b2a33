"""Probe: how far can the language model's word improbabilities take the spun ROC-AUC (issue 22 item 7)?

    python research/lm_spun_ceiling.py [--blocks 60] [--data-dir ../shared/data]

Validation only: fit_lm_stack's validation lines (WMT14-15 original English, 6-line blocks, each
line as written and spun by the training spinner and by the held-out tortured-phrase spinner),
with the LM's readings from fit_lm_stack's cache (`python -m training.fit_lm_stack` writes it).
Two questions:

1. Where do the swapped words stand? Per spun line, the improbability of its most improbable
   swapped word against the strongest word of human lines, and how often a swapped word is its
   line's strongest.
2. Do other sentence features of the same readings help? The shipped stack's inputs (the
   classifier's spun logit and four LM features) against the same with more: the strongest two-
   and three-word run, the mean improbability, the mean and spread of the raw surprisal, the mean
   of the five strongest, the number of words. Each as 5-fold cross-validated ROC-AUC, training
   spinner vs human (how the stack is chosen), and fitted on the training spinner and applied to
   the held-out one.

Writes research/lm-spun-ceiling.md and .json.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402
from training.config import CorpusConfig  # noqa: E402
from training.fit_lm_stack import (  # noqa: E402
    DEFAULT_DATA_DIR,
    auc,
    cached_readings,
    cases,
    classifier_spun,
    features,
    scored_words,
    stack_inputs,
)

SPINNERS = {"spun-embedding": "training spinner", "spun-tortured": "tortured phrases (held out)"}
EXTRA = {  # name -> columns of `extra_features`
    "strongest 2-word run": [0],
    "strongest 3-word run": [1],
    "mean improbability": [2],
    "raw surprisal: mean and spread": [3, 4],
    "mean of the 5 strongest": [5],
    "all of these and the word count": [0, 1, 2, 3, 4, 5, 6],
}


def extra_features(scored, words) -> np.ndarray:
    out = []
    for row, raw_words in zip(scored, words):
        v = np.array([x for *_, x in row]) if row else np.zeros(1)
        pos = np.clip(v, 0, None)
        run2 = max(pos[i : i + 2].sum() for i in range(max(1, len(pos) - 1)))
        run3 = max(pos[i : i + 3].sum() for i in range(max(1, len(pos) - 2)))
        raw = np.array([w.surprisal for w in raw_words]) if raw_words else np.zeros(1)
        out.append([run2, run3, v.mean(), raw.mean(), raw.std(), np.sort(v)[::-1][:5].mean(), len(row)])
    return np.array(out)


def swapped_word_standing(rows, scored, kinds) -> dict:
    human_strongest = np.array([max((v for *_, v in s), default=0.0) for s, k in zip(scored, kinds) if k == "human"])
    out = {"human strongest word: quartiles": np.percentile(human_strongest, [25, 50, 75]).round(2).tolist()}
    for kind in SPINNERS:
        best_swapped, strongest_other, line_strongest = [], [], []
        for r, row in zip(rows, scored):
            if r["kind"] != kind:
                continue
            swapped = [v for a, b, v in row if any(x < b and y > a for x, y in r["spans"])]
            other = [v for a, b, v in row if not any(x < b and y > a for x, y in r["spans"])]
            if swapped:
                best_swapped.append(max(swapped))
                strongest_other.append(max(other, default=float("-inf")))
            line_strongest.append(max((v for *_, v in row), default=0.0))
        best_swapped, strongest_other = np.array(best_swapped), np.array(strongest_other)
        out[kind] = {
            "lines": len(line_strongest),
            "lines with a swapped word scored": len(best_swapped),
            "strongest swapped word: quartiles": np.percentile(best_swapped, [25, 50, 75]).round(2).tolist(),
            "a swapped word is the line's strongest": round(float(np.mean(best_swapped > strongest_other)), 3),
            "ROC-AUC, strongest swapped word vs human lines' strongest": round(auc(best_swapped, human_strongest), 3),
            "ROC-AUC, line's strongest word vs human lines' strongest": round(auc(np.array(line_strongest), human_strongest), 3),
        }
    return out


def stack_aucs(x: np.ndarray, kinds: np.ndarray) -> tuple[float, float]:
    """(5-fold CV ROC-AUC training spinner vs human; fitted on all of those, the held-out spinner vs human)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    keep = (kinds == "human") | (kinds == "spun-embedding")
    y = (kinds[keep] == "spun-embedding").astype(int)
    cv = cross_val_predict(LogisticRegression(max_iter=2000), x[keep], y, cv=5, method="predict_proba")[:, 1]
    p = LogisticRegression(max_iter=2000).fit(x[keep], y).predict_proba(x)[:, 1]
    return auc(cv[y == 1], cv[y == 0]), auc(p[kinds == "spun-tortured"], p[kinds == "human"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--blocks", type=int, default=60)
    args = parser.parse_args()
    from detector import Detector

    warnings.filterwarnings("ignore", category=UserWarning)
    rows = cases(Path(args.data_dir), "validation", args.blocks)
    words = cached_readings(rows, Path(CorpusConfig().cache_dir) / f"lm-readings-validation-{args.blocks}.pkl")
    stack = LMStack.load(args.model)
    spun_cls = classifier_spun(Detector.from_pretrained(args.model), rows)
    kinds = np.array([r["kind"] for r in rows])
    scored = scored_words(words, stack.word_scoring)
    shipped = stack_inputs(spun_cls, features(scored, stack.mark_bar))
    more = extra_features(scored, words)
    variants = {"the shipped stack's inputs": shipped, **{f"+ {name}": np.column_stack([shipped, more[:, k]]) for name, k in EXTRA.items()}}
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": args.model,
        "word_scoring": list(stack.word_scoring),
        "standing": swapped_word_standing(rows, scored, kinds),
        "stacks": {name: [round(a, 3) for a in stack_aucs(x, kinds)] for name, x in variants.items()},
    }
    standing = result["standing"]
    lines = [
        "# How far the language model's word improbabilities take the spun score",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        f"- validation only: {len(rows)} lines of fit_lm_stack's validation blocks (WMT14-15 original English), the"
        " LM's cached readings, words scored as the shipped stack scores them"
        f" (following, frequency, capitals skipped: {tuple(stack.word_scoring)})",
        "",
        f"Human lines' strongest word, quartiles (nats): {standing['human strongest word: quartiles']}",
        "",
        "| spinner | lines | strongest swapped word, quartiles | a swapped word is the line's strongest |"
        " ROC-AUC vs human lines' strongest: strongest swapped word | the line's strongest word |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for kind, name in SPINNERS.items():
        s = standing[kind]
        lines.append(
            f"| {name} | {s['lines']} | {s['strongest swapped word: quartiles']} | {s['a swapped word is the line' + chr(39) + 's strongest']}"
            f" | {s['ROC-AUC, strongest swapped word vs human lines' + chr(39) + ' strongest']}"
            f" | {s['ROC-AUC, line' + chr(39) + 's strongest word vs human lines' + chr(39) + ' strongest']} |"
        )
    lines += [
        "",
        "| stack inputs | ROC-AUC, training spinner vs human (5-fold CV) | ROC-AUC, held-out spinner vs human (fitted on the training spinner) |",
        "|---|---:|---:|",
        *[f"| {name} | {a:.3f} | {b:.3f} |" for name, (a, b) in result["stacks"].items()],
        "",
    ]
    write_report(ROOT / "research" / "lm-spun-ceiling", lines, result)


if __name__ == "__main__":
    main()
