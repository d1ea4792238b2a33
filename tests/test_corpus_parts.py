"""The pieces the corpus is made of: data parsing, spinners, damage makers, round trips."""

import random
from pathlib import Path

import pytest

from detector.evidence.lists import GarbledListFinder
from detector.evidence.punctuation import PunctuationFinder
from detector.text.segment import segment
from training.artifacts import boilerplate_line, break_punctuation, garble_list
from training.config import DEFAULT_DATA_DIR
from training.sources import TEST, TRAIN, VALIDATION, split_of, tortured_phrases, wmt_blocks
from training.spinning import Thesaurus, WordSwapSpinner, pivot_thesaurus, tortured_thesaurus

DATA = Path(DEFAULT_DATA_DIR)
needs_data = pytest.mark.skipif(not (DATA / "wmt-ht-mt").is_dir(), reason=f"shared training data not found at {DATA}")


def test_split_is_stable_and_respects_shares():
    keys = [f"wmt15-en:{i}" for i in range(2000)]
    splits = [split_of(k, 0.1, 0.1) for k in keys]
    assert splits == [split_of(k, 0.1, 0.1) for k in keys]
    share = {s: splits.count(s) / len(splits) for s in (TRAIN, VALIDATION, TEST)}
    assert 0.07 < share[TEST] < 0.13 and 0.07 < share[VALIDATION] < 0.13


@needs_data
def test_wmt18_is_the_test_year_and_aligned_files_share_keys():
    blocks = list(wmt_blocks(DATA, 10, 0.1))
    assert {b.split for b in blocks if b.source == "wmt18"} == {TEST}
    assert TEST not in {b.split for b in blocks if b.source != "wmt18"}
    deepl = {b.key: b.split for b in blocks if b.generator == "deepl"}
    human = {b.key: b.split for b in blocks if b.generator == "human-translation"}
    assert deepl == human  # a source sentence's translations always share a split


@needs_data
def test_tortured_query_syntax_is_parsed():
    pairs = tortured_phrases(DATA)
    assert ("surface area", "surface region") in {(p.expected, p.tortured) for p in pairs}  # '"surface region" AND "surface area"'
    assert all('"' not in p.tortured and "~" not in p.tortured for p in pairs)
    assert all(p.tortured != p.expected for p in pairs)
    words = tortured_thesaurus(pairs).words
    assert "region" in words["area"]


def test_spinner_swaps_words_keeps_names_and_marks_spans():
    thesaurus = Thesaurus("t", {"large": ["huge"], "meeting": ["appointment"], "tests": ["test"]}, {"stern tests": "severe trials"})
    spinner = WordSwapSpinner(thesaurus, rate=1.0)
    out = spinner.spin("Large crowds met Putin at the meeting after stern tests.", random.Random(0))
    assert out.text == "Huge crowds met Putin at the appointment after severe trials."
    assert [out.text[a:b] for a, b in out.spans] == ["Huge", "appointment", "severe trials"]
    again = spinner.spin("Large crowds met Putin at the meeting after stern tests.", random.Random(0))
    assert again == out


def test_pivot_thesaurus_keeps_one_word_substitutions_of_round_trips():
    pairs = [
        ("The party won the vote at home.", "The group won the vote at house."),
        ("Party members came home early.", "Party members came house early."),  # home -> house again
        ("He met Smith and the tests failed.", "He met Jones and the test failed."),  # a name, an inflection
        ("It was a big deal for them.", "It was an important business for them."),  # not one word for one
        ("She said it was fine.", "She told it was fine."),  # stop words
    ]
    words = pivot_thesaurus(pairs).words
    assert words == {"home": ["house"], "party": ["group"]}
    assert pivot_thesaurus(pairs, min_count=2).words == {"home": ["house"]}
    assert pivot_thesaurus([]).words == {}


