"""Should a short document be called spun only where one of its sentences supports it? (validation only)

    python research/short_spun_support.py --out research/short-spun-support

Ten BBC articles scored as a new user would (XSum's sample) gave one false verdict: a 6-sentence
football report called spun at 0.98 against its bar of 0.97 with no sentence flagged. The check
half of reports/short-documents.md shows the same: 5-16% of short native English texts called
something, most of them spun, none with a spun-flagged sentence. This measures a rule that would
veto such calls: a document under ten content sentences is called spun only if some sentence's
spun probability reaches a support bar. Clean validation blocks and spun copies of validation human
blocks (the training spinner, the pivot spinner and the tortured-phrase spinner) are cut to their
first 2-10 lines, as training/fit_short_bars.py cuts them, and scored with the shipped head and bars.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector import Detector  # noqa: E402
from detector.labels import SPUN  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.corpus import CorpusBuilder  # noqa: E402
from training.documents import spun_documents  # noqa: E402
from training.fit_short_bars import BUCKETS, CUTS, SPANS, bucket, head_call  # noqa: E402
from training.sources import VALIDATION  # noqa: E402

SUPPORT_BARS = (0.0, 0.3, 0.5, 0.7, None)  # None: a sentence flagged spun at the threshold


def scored(detector, texts: list[tuple[str, str]]) -> list[dict]:
    """(group, text) -> the head's call on each, and its sentences' strongest spun probability."""
    rows = []
    for (_, report), (group, _) in zip(detector.score_many(t for _, t in texts), texts):
        call, content = head_call(detector, report), report.content_sentences
        rows.append(
            {
                "group": group,
                "content": content,
                "called": call.learned and call.score >= call.head.bar(content),
                "likelier": call.likelier,
                "max_spun": max((s.labels.get(SPUN, 0.0) for s in report.sentences if s.learned), default=0.0),
            }
        )
    return rows


def called_spun(row: dict, support: float | None, threshold: float) -> bool:
    if not (row["called"] and row["likelier"] == SPUN):
        return False
    if bucket(row["content"]) is None:  # ten content sentences or more: the rule is for short documents only
        return True
    return row["max_spun"] >= (threshold if support is None else support)


def table(rows: list[dict], threshold: float) -> list[dict]:
    out = []
    for most in (*BUCKETS, None):
        for group in sorted({r["group"] for r in rows}):
            members = [r for r in rows if r["group"] == group and bucket(r["content"]) == most]
            if not members:
                continue
            line = {"content sentences": SPANS.get(most, f"{BUCKETS[-1] + 1} or more"), "group": group, "documents": len(members)}
            for support in SUPPORT_BARS:
                name = "flagged" if support is None else f"{support:.1f}"
                line[name] = round(sum(called_spun(r, support, threshold) for r in members) / len(members), 3)
            out.append(line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--spun-per-spinner", type=int, default=60)
    parser.add_argument("--out", default=str(ROOT / "research" / "short-spun-support"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    builder = CorpusBuilder(config.corpus)
    blocks = [b for b in builder.blocks if b.split == VALIDATION and len(b.lines) >= max(CUTS)]
    clean = [(b.generator, b.lines) for b in blocks if not b.machine_translated]
    rng = random.Random(config.seed)
    humans = [b for b in blocks if b.generator == "human"]
    spun = []
    for name in ("spinner-embedding", "spinner-pivot", "spinner-tortured"):
        spinner = {"spinner-embedding": builder.embedding_spinner, "spinner-pivot": builder.pivot_spinner}.get(
            name
        ) or builder.tortured_spinner
        spun += [
            (name, d.text.split("\n"))
            for d in spun_documents(humans, spinner, name, args.spun_per_spinner, config.corpus.min_spun_swaps, rng)
        ]
    texts = [(group, "\n".join(lines[:k])) for group, lines in clean + spun for k in CUTS]
    detector = Detector.from_pretrained()
    threshold = detector.config.threshold
    rows = table(scored(detector, texts), threshold)
    result = {
        "command": "python research/short_spun_support.py " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "threshold": threshold,
        "short_bars": [list(b) for b in detector.document_head.short_bars],
        "rows": rows,
    }
    Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    columns = ["flagged" if s is None else f"{s:.1f}" for s in SUPPORT_BARS]
    lines = [
        "# Short documents called spun: with and without a sentence that supports it",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {result['model']}",
        f"- validation only: blocks cut to their first {CUTS[0]}-{CUTS[-1]} lines; bars {result['short_bars']}, threshold {threshold:.4f}",
        "- share of documents called spun, where a document under ten content sentences needs a sentence whose spun"
        " probability reaches the support bar (0.0: no rule, today; flagged: a sentence flagged spun at the threshold)",
        "",
        "| content sentences | group | documents | " + " | ".join(f"support {c}" for c in columns) + " |",
        "|---|---|---:|" + "---:|" * len(columns),
    ]
    lines += [
        f"| {r['content sentences']} | {r['group']} | {r['documents']} | " + " | ".join(f"{r[c]:.3f}" for c in columns) + " |" for r in rows
    ]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
