"""The pieces the corpus is made of: data parsing, spinners, damage makers, round trips."""

import random
from pathlib import Path

import pytest

from detector.evidence.lists import GarbledListFinder
from detector.evidence.punctuation import PunctuationFinder
from detector.text import segment
from training.artifacts import boilerplate_line, break_punctuation, garble_list
from training.config import DEFAULT_DATA_DIR
from training.sources import TEST, TRAIN, VALIDATION, split_of, tortured_phrases, wmt_blocks
from training.spinning import Thesaurus, WordSwapSpinner, tortured_thesaurus

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
