import pytest

from detector.evidence.duplicates import DuplicateConfig, DuplicateFinder
from detector.labels import BOILERPLATE, DUPLICATE
from detector.text.segment import segment

# The reworded caption pairs of seed 000: (fragment of the original, fragment of its reworded copy).
SEED_000_PAIRS = [
    ("Vladimir Putin (pictured during the call)", "Xi Jinping and Vladimir Putin were pictured together"),
    ("The United States, Britain, Canada and Australia are not sending", "Australia, Canada, Britain, and Canada are not"),
    ("Militants of the self-proclaimed Donetsk", "Donetsk People’s Republic militia members"),
    ("The talks also came after both Russia and China", "These talks were also held after China and Russia"),
    ("Russia has staged huge live-firing drills", "Russia staged massive live-firing drills"),
    ("Russia staged ground battle exercises some 30 miles", "Russia held ground battle exercises 30 miles south"),
    ("Video footage and pictures show the drills held", "The drills at Kadamovsky firing site in Rostov are captured"),
]


@pytest.fixture(scope="module")
def finder(encoder):
    return DuplicateFinder(encoder)


def pairs_found(doc, findings):
    pairs = set()
    for index, evidence in findings.items():
        for e in evidence:
            if e.type == DUPLICATE:
                for r in e.related:
                    pairs.add((doc.sentences[index].text, r.text))
    return pairs


@pytest.mark.parametrize("original,copy", SEED_000_PAIRS)
def test_every_reworded_caption_pair_in_seed_000_is_found(finder, seeds, original, copy):
    doc = segment(seeds["000"])
    pairs = pairs_found(doc, finder.find(doc))
    assert any(original in a and copy in b for a, b in pairs), f"missed {original!r} -> {copy!r}"
    assert any(copy in a and original in b for a, b in pairs), "the evidence must name the other sentence both ways"


def test_seed_000_has_at_least_seven_pairs(finder, seeds):
    doc = segment(seeds["000"])
    pairs = pairs_found(doc, finder.find(doc))
    found = sum(any((o in a and c in b) for a, b in pairs) for o, c in SEED_000_PAIRS)
    assert found >= 7


@pytest.mark.parametrize("seed", ["001", "002", "004"])
def test_no_duplicate_pair_in_human_article_bodies(finder, seeds, seed):
    doc = segment(seeds[seed])
    findings = finder.find(doc)
    assert not [e for ev in findings.values() for e in ev if e.type == DUPLICATE]


def test_repeated_headline_is_boilerplate_not_duplicate(finder, seeds):
    doc = segment(seeds["002"])
    findings = finder.find(doc)
    repeated = [e for ev in findings.values() for e in ev if e.rule == "repeated_line"]
    assert any("Hails" in e.related[0].text and e.type == BOILERPLATE for e in repeated)


# News written that way on purpose: each text restates itself, and none of it is a reworded copy.
NEWS_STRUCTURE = {
    "headline followed by its lead": (
        "Four teens charged in attack on girl who later died\n"
        "Four New Jersey teenagers have been charged in connection with the attack on a 14-year-old girl "
        "who later died, prosecutors said on Thursday.\n"
        "The girl's family said she had been bullied for months before the attack at her school."
    ),
    # WMT16 (validation) human translation: the lead restates the headline two lines below it
    "headline restated a few lines down": (
        "Missing 16-year-old from Rhineland-Palatine the victim of violent crime\n"
        "A suspect has led the police to the body of a 16-year-old who has been missing since Saturday.\n"
        "When questioned the 20-year-old admitted to having killed the teenager.\n"
        "Sixteen-year-old missing from Rhineland-Palatine since Saturday is the victim of a violent crime."
    ),
    # WMT14 (validation) human translation: a teaser of three lines, then the body restates the headline
    "headline restated after a teaser": (
        "House fire in Helmbrechts: Rescue services retrieve charred body\n"
        "The fire service were called out to Helmbrechts late on Thursday evening.\n"
        "A three-bedroom house in the district of Hof catches fire during the night.\n"
        "Rescue workers retrieve a charred body from the house.\n"
        "During a fire in Helmbrechts, rescue services found a charred body in a three-bedroom house."
    ),
    "headline with its source restated by the lead": (
        "Lithuania sent Ukraine Bosfors L70 anti-aircraft guns — RT in Russian\n"
        "Lithuania sent Ukraine dozens of Bosfors L70 anti-aircraft guns.\n"
        "RIA Novosti reports this, citing LRT radio."
    ),
    "summary bullets restated by the body": (
        "Bibi participated in the last season of X Factor and finished in third place •\n"
        "She will play the role of Noa, played by Dafna Armoni •\n"
        "X Factor finalist Inbal Bibi was cast in the musical The Band at the National Theater.\n"
        "Bibi participated in the last season of X Factor and finished third place."
    ),
    # shaped like WMT23 (training split) human translations: a survey's two rounds, a list's items
    "parallel statements of other numbers": (
        "In the second half of November 2021, about 8,900 people aged 15 and over were interviewed.\n"
        "The survey asked about work, income and the cost of housing.\n"
        "In the first half of December 2021, about 8,700 people aged 15 and over were interviewed."
    ),
    "list items of one pattern": "9.3 Usage level 2 for the basic service tier\nSee the table below.\n9.4 Usage level 3 for the basic service tier",
    "lines of one field label": (
        "Programming and test switch: SUB-TEST\n"
        "Set the switch before the unit is powered on.\n"
        "Programming and test switch: TEST\n"
        "Programming and test switch: Up"
    ),
}