def _pivot_builder(blocks, asked):
    from training.config import CorpusConfig
    from training.corpus import CorpusBuilder

    def engine(sentences):  # stands for Marian: one fixed substitution, and a record of what it was given
        asked.extend(sentences)
        return [s.replace("crowd", "multitude") for s in sentences]

    builder = CorpusBuilder.__new__(CorpusBuilder)
    builder.config = CorpusConfig(max_spun_blocks=8, min_spun_swaps=1, pivot_spinner=True, pivot_rate=1.0)
    builder.rng = random.Random(0)
    builder.blocks = blocks
    builder.embedding_spinner = builder.tortured_spinner = WordSwapSpinner(Thesaurus("t", {"large": ["huge"]}), rate=1.0)
    builder._roundtrip, builder._pivot_spinner = engine, None
    return builder


def test_pivot_spinner_learns_from_train_sentences_only_and_spins_a_share_of_blocks():
    from training.documents import make_documents

    line = "A large crowd came to the meeting in town {}."
    blocks = [_block(f"wmt16-en:{i}", "human", False, [line.format(i), line.format(i + 100)] * 2, TRAIN) for i in range(8)]
    blocks += [
        _block(f"wmt15-en:{i}", "human", False, [line.format(i), line.format(i + 100)] * 2, s) for i, s in enumerate((VALIDATION, TEST))
    ]
    asked: list[str] = []
    builder = _pivot_builder(blocks, asked)
    assert builder.pivot_spinner.thesaurus.words == {"crowd": ["multitude"]}
    train_lines = {s for b in blocks if b.split == TRAIN for s in b.lines}
    assert asked and set(asked) <= train_lines  # validation and test text never shapes a spinner
    kinds = {e.generator for e in builder.spun(TRAIN, 1.0, {})}
    assert "spinner-pivot" in kinds
    assert all("multitude" in e.sentence for e in builder.spun(TRAIN, 1.0, {}) if e.generator == "spinner-pivot")
    validation = {d.generator for d in make_documents(builder, VALIDATION, 5, 0)}
    test = {d.generator for d in make_documents(builder, TEST, 5, 0)}
    assert "spinner-pivot" in validation and "spinner-pivot" not in test  # test documents stay as in earlier releases
    builder.config.pivot_spinner = False
    assert builder.pivot_spinner is None and "spinner-pivot" not in {e.generator for e in builder.spun(TRAIN, 1.0, {})}


def test_garbled_lists_are_what_the_list_finder_catches():
    rng = random.Random(3)
    sentence = "The United States, Britain, Canada and Australia are not sending representatives."
    found = 0
    for _ in range(10):
        garbled = garble_list(sentence, rng)
        assert garbled and garbled != sentence
        found += bool(GarbledListFinder().find(segment(garbled)))
    assert found == 10
    assert garble_list("No list of names here at all.", rng) is None


def test_broken_quotes_are_what_the_punctuation_finder_catches():
    rng = random.Random(5)
    caught = 0
    sentences = [
        'The adviser said the call "was very positive" and constructive.',
        "Both sides pledged to “safeguard each other’s security” in the talks.",
        "The conversation between the two leaders lasted ninety minutes on Wednesday.",
    ]
    for s in sentences * 5:
        broken = break_punctuation(s, rng)
        assert broken and broken != s
        caught += bool(PunctuationFinder().find(segment(broken)))
    assert caught >= 12  # most damage is visible to the finder; the model learns the rest


def test_boilerplate_lines_cover_the_kinds():
    rng = random.Random(0)
    kinds = {boilerplate_line("Putin hails model relations with China in a call with Xi.", rng)[0] for _ in range(200)}
    assert kinds == {"teaser", "template", "furniture", "player", "date", "url", "call", "link"}


def test_marian_round_trip_is_real_and_cached(tmp_path):
    from training.roundtrip import MarianRoundTrip

    rt = MarianRoundTrip(tmp_path)
    source = ["The victim's brother said he could not think of anyone who would want to hurt him."]
    out = rt(source)
    assert out[0] and out[0] != source[0]
    assert "brother" in out[0].lower()
    assert MarianRoundTrip(tmp_path).cache  # written to disk and read back


def _block(key, generator, mt, lines, split=TRAIN, source="wmt16"):
    from training.sources import Block

    return Block(key, source, generator, mt, tuple(lines), split)


