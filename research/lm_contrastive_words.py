"""Probe: does reading both sides of a word, by substituting the LM's own alternative, separate
swapped words better (issue 22 item 7)?

    python research/lm_contrastive_words.py [--blocks 60] [--top 3] [--data-dir ../shared/data]

A causal LM sees only a word's left side. Its right side can be read by asking how much the
sentence as a whole loses against the same sentence with the model's likeliest word in its place:

    contrast_m(w) = [s(w) + s(next m words | ..., w)] - [s(alt) + s(next m words | ..., alt)]

(s: surprisal in nats, each read after the lines before it). A rare but right word loses to its
alternative on its own token, but the words after it fit it better than they fit the alternative,
and that is subtracted; a swapped word ("stern" in "stern test") makes the next word improbable,
and the alternative ("tough") would not. The shipped "following" weight added the next word's
surprisal without that comparison, and human lines' next words are improbable too, so it was set
to 0 (reports/improbable-words.md).

Validation only: fit_lm_stack's validation lines (cases()), the LM's cached readings for which
words to substitute (the `--top` strongest per line by the shipped scoring, with an alternative
that is a word: wordfreq Zipf >= 3), transformers bfloat16 for the substituted reads. Reports, per
horizon m, ROC-AUC of each line's strongest contrast (spinner vs human lines) and of the shipped
stack's inputs with it added (5-fold CV training spinner vs human; fitted on the training spinner,
applied to the held-out tortured one), and the pairs measure (a spun line scoring above its own
original).

Writes research/lm-contrastive-words.md and .json.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.lm.model import WORD  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402
from detector.scoring.padding import pad_rows  # noqa: E402
from research.lm_spun_ceiling import SPINNERS, stack_aucs  # noqa: E402
from training.config import CorpusConfig  # noqa: E402
from training.fit_lm_stack import (  # noqa: E402
    DEFAULT_DATA_DIR,
    auc,
    cached_readings,
    cases,
    classifier_spun,
    features,
    scored_words,
    spun_pairs,
    stack_inputs,
)

CONTEXT_CHARS = 400
HORIZONS = (0, 1, 2, 3, 5, 99)  # words after the substituted one (99: the rest of the line)


def token_surprisals(lm, texts: list[str], froms: list[int], batch_size: int = 8) -> list[list[tuple[int, int, float]]]:
    """Per text, (start, end, surprisal) of each token ending after character froms[i]."""
    enc = lm.tokenizer(texts, return_offsets_mapping=True)
    order = sorted(range(len(texts)), key=lambda i: len(enc["input_ids"][i]))
    out: list[list[tuple[int, int, float]]] = [[] for _ in texts]
    for lo in range(0, len(order), batch_size):
        idx = order[lo : lo + batch_size]
        batch = pad_rows(enc, idx, lm.tokenizer.pad_token_id)
        offsets = batch.pop("offset_mapping").numpy()
        rows, cols = [], []
        for b, i in enumerate(idx):
            valid = int(batch["attention_mask"][b].sum())
            for t in range(1, valid):
                if offsets[b, t, 1] > froms[i]:
                    rows.append(b)
                    cols.append(t)
        r, c = torch.tensor(rows), torch.tensor(cols)
        with torch.inference_mode():
            s, _ = lm._token_scores(batch, r, c - 1, batch["input_ids"][r, c])
        for k, (b, t) in enumerate(zip(rows, cols)):
            out[idx[b]].append((int(offsets[b, t, 0]), int(offsets[b, t, 1]), float(s[k])))
    return out


def span_sum(tokens, a: int, b: int) -> float:
    return sum(s for x, y, s in tokens if y > a and x < b)


def following_ends(text: str, end: int) -> list[int]:
    """The end of each word after `end` in `text` (the horizon's right edges)."""
    return [m.end() for m in WORD.finditer(text, end)]


def contrasts(rows, words, scored, lm, top: int) -> tuple[list[list[dict]], float]:
    from wordfreq import zipf_frequency

    jobs = []  # (row, start, end, alternative)
    for r, (ws, sc) in enumerate(zip(words, scored)):
        alt_at = {(w.start, w.end): w.alternative for w in ws}
        ranked = sorted(sc, key=lambda x: -x[2])
        taken = 0
        for a, b, v in ranked:
            alt = alt_at.get((a, b))
            if alt is None or zipf_frequency(alt, "en") < 3:
                continue
            jobs.append((r, a, b, alt, v))
            taken += 1
            if taken == top:
                break
    prefix = []
    for r in rows:
        before = " ".join(r["before"].split())[-CONTEXT_CHARS:]
        if len(before) == CONTEXT_CHARS and " " in before:
            before = before[before.index(" ") + 1 :]
        prefix.append(f"{before} " if before else "")
    first = {}
    for r, a, *_ in jobs:
        first[r] = min(first.get(r, a), a)
    need = sorted(first)
    started = time.perf_counter()
    orig_tok = token_surprisals(lm, [prefix[r] + rows[r]["text"] for r in need], [len(prefix[r]) + first[r] for r in need])
    orig = dict(zip(need, orig_tok))
    texts = [prefix[r] + rows[r]["text"][:a] + alt + rows[r]["text"][b:] for r, a, b, alt, _ in jobs]
    sub_tok = token_surprisals(lm, texts, [len(prefix[r]) + a for r, a, *_ in jobs])
    seconds = time.perf_counter() - started
    out: list[list[dict]] = [[] for _ in rows]
    for (r, a, b, alt, v), sub in zip(jobs, sub_tok):
        text, p = rows[r]["text"], len(prefix[r])
        shift = len(alt) - (b - a)
        ends = following_ends(text, b)
        row = {"start": a, "end": b, "word": text[a:b], "alternative": alt, "improbability": v}
        for m in HORIZONS:
            edge = ends[min(m, len(ends)) - 1] if m and ends else b
            mine = span_sum(orig[r], p + a, p + edge)
            theirs = span_sum(sub, p + a, p + edge + shift)
            row[f"contrast_{m}"] = mine - theirs
        out[r].append(row)
    return out, seconds


def line_max(per_row, key: str) -> np.ndarray:
    return np.array([max((x[key] for x in row), default=0.0) for row in per_row])


def paired_share(rows, score: np.ndarray, kind: str) -> float:
    """Share of `kind` lines scoring above the human line they were spun from (ties count nothing)."""
    pairs = spun_pairs(rows, kind)
    return float(np.mean([score[a] > score[b] for a, b in pairs])) if pairs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    from detector import Detector
    from detector.lm.model import LanguageModel

    warnings.filterwarnings("ignore", category=UserWarning)
    torch.manual_seed(0)
    rows = cases(Path(args.data_dir), "validation", args.blocks)
    words = cached_readings(rows, Path(CorpusConfig().cache_dir) / f"lm-readings-validation-{args.blocks}-bfloat16.pkl")
    stack = LMStack.load(args.model)
    scored = scored_words(words, stack.word_scoring)
    spun_cls = classifier_spun(Detector.from_pretrained(args.model), rows)
    cache = Path(CorpusConfig().cache_dir) / f"lm-contrasts-validation-{args.blocks}-top{args.top}.pkl"
    key = [(r["text"], r["before"]) for r in rows]
    if cache.exists() and pickle.loads(cache.read_bytes())[0] == key:
        _, per_row, seconds = pickle.loads(cache.read_bytes())
    else:
        lm = LanguageModel.from_pretrained(dtype="bfloat16", progress=False)
        per_row, seconds = contrasts(rows, words, scored, lm, args.top)
        cache.write_bytes(pickle.dumps((key, per_row, seconds)))
    kinds = np.array([r["kind"] for r in rows])
    shipped = stack_inputs(spun_cls, features(scored, stack.mark_bar))
    strongest = np.array([max((v for *_, v in s), default=0.0) for s in scored])
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "lines": {k: int((kinds == k).sum()) for k in ["human", *SPINNERS]},
        "substitutions": int(sum(len(x) for x in per_row)),
        "seconds": round(seconds, 1),
        "rows": {},
    }

    def measure(name: str, score: np.ndarray, x: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression

        cv, transfer = stack_aucs(x, kinds)
        keep = (kinds == "human") | (kinds == "spun-embedding")
        stacked = LogisticRegression(max_iter=2000).fit(x[keep], kinds[keep] == "spun-embedding").predict_proba(x)[:, 1]
        result["rows"][name] = {
            "line ROC-AUC embedding": round(auc(score[kinds == "spun-embedding"], score[kinds == "human"]), 3),
            "line ROC-AUC tortured": round(auc(score[kinds == "spun-tortured"], score[kinds == "human"]), 3),
            "paired embedding": round(paired_share(rows, score, "spun-embedding"), 3),
            "paired tortured": round(paired_share(rows, score, "spun-tortured"), 3),
            "stack 5-fold embedding": round(cv, 3),
            "stack transfer tortured": round(transfer, 3),
            "stack paired embedding": round(paired_share(rows, stacked, "spun-embedding"), 3),
            "stack paired tortured": round(paired_share(rows, stacked, "spun-tortured"), 3),
        }

    measure("shipped: strongest improbability", strongest, shipped)
    for m in HORIZONS:
        c = line_max(per_row, f"contrast_{m}")
        measure(f"strongest contrast, {m if m < 99 else 'all'} following words", c, np.column_stack([shipped, c]))
        both = np.maximum(c, 0) + strongest
        measure(f"strongest improbability + positive contrast ({m if m < 99 else 'all'})", both, np.column_stack([shipped, c]))
    # a few examples: the swapped words with their contrast, and the human words with the largest
    examples = []
    for kind in ("spun-tortured", "spun-embedding", "human"):
        picked = [(r, x) for r, xs in zip(rows, per_row) if r["kind"] == kind for x in xs]
        picked.sort(key=lambda rx: -rx[1]["contrast_3"])
        for r, x in picked[:6]:
            examples.append(
                {
                    "kind": kind,
                    "word": x["word"],
                    "alternative": x["alternative"],
                    "improbability": round(x["improbability"], 2),
                    "contrast_3": round(x["contrast_3"], 2),
                    "line": r["text"][:140],
                }
            )
    result["examples"] = examples
    lines = [
        "# Reading both sides of a word: the sentence's loss against the LM's own alternative",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        f"- validation only: {result['lines']} lines (fit_lm_stack's validation blocks); {result['substitutions']} substituted"
        f" reads of the {args.top} strongest words per line, {result['seconds']} s (transformers bfloat16)",
        "",
        "| line score | ROC-AUC embedding vs human | ROC-AUC tortured vs human | paired: embedding | paired: tortured |"
        " stack + it, 5-fold embedding | stack + it, tortured (held out) | stack + it, paired: embedding | stack + it, paired: tortured |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, v in result["rows"].items():
        lines.append("| " + name + " | " + " | ".join(f"{x:.3f}" for x in v.values()) + " |")
    lines += ["", "Examples (largest contrast over the next 3 words):", ""]
    lines += [
        f"- {e['kind']}: '{e['word']}' (model: '{e['alternative']}') improbability {e['improbability']}, contrast {e['contrast_3']}: {e['line']}"
        for e in examples
    ]
    lines.append("")
    write_report(ROOT / "research" / "lm-contrastive-words", lines, result)


if __name__ == "__main__":
    main()
