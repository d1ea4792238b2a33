"""Probe: is a document's surprisal under the language model a signal of machine translation?

    python research/lm_document_mt.py [--blocks 30] [--data-dir ../shared/data]

Machine translation is said to be more predictable than human text. WMT14-15 German news in
English, 10-line blocks, as translated by a professional (human) and by DeepL and Google: each line
read after the lines before it in its block. Per block: the mean and the spread (standard
deviation) of its words' surprisal, and the mean of their frequency-normalised improbability.
Reported: each feature's ROC-AUC for MT vs the human translation (oriented so that 0.5 is chance
and above means MT scores lower, i.e. is more predictable), beside the shipped model's
document-level lexical MT logit on the same blocks. Caveats: those years are in the lexical
scorer's training data (its AUC here runs high), and Gemma may have read WMT in pretraining.
Writes research/lm-document-mt.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import roc_auc, write_report  # noqa: E402
from detector.evidence.improbable_words import score_words  # noqa: E402
from detector.lm.model import LanguageModel  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402

SYSTEMS = ("human-translation", "deepl", "google")
YEARS = ("wmt14", "wmt15")
LINES = 10


def blocks(data_dir: Path, n: int) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {s: [] for s in SYSTEMS}
    for year in YEARS:
        files = {
            s: (data_dir / "wmt-ht-mt" / "train" / f"{year}.de-original.{s}.en").read_text(encoding="utf-8").splitlines() for s in SYSTEMS
        }
        starts = range(0, len(files[SYSTEMS[0]]) - LINES, max(LINES, len(files[SYSTEMS[0]]) // (n // len(YEARS))))
        for lo in list(starts)[: n // len(YEARS)]:
            runs = {s: [x.strip() for x in files[s][lo : lo + LINES]] for s in SYSTEMS}
            if all(all(r) for r in runs.values()):
                for s in SYSTEMS:
                    out[s].append(runs[s])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-document-mt"))
    args = parser.parse_args()
    from detector import Detector

    detector = Detector.from_pretrained()
    stack = LMStack.load(ROOT / "detector" / "models" / "default")
    lm = LanguageModel.from_pretrained()
    data = blocks(Path(args.data_dir), args.blocks)
    features: dict[str, dict[str, list[float]]] = {}
    for system, runs in data.items():
        lines = [line for run in runs for line in run]
        contexts = [" ".join(run[:i]) for run in runs for i in range(len(run))]
        words = lm.word_surprisals(lines, contexts)
        f = {"mean surprisal": [], "surprisal spread": [], "mean improbability": [], "lexical document MT logit": []}
        for k, run in enumerate(runs):
            ws = [w for line_words in words[k * LINES : (k + 1) * LINES] for w in line_words]
            scored = [w for line_words in words[k * LINES : (k + 1) * LINES] for w in score_words(line_words, *stack.word_scoring)]
            s = np.asarray([w.surprisal for w in ws])
            f["mean surprisal"].append(float(s.mean()))
            f["surprisal spread"].append(float(s.std()))
            f["mean improbability"].append(float(np.mean([w.improbability for w in scored])))
            f["lexical document MT logit"].append(-float(detector.predictor.document_mt_logit("\n".join(run))))
        features[system] = f
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "blocks_per_system": len(data[SYSTEMS[0]]),
        "auc_mt_lower": {
            engine: {
                name: round(roc_auc(-np.asarray(features[engine][name]), -np.asarray(features["human-translation"][name])), 3)
                for name in features[engine]
            }
            for engine in SYSTEMS[1:]
        },
        "means": {s: {name: round(float(np.mean(v)), 3) for name, v in f.items()} for s, f in features.items()},
    }
    names = list(features[SYSTEMS[0]])
    lines = [
        "# Is a document's surprisal under the language model a signal of machine translation?",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        f"- WMT14-15 German news in English, {result['blocks_per_system']} blocks of {LINES} lines per system, each line read"
        " after the lines before it (Gemma 3 270M, transformers fp32)",
        "- ROC-AUC for MT vs the professional translation of the same lines, oriented so that above 0.5 means the MT block"
        " scores lower (more predictable; for the lexical logit: lower minus-logit, i.e. more MT-like)",
        "",
        "| feature | " + " | ".join(f"{e} vs human" for e in SYSTEMS[1:]) + " | " + " | ".join(f"mean, {s}" for s in SYSTEMS) + " |",
        "|---" * (1 + len(SYSTEMS) - 1 + len(SYSTEMS)) + "|",
        *[
            f"| {n} | "
            + " | ".join(f"{result['auc_mt_lower'][e][n]:.3f}" for e in SYSTEMS[1:])
            + " | "
            + " | ".join(f"{result['means'][s][n]:.3f}" for s in SYSTEMS)
            + " |"
            for n in names
        ],
        "",
        "Caveats: WMT14-15 are in the lexical scorer's training data (its AUC here runs high); Gemma may have read WMT"
        " news in pretraining. Paired blocks (the same source lines), so the translator is the only difference.",
        "",
    ]
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
