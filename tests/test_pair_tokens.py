"""Pairs assembled from each sentence's own pieces are the pairs the tokenizer gives for the joined strings."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.scoring.pair_tokens import PairTokenizer, kept_lengths, piecewise
from tests.conftest import SPUN_PASSAGE


@pytest.fixture(scope="module")
def tokenizer(encoder):
    return encoder.tokenizer


def _string_batch(tokenizer, sentences, contexts, max_length):
    return tokenizer(
        sentences,
        contexts,
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
        return_offsets_mapping=True,
    )


def _assert_same(tokenizer, sentences, neighbours, max_length):
    contexts = [" ".join(texts) for texts in neighbours]
    want = _string_batch(tokenizer, sentences, contexts, max_length)
    got = PairTokenizer(tokenizer, max_length).batch(sentences, neighbours, offsets=True)
    for name in ("input_ids", "token_type_ids", "attention_mask"):
        assert torch.equal(got.tensors[name], want[name]), name
    for row in range(len(sentences)):
        assert got.sequence_ids[row] == want.sequence_ids(row)
        own = [tuple(o) for o, seq in zip(want["offset_mapping"][row].tolist(), want.sequence_ids(row)) if seq == 0]
        assert [o for o, seq in zip(got.offsets[row], got.sequence_ids[row]) if seq == 0] == own


def test_the_shipped_tokenizer_is_piecewise_and_a_byte_level_one_is_not(tokenizer):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    assert piecewise(tokenizer)
    byte_level = Tokenizer(models.BPE())
    byte_level.pre_tokenizer = pre_tokenizers.ByteLevel()
    assert not piecewise(PreTrainedTokenizerFast(tokenizer_object=byte_level))
    assert not piecewise(object())


def test_kept_lengths_are_the_tokenizers_longest_first_truncation(tokenizer):
    """Every pair of lengths around small budgets, odd and even: the pieces kept of each side."""
    a, b = tokenizer.convert_tokens_to_ids(["a", "b"])
    for max_length in (7, 8, 13):
        for n1 in range(0, 16):
            for n2 in range(0, 16):
                ids = tokenizer(["a " * n1], ["b " * n2], truncation="longest_first", max_length=max_length)["input_ids"][0]
                assert kept_lengths(n1, n2, max_length - 3) == (ids.count(a), ids.count(b)), (max_length, n1, n2)


def test_pairs_of_a_real_passage_match_at_every_window_and_length(tokenizer):
    sentences = SPUN_PASSAGE.splitlines() + ["", "“Quoted”, he said—(Reuters)", "Größe 東京 😀 naïve café"]
    for window in (1, 3):
        neighbours = [[s for j, s in enumerate(sentences) if j != i and abs(j - i) <= window] for i in range(len(sentences))]
        for max_length in (128, 24, 9):
            _assert_same(tokenizer, sentences, neighbours, max_length)


_PIECES = [
    "a",
    "I",
    ".",
    " ",
    "  ",
    "\n",
    "\t",
    "\x00",
    "\u200b",
    "—",
    "é",
    "e\u0301",
    "İ",
    "ΣΑΣ",
    "日本",
    "x1",
    "'",
    "...",
    "unaffable" * 12,
]
_sentence = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(_PIECES), max_size=10).map("".join))


@pytest.mark.slow  # 150 generated batches
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_sentence, min_size=1, max_size=6), st.integers(1, 3), st.sampled_from([128, 16, 5]))
def test_pairs_of_any_text_match_the_tokenizer(tokenizer, sentences, window, max_length):
    """Control characters, combining marks, CJK, words longer than WordPiece reads, empty and
    whitespace-only sentences: the assembled pairs are the tokenizer's."""
    neighbours = [[s for j, s in enumerate(sentences) if j != i and abs(j - i) <= window] for i in range(len(sentences))]
    _assert_same(tokenizer, sentences, neighbours, max_length)
    pairs = PairTokenizer(tokenizer, max_length)
    pairs.learn([*sentences, *(t for texts in neighbours for t in texts)])
    contexts = [" ".join(texts) for texts in neighbours]
    want = [len(ids) for ids in tokenizer(sentences, contexts, truncation="longest_first", max_length=max_length)["input_ids"]]
    assert [pairs.length(s, texts) for s, texts in zip(sentences, neighbours)] == want


def test_the_predictor_scores_the_same_with_either_path(detector):
    """The predictor's assembled pairs and its joined strings (the path of a tokenizer that is not
    piecewise) give the same probabilities and marked words."""
    from detector.text.segment import segment

    predictor = detector.predictor
    doc = segment(SPUN_PASSAGE)
    sentences = [s.text for s in doc.sentences]
    neighbours = [doc.neighbours(s.index, 1) for s in doc.sentences]
    contexts = [" ".join(texts) for texts in neighbours]
    fast = predictor.predict_with_words(sentences, contexts, neighbours=neighbours)
    predictor.pieces = None  # as for a tokenizer that is not piecewise
    try:
        slow = predictor.predict_with_words(sentences, contexts, neighbours=neighbours)
    finally:
        del predictor.pieces  # found again on next use
    np.testing.assert_allclose(fast[0], slow[0], atol=1e-6)
    assert fast[1] == slow[1] and any(fast[1])
