"""Probe: which sentences must batch scoring's language model read (`--lm`, candidates mode)?

    python research/lm_candidates.py [--blocks 60] [--human-blocks 300] [--data-dir ../shared/data]

The LM's features feed the spun stack only (machine translation gains nothing from them:
research/lm-document-mt.md), so a sentence needs the LM when the stack could flag it or the
finder name one of its words. Validation only: fit_lm_stack's validation lines and its human
pool, with the LM's cached readings (`python -m training.fit_lm_stack` writes them). A line is
read when its classifier probability reaches a bar (spun alone, or any learned type as shipped
before), the token head marks a word in it, or it holds a word general English never uses. For
each bar: the share of lines read, of the lines the stack flags that are read, and of the lines
with the finder's evidence that are read. Then the LM's read time on the throughput benchmark's
first `--speed-docs` documents with each rule and with every sentence (3 interleaved repeats,
medians): the LM reads a document in windows, and a window is read whenever one of its sentences
is wanted, so reading fewer sentences saves less than their share. Writes research/lm-candidates.md
and .json.
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
from detector.evidence.improbable_words import has_unknown_word  # noqa: E402
from detector.labels import MACHINE_TRANSLATED, SPUN  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402
from training.config import CorpusConfig  # noqa: E402
from training.fit_lm_stack import DEFAULT_DATA_DIR, cached_readings, cases, features, human_pool, scored_words  # noqa: E402

BARS = (0.01, 0.02, 0.03, 0.05, 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--human-blocks", type=int, default=300)
    parser.add_argument("--speed-docs", type=int, default=16, help="documents whose LM read is timed (0: none)")
    args = parser.parse_args()
    from detector import Detector

    cache = Path(CorpusConfig().cache_dir)
    rows = cases(Path(args.data_dir), "validation", args.blocks)
    pool = human_pool(Path(args.data_dir), "validation", args.human_blocks, rows)
    words = cached_readings(rows, cache / f"lm-readings-validation-{args.blocks}.pkl")
    words += cached_readings(pool, cache / f"lm-readings-validation-human-{args.human_blocks}.pkl")
    rows += pool
    detector = Detector.from_pretrained(args.model)
    predictor = detector.predictor
    probs, marked_words = predictor.predict_with_words([r["text"] for r in rows], [r["around"] for r in rows])
    spun = probs[:, predictor.config.outputs.index(SPUN)]
    mt = probs[:, predictor.config.outputs.index(MACHINE_TRANSLATED)]
    stack = LMStack.load(args.model)
    lm_features = features(scored_words(words, stack.word_scoring), stack.mark_bar)
    flagged = stack.apply(spun, lm_features) >= detector.config.threshold
    evidence = (lm_features[:, 0] >= stack.word_bar) | (flagged & (lm_features[:, 0] >= stack.mark_bar))
    always = np.array([bool(m) or has_unknown_word(r["text"]) for r, m in zip(rows, marked_words)])
    kinds = np.array([r["kind"] for r in rows])
    spun_evidence = evidence & (kinds != "human")
    selections = {"spun or machine_translated >= 0.05 (shipped before)": (spun >= 0.05) | (mt >= 0.05) | always}
    selections.update({f"spun >= {bar}": (spun >= bar) | always for bar in BARS})
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "lines": {k: int((kinds == k).sum()) for k in sorted(set(kinds))},
        "flagged": int(flagged.sum()),
        "with_evidence": int(evidence.sum()),
        "with_evidence_spun": int(spun_evidence.sum()),
        "selections": {
            name: {
                "read": float(sel.mean()),
                "human_read": float(sel[kinds == "human"].mean()),
                "flagged_read": float(sel[flagged].mean()),
                "evidence_read": float(sel[evidence].mean()),
                "spun_evidence_read": float(sel[spun_evidence].mean()),
            }
            for name, sel in selections.items()
        },
    }
    lines = [
        "# Which sentences batch scoring's language model reads",
        "",
        f"- command: `{result['command']}`; date: {result['date']}",
        "- validation only: fit_lm_stack's validation lines and human pool ("
        + ", ".join(f"{k} {n}" for k, n in result["lines"].items())
        + f"); the stack flags {result['flagged']}, the finder gives evidence on {result['with_evidence']}"
        f" ({result['with_evidence_spun']} of them spun lines)",
        "- every selection also reads a line whose words the token head marks or that holds a word general English never uses",
        "",
        "| read when | lines read | human lines read | flagged lines read | lines with evidence read | spun lines with evidence read |",
        "|---|---:|---:|---:|---:|---:|",
        *[
            f"| {name} | {s['read']:.3f} | {s['human_read']:.3f} | {s['flagged_read']:.3f} | {s['evidence_read']:.3f} | {s['spun_evidence_read']:.3f} |"
            for name, s in result["selections"].items()
        ],
        "",
    ]
    if args.speed_docs:
        result["speed"] = read_times(args.model, args.data_dir, args.speed_docs)
        lines += [
            f"LM read time, the throughput benchmark's first {args.speed_docs} documents (median of 3 interleaved repeats):",
            "",
            "| read when | sentences read | seconds |",
            "|---|---:|---:|",
            *[f"| {name} | {r['read']} of {r['sentences']} | {r['seconds']:.1f} |" for name, r in result["speed"].items()],
            "",
        ]
    write_report(ROOT / "research" / "lm-candidates", lines, result)


def read_times(model: str, data_dir: str, n: int) -> dict:
    """The LM's read time of `n` documents: the sentences the shipped rule wants, those the rule
    used before wanted (any learned type >= 0.05), and every sentence."""
    import statistics
    import time

    from benchmarks.throughput import documents
    from detector import Detector
    from detector.labels import ARTIFACT_TYPES, LEARNED_TYPES
    from detector.pipeline import lm_candidates

    detector = Detector.from_pretrained(model, lm="candidates")
    docs = [detector.to_document(t) for t in documents(n, Path(data_dir))]
    scores = detector.scorer.score(docs)
    learned = [ARTIFACT_TYPES.index(t) for t in LEARNED_TYPES]

    def before(doc, s):
        suspected = (s.probs[:, learned] >= 0.05).any(axis=1)
        return [x.index for x in doc.sentences if suspected[x.index] or s.words[x.index] or has_unknown_word(x.text)]

    wanted = {
        "spun or machine_translated >= 0.05 (before)": [before(d, s) for d, s in zip(docs, scores)],
        "spun >= 0.03 (shipped)": [lm_candidates(d, s) for d, s in zip(docs, scores)],
        "every sentence (the editor)": [[x.index for x in d.sentences] for d in docs],
    }
    detector.lm_finder.read(docs[:2])  # warm-up
    seconds: dict[str, list[float]] = {k: [] for k in wanted}
    for _ in range(3):
        for name, w in wanted.items():
            started = time.perf_counter()
            detector.lm_finder.read(docs, w)
            seconds[name].append(time.perf_counter() - started)
    total = sum(len(d.sentences) for d in docs)
    return {k: {"read": sum(map(len, w)), "sentences": total, "seconds": statistics.median(seconds[k])} for k, w in wanted.items()}


if __name__ == "__main__":
    main()
