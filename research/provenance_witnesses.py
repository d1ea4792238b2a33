"""Direction from third parties and dates: does the other copies' agreement get it right, what does a
mill network cost, and can the artifacts outweigh a wrong date? (issue 21)

    python research/provenance_witnesses.py --out research/provenance-witnesses

On the known copies of `training/evaluate_provenance.py` (its cached reports and fingerprints:
run that first for each split), each rewritten copy X of an original O is linked in three
batches: [O, X] alone; [O, X, O'] where O' is a verbatim syndication of the original (the wire
story on another site: the common case); and [O, X, X'] where X' is a verbatim syndication of the
copy (a mill network reposting its own rewrite: the adversarial case). Direction is judged as the
evaluation judges it (copies with >= 10% of their words rewritten; P(copy) > 0.5 on X), with the
witness rule on (WEIGHED log-odds a witness, fixed before this was run) and off (the default: named, not weighed).
Then [O, X] with publication dates: the original dated before the copy, and the reverse (a crawl
date that is wrong), each at the shipped date weight (provenance.dates).
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.provenance.direction import DirectionConfig  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, link  # noqa: E402
from training.config import DEFAULT_DATA_DIR, CorpusConfig  # noqa: E402
from training.evaluate_provenance import MIN_CHANGED, build, changed_words  # noqa: E402

SCENARIOS = ("alone", "original syndicated", "copy syndicated")
DATED = ("dates right", "dates reversed")
KINDS = ("spun-embedding", "deepl-roundtrip")
WEIGHED = 1.0  # a witness as strong as a clear artifact difference (P 0.73 alone)


def _twin(report, fp, suffix: str):
    """A verbatim syndication: the same text and scores under another id."""
    twin = copy.deepcopy(report)
    twin.id = f"{report.id}:{suffix}"
    return twin, replace(fp, id=twin.id)


def _dated(report, day: str):
    dated = copy.copy(report)
    dated.published = day
    return dated


def judge(reports, fps, cases, changed, config: ProvenanceConfig, scenarios=SCENARIOS) -> dict:
    out = {}
    for scenario in scenarios:
        by_kind = {}
        for kind in KINDS:
            confidences = []
            for c in (c for c in cases if c.kind == kind and changed[c.copy] >= MIN_CHANGED):
                batch = [(reports[c.original], fps[c.original]), (reports[c.copy], fps[c.copy])]
                if scenario == "original syndicated":
                    batch.append(_twin(*batch[0], "syndicated"))
                elif scenario == "copy syndicated":
                    batch.append(_twin(*batch[1], "syndicated"))
                elif scenario in DATED:
                    early, late = ("2022-01-03", "2022-01-05") if scenario == "dates right" else ("2022-01-05", "2022-01-03")
                    batch = [(_dated(batch[0][0], early), batch[0][1]), (_dated(batch[1][0], late), batch[1][1])]
                sources = link([r for r, _ in batch], None, config, fps=[f for _, f in batch])
                match = next((m for m in sources[1] if m.id == reports[c.original].id), None)
                if match is not None:
                    confidences.append(match.copy_confidence)
            by_kind[kind] = {
                "judged": len(confidences),
                "direction_right": float(np.mean([p > 0.5 for p in confidences])) if confidences else None,
                "median_copy_confidence": float(np.median(confidences)) if confidences else None,
            }
        out[scenario] = by_kind
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--distractors", type=int, default=10_000, help="which cached collection to read")
    parser.add_argument("--out", default=str(ROOT / "research" / "provenance-witnesses"))
    args = parser.parse_args()
    results = {}
    for split in ("validation", "test"):
        texts, _, cases, offsets = build(Path(args.data_dir), split, args.distractors)
        cache = Path(CorpusConfig().cache_dir) / f"provenance-{split}-{args.distractors}-default.pkl"
        reports, fps, _ = pickle.loads(cache.read_bytes())
        changed = changed_words(texts, cases, offsets)
        off = ProvenanceConfig()
        on = replace(off, direction=replace(off.direction, witness_logit=WEIGHED))
        results[split] = {
            "witnesses on": judge(reports, fps, cases, changed, on),
            "witnesses off": judge(reports, fps, cases, changed, off),
            "dates": judge(reports, fps, cases, changed, off, ("alone",) + DATED),
        }
        print(json.dumps({split: results[split]}, indent=1))
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    Path(args.out).with_suffix(".md").write_text(markdown(results))


def markdown(results: dict) -> str:
    config = DirectionConfig()
    lines = [
        "# Direction from third parties: which side do the other copies agree with?",
        "",
        "- command: `python research/provenance_witnesses.py`; "
        f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; model: the shipped one (the evaluation's cached scores)",
        f"- witness rule on: {WEIGHED} log-odds per net verbatim witness, at most {config.max_witnesses} "
        f"(off: {config.witness_logit}, the default: named in the reasons, not weighed); each rewritten copy of `training/evaluate_provenance.py` linked with its "
        "original alone, with a verbatim syndication of the original, and with one of the copy",
        "",
        "| split | copy kind | judged | scenario | direction right: witnesses off / on | median P(copy): off / on |",
        "|---|---|---:|---|---|---|",
    ]
    for split, r in results.items():
        for kind in KINDS:
            for scenario in SCENARIOS:
                off, on = r["witnesses off"][scenario][kind], r["witnesses on"][scenario][kind]
                lines.append(
                    f"| {split} | {kind} | {on['judged']} | {scenario} | {off['direction_right']:.3f} / {on['direction_right']:.3f} "
                    f"| {off['median_copy_confidence']:.2f} / {on['median_copy_confidence']:.2f} |"
                )
    lines += [
        "",
        "Alone, the rule changes nothing. With the original syndicated verbatim (a wire story on other sites), weighing",
        "the witness gains little: the artifacts already judge 0.95-1.00 of these copies right. With the copy syndicated",
        "(a mill reposting its own rewrite), it loses a fifth of them. A version weighing witnesses only where the",
        "artifacts said less than one witness (P within 0.27-0.73) lost as many: a fifth of these copies' confidences lie",
        "there. So millcheck names the witnesses in `direction_reasons` and leaves them unweighed",
        "(`DirectionConfig.witness_logit` 0); a crawl known to hold wire syndications and no mill networks may weigh them.",
        "The validation rows alone show it (spun 1.000 -> 0.774, DeepL 1.000 -> 0.918 with the copy reposted; no gain with",
        "the original reposted); the test rows agree. Which case a crawl holds more of is not known here.",
        "",
        f"With dates (shipped weight: P {DirectionConfig().date_confidence} from the dates alone), [O, X] only:",
        "",
        "| split | copy kind | judged | no dates | dates right | dates reversed (a wrong crawl date) |",
        "|---|---|---:|---|---|---|",
    ]
    for split, r in results.items():
        for kind in KINDS:
            d = r["dates"]
            cells = [f"{d[s][kind]['direction_right']:.3f} (median {d[s][kind]['median_copy_confidence']:.2f})" for s in ("alone",) + DATED]
            lines.append(f"| {split} | {kind} | {d['alone'][kind]['judged']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "A date weighed at P 0.9 outweighs the artifacts of most of these copies (their median P(copy) is 0.82-0.89): with",
        "a wrong date the direction flips for most of them, and the reasons say both what the dates and what the",
        "artifacts say. Publication dates from the page's markup are seldom wrong; a crawl whose dates are crawl",
        "times should lower `DirectionConfig.date_confidence` (0.5 leaves dates out).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