@pytest.mark.parametrize("text", NEWS_STRUCTURE.values(), ids=NEWS_STRUCTURE.keys())
def test_news_structure_is_not_a_duplicate(finder, text):
    doc = segment(text)
    assert not pairs_found(doc, finder.find(doc))


def test_a_caption_restated_lower_down_without_headline_form_is_still_a_duplicate(finder):
    # the same caption restated further down than a lead would be (HEADLINE_REACH) is a copy
    text = (
        "Missing 16-year-old from Rhineland-Palatine the victim of violent crime\n"
        "Police searched the canal for two days.\n"
        "The prosecutor's office gave no further details.\n"
        "Neighbours described the family as quiet.\n"
        "The school will open a book of condolence on Monday.\n"
        "A vigil is planned for the weekend.\n"
        "Sixteen-year-old missing from Rhineland-Palatine since Saturday is the victim of a violent crime."
    )
    doc = segment(text)
    assert pairs_found(doc, finder.find(doc))
    # unless the finder is told to compare only nearby lines
    near = DuplicateFinder(finder.encoder, DuplicateConfig(max_line_distance=3))
    assert not pairs_found(doc, near.find(doc))


def test_a_title_the_text_below_repeats_is_not_a_duplicate(finder):
    # WMT23 (validation) product review: its title, then the body that repeats it word for word
    text = (
        "I love many of the features of these lights\n"
        "I purchased this lamp for my seedlings. I love many of the features of these lights. The timer works well."
    )
    doc = segment(text)
    assert not [e for ev in finder.find(doc).values() for e in ev]


def test_sentences_on_one_topic_are_not_duplicates(finder):
    text = (
        "Russia rejects the allegations and blames the West for stoking tensions.\n"
        "Russia's demands included stopping NATO from expanding east and the deployment of weapons.\n"
        "Tens of thousands of Russian troops are stationed near Ukraine, officials in Kiev said.\n"
        "The US and its allies have for weeks accused Russia of planning an invasion of Ukraine."
    )
    doc = segment(text)
    assert not pairs_found(doc, finder.find(doc))


REWORDED_COPIES = {
    "a hand-made reworded caption": (
        "Firefighters battled a large blaze at a warehouse in Croydon, south London, on Sunday night\n"
        "Firefighters fought a huge blaze at a storage warehouse in Croydon, south London, on Sunday evening\n"
        "Nobody was hurt, police said.",
        "fought a huge blaze",
        "battled a large blaze",
    ),
    # a copy keeps its numbers whatever their form ("1,000", "1.000") and may drop one (2021)
    "a copy with its numbers rewritten": (
        "Russia has staged huge live-firing drills with more than 1,000 troops in 2021 near the border\n"
        "Officials in Kiev said the drills lasted three days.\n"
        "Russia staged massive live-firing drills with over 1.000 troops close to the border",
        "massive live-firing",
        "huge live-firing",
    ),
}


@pytest.mark.parametrize("text, copy, original", REWORDED_COPIES.values(), ids=REWORDED_COPIES.keys())
def test_a_reworded_copy_is_found(finder, text, copy, original):
    doc = segment(text)
    pairs = pairs_found(doc, finder.find(doc))
    assert any(copy in a and original in b for a, b in pairs)


def test_exact_repeat_of_a_story_sentence_is_a_duplicate(finder):
    sentence = "Video footage and pictures show the drills held by the southern military district in Rostov region."
    doc = segment(f"{sentence}\nAnother line of the story follows here.\n{sentence}")
    findings = finder.find(doc)
    assert [e.rule for e in findings[2]] == ["exact_repeat"]
    assert findings[2][0].related[0].start == 0


