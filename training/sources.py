"""Reading the shared news data (WMT human vs machine translation) into split-aware document blocks.

The files are one sentence (or paragraph) a line, documents one after another, and files that
share a prefix are line-aligned translations of the same source. A block of consecutive lines is
the unit of splitting: its key is the same for every system that translated those lines, so no
source sentence lands in both train and test. WMT18 is the held-out test year.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from detector.text.words import normalise

TRAIN, VALIDATION, TEST = "train", "validation", "test"

# file-name part -> (generator, is machine translated)
WMT_KINDS = {
    "en-original.human": ("human", False),
    "de-original.human-translation": ("human-translation", False),
    "de-original.deepl": ("deepl", True),
    "de-original.google": ("google", True),
    "en-original.via-human-de.deepl": ("deepl-roundtrip", True),
}
WMT23_KINDS = {
    "human-reference": ("human-translation", False),
    "GPT4-5shot": ("gpt4", True),
    "NLLB_Greedy": ("nllb", True),
    "ONLINE-B": ("online-b", True),
}


@dataclass(frozen=True)
class Block:
    """Consecutive lines of one system's output for one stretch of one test set."""

    key: str  # shared by every system's version of these lines
    source: str  # e.g. wmt17, wmt23-de
    generator: str
    machine_translated: bool
    lines: tuple[str, ...]
    split: str

    @property
    def doc_id(self) -> str:
        return f"{self.key}/{self.generator}"


def split_of(key: str, validation_share: float, test_share: float = 0.0) -> str:
    """A stable split from the block key (the same key always lands in the same split)."""
    bucket = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < test_share:
        return TEST
    return VALIDATION if bucket < test_share + validation_share else TRAIN


def _blocks(path: Path, prefix: str, source: str, generator: str, mt: bool, size: int, split) -> Iterator[Block]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    for start in range(0, len(lines), size):
        chunk = tuple(line for line in lines[start : start + size] if line)
        if chunk:
            key = f"{prefix}:{start // size}"
            yield Block(key, source, generator, mt, chunk, split(key))


def wmt_blocks(data_dir: str | Path, block_lines: int, validation_share: float) -> Iterator[Block]:
    """WMT14-17 (train/validation) and WMT18 (test) from wmt-ht-mt/."""
    root = Path(data_dir) / "wmt-ht-mt"
    for folder in ("train", "dev"):
        for path in sorted((root / folder).glob("wmt*.en")):
            m = re.match(r"(wmt\d\d)\.(.+)\.en$", path.name)
            if not m or m.group(2) not in WMT_KINDS:
                continue
            year, kind = m.groups()
            generator, mt = WMT_KINDS[kind]
            origin = kind.split("-", 1)[0]  # en or de: files with the same origin are aligned
            split = (lambda key: TEST) if folder == "dev" else (lambda key: split_of(key, validation_share))
            yield from _blocks(path, f"{year}-{origin}", year, generator, mt, block_lines, split)


def wmt23_blocks(data_dir: str | Path, block_lines: int, validation_share: float, test_share: float = 0.1) -> Iterator[Block]:
    """WMT23 references and system outputs from wmt23/, split by block."""
    root = Path(data_dir) / "wmt23"
    split = lambda key: split_of(key, validation_share, test_share)  # noqa: E731
    original = root / "en-original.human.en"
    if original.exists():
        yield from _blocks(original, "wmt23-en", "wmt23-en", "human", False, block_lines, split)
    for path in sorted(root.glob("*-en.*.en")):
        m = re.match(r"([a-z]{2})-en\.(.+)\.en$", path.name)
        if not m or m.group(2) not in WMT23_KINDS:
            continue
        lang, kind = m.groups()
        generator, mt = WMT23_KINDS[kind]
        yield from _blocks(path, f"wmt23-{lang}", f"wmt23-{lang}", generator, mt, block_lines, split)


def all_blocks(data_dir: str | Path, block_lines: int, validation_share: float) -> list[Block]:
    if not (Path(data_dir) / "wmt-ht-mt").is_dir():
        raise FileNotFoundError(f"no training data under {data_dir}: expected wmt-ht-mt/ and wmt23/ (set corpus.data_dir)")
    return [*wmt_blocks(data_dir, block_lines, validation_share), *wmt23_blocks(data_dir, block_lines, validation_share)]


@dataclass(frozen=True)
class TorturedPhrase:
    expected: str
    tortured: str


def tortured_phrases(data_dir: str | Path) -> list[TorturedPhrase]:
    """Expected -> tortured phrase pairs, parsed from the screener's query syntax.

    A query like '"surface region" AND "surface area"' names the tortured phrase first; AND/NOT
    parts and ~N proximity operators are conditions of the screener, not parts of the phrase.
    """
    import csv

    path = Path(data_dir) / "tortured-phrases" / "tortured.csv"
    pairs = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            quoted = re.findall(r'"([^"]+)"', row.get("tortured_phrase", ""))
            expected = (row.get("expected_phrase") or "").strip().lower()
            if not quoted or not expected:
                continue
            tortured = re.sub(r"~\d+", "", quoted[0]).strip().lower()
            if tortured and tortured != expected:
                pairs.append(TorturedPhrase(expected, tortured))
    return pairs


def machine_translation_lines(data_dir: str | Path, min_words: int = 5) -> frozenset[str]:
    """Every machine translation system's output line of the data (normalised, `min_words` words or
    more: shorter lines such as "Photo: Reuters" match by chance). A human reference line found
    here word for word is one a system wrote the same: a reference that kept a system's
    translation, or a plain sentence that any translator would put so."""
    lines: set[str] = set()
    for path in [*(Path(data_dir) / "wmt23").glob("*.en"), *(Path(data_dir) / "wmt-ht-mt").glob("*/*.en")]:
        if "human" not in path.name:
            lines |= {normalise(x) for x in path.read_text(encoding="utf-8").splitlines() if len(x.split()) >= min_words}
    return frozenset(lines)