def test_twins_bring_the_machine_translations_of_the_same_lines():
    from training.corpus import with_twins

    ht = _block("wmt16-de:3", "human-translation", False, ["A human translation."])
    pool = [
        ht,
        _block("wmt16-de:3", "deepl", True, ["A DeepL translation."]),
        _block("wmt16-de:3", "google", True, ["A Google translation."]),
        _block("wmt16-de:4", "deepl", True, ["Another stretch of lines."]),
        _block("wmt16-en:3", "deepl-roundtrip", True, ["Same number, other source."]),
    ]
    drawn = [pool[2]]  # Google's version was already drawn: not added twice
    out = with_twins([ht, _block("wmt16-en:3", "human", False, ["Native English."])], drawn, pool)
    assert sorted(b.generator for b in out) == ["deepl", "google"]
    assert {b.key for b in out} == {"wmt16-de:3"}


def test_spun_documents_skip_copies_the_spinner_barely_touched():
    from training.documents import MIN_SPUN_SENTENCES, spun_documents

    spinner = WordSwapSpinner(Thesaurus("t", {"large": ["huge"], "meeting": ["appointment"]}), rate=1.0)
    damaged = _block("k:1", "human", False, ["A large crowd came to the meeting."] * 3)
    touched_once = _block("k:2", "human", False, ["A large crowd came to the rally.", "Nothing here to swap."])
    untouched = _block("k:3", "human", False, ["Nothing here to swap.", "Nor in this line."])
    docs = spun_documents([damaged, touched_once, untouched], spinner, "spinner-x", 5, 2, random.Random(0))
    assert len(docs) == 1 and MIN_SPUN_SENTENCES <= 3
    assert docs[0].expected == "spun" and docs[0].text.count("huge crowd came to the appointment") == 3


def test_spinner_roundtrip_examples_are_really_round_tripped():
    from training.config import CorpusConfig
    from training.corpus import CorpusBuilder

    class Engine:  # stands for Marian: marks what it translated
        def __call__(self, sentences):
            return [f"{s} (via pt)" for s in sentences]

    builder = CorpusBuilder.__new__(CorpusBuilder)
    builder.config = CorpusConfig(max_spun_blocks=3, min_spun_swaps=1)
    builder.rng = random.Random(0)
    builder.blocks = [
        _block(f"wmt16-en:{i}", "human", False, [f"A large crowd came to meeting {i}.", f"Line two of {i}."]) for i in range(3)
    ]
    spinner = WordSwapSpinner(Thesaurus("t", {"large": ["huge"]}), rate=1.0)
    builder.embedding_spinner = builder.tortured_spinner = spinner
    builder._roundtrip = Engine()
    known = {"A large crowd came to meeting 0.": "A big crowd came to meeting 0."}  # only one sentence has a round trip
    examples = builder.spun(TRAIN, 1.0, known)
    rt = [e for e in examples if e.generator == "spinner-roundtrip"]
    assert rt, "the third block is spun after a round trip"
    assert all(e.labels.get("machine_translated") == 1 for e in rt)
    assert all("(via pt)" in e.sentence or "big crowd" in e.sentence for e in rt)  # none left as written


def test_context_negatives_are_clean_sentences_between_damaged_neighbours():
    from training.config import CorpusConfig
    from training.corpus import CorpusBuilder, sentence_context

    builder = CorpusBuilder.__new__(CorpusBuilder)
    builder.config = CorpusConfig(context_negatives=40, pivot_spinner=False)
    builder._pivot_spinner = None
    builder.blocks = [
        _block(
            f"wmt16-en:{i}",
            "human",
            False,
            [
                f"A large crowd came to meeting {i}.",
                f"She said the mood was “calm” on day {i}.",
                f"They met Britain, France and Spain {i} times.",
            ],
        )
        for i in range(40)
    ] + [_block("wmt16-en:99", "human", False, ["A large crowd came."], VALIDATION)]
    builder.embedding_spinner = builder.tortured_spinner = WordSwapSpinner(
        Thesaurus("t", {"large": ["huge"], "crowd": ["throng"]}), rate=1.0
    )
    originals = {s for b in builder.blocks for s in b.lines}
    round_trips = {s: f"{s} (via pt)" for s in originals}
    examples = builder.context_negatives(TRAIN, 1.0, round_trips)
    assert len(examples) == 40
    assert {e.generator for e in examples} == {f"context-{k}" for k in ("spun", "broken_punctuation", "garbled_list", "machine_translated")}
    for e in examples:
        assert e.labels == {} and e.token_known and not e.spans  # the sentence itself is clean, its words known
        assert e.sentence in originals and e.split == TRAIN  # as written, from its own split
        block = next(b for b in builder.blocks if e.sentence in b.lines)
        i = block.lines.index(e.sentence)
        assert e.context != sentence_context(list(block.lines), i)  # a neighbour is damaged
    damaged_context = [e for e in examples if e.generator == "context-spun"]
    assert all("huge" in e.context or "throng" in e.context for e in damaged_context)
    again = builder.context_negatives(TRAIN, 1.0, round_trips)
    assert [(e.sentence, e.context) for e in again] == [(e.sentence, e.context) for e in examples]  # its own seeded stream
    assert builder.context_negatives(TRAIN, 0.0, round_trips) == []


