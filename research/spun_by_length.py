"""Does the spun probability grow with a sentence's length, for human and spun sentences alike? (validation only)

    python research/spun_by_length.py --out research/spun-by-length

Human news nobody here wrote (research/unseen-human-news.md: 350 ABC articles of 2001) is called
spun 9-12% of the time, with middling spun probabilities on its long sentences summed by the
document head. This measures, on validation blocks, the shipped classifier's spun probability by a
sentence's words: for human lines, and for the same lines through each spinner (a line counts as
spun with the corpus's minimum of swaps), with the ROC-AUC of spun against human inside each length
band. A probability that rises with length for human lines while the AUC holds says the length
trend is a calibration matter (one probability scale for every length), not lost evidence.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector import Detector  # noqa: E402
from detector.labels import SPUN  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.corpus import CorpusBuilder  # noqa: E402
from training.sources import VALIDATION  # noqa: E402

BANDS = ((1, 14), (15, 24), (25, 34), (35, 1000))
SPINNERS = ("spinner-embedding", "spinner-pivot", "spinner-tortured")


def band(words: int) -> str:
    low, high = next(b for b in BANDS if b[0] <= words <= b[1])
    return f"{low}+" if high >= 1000 else f"{low}-{high}"


def auc(positives: list[float], negatives: list[float]) -> float | None:
    """P(a spun line outscores a human one), ties counting half."""
    if not positives or not negatives:
        return None
    ordered = sorted(negatives)
    from bisect import bisect_left, bisect_right

    wins = sum(bisect_left(ordered, p) + 0.5 * (bisect_right(ordered, p) - bisect_left(ordered, p)) for p in positives)
    return wins / (len(positives) * len(negatives))


def line_scores(detector: Detector, documents: list[list[str]]) -> list[list[float | None]]:
    """Per document, per line: the spun probability of the line's one sentence (None where the
    line is cut into several or is not scored)."""
    out = []
    for (_, report), lines in zip(detector.score_many("\n".join(d) for d in documents), documents):
        by_line = {}
        for s in report.sentences:
            by_line.setdefault(s.paragraph, []).append(s)
        out.append(
            [
                by_line[n][0].labels.get(SPUN, 0.0) if len(by_line.get(n, ())) == 1 and by_line[n][0].learned else None
                for n in range(len(lines))
            ]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--blocks", type=int, default=120, help="validation human blocks read")
    parser.add_argument("--out", default=str(ROOT / "research" / "spun-by-length"))
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    builder = CorpusBuilder(config.corpus)
    rng = random.Random(config.seed)
    humans = [b for b in builder.blocks if b.split == VALIDATION and b.generator == "human"]
    humans = rng.sample(humans, min(args.blocks, len(humans)))
    spinners = {
        "spinner-embedding": builder.embedding_spinner,
        "spinner-pivot": builder.pivot_spinner,
        "spinner-tortured": builder.tortured_spinner,
    }
    detector = Detector.from_pretrained()
    groups: dict[str, list[tuple[int, float]]] = {"human": []}
    for doc, scores in zip(humans, line_scores(detector, [b.lines for b in humans])):
        groups["human"] += [(len(line.split()), p) for line, p in zip(doc.lines, scores) if p is not None]
    for name in SPINNERS:
        spun = [[spinners[name].spin(line, rng) for line in b.lines] for b in humans]
        texts = [[s.text for s in d] for d in spun]
        groups[name] = [
            (len(s.text.split()), p)
            for d, scores in zip(spun, line_scores(detector, texts))
            for s, p in zip(d, scores)
            if p is not None and len(s.spans) >= config.corpus.min_spun_swaps
        ]
    rows = []
    for low, high in BANDS:
        name = band(low)
        human = [p for w, p in groups["human"] if low <= w <= high]
        row = {"words": name, "human lines": len(human), "human median": statistics.median(human) if human else None}
        row["human share over 0.5"] = sum(p > 0.5 for p in human) / len(human) if human else None
        for spinner in SPINNERS:
            spun = [p for w, p in groups[spinner] if low <= w <= high]
            row[f"{spinner} lines"] = len(spun)
            row[f"{spinner} median"] = statistics.median(spun) if spun else None
            row[f"{spinner} AUC"] = auc(spun, human)
        rows.append(row)
    result = {
        "command": "python research/spun_by_length.py " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "blocks": len(humans),
        "rows": rows,
        "lines": {name: [[w, round(p, 6)] for w, p in group] for name, group in groups.items()},  # (words, spun) each line
    }
    Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    def cell(value) -> str:
        return "" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))

    header = ["words", "human lines", "human median", "human share over 0.5"]
    for spinner in SPINNERS:
        header += [f"{spinner} lines", f"{spinner} median", f"{spinner} AUC"]
    lines = [
        "# Spun probability by a sentence's length (validation only)",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {result['model']}",
        f"- {result['blocks']} validation human blocks, each line alone in its block's document and through each spinner"
        " (a spun line has the corpus's minimum of swaps); lines the segmenter cuts in two are left out",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    lines += ["| " + " | ".join(cell(r[h]) for h in header) + " |" for r in rows]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
