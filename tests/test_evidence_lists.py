import pytest

from detector.evidence.lists import GarbledListFinder
from detector.labels import GARBLED_LIST
from detector.text.segment import segment


def find(text):
    doc = segment(text)
    return doc, [e for ev in GarbledListFinder().find(doc).values() for e in ev]


def test_repeated_item_named_with_both_spans():
    doc, evidence = find("Australia, Canada, Britain, and Canada are not sending representatives to the Olympics.")
    assert [e.rule for e in evidence] == ["repeated_item"]
    assert evidence[0].type == GARBLED_LIST
    assert [s.text for s in evidence[0].spans] == ["Canada", "Canada"]
    assert "Canada" in evidence[0].message
    for span in evidence[0].spans:
        assert doc.text[span.start : span.end] == span.text


def test_contradicting_parentheses_and_repeats():
    _, evidence = find("Australia, Canada (Britain), Canada (US) and Australia will not send any representatives.")
    rules = {e.rule: e for e in evidence}
    assert set(rules) == {"repeated_item", "contradicting_items"}
    assert [s.text for s in rules["contradicting_items"].spans] == ["Canada (Britain)", "Canada (US)"]
    assert "Britain" in rules["contradicting_items"].message and "US" in rules["contradicting_items"].message


def test_seed_000_lists(seeds):
    _, evidence = find(seeds["000"])
    named = {s.text.split(" (")[0] for e in evidence for s in e.spans}
    assert {"Canada", "Australia"} <= named


@pytest.mark.parametrize(
    "text",
    [
        "The United States, Britain, Canada and Australia are not sending political representatives.",
        "Britain, France and Germany agreed to the plan.",
        "Again and again, he said so, over and over.",
        "New York, New Jersey and New Mexico voted on Tuesday.",
        "Russia and China met. China and Russia agreed.",
        "The Bank of England and the Bank of Japan held rates.",
        "Compilers for C and C++ are combined.",
        "Washington (AP) and Reuters (London) reported the story.",
    ],
)
def test_fine_lists_do_not_fire(text):
    assert find(text)[1] == []


def test_no_list_in_human_seeds(seeds):
    for key in ("001", "002", "003", "004"):
        assert find(seeds[key])[1] == [], key
