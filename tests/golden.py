"""The golden outputs: what the shipped model says about the seeds and a few hundred real documents.

A refactoring must leave every JSONL record as it was (numbers within one unit of their last
printed decimal, everything else equal). The documents are built here from the data directory (never copied into the repository):
consecutive lines of WMT18 (native English, human translation, DeepL, Google) and WMT23 (native
English, human reference, ONLINE-B, GPT-4), a few of them wrapped in HTML so the HTML path is
covered too.

    python -m tests.golden --write     # regenerate (only when the output is meant to change)
"""

from __future__ import annotations

import gzip
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SEEDS_FILE = GOLDEN / "seeds.jsonl"
DOCUMENTS_FILE = GOLDEN / "documents.jsonl.gz"
DATA_ENV = "MILLCHECK_DATA_DIR"  # the same variable training reads (training.config)
# Records round probabilities to 4 decimals, so a change of 1e-7 in a probability (another CPU's
# kernels: AVX2 against AVX-512 moved 9 of about 30,000 printed numbers) moves the printed number by
# 1e-4. A number may differ by one unit of the last printed decimal; a flag, a verdict or any other
# field may not.
TOLERANCE = 1e-4 + 1e-9
# Keys a record may gain without changing behaviour (the format's version, added with it).
ADDED_KEYS = frozenset({"format_version"})

_FILES = (
    ("wmt-ht-mt/dev/wmt18.en-original.human.en", 40),
    ("wmt-ht-mt/dev/wmt18.de-original.human-translation.en", 40),
    ("wmt-ht-mt/dev/wmt18.de-original.deepl.en", 40),
    ("wmt-ht-mt/dev/wmt18.de-original.google.en", 40),
    ("wmt23/en-original.human.en", 25),
    ("wmt23/de-en.human-reference.en", 25),
    ("wmt23/de-en.ONLINE-B.en", 25),
    ("wmt23/de-en.GPT4-5shot.en", 25),
)
LINES_PER_DOCUMENT = 10


def data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or ROOT.parent / "shared" / "data")


def documents(directory: Path) -> list[dict]:
    """`{"id", "text"}` or `{"id", "html"}` records: evenly spaced 10-line runs of each file."""
    records = []
    for name, count in _FILES:
        lines = [line.strip() for line in (directory / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        step = max(LINES_PER_DOCUMENT, (len(lines) - LINES_PER_DOCUMENT) // count)
        for k in range(count):
            lo = k * step
            run = lines[lo : lo + LINES_PER_DOCUMENT]
            if len(run) < LINES_PER_DOCUMENT:
                break
            key = f"{Path(name).name}:{lo}"
            if k % 10 == 9:  # every tenth as an HTML page: paragraphs and a caption
                body = "".join(f"<p>{line}</p>" for line in run[1:])
                html = f"<html><body><article><h1>{run[0]}</h1>{body}<figure><figcaption>{run[1]}</figcaption></figure></article></body></html>"
                records.append({"id": key, "html": html})
            else:
                records.append({"id": key, "text": "\n".join(run)})
    return records


def seed_records() -> list[dict]:
    return [{"id": p.name, "text": p.read_text(encoding="utf-8")} for p in sorted((ROOT / "seeds").glob("*.txt"))]


def score_records(detector, records: list[dict]) -> list[dict]:
    from detector.io.records import TextRecord

    inputs = [TextRecord(id=r["id"], text=r.get("text"), html=r.get("html")) for r in records]
    return [report.to_dict() for _, report in detector.score_many(inputs)]


def read(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def differences(expected, actual, where: str = "") -> list[str]:
    """Where `actual` departs from `expected`: numbers by more than TOLERANCE, anything else at all."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in expected and key in ADDED_KEYS:
                continue
            if key not in expected or key not in actual:
                out.append(f"{where}.{key}: {'added' if key not in expected else 'missing'}")
                continue
            out += differences(expected[key], actual[key], f"{where}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} items, now {len(actual)}"]
        return [d for k, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{where}[{k}]")]
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers) and not isinstance(expected, bool):
        if math.isclose(expected, actual, rel_tol=0.0, abs_tol=TOLERANCE):
            return []
        return [f"{where}: {expected!r} -> {actual!r}"]
    return [] if expected == actual else [f"{where}: {expected!r} -> {actual!r}"]


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__)
        return 2
    from detector import Detector

    detector = Detector.from_pretrained()
    write(SEEDS_FILE, score_records(detector, seed_records()))
    write(DOCUMENTS_FILE, score_records(detector, documents(data_dir())))
    print(f"wrote {SEEDS_FILE} and {DOCUMENTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
