"""A crawl of N article-length documents for timing `detector score --provenance` end to end.

    python benchmarks/provenance_crawl.py build --n 100000 -o /tmp/crawl-100000.jsonl
    detector score /tmp/crawl-100000.jsonl --provenance -q -o /tmp/scored-100000.jsonl
    python benchmarks/provenance_crawl.py check /tmp/crawl-100000.jsonl /tmp/scored-100000.jsonl

The data holds about 9 MB of English: too little for 100,000 distinct articles, so the crawl is
built like this (benchmarks/provenance_scale.md says what it measures):

- planted pairs, with known truth: 12-line runs of English-original WMT14-17 news, each with one
  copy, verbatim (a syndication) or DeepL's real round trip through German (in turn);
- distractors, the rest: 12 lines drawn at random from every other English line of the data
  (WMT14-18 German-original news in its human, DeepL and Google translations, WMT23 references,
  sources and system outputs; about 60,000 lines). Every distractor is a document of its own that
  shares a sentence with others by chance, as news pages share quotes, and shares no story.

`check` reads the scored JSONL and counts, at this size, the planted copies whose original is
among their sources, the sources of planted documents that are not their pair, and the sources
reported for distractors.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.config import DEFAULT_DATA_DIR  # noqa: E402

DOC_LINES = 12
PLANTED_YEARS = ("wmt14", "wmt15", "wmt16", "wmt17")  # the years with DeepL round trips
COPY_KINDS = ("verbatim", "deepl-roundtrip")


def _lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]


def planted(data_dir: Path) -> list[dict]:
    """Originals and their copies, in pairs: {'id', 'text'} records, the copy's id naming its original."""
    out, k = [], 0
    for year in PLANTED_YEARS:
        folder = data_dir / "wmt-ht-mt" / "train"
        human = _lines(folder / f"{year}.en-original.human.en")
        deepl = _lines(folder / f"{year}.en-original.via-human-de.deepl.en")
        for lo in range(0, len(human) - DOC_LINES + 1, DOC_LINES):
            run = human[lo : lo + DOC_LINES]
            if not all(run):
                continue
            kind = COPY_KINDS[k % len(COPY_KINDS)]
            k += 1
            copy = run if kind == "verbatim" else deepl[lo : lo + DOC_LINES]
            original_id = f"original:{year}:{lo}"
            out += [{"id": original_id, "text": "\n".join(run)}, {"id": f"copy:{kind}:{original_id}", "text": "\n".join(copy)}]
    return out


def distractor_pool(data_dir: Path) -> list[str]:
    """Every English line of the data that is not English-original WMT news (the planted stories' files)."""
    files = sorted((data_dir / "wmt-ht-mt").glob("*/*.de-original.*.en")) + sorted((data_dir / "wmt23").glob("*.en"))
    return sorted({x for path in files for x in _lines(path) if x})


def original_of(copy_id: str) -> str:
    """The id of the original a planted copy was made from ("copy:<kind>:original:...")."""
    return copy_id.split(":", 2)[2]


def build(data_dir: Path, n: int, seed: int = 0, pool_lines: int | None = None):
    """Yield N records: the planted pairs first (as many as fit), then distractors. `pool_lines`:
    draw the distractors from that many lines of the pool, chosen at random (default: all of it)."""
    pairs = planted(data_dir)[: n - n % 2]
    yield from pairs
    rng = random.Random(seed)
    pool = distractor_pool(data_dir)
    if pool_lines is not None:
        rng.shuffle(pool)
        pool = pool[:pool_lines]
    for i in range(n - len(pairs)):
        yield {"id": f"distractor:{i}", "text": "\n".join(rng.sample(pool, DOC_LINES))}


def check(scored: Path) -> dict:
    """What provenance found among the planted pairs and the distractors."""
    copies = found = wrong = distractor_sources = distractors = 0
    for line in scored.open(encoding="utf-8"):
        record = json.loads(line)
        doc_id = record["id"]
        sources = {s["id"] for s in record.get("sources") or []}
        if doc_id.startswith("distractor:"):
            distractors += 1
            distractor_sources += len(sources)
            continue
        partner = original_of(doc_id) if doc_id.startswith("copy:") else None
        if partner is not None:
            copies += 1
            found += partner in sources
            wrong += len(sources - {partner})
        else:
            wrong += sum(1 for s in sources if not s.endswith(doc_id))
    return {
        "planted_copies": copies,
        "copies_whose_original_is_a_source": found,
        "planted_sources_not_their_pair": wrong,
        "distractors": distractors,
        "sources_reported_for_distractors": distractor_sources,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("build", help="write the crawl as JSONL")
    make.add_argument("--n", type=int, required=True)
    make.add_argument("-o", "--out", required=True)
    make.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    make.add_argument("--seed", type=int, default=0)
    read = sub.add_parser("check", help="count what provenance found in a scored crawl")
    read.add_argument("crawl")
    read.add_argument("scored")
    args = parser.parse_args()
    if args.command == "build":
        with open(args.out, "w", encoding="utf-8") as out:
            for record in build(Path(args.data_dir), args.n, args.seed):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        print(json.dumps(check(Path(args.scored))))


if __name__ == "__main__":
    main()
