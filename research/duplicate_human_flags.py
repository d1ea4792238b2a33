"""What the duplicate flags on human news are (issue 19 item 4), on the train and validation splits.

    python research/duplicate_human_flags.py [--splits train,validation]

The human false-positive report counts 2.9 duplicate flags per 1,000 human test sentences (target
1), all in WMT23's human references. This scores the same kind of article-length documents of the
other splits (never the test) and sorts each flagged pair: whether one side is, word for word, a
line of a machine translation system's output of the same data (WMT23's GPT4-5shot, NLLB_Greedy and
ONLINE-B; WMT14-18's DeepL and Google), i.e. a reference that kept a machine translation next
to its own, and how far apart the two sides sit. It also counts, per WMT23 language pair, the
reference lines of five words or more that are some system's line word for word. Writes
research/duplicate-human-flags.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report
from detector import Detector
from detector.io.records import TextRecord
from detector.labels import DUPLICATE
from detector.text.words import normalise
from training.config import TrainConfig
from training.human_false_positives import duplicate_flag, human_documents
from training.sources import machine_translation_lines

MIN_WORDS = 5  # shorter lines ("Photo: Reuters") match by chance


def references_matching_a_system(data_dir: Path, machine: frozenset[str]) -> dict[str, tuple[int, int]]:
    """Per WMT23 language pair: its reference lines of MIN_WORDS words or more, and how many of them
    are some system's line word for word."""
    per_pair = {}
    for path in sorted((data_dir / "wmt23").glob("*.human-reference.en")):
        ref = [x for x in path.read_text(encoding="utf-8").splitlines() if len(x.split()) >= MIN_WORDS]
        per_pair[path.name.split(".")[0]] = (len(ref), sum(normalise(x) in machine for x in ref))
    return per_pair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--splits", default="train,validation")
    parser.add_argument("--out", default=str(ROOT / "research" / "duplicate-human-flags"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    machine = machine_translation_lines(config.corpus.data_dir, MIN_WORDS)
    per_pair = references_matching_a_system(Path(config.corpus.data_dir), machine)
    detector = Detector.from_pretrained()
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "wmt23_references_matching_a_system": {p: {"lines": n, "a_system_line": m} for p, (n, m) in per_pair.items()},
        "splits": {},
    }
    for split in args.splits.split(","):
        documents = human_documents(config, 2, split=split)
        groups = {i: g for i, g, _ in documents}
        sentences: Counter = Counter()
        flags: dict[str, list[dict]] = defaultdict(list)
        for _, report in detector.score_many(TextRecord(id=i, text=t) for i, _, t in documents):
            group = groups[report.id]
            for s in report.sentences:
                sentences[group] += 1
                if DUPLICATE not in s.flagged_types(report.threshold):
                    continue
                flags[group].append({"document": report.id, **duplicate_flag(report, s, machine)})
        result["splits"][split] = {
            g: {"sentences": sentences[g], "flags": flags[g], "per_1000": round(1000 * len(flags[g]) / max(1, sentences[g]), 2)}
            for g in sorted(sentences)
        }
    write_report(Path(args.out), report_lines(result), result)


def report_lines(r: dict) -> list[str]:
    lines = [
        "# Duplicate flags on human news: what they are",
        "",
        f"- command: `{r['command']}`",
        f"- date: {r['date']}; model: {r['model']}; documents of up to 2 10-line blocks that follow each other in one text, as the human false-positive report builds them",
        "",
        "| split | group | sentences | duplicate flags | per 1,000 | a side is a machine translation system's line |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for split, groups in r["splits"].items():
        for g, v in groups.items():
            machine = sum(f["a_side_is_machine_translation"] for f in v["flags"])
            lines.append(f"| {split} | {g} | {v['sentences']} | {len(v['flags'])} | {v['per_1000']} | {machine} |")
    lines += [
        "",
        f"WMT23 human references: lines of {MIN_WORDS} words or more that are some system's output line word for word",
        "",
        "| language pair | lines | a system's line | share |",
        "|---|---:|---:|---:|",
        *[
            f"| {p} | {v['lines']} | {v['a_system_line']} | {v['a_system_line'] / max(1, v['lines']):.1%} |"
            for p, v in r["wmt23_references_matching_a_system"].items()
        ],
        "",
        "The flagged sentences (each with the passage its evidence names):",
        "",
    ]
    for split, groups in r["splits"].items():
        for v in groups.values():
            for f in v["flags"]:
                mark = " (a side is a system's line)" if f["a_side_is_machine_translation"] else ""
                lines.append(
                    f"- {split}, {f['document']}, {f['rule']}, {f['lines_apart']} lines apart{mark}: “{f['text'][:120]}” / “{(f['other'] or '')[:120]}”"
                )
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