def test_a_sentence_said_again_in_its_own_paragraph_is_not_flagged(finder):
    """A court transcript (CNN, newspaper4k's test pages): the justice repeats himself in one paragraph."""
    said = "I’m not making that point."
    doc = segment(f"Alito cut her off: “No, {said[0].lower()}{said[1:]} I tried to make it clear. {said} {said} There is a risk, right?”")
    assert finder.find(doc) == {}
    on_lines = segment(f"{said}\nAnother line of the story follows here.\n{said}")
    assert [e.rule for e in finder.find(on_lines)[2]] == ["repeated_line"]  # a repeated line still is


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Experts say there are signs that online sales are leveling off after new figures showed a small rise.",
            "But experts say there are now signs that online sales are leveling off after new figures showed a small rise.",
        ),
        ("Am I bad for the industry, she asked the panel?", "Am I that bad for the industry, she asked the panel?"),
    ],
)
def test_a_restatement_with_words_added_is_not_a_reworded_copy(finder, first, second):
    """A writer restates a point with words added ("But now ..."); a spinner changes words."""
    doc = segment(f"{first}\nThe company declined to comment on the figures.\n{second}")
    assert not any(e.rule == "reworded_copy" for found in finder.find(doc).values() for e in found)
    changed = second.replace("leveling off", "levelling out").replace("bad for", "harmful to")
    doc = segment(f"{first}\nThe company declined to comment on the figures.\n{changed}")
    assert any(e.rule == "reworded_copy" for found in finder.find(doc).values() for e in found)


def test_a_repeated_player_notice_is_boilerplate_not_a_duplicate(finder):
    notice = "Media playback is not supported on this device"
    doc = segment(f"{notice}\nThe manager said the side had lost its way this season.\n{notice}")
    findings = finder.find(doc)
    assert [(e.type, e.rule) for e in findings[2]] == [(BOILERPLATE, "repeated_line")]


def test_only_units_in_a_lexically_plausible_pair_are_embedded(finder):
    """Sentences on one story share names, not most content words: none of them costs an embedding."""
    text = (
        "Russia rejects the allegations and blames the West for stoking tensions.\n"
        "Russia's demands included stopping NATO from expanding east and the deployment of weapons.\n"
        "Firefighters battled a large blaze at a warehouse in Croydon, south London, on Sunday night\n"
        "Firefighters fought a huge blaze at a storage warehouse in Croydon, south London, on Sunday evening"
    )
    plan = finder.plan(segment(text))
    assert sorted(t[:20] for t in plan.texts) == ["Firefighters battled", "Firefighters fought "]


def test_given_embeddings_replace_the_encoder_pass(finder, seeds):
    """A caller that embedded many documents' texts at once passes the rows; findings are the same."""

    class NoEncoder:
        def encode(self, texts):
            raise AssertionError("the finder must use the given embeddings")

    doc = segment(seeds["000"])
    plan = finder.plan(doc)
    rows = finder.encoder.encode(plan.texts)
    given = DuplicateFinder(NoEncoder(), finder.config).find(doc, plan, rows)
    assert pairs_found(doc, given) == pairs_found(doc, finder.find(doc))


def test_a_sentence_without_a_word_in_a_restated_line_is_not_flagged(finder):
    """A caption-sized line is compared whole; its sentences carry the evidence, but not a stray
    "." that a scraped line starts with (WMT23's ".C++ source code ..." lines, one a reworded copy of the other)."""
    text = (
        "The compiler reads the files in order.\n"
        ".C++ source code for preprocessing, compilation, and gathering of the modules\n"
        ".C++ source code for preprocessing, compilation, and get together of the modules\n"
        "Errors are reported at the end."
    )
    doc = segment(text)
    findings = finder.find(doc)
    flagged = {doc.sentences[i].text for i, evs in findings.items() if any(e.type == DUPLICATE for e in evs)}
    assert any(t.startswith("C++ source code for preprocessing") for t in flagged), flagged
    assert not any(t.strip(". ") == "" for t in flagged), flagged


def test_a_repeat_says_whether_it_repeats_a_line_or_a_sentence(baseline_detector):
    report = baseline_detector.score(
        "Call the macro now. It fails here.\nSome other text follows on this line. Call the macro now.\nA line alone here.\nA line alone here."
    )
    messages = [e.message for s in report.sentences for e in s.evidence if e.rule in ("exact_repeat", "repeated_line")]
    assert messages == [
        "repeats an earlier sentence word for word: “Call the macro now.”",
        "repeats an earlier line word for word: “A line alone here.”",
    ]
