"""How the improbable-words finder scores words (no language model needed): the bare-word
frequency, the next word's excess, words with a capital skipped where the stack says so, and an
older stack file without that setting."""

from __future__ import annotations

import json

import pytest

from detector.evidence.improbable_words import score_words
from detector.lm.model import WordSurprisal
from detector.lm.stack import LMStack


def _words(*pairs: tuple[str, float]) -> list[WordSurprisal]:
    out, start = [], 0
    for text, surprisal in pairs:
        out.append(WordSurprisal(start, start + len(text), text, surprisal, None))
        start += len(text) + 1
    return out


def test_words_with_a_capital_are_skipped_only_when_asked():
    words = _words(("Ailinn", 27.0), ("still", 3.0), ("trompling", 26.0), ("NATO", 12.0), ("the", 1.0))
    kept = [w.word.text for w in score_words(words, 0.0, 1.0, skip_capitalised=True)]
    assert kept == ["still", "trompling", "the"]
    assert [w.word.text for w in score_words(words, 0.0, 1.0)] == ["Ailinn", "still", "trompling", "NATO", "the"]


def test_a_rare_word_is_scored_against_its_frequency_and_the_next_word_counts():
    (common, rare) = score_words(_words(("the", 10.0), ("trompling", 26.0)), following_weight=0.5, frequency_weight=1.0)
    assert rare.improbability == pytest.approx(26.0 - rare.unigram)
    assert common.improbability == pytest.approx(10.0 - common.unigram + 0.5 * max(0.0, rare.improbability))


def test_a_stack_file_written_before_the_setting_loads_with_capitals_scored(tmp_path):
    stack = LMStack("gemma-3-270m", 0.3, [0.1, 0.2, 0.3, 0.4], -1.0, 0.5, 0.75, 14.0, 7.0, skip_capitalised=True)
    stack.save(tmp_path)
    data = json.loads((tmp_path / LMStack.FILENAME).read_text())
    assert data["skip_capitalised"] is True and LMStack.load(tmp_path).word_scoring == (0.5, 0.75, True)
    del data["skip_capitalised"]
    (tmp_path / LMStack.FILENAME).write_text(json.dumps(data))
    assert LMStack.load(tmp_path).skip_capitalised is False
