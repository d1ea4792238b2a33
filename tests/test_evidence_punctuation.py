import pytest

from detector.evidence.punctuation import PunctuationFinder
from detector.labels import BROKEN_PUNCTUATION
from detector.text.segment import segment


def find(text):
    doc = segment(text)
    return [e for ev in PunctuationFinder().find(doc).values() for e in ev]


@pytest.mark.parametrize(
    "text,glued",
    [
        ("The conversation lasted'very positively'.", "lasted'very"),
        ("They pledged to’safeguard each side’s security.", "to’safeguard"),
        ("He warned him of the’serious consequences” that could follow.", "the’serious"),
    ],
)
def test_glued_quotes(text, glued):
    evidence = [e for e in find(text) if e.rule == "glued_quote"]
    assert evidence and evidence[0].type == BROKEN_PUNCTUATION
    assert evidence[0].spans[0].text == glued


def test_mixed_and_unbalanced_quotes():
    rules = [e.message for e in find("Putin called Xi his dear friend’ and said it was fine.")]
    assert rules == ["a closing ’ with no opening quote"]
    assert [e.message for e in find("He said “it is over’ and left the room.")] == ["a quote opened with “ is closed with ’"]
    assert [e.message for e in find("He will discuss the future ‘cooperation priorities.")] == ["an opening ‘ is never closed"]


def test_a_quote_left_open_inside_another_is_still_found():
    assert [e.message for e in find("“He said ‘it is over and left the room.”")] == ["a quote opened with ‘ is closed with ”"]


def test_missing_space_before_opening_quote():
    assert [e.rule for e in find("The Kremlin stated:“Both agreed on the plan.”")] == ["missing_space_before_quote"]


@pytest.mark.parametrize(
    "text",
    [
        "Russia’s demands don't change, O'Brien said, and the countries’ leaders agreed.",
        "“In February we will finally be able to meet,” Putin said. “It is good.”",
        "“This is a long quote that runs on. It has two sentences,” he said.",
        "He called it ‘a belt of eternal peace’ between our countries’ peoples.",
        "Putin denied it and accused Britain of ‘demonising’ his country.",
        "It's five o'clock and rock'n'roll isn't dead, y'all.",
        '"In February we will finally be able to meet in person in Beijing," Putin said.',
        # quotes nest (WMT23 human translation): a ‘ opened inside a “ closes before it, and the other way round
        "“I shouted to Ami Biton ‘That’s what I’m here for’, so that’s what I came to Jerusalem for—to win titles”.",
        "He called the plan ‘a “historic” step’ and left.",
    ],
)
def test_correct_quotes_do_not_fire(text):
    assert find(text) == []


def test_quote_running_over_sentences_in_one_paragraph_is_fine():
    assert find("“The first sentence. The second sentence. The third,” she said.") == []


def test_human_seeds_have_no_broken_punctuation(seeds):
    for key in ("001", "002", "003", "004"):
        assert find(seeds[key]) == [], key


def test_seed_000_glued_quotes_found(seeds):
    glued = {e.spans[0].text for e in find(seeds["000"]) if e.rule == "glued_quote"}
    assert {"to’safeguard", "lasted’very", "the’serious"} <= glued


def test_quote_running_over_lines_is_fine():
    # Translated and scraped news often comes a sentence to a line: the quote closes lines below.
    text = "“There are many threats at the plant.\nIt is a process that takes time.\nWe started today,” Kotin said."
    assert find(text) == []


def test_closing_quote_far_below_any_opening_still_fires():
    lines = ["“It began here."] + [f"Line {k} of the story goes on without quotes." for k in range(6)] + ["It ended there,” he said."]
    assert [e.message for e in find("\n".join(lines))] == ["a closing ” with no opening quote"]


def test_closing_quote_after_a_closed_quote_still_fires():
    text = "“It is over,” he said.\nThe threats are many,” Kotin said."
    assert [e.message for e in find(text)] == ["a closing ” with no opening quote"]
