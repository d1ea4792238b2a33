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


def test_a_sentence_the_stack_flags_without_a_word_at_the_bar_gets_the_stacks_reason():
    from detector.evidence.improbable_words import RULE, STACK_RULE, ImprobableWordsFinder, LMReading
    from detector.text.segment import segment

    doc = segment("The talks went on all week. The grossly trompling went on. Nothing else happened.")
    stack = LMStack("gemma-3-270m", 0.3, [0.1, 0.2, 0.3, 0.4], -1.0, 0.0, 1.0, 14.0, 7.0)
    finder = ImprobableWordsFinder(lm=None, stack=stack)
    reading = LMReading()
    for s, surprisals in zip(doc.sentences, ([2.0, 3.0, 4.0], [2.0, 40.0], [1.0, 2.0])):
        words = _words(*zip(s.text.split(), surprisals))
        reading.words[s.index] = score_words(words, *stack.word_scoring)
    findings = finder.evidence(doc, reading, [0.9, 0.9, 0.1], threshold=0.84, classifier_spun=[0.62, 0.7, 0.05])
    (reason,) = findings[0]
    assert reason.rule == STACK_RULE and reason.type == "spun" and reason.confidence == 0.9 and not reason.spans
    strongest = max(reading.words[0], key=lambda w: w.improbability)
    assert "0.62" in reason.message and f"“{strongest.word.text}”" in reason.message and "under the bar of 7.0" in reason.message
    (named,) = findings[1]
    assert named.rule == RULE and named.message.startswith("“grossly” is improbable here")
    assert 2 not in findings, "an unflagged sentence with no word at the word bar has no LM evidence"
