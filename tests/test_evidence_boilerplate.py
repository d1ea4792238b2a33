import pytest

from detector.evidence.boilerplate import BoilerplateFinder
from detector.labels import BOILERPLATE
from detector.text.segment import segment


def flagged(text):
    doc = segment(text)
    findings = BoilerplateFinder().find(doc)
    rules = {}
    for i, ev in sorted(findings.items()):
        rules.setdefault(doc.sentences[i].text, ev[0].rule)  # the first occurrence of a repeated text
    return rules


def test_template_tags(seeds):
    rules = flagged(seeds["004"])
    assert rules == {"{{^userSubscribed}} {{/userSubscribed}}": "template_tag"}


def test_ad_teasers_ending_in_a_dash(seeds):
    rules = flagged(seeds["001"])
    assert rules["Cure Flu With Theses Two Golden Foods -"] == "teaser"
    assert rules["-"] == "separator"
    assert not any(t.startswith("Moscow: President Vladimir Putin") for t in rules)
    assert not any(t.startswith("Russia’s demands included") for t in rules)


def test_related_articles_player_and_masthead(seeds):
    rules = flagged(seeds["002"])
    assert rules["Related Articles"] == "page_furniture"
    assert rules["0:00"] == "media_player"
    assert rules["Wednesday, Oct 22, 2025"] == "dateline"
    assert rules["London Daily"] == "masthead"
    assert rules["Nicolas Sarkozy begins five-year prison term at La Santé in Paris"] == "link_list"
    assert rules["White House Announces No Imminent Summit Between Trump and Putin"] == "link_list"
    body = [t for t in rules if t.startswith(("The video call came", "Russia rejects the allegations", "Xi has invited"))]
    assert body == []


def test_dateline_source_and_call_to_action(seeds):
    rules = flagged(seeds["003"])
    assert rules["date 2021-12-15"] == "dateline"
    assert rules["Read all the latest news, breaking news and news on the coronavirus here."] == "call_to_action"
    assert any(r == "url_line" for r in rules.values())
    assert len(rules) == 3


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Media playback is unsupported on your device", "media_player"),
        ("Media playback is not supported on this device", "media_player"),
        ("Your browser does not support the video tag.", "media_player"),
        ("This video is no longer available.", "media_player"),
        ("To play this video you need to enable JavaScript in your browser.", "media_player"),
        ("2 November 2014 Last updated at 17:20 GMT", "dateline"),
        ("Updated 2 May 2021, 10:30 GMT", "dateline"),
        ("10:32 GMT", "dateline"),  # a live page's timestamps
        ("Posted at 10:15", "dateline"),
        ("9.41am", "dateline"),
    ],
)
def test_player_notices_and_updated_datelines(line, rule):
    assert flagged(f"{line}\nThe minister said the talks went well.") == {line: rule}


@pytest.mark.parametrize(
    "text",
    [
        "Russian President Vladimir Putin Hails Model Relations With China\nPutin spoke with Xi on Wednesday. It went well.",
        "But you only do that -\nsaid the speaker, who then paused.",
        "The match starts at 10:00 on Sunday, organisers said.",
        "Close to 1,000 people attended the rally.",
        "In 2021-12 the figures were revised, the ministry said.",
        "Media playback on this device is fine, he said.",
        "The video is not available in Russia, the company said.",
        "The 10:15 train to Portsmouth was cancelled.",
    ],
)
def test_article_text_is_not_boilerplate(text):
    assert flagged(text) == {}


def test_evidence_type_and_span(seeds):
    doc = segment(seeds["004"])
    ev = next(iter(BoilerplateFinder().find(doc).values()))[0]
    assert ev.type == BOILERPLATE
    assert doc.text[ev.spans[0].start : ev.spans[0].end] == ev.spans[0].text