def test_longer_documents_join_consecutive_blocks_of_one_text():
    from training.documents import join_blocks

    blocks = [
        _block(f"wmt18-de:{i}", gen, gen == "deepl", [f"{gen} line {i}."], TEST) for gen in ("deepl", "human-translation") for i in range(5)
    ]
    blocks.append(_block("wmt23-de:0", "deepl", True, ["Another file."], TEST))
    assert join_blocks(blocks, 1) == blocks
    runs = join_blocks(blocks, 2)
    # five blocks of a text make two runs of two (the fifth is left out); the other file has too few
    assert [(r.generator, r.lines) for r in runs] == [
        ("deepl", ("deepl line 0.", "deepl line 1.")),
        ("deepl", ("deepl line 2.", "deepl line 3.")),
        ("human-translation", ("human-translation line 0.", "human-translation line 1.")),
        ("human-translation", ("human-translation line 2.", "human-translation line 3.")),
    ]
    assert all(r.machine_translated == (r.generator == "deepl") and r.split == TEST for r in runs)


def test_adjacent_runs_join_only_blocks_with_no_lines_between_them():
    from training.documents import adjacent_runs

    # a split's blocks of one text at places 0, 1, 2, 5, 7, 8 (given out of order) and another text's
    places = [8, 0, 5, 1, 2, 7]
    blocks = [_block(f"wmt23-de:{i}", "human-translation", False, [f"line {i}."], TEST) for i in places]
    blocks.append(_block("wmt23-ja:1", "human-translation", False, ["other."], TEST))
    runs = adjacent_runs(blocks, 2)
    # 0-1 fill a run; 2 has no neighbour left in its run; 5 stands alone; 7-8 fill one
    assert [r.lines for r in runs] == [("line 0.", "line 1."), ("line 2.",), ("line 5.",), ("line 7.", "line 8."), ("other.",)]
    assert [r.key for r in runs] == ["wmt23-de:0", "wmt23-de:2", "wmt23-de:5", "wmt23-de:7", "wmt23-ja:1"]
    assert [r.key for r in adjacent_runs(blocks, 1)] == [f"wmt23-de:{i}" for i in sorted(places)] + ["wmt23-ja:1"]


def test_wider_contexts_are_rebuilt_from_the_source_block():
    from datasets import Dataset

    from training.corpus import block_sentences, sentence_context
    from training.lexical_mt import split_contexts, window_contexts

    lines = [f"Line number {i} of the story." for i in range(6)]
    block = _block("wmt16-de:7", "deepl", True, lines)
    sentences = block_sentences(lines)
    split = Dataset.from_dict(
        {
            "sentence": [sentences[3], "A spun copy of line three."],
            "context": [sentence_context(sentences, 3), "its own context"],
            "doc_id": ["wmt16-de:7/deepl/deepl", "wmt16-de:7/deepl/spinner-x"],
        }
    )
    # at the corpus's window the rebuild is the corpus's own context; wider, it reads further
    assert window_contexts(split, [block], 1) == split["context"]
    wide = window_contexts(split, [block], 2)
    assert wide[0] == " ".join(sentences[j] for j in (1, 2, 4, 5))
    assert wide[1] == "its own context"  # not a line of its block: kept as it was
    assert split_contexts([split], None, 1) == [split["context"]]  # the corpus's window needs no blocks
