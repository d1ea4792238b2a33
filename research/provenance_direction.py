"""Does provenance's direction tell the machine's side from the person's, for a generator it never saw?

    python research/provenance_direction.py --out research/provenance-direction

reports/provenance-v1.md measures direction on copies made by generators the classifier trained
with (DeepL round trips, the embedding spinner). Here the pairs are WMT23 translations of one
foreign source (de, he, ja, ru, uk, zh): the professional reference and a machine translation by
NLLB (held out of training), ONLINE-B and GPT-4 (their WMT23 output is in the training blocks), in
12-line runs. Neither side is the other's source, but one was written by a machine: direction is
right when P(copy) of the machine side is over 0.5. Pairs too different to align are counted apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.io.records import TextRecord  # noqa: E402
from detector.pipeline import Detector  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, match_pair  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402

PAIRS = ("de", "he", "ja", "ru", "uk", "zh")
SYSTEMS = ("NLLB_Greedy", "ONLINE-B", "GPT4-5shot")
LINES, PER_PAIR = 12, 15


def runs(path: Path) -> list[list[str]]:
    lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]
    step = max(LINES, (len(lines) - LINES) // PER_PAIR)
    return [lines[lo : lo + LINES] for lo in range(0, len(lines) - LINES + 1, step)][:PER_PAIR]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    folder = Path(args.data_dir) / "wmt23"
    records, pairs = [], []
    for xx in PAIRS:
        human = runs(folder / f"{xx}-en.human-reference.en")
        for system in SYSTEMS:
            machine = runs(folder / f"{xx}-en.{system}.en")
            for k, (h, m) in enumerate(zip(human, machine)):
                if not all(h) or not all(m):
                    continue
                records += [TextRecord(id=f"{xx}:{k}:human", text="\n".join(h)), TextRecord(id=f"{xx}:{system}:{k}", text="\n".join(m))]
                pairs.append((system, len(records) - 1, len(records) - 2))
    started = time.time()
    detector = Detector.from_pretrained()
    reports = [r for _, r in detector.score_many(records)]
    sides = detector.reference_sides(reports)
    config = ProvenanceConfig()
    results: dict[str, dict] = {}
    for system, m, h in pairs:
        r = results.setdefault(system, {"pairs": 0, "aligned": 0, "verbatim": 0, "right": 0, "judged": 0, "copy_confidence": []})
        r["pairs"] += 1
        found = match_pair(sides[m], sides[h], config)
        if found is None:
            continue
        r["aligned"] += 1
        match = found[0]
        if match.rewrite == "verbatim":
            r["verbatim"] += 1
            continue
        r["judged"] += 1
        r["right"] += match.copy_confidence > 0.5
        r["copy_confidence"].append(match.copy_confidence)
    for r in results.values():
        c = sorted(r.pop("copy_confidence"))
        r["direction_right"] = r["right"] / r["judged"] if r["judged"] else None
        r["median_copy_confidence"] = c[len(c) // 2] if c else None
    summary = {"seconds": round(time.time() - started), "results": results}
    print(json.dumps(summary, indent=2))
    if args.out:
        Path(args.out).with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
        lines = [
            "# Direction between a human and a machine translation of one source (WMT23)",
            "",
            f"- command: `python research/provenance_direction.py --out {args.out}`; {time.strftime('%Y-%m-%d', time.gmtime())}",
            f"- {PER_PAIR} runs of {LINES} lines per language pair ({', '.join(PAIRS)}) and system; the shipped model scores both sides",
            "",
            "| machine side | pairs | aligned | verbatim | direction right (judged) | median P(machine side is the copy) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for system, r in results.items():
            d = "n/a" if r["direction_right"] is None else f"{r['direction_right']:.3f} ({r['judged']})"
            med = "n/a" if r["median_copy_confidence"] is None else f"{r['median_copy_confidence']:.2f}"
            lines.append(
                f"| {system}{' (held out)' if system == 'NLLB_Greedy' else ''} | {r['pairs']} | {r['aligned']} | {r['verbatim']} | {d} | {med} |"
            )
        Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
