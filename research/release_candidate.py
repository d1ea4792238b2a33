"""Probe (issue 22 item 5, issue 19 item 2): does a retrained classifier beat the one it would
replace, on validation data only?

    python research/release_candidate.py --candidate artifacts/v10-candidate-model \
        [--baseline default] [--corpus artifacts/corpus-v10] [--blocks 60] [--data-dir ../shared/data]

The candidate is trained as the release is, with what it tries in its config: `lm_marks`
(training/lm_marks.py: the token head learns the language model's improbable words),
`context_negatives` (training/corpus.py: clean sentences between damaged neighbours, labelled
clean; v10's candidate had these, warm-started from v9). Both models are read on:
- the corpus's validation split: ROC-AUC per output;
- its `context-*` examples: clean sentences whose neighbours carry one kind of damage, with the
  mean probability of that damage's type and the share at or over each model's own threshold,
  beside the validation split's clean human sentences (contagion, as research/contagion.md
  measures it through the whole pipeline);
- training/fit_lm_stack.py's validation lines (WMT14-15 original English as written, spun by the
  training spinner, and spun by the tortured-phrase spinner, which neither model was trained on):
  the spun ROC-AUC against the human lines, the share of spun lines scoring above their own
  original, and the token head's marks (share of swapped words marked, marks per human line).
No test split is read. Writes research/release-candidate.md and .json (`--out`: elsewhere).
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
from detector.labels import SPUN  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402
from training.fit_lm_stack import KINDS, auc, cases, paired  # noqa: E402
from training.train import OUTPUTS, _auc, evaluate_split  # noqa: E402


def corpus_aucs(logits: np.ndarray, labels: np.ndarray) -> dict[str, float | None]:
    return {name: _auc(logits[:, k], labels[:, k] >= 0.5) for k, name in enumerate(OUTPUTS)}


def contagion(probs: np.ndarray, generators: list[str], threshold: float) -> dict:
    """Per `context-<type>` generator: the mean calibrated P(type) of its clean sentences and the
    share at or over the model's threshold; the same for the split's clean human sentences.
    `probs`: the calibrated probabilities of the whole split, in OUTPUTS order."""
    generators = np.asarray(generators)
    out = {}
    for generator in sorted(set(generators.tolist())):
        if not generator.startswith("context-") and generator != "human":
            continue
        rows = generators == generator
        types = [generator.removeprefix("context-")] if generator != "human" else [t for t in OUTPUTS if t != "overall"]
        for t in types:
            p = probs[rows, OUTPUTS.index(t)]
            out[f"{generator}/{t}" if generator == "human" else generator] = {
                "type": t,
                "n": int(rows.sum()),
                "mean_p": float(p.mean()),
                "over_threshold": float((p >= threshold).mean()),
            }
    return out


def line_measures(predictor, rows) -> dict:
    """Spun ROC-AUC per spinner against the human lines, the paired share, and the token head's marks."""
    k = predictor.config.outputs.index(SPUN)
    probs, words = predictor.predict_with_words([r["text"] for r in rows], [r["around"] for r in rows])
    spun = probs[:, k]
    kinds = np.asarray([r["kind"] for r in rows])
    human = kinds == "human"
    out = {"auc": {kind: auc(spun[kinds == kind], spun[human]) for kind in KINDS[1:]}, "paired": paired(rows, spun, spun)}
    for kind in KINDS[1:]:
        swaps = [(r["spans"], w) for r, w, x in zip(rows, words, kinds) if x == kind]
        hit = sum(any(a < e and b > s for s, e, _ in w) for spans, w in swaps for a, b in spans)
        out.setdefault("swapped_words_marked", {})[kind] = hit / max(1, sum(len(spans) for spans, _ in swaps))
    out["marks_per_human_line"] = float(np.mean([len(w) for w, x in zip(words, kinds) if x == "human"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--baseline", default="default")
    parser.add_argument("--corpus", default=str(ROOT / "artifacts" / "corpus-v10"))
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--out", default=str(ROOT / "research" / "release-candidate"), help="writes <out>.md and <out>.json")
    args = parser.parse_args()
    from datasets import load_from_disk

    from detector import Detector

    validation = load_from_disk(args.corpus)["validation"]
    rows = cases(Path(args.data_dir), "validation", args.blocks)
    result = {
        "command": "python research/release_candidate.py " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "models": {},
    }
    for role, name in (("baseline", args.baseline), ("candidate", args.candidate)):
        detector = Detector.from_pretrained(name)
        predictor = detector.predictor
        logits, labels = evaluate_split(predictor, validation)  # read once: the AUCs and the contagion
        result["models"][role] = {
            "name": detector.name,
            "threshold": predictor.threshold(),
            "corpus_validation_auc": corpus_aucs(logits, labels),
            "contagion": contagion(predictor.calibrate(logits, validation["sentence"]), validation["generator"], predictor.threshold()),
            "lines": line_measures(predictor, rows),
        }
        print(role, result["models"][role]["lines"]["auc"], flush=True)
    write_report(Path(args.out), report_lines(result), result)


def report_lines(r: dict) -> list[str]:
    models = r["models"]
    names = " / ".join(m["name"] for m in models.values())
    lines = [
        "# A release candidate against the model it would replace (validation only)",
        "",
        f"- command: `{r['command']}`; date: {r['date']}; models (baseline / candidate): {names}",
        "- validation only: the corpus's validation split, and fit_lm_stack's validation lines (the tortured-phrase"
        " spinner is held out of both models' training)",
        "",
        "| measure | " + " | ".join(m["name"] for m in models.values()) + " |",
        "|---|" + "---|" * len(models),
    ]
    for output in OUTPUTS:
        values = [m["corpus_validation_auc"][output] for m in models.values()]
        lines.append(f"| corpus validation ROC-AUC, {output} | " + " | ".join("" if v is None else f"{v:.3f}" for v in values) + " |")
    lines.append("| threshold (overall) | " + " | ".join(f"{m['threshold']:.3f}" for m in models.values()) + " |")
    first = next(iter(models.values()))
    for key, row in first["contagion"].items():
        what = f"clean human sentences, P({row['type']})" if key.startswith("human/") else f"clean between {row['type']} neighbours"
        lines.append(
            f"| {what} (n {row['n']}): mean P / share over threshold | "
            + " | ".join(f"{m['contagion'][key]['mean_p']:.3f} / {m['contagion'][key]['over_threshold']:.3f}" for m in models.values())
            + " |"
        )
    for kind in KINDS[1:]:
        lines.append(
            f"| lines: spun ROC-AUC, {kind} vs human | " + " | ".join(f"{m['lines']['auc'][kind]:.3f}" for m in models.values()) + " |"
        )
        lines.append(
            f"| lines: {kind} above its own original | "
            + " | ".join(f"{m['lines']['paired'][kind]['classifier']:.3f}" for m in models.values())
            + " |"
        )
        lines.append(
            f"| lines: {kind}, swapped words the token head marks | "
            + " | ".join(f"{m['lines']['swapped_words_marked'][kind]:.3f}" for m in models.values())
            + " |"
        )
    lines.append(
        "| lines: token-head marks per human line | "
        + " | ".join(f"{m['lines']['marks_per_human_line']:.3f}" for m in models.values())
        + " |"
    )
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
