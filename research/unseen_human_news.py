"""Human news nobody here wrote, scored as a user would: how often is it called anything but clean?

    python research/unseen_human_news.py --lee PATH/TO/gensim/test/test_data --out research/unseen-human-news

The human false-positive report (reports/human-false-positives.md) reads WMT's test year, whose
style the model has seen in other years. This reads human news from a publisher and a year the
model never saw: the Lee corpus (Lee, Pincombe and Welsh 2005: 350 articles of the Australian
Broadcasting Corporation's news, 2001, one article a line), which gensim ships in its wheel under
`gensim/test/test_data/` (`lee_background.cor`, `lee.cor`; `pip download --no-deps gensim`, then
unzip). Nothing is fitted here and nothing is committed of the text: only counts and a short excerpt
of each document called other than clean. `--folder` scores any folder of documents the same way.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector import Detector  # noqa: E402
from detector.labels import ARTIFACT_TYPES, SPUN  # noqa: E402
from detector.text.words import excerpt  # noqa: E402

LEE_FILES = ("lee_background.cor", "lee.cor")
LENGTHS = ((1, 3), (4, 6), (7, 9), (10, 10_000))
WORD_BINS = ((0, 15), (15, 25), (25, 35), (35, 10_000))
LM_RUNS = {
    None: "without the language model",
    "candidates": "with `score --lm` (the language model reads suspect sentences; the default head judges)",
    "all": "with `serve --lm` or `score --lm --lm-every-sentence` (every sentence read; the head that reads it judges)",
}


def lee_documents(folder: Path) -> list[tuple[str, str]]:
    """(id, text) of each article: one a line, Latin-1 as the corpus is written."""
    docs = []
    for name in LEE_FILES:
        lines = (folder / name).read_text(encoding="latin-1").splitlines()
        docs += [(f"{name}:{n + 1}", line.strip()) for n, line in enumerate(lines) if line.strip()]
    return docs


def folder_documents(folder: Path) -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in sorted(folder.iterdir()) if p.is_file()]


def span(n: int) -> str:
    low, high = next(b for b in LENGTHS if b[0] <= n <= b[1])
    return f"{low} or more" if high > 1000 else f"{low}-{high}"


def measure(detector: Detector, docs: list[tuple[str, str]], lm: str | None) -> dict:
    """What `detector` calls the documents; `lm`: how the language model read them (None: not at all)."""
    reports = [report for _, report in detector.score_many(text for _, text in docs)]
    verdicts: dict[str, Counter] = {}
    for report in reports:
        verdicts.setdefault(span(report.content_sentences), Counter())[report.verdict] += 1
    sentences = [s for r in reports for s in r.sentences]
    flags = Counter(t for s in sentences for t in s.flagged_types(detector.config.threshold))
    by_words = []
    for low, high in WORD_BINS:
        spun = [s.labels.get(SPUN, 0.0) for s in sentences if s.learned and low <= len(s.text.split()) < high]
        if spun:
            by_words.append(
                {"words": f"{low}+" if high > 1000 else f"{low}-{high - 1}", "sentences": len(spun), "median": statistics.median(spun)}
            )
    called = [
        {
            "id": doc_id,
            "content": r.content_sentences,
            "verdict": r.verdict,
            "score": round(r.score, 3),
            "opening": excerpt(r.sentences[0].text, 70),
        }
        for (doc_id, _), r in zip(docs, reports)
        if r.verdict != "clean"
    ]
    return {
        "lm": lm,
        "documents": len(reports),
        "sentences": len(sentences),
        "verdicts": {k: dict(v) for k, v in sorted(verdicts.items(), key=lambda kv: int(kv[0].split("-")[0].split()[0]))},
        "flags_per_1000": {t: round(1000 * flags.get(t, 0) / max(1, len(sentences)), 2) for t in ARTIFACT_TYPES},
        "spun_by_sentence_words": by_words,
        "called": called,
    }


def markdown(result: dict) -> str:
    lines = [
        "# Human news nobody here wrote: how often is it called anything but clean",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; model: {result['model']}; source: {result['source']}",
        "",
    ]
    for run in result["runs"]:
        name = LM_RUNS[run["lm"]]
        lines += [f"## {name}: {run['documents']} documents, {run['sentences']} sentences", ""]
        lines += [
            "| content sentences | documents | called clean | spun | machine_translated | not clean |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for length, counts in run["verdicts"].items():
            total = sum(counts.values())
            lines.append(
                f"| {length} | {total} | {counts.get('clean', 0)} | {counts.get('spun', 0)} | {counts.get('machine_translated', 0)}"
                f" | {1 - counts.get('clean', 0) / total:.3f} |"
            )
        everyone = sum(sum(c.values()) for c in run["verdicts"].values())
        clean = sum(c.get("clean", 0) for c in run["verdicts"].values())
        lines += [f"| all | {everyone} | {clean} | | | {1 - clean / everyone:.3f} |", ""]
        lines += ["Flags per 1,000 sentences: " + ", ".join(f"{t} {v}" for t, v in run["flags_per_1000"].items()), ""]
        lines += [
            "Median spun probability of a sentence, by its words: "
            + ", ".join(f"{b['words']} words {b['median']:.3f} ({b['sentences']})" for b in run["spun_by_sentence_words"]),
            "",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--lee", type=Path, help="the folder holding lee_background.cor and lee.cor")
    source.add_argument("--folder", type=Path, help="a folder of documents, one a file")
    parser.add_argument(
        "--lm", action="store_true", help="also score with the language model: as batch --lm reads, and reading every sentence"
    )
    parser.add_argument("--model", default="default", help="a model folder (default: the shipped model)")
    parser.add_argument("--out", default=str(ROOT / "research" / "unseen-human-news"))
    args = parser.parse_args()
    docs = lee_documents(args.lee) if args.lee else folder_documents(args.folder)
    detector = Detector.from_pretrained(args.model)
    runs = [measure(detector, docs, lm=None)]
    if args.lm:
        batch = Detector.from_pretrained(args.model, lm="candidates")
        runs.append(measure(batch, docs, lm="candidates"))
        every = Detector.from_pretrained(args.model, lm="all")
        runs.append(measure(every, docs, lm="all"))
    result = {
        "command": "python research/unseen_human_news.py " + " ".join(a if not a.startswith("/") else Path(a).name for a in sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "source": "the Lee corpus (ABC news, 2001)" if args.lee else args.folder.name,
        "runs": runs,
    }
    Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    Path(args.out).with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
