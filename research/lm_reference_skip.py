"""Probe (issue 22 item 4): how much LM reading does batch scoring save when a reference source
explains a sentence?

    python research/lm_reference_skip.py [--pair de-en] [--system NLLB_Greedy] [--docs 20] [--data-dir ../shared/data]

The originals are 20-line blocks of a WMT23 human reference; the "crawl" is the same blocks as a
machine translation system wrote them (line by line the same news, reworded: what a reference
index of wire originals would align with a rewritten copy). The crawl is scored with `--lm` in
candidates mode, without and with a reference index of the originals (`--reference`: a sentence
a source aligns with is not read by the LM, its `copied_from` says what was changed), and with the
index but the LM reading every candidate, as before. Reports the
sentences the LM read, the seconds (median of interleaved repeats), and the sentences flagged
spun, with the LM's evidence, or with `copied_from` evidence. Writes research/lm-reference-skip.md
and .json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.throughput import write_report  # noqa: E402
from detector import Detector  # noqa: E402
from detector.evidence.improbable_words import RULE as LM_RULE  # noqa: E402
from detector.labels import SPUN  # noqa: E402
from detector.provenance.apply import RULE as COPIED_RULE  # noqa: E402
from detector.provenance.reference import ReferenceIndex  # noqa: E402


def blocks(path: Path, n: int, lines: int = 20) -> list[str]:
    text = path.read_text(encoding="utf-8").splitlines()
    return ["\n".join(text[i : i + lines]) for i in range(0, min(len(text), n * lines), lines)]


def measure(detector: Detector, docs: list[str]) -> dict:
    reports = [report for _, report in detector.score_many(docs)]  # as `detector score` batches them
    sentences = [s for r in reports for s in r.sentences]
    return {
        "sentences": len(sentences),
        "read_by_lm": sum(s.lm_words is not None for s in sentences),
        "flagged_spun": sum(SPUN in s.flagged_types(r.threshold) for r in reports for s in r.sentences),
        "lm_evidence": sum(any(e.rule == LM_RULE for e in s.evidence) for s in sentences),
        "copied_from": sum(s.copied_from is not None for s in sentences),
        "copied_from_evidence": sum(any(e.rule == COPIED_RULE for e in s.evidence) for s in sentences),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pair", default="de-en")
    parser.add_argument("--system", default="NLLB_Greedy")
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-reference-skip"))
    args = parser.parse_args()
    wmt23 = Path(args.data_dir) / "wmt23"
    originals = blocks(wmt23 / f"{args.pair}.human-reference.en", args.docs)
    crawl = blocks(wmt23 / f"{args.pair}.{args.system}.en", args.docs)
    plain = Detector.from_pretrained(lm="candidates")
    folder = Path(tempfile.mkdtemp(prefix="millcheck-ref-")) / "originals.idx"
    wire = [plain.score(text, id=f"original-{i}") for i, text in enumerate(originals)]
    ReferenceIndex.write(folder, plain.reference_sides(wire), plain.encoder_name, 384)
    before = Detector.from_pretrained(lm="candidates", reference=str(folder))
    before._sourced = lambda *args, **kwargs: None  # as before this change: the LM reads every candidate
    variants = {
        "candidates": plain,
        "candidates, --reference originals, the LM reads every candidate (before)": before,
        "candidates, --reference originals (shipped)": Detector.from_pretrained(lm="candidates", reference=str(folder)),
    }
    for detector in variants.values():  # warm-up
        measure(detector, crawl[:1])
    seconds: dict[str, list[float]] = {k: [] for k in variants}
    counts = {}
    for _ in range(args.repeats):  # interleaved, so drift of the machine hits both alike
        for name, detector in variants.items():
            started = time.perf_counter()
            counts[name] = measure(detector, crawl)
            seconds[name].append(time.perf_counter() - started)
    rows = {name: {**counts[name], "seconds": round(statistics.median(seconds[name]), 1)} for name in variants}
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "pair": args.pair,
        "system": args.system,
        "documents": len(crawl),
        "repeats": args.repeats,
        "variants": rows,
    }
    lines = [
        "# Batch --lm with a reference index: the sentences a source explains are not read",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- crawl: {len(crawl)} 20-line blocks of WMT23 {args.pair} as {args.system} translated them; reference index: the"
        f" same blocks of the human reference; `score --lm` (candidates), median of {args.repeats} interleaved repeats",
        "",
        "| scored | sentences | read by the LM | seconds | flagged spun | with LM evidence | aligned with a source | with copied_from evidence |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {k} | {v['sentences']} | {v['read_by_lm']} | {v['seconds']} | {v['flagged_spun']} | {v['lm_evidence']} | {v['copied_from']} | {v['copied_from_evidence']} |"
            for k, v in rows.items()
        ],
        "",
    ]
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
