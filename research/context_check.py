"""Probe (issue 19, item 2): does reading a spun-flagged sentence alone tell contagion from spinning?

    python research/context_check.py [--targets 300] [--data-dir ../shared/data]

The classifier reads each sentence with its neighbours, and a clean sentence between two spun ones
reads as spun (research/contagion.md). Spinners swap words inside a sentence, so a spun sentence
should still read as spun without its neighbours, and a clean one should not. Targets: one-sentence
lines of WMT14-15 original English news (validation years) as the middle of three lines, in four
arrangements per spinner (the training spinner and the held-out tortured-phrase one):
  human       clean between its clean neighbours (false positives)
  contagion   clean between spun neighbours (must not flag)
  spun        spun between clean neighbours
  spun-in-spun spun between spun neighbours
Each target is scored with its neighbours (as `detector score` does) and alone (empty context).
For each bar on the lone score, the share flagged spun if a flag needs P(spun | neighbours) >=
the model's threshold and P(spun | alone) >= the bar (bar 0: today's rule). Writes
research/context-check.md and .json.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.labels import SPUN  # noqa: E402
from detector.scoring.weights import BASE_ENCODER  # noqa: E402
from detector.text.segment import segment  # noqa: E402
from research.contagion import windows  # noqa: E402
from training.config import CorpusConfig  # noqa: E402
from training.sources import tortured_phrases  # noqa: E402
from training.spinning import WordSwapSpinner, load_or_build_embedding_thesaurus, tortured_thesaurus  # noqa: E402

BARS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
ARRANGEMENTS = ("human", "contagion", "spun", "spun-in-spun")


def arrange(kind: str, prev: str, target: str, nxt: str, spin) -> tuple[str, str, str] | None:
    """The three lines of one arrangement, or None where the spinner changed nothing it had to."""
    spun = {line: spin(line) for line in (prev, target, nxt)} if kind != "human" else {}
    if kind == "human":
        return prev, target, nxt
    if kind == "contagion":
        out = spun[prev], target, spun[nxt]
        return out if out[0] != prev and out[2] != nxt else None
    if kind == "spun":
        return (prev, spun[target], nxt) if spun[target] != target else None
    out = spun[prev], spun[target], spun[nxt]
    return out if out[1] != target and out[0] != prev and out[2] != nxt else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=300)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "research" / "context-check"))
    args = parser.parse_args()
    from detector import Detector

    rng = random.Random(0)
    detector = Detector.from_pretrained()
    predictor, threshold = detector.predictor, detector.config.threshold
    column = predictor.config.outputs.index(SPUN)
    spinners = {
        "training spinner (embedding thesaurus)": WordSwapSpinner(
            load_or_build_embedding_thesaurus(CorpusConfig().cache_dir, BASE_ENCODER), rate=0.3
        ),
        "held-out spinner (tortured phrases)": WordSwapSpinner(tortured_thesaurus(tortured_phrases(args.data_dir)), rate=0.6),
    }
    runs = [r for r in windows(Path(args.data_dir), args.targets * 2, rng) if len(segment(r[1]).sentences) == 1][: args.targets]
    results = {}
    for name, spinner in spinners.items():
        results[name] = {}
        for kind in ARRANGEMENTS:
            targets, contexts = [], []
            for prev, target, nxt, *_ in runs:
                lines = arrange(kind, prev, target, nxt, lambda s, spinner=spinner: spinner.spin(s, rng).text)
                if lines is None:
                    continue
                doc = segment("\n".join(lines))
                middle = [s for s in doc.sentences if s.paragraph == 1]
                if len(middle) != 1:
                    continue
                targets.append(middle[0].text)
                contexts.append(doc.context(middle[0].index, predictor.config.context_window))
            probs, words = predictor.predict_with_words(targets, contexts)
            with_context, marked = probs[:, column], np.array([bool(w) for w in words])
            alone = predictor.predict(targets, [""] * len(targets))[:, column]
            flagged = with_context >= threshold
            results[name][kind] = {
                "targets": len(targets),
                "mean_p_with_neighbours": float(with_context.mean()),
                "mean_p_alone": float(alone.mean()),
                "flagged_by_bar": {str(b): float(np.mean(flagged & (alone >= b))) for b in BARS},
                "flagged_by_bar_unless_marked": {str(b): float(np.mean(flagged & ((alone >= b) | marked))) for b in BARS},
                "flagged_with_marked_words": float(np.mean(flagged & marked)),
            }
    # The bar: fewest sentence errors on these validation lines, both spinners together: clean
    # targets flagged (human, contagion) plus spun targets that lose the flag they had at bar 0.
    errors = {}
    for b in BARS:
        count = 0.0
        for by_kind in results.values():
            for kind, v in by_kind.items():
                flagged = v["flagged_by_bar"]
                if kind in ("human", "contagion"):
                    count += v["targets"] * flagged[str(b)]
                else:
                    count += v["targets"] * (flagged["0.0"] - flagged[str(b)])
        errors[str(b)] = round(count, 1)
    chosen = min(BARS, key=lambda b: (errors[str(b)], b))
    result = {
        "errors_by_bar": errors,
        "chosen_bar": chosen,
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "threshold": threshold,
        "results": results,
    }
    lines = [
        "# Context check: is a spun reading the sentence's own, or its neighbours'?",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {detector.name}; threshold {threshold:.3f}",
        "- one-sentence WMT14-15 news lines (validation years) as the middle of three; share flagged spun when a flag",
        "  needs P(spun | neighbours) >= the threshold and P(spun | alone) >= the bar (bar 0 is the rule without the check)",
        "",
    ]
    for name, by_kind in results.items():
        lines += [
            f"## {name}",
            "",
            "| target | targets | mean P(spun): with neighbours / alone | " + " | ".join(f"flagged, bar {b}" for b in BARS) + " |",
            "|---|---" * 1 + "|---" * (1 + len(BARS)) + "|",
        ]
        for kind, v in by_kind.items():
            flagged = " | ".join(f"{v['flagged_by_bar'][str(b)]:.3f}" for b in BARS)
            lines.append(f"| {kind} | {v['targets']} | {v['mean_p_with_neighbours']:.3f} / {v['mean_p_alone']:.3f} | {flagged} |")
        lines += [
            "",
            "The same, where a sentence the token head marks words in keeps its flag whatever its lone score:",
            "",
            "| target | flagged with marked words | " + " | ".join(f"flagged, bar {b}" for b in BARS) + " |",
            "|---|---" + "|---" * len(BARS) + "|",
        ]
        for kind, v in by_kind.items():
            flagged = " | ".join(f"{v['flagged_by_bar_unless_marked'][str(b)]:.3f}" for b in BARS)
            lines.append(f"| {kind} | {v['flagged_with_marked_words']:.3f} | {flagged} |")
        lines.append("")
    lines += [
        "## The bar",
        "",
        "Sentence errors by bar, both spinners (clean targets flagged, plus spun targets that lose their flag): "
        + ", ".join(f"{b}: {errors[str(b)]:g}" for b in BARS)
        + f". Fewest at {chosen} (the lowest bar on a tie); `ContextCheck.alone_bar` (detector/scoring/context_check.py) is set to it.",
        "",
    ]
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
