"""Property-based tests (hypothesis): for any Unicode input the text pipeline keeps its promises.

Offsets are in order, never overlap, and slicing the original text with them gives each
sentence's text; bad input fails with an InputError and nothing else escapes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.errors import InputError
from detector.io.decode import decode_bytes, mend_mojibake, without_surrogates
from detector.io.html import segment_html
from detector.text.segment import MAX_SENTENCE_CHARS, segment

# Pieces that stress segmentation: terminals, abbreviations, quotes, line and paragraph
# separators of every kind, combining marks, emoji, right-to-left text, NULs and controls.
PIECES = [
    ". ",
    "? ",
    "! ",
    "...",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\u2028",
    "\u2029",
    "\x85",
    "\v",
    "\f",
    "\t",
    " ",
    "Mr. ",
    "U.S. ",
    "e.g. ",
    "3.5 ",
    "“",
    "”",
    "‘",
    "’",
    "'",
    '"',
    "(",
    ")",
    "—",
    "•",
    "·",
    "Putin said",
    "the border common",
    "Canada (Britain)",
    "e\u0301",
    "👩‍👩‍👧",
    "مرحبا. ",
    "日本語。",
    "\x00",
    "\ufeff",
    "\u200b",
]
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60).map("".join),
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_offsets(doc) -> None:
    previous_end = 0
    for i, s in enumerate(doc.sentences):
        assert s.index == i
        assert previous_end <= s.start < s.end <= len(doc.text)
        assert doc.text[s.start : s.end] == s.text
        assert s.text.strip() == s.text and len(s.text) <= MAX_SENTENCE_CHARS
        paragraph = doc.paragraphs[s.paragraph]
        assert paragraph.start <= s.start and s.end <= paragraph.end
        previous_end = s.end


@FAST
@given(texts)
def test_segment_offsets_slice_the_original_text(text):
    doc = segment(text)
    assert doc.text is text
    check_offsets(doc)


@FAST
@given(texts)
def test_sentences_cover_every_non_space_character(text):
    doc = segment(text)
    covered = set()
    for s in doc.sentences:
        covered.update(range(s.start, s.end))
    missing = [(i, ch) for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert not missing, f"characters in no sentence: {missing[:5]}"


@pytest.mark.slow  # parses a few hundred generated pages
@FAST
@given(st.text(max_size=300), st.sampled_from(["p", "div", "figcaption", "li", "script", "table", "b"]), st.integers(0, 400))
def test_html_path_never_raises_and_offsets_hold(body, tag, depth):
    html = "<html><body>" + f"<{tag}>" * depth + body.replace("<", "&lt;") + f"</{tag}>" * depth + "</body></html>"
    check_offsets(segment_html(html))
    check_offsets(segment_html(body))  # whatever the string, as HTML


@FAST
@given(st.binary(max_size=600))
def test_any_bytes_decode_or_fail_with_an_input_error(data):
    try:
        decoded = decode_bytes(data)
    except InputError as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(decoded.text, str)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_detector_scores_anything_or_says_why(baseline_detector, text):
    try:
        report = baseline_detector.score(text)
    except InputError as exc:
        assert exc.code in {"empty", "binary", "too_large"}
        return
    assert report.sentences_flagged <= len(report.sentences)
    if report.mojibake_mended:  # offsets index the mended text, which the record carries
        assert report.to_dict()["text"] == report.text == mend_mojibake(without_surrogates(text)[0])[0]
        text = report.text
    for s in report.sentences:
        assert text[s.start : s.end] == s.text and 0.0 <= s.score <= 1.0
