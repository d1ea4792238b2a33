"""Whole documents for document-level fitting and evaluation: blocks of real text, and spun copies.

Validation documents fit the document head (a multinomial logistic regression over sentence
scores); test documents measure document accuracy. Held-out generators appear in test only.
A document is one block (10 lines), or with `blocks_per_document=k` k blocks of one text that
follow each other in the split: news articles run longer than a block, and a document's verdict
rests on all of it. In WMT18 (all test) such blocks are adjacent lines; in WMT23, whose blocks are
split at random, they are the split's next blocks of the same file (the human false-positive
report joins only blocks that follow each other: `adjacent_runs`).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from detector.labels import VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN

from .sources import TEST, VALIDATION, Block

# A spun document has at least this many sentences with enough swaps to count as spun.
MIN_SPUN_SENTENCES = 2


@dataclass(frozen=True)
class LabelledDocument:
    generator: str
    expected: str
    text: str


def make_documents(
    builder, split: str, per_kind: int, seed: int, held_out: tuple[str, ...] = (), blocks_per_document: int = 1
) -> list[LabelledDocument]:
    """Up to `per_kind` documents per generator (and per spinner, from human ones) of
    `blocks_per_document` blocks each."""
    rng = random.Random(f"{seed}-{split}-documents")
    blocks = join_blocks([b for b in builder.blocks if b.split == split and len(b.lines) >= 4], blocks_per_document)
    by_gen = defaultdict(list)
    for b in blocks:
        by_gen[b.generator].append(b)
    docs = []
    for gen, group in sorted(by_gen.items()):
        if gen in held_out and split != TEST:
            continue
        expected = VERDICT_MACHINE_TRANSLATED if group[0].machine_translated else VERDICT_CLEAN
        for b in rng.sample(group, min(per_kind, len(group))):
            docs.append(LabelledDocument(gen, expected, "\n".join(b.lines)))
    spinners = [("spinner-embedding", builder.embedding_spinner), ("spinner-tortured", builder.tortured_spinner)]
    if split != TEST and builder.pivot_spinner is not None:  # test documents stay comparable across releases
        spinners.append(("spinner-pivot", builder.pivot_spinner))
    for name, spinner in spinners:
        if name in held_out and split != TEST:
            continue
        docs += spun_documents(by_gen["human"], spinner, name, per_kind, builder.config.min_spun_swaps, rng)
    return docs


def head_fitting_documents(config) -> dict[int, list[LabelledDocument]]:
    """The validation documents the document heads are fitted on, by their length in blocks
    (`config.document_blocks`, `document_examples` per generator, held-out generators left out)."""
    from .corpus import CorpusBuilder

    builder, held_out = CorpusBuilder(config.corpus), tuple(config.corpus.held_out_generators)
    return {
        blocks: make_documents(builder, VALIDATION, config.document_examples, config.seed, held_out, blocks_per_document=blocks)
        for blocks in config.document_blocks
    }


def join_blocks(blocks: list[Block], size: int) -> list[Block]:
    """Runs of `size` consecutive blocks of one text (one file, one generator), each as one block;
    a text's last blocks that do not fill a run are left out. `size` 1 gives `blocks` unchanged."""
    if size == 1:
        return blocks
    runs = []
    for group in _by_text(blocks):
        runs += [_joined(group[i : i + size]) for i in range(0, len(group) - size + 1, size)]
    return runs


def adjacent_runs(blocks: list[Block], size: int) -> list[Block]:
    """Documents of consecutive lines: runs of up to `size` blocks of one text whose places in it
    follow each other (keys `text:0`, `text:1`, ...), each as one block. Unlike `join_blocks`, two
    blocks with lines between them are never joined, so no document glues two stretches of a file
    (WMT23's blocks are split at random); a run shorter than `size` is kept as it is. The human
    false-positive report's documents: the issue asks for consecutive lines."""
    documents = []
    for group in _by_text(blocks):
        run: list[Block] = []
        for b in sorted(group, key=_place):
            if run and (len(run) == size or _place(b) != _place(run[-1]) + 1):
                documents.append(_joined(run))
                run = []
            run.append(b)
        if run:
            documents.append(_joined(run))
    return documents


def _by_text(blocks: list[Block]) -> list[list[Block]]:
    """The blocks of each text (one file's lines, one generator), in the order given."""
    by_text: dict[tuple[str, str], list[Block]] = defaultdict(list)
    for b in blocks:
        by_text[(b.key.rsplit(":", 1)[0], b.generator)].append(b)
    return list(by_text.values())


def _place(block: Block) -> int:
    """Where a block stands in its text: its key's number (`text:3` is the fourth block)."""
    return int(block.key.rsplit(":", 1)[1])


def _joined(run: list[Block]) -> Block:
    lines = tuple(line for b in run for line in b.lines)
    return Block(run[0].key, run[0].source, run[0].generator, run[0].machine_translated, lines, run[0].split)


def spun_documents(humans, spinner, name: str, per_kind: int, min_swaps: int, rng: random.Random) -> list[LabelledDocument]:
    """Up to `per_kind` spun copies of human blocks, each with at least MIN_SPUN_SENTENCES sentences
    that count as spun (`min_swaps` swaps, as in the sentence corpus). A spinner whose thesaurus
    barely matches a block leaves it human; such a copy is skipped, not labelled spun."""
    docs = []
    for b in rng.sample(humans, len(humans)):
        if len(docs) >= per_kind:
            break
        spun = [spinner.spin(line, rng) for line in b.lines]
        if sum(len(s.spans) >= min_swaps for s in spun) >= MIN_SPUN_SENTENCES:
            docs.append(LabelledDocument(name, VERDICT_SPUN, "\n".join(s.text for s in spun)))
    return docs
