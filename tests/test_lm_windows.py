"""A document read once in windows (detector/lm/windows.py): which tokens each window reads and
scores, and whitespace read as one space with offsets mapped back to the original."""

from __future__ import annotations

import pytest

from detector.lm.windows import FlatText, plan_windows


def test_each_wanted_token_is_scored_once_after_at_least_the_context():
    wanted = [0, 1, 5, 255, 256, 300, 700]
    windows = plan_windows(wanted, window=256, context=128)
    assert sorted(t for w in windows for t in w.targets) == wanted
    for w in windows:
        assert w.end == max(w.targets) + 1, "a window stops after its last scored token (the model is causal)"
        for t in w.targets:
            assert t - w.start >= min(t, 128), "every scored token has the context before it, or the document's start"
    assert [(w.start, w.end) for w in windows] == [(0, 256), (128, 301), (384, 701)]


def test_windows_depend_on_the_document_not_on_what_else_is_wanted():
    """The editor (every sentence) and batch scoring (candidates only) read a token alike."""
    every = {t: w for w in plan_windows(range(900), 256, 128) for t in w.targets}
    for t in (3, 300, 640):
        (alone,) = plan_windows([t], 256, 128)
        assert alone.start == every[t].start


def test_a_bad_window_is_a_clear_error():
    with pytest.raises(ValueError, match="window must be at least 1"):
        plan_windows([1], window=0, context=10)


def test_whitespace_reads_as_one_space_and_maps_back():
    original = "  Headline without a stop\n\nThe  council met.\tIt rained. \n"
    flat = FlatText.of(original)
    assert flat.text == "Headline without a stop The council met. It rained."
    for word in ("Headline", "stop", "council", "met.", "rained."):
        start = original.index(word)
        a, b = flat.span(start, start + len(word))
        assert flat.text[a:b] == word
        assert flat.original(a, b) == (start, start + len(word))
    assert FlatText.of("").text == "" and FlatText.of(" \n ").text == ""
