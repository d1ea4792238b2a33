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
        ("November 28, 2013 -- Updated 0203 GMT (1003 HKT)", "dateline"),  # CNN's page (newspaper4k's tests)
        ("STORY HIGHLIGHTS", "page_furniture"),
    ],
)
def test_player_notices_and_updated_datelines(line, rule):
    assert flagged(f"{line}\nThe minister said the talks went well.") == {line: rule}


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Credit: Riot Games, ONE Esports", "image_credit"),  # a sports site's page (newspaper4k's test pages)
        ("Screenshot by Kristine Tuting/ONE Esports", "image_credit"),
        ("David McNew—Getty Images", "image_credit"),
        ("(Photo by Jane Doe/Getty Images)", "image_credit"),
        ("Photo credit: Sky Revolutions", "image_credit"),  # WMT23's ru-en reference
        ("Image copyright Getty Images", "image_credit"),
        ("| ADD TO CART: US$25 League of Legends Gift Card for NA server |", "shop_link"),
        ("VIEW PRICE: Funko Pop Games League of Legends Lee Sin", "shop_link"),
        ("™ & © 2013 Cable News Network, Inc., a Time Warner Company", "copyright"),
        ("Copyright © 2023 Deutsche Welle: All contents of this article are protected by copyright law.", "copyright"),
        ("CNN’s Christine Romans and Emily Jane Fox contributed to this report", "byline"),
        ("Reporting By Yasmeen Abutaleb; Editing by Christian Plumb", "byline"),
        ("Write to Alejandro de la Garza at alejandro.delagarza@time.com", "contact_line"),
        ("Email us your stories and comments at haveyoursay@bbc.co.uk", "contact_line"),
    ],
)
def test_credits_notices_and_shop_widgets(line, rule):
    assert flagged(f"{line}\nThe minister said the talks went well.") == {line: rule}


def test_a_teaser_says_which_mark_ends_it():
    doc = segment("Make Someone's Day: A Gift Card For Gamers |\nThe minister said the talks went well.")
    (evidence,) = BoilerplateFinder().find(doc)[0]
    assert evidence.rule == "teaser" and evidence.message == "ad or link teaser (a headline ending in “|”)"


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
        "Photo: Protesters gather outside parliament on Tuesday as police watch.",  # a caption, not a credit
        "Photos: Following restorations, Egypt inaugurates the Djehuty and Hery tombs",  # a gallery's headline
        "(Reuters)",  # a story's source
        "Buy now, pay later schemes are growing, the regulator said.",
        "Get it done, she said.",
        "© Alamy One of just a few publicly available photos of the director, from his testimony in 2007",
        "The firm said all rights reserved by the contract were waived last year, and he agreed.",
        "Copyright law in the EU is changing fast, the commission said.",
        "He contributed to the report on climate change published in 2019 by the panel.",
    ],
)
def test_article_text_is_not_boilerplate(text):
    assert flagged(text) == {}


def test_evidence_type_and_span(seeds):
    doc = segment(seeds["004"])
    ev = next(iter(BoilerplateFinder().find(doc).values()))[0]
    assert ev.type == BOILERPLATE
    assert doc.text[ev.spans[0].start : ev.spans[0].end] == ev.spans[0].text


def test_a_credit_and_a_shop_line_are_flagged_in_the_report(baseline_detector):
    report = baseline_detector.score(
        "Credit: Riot Games, ONE Esports\nThe team won the final on Sunday, its fourth title.\nVIEW PRICE: Funko Pop Games Lee Sin"
    )
    flags = [s.flagged_types(report.threshold) for s in report.sentences]
    assert flags == [["boilerplate"], [], ["boilerplate"]]


def test_related_links_and_a_list_of_the_sites_other_stories():
    """TIME's page (newspaper4k's test pages): "Read more:" links in the story and a "More Must-Reads" list."""
    text = (
        "Hansen said the crisis will have to be met with geoengineering.\n"
        "Read more: A Controversial Technology Is Creating an Unprecedented Rift Among Climate Scientists\n"
        "Related: Manchester United suffer Luke Shaw blow in defeat at PSV\n"
        "Mann disputes the paper's conclusions.\n"
        "More Must-Reads From TIME\n"
        "- The Struggle to Save Lives Inside Gaza’s Hospitals\n"
        "- Is Using the Snooze Button Bad for You?\n"
        "- The Best Inventions of 2023"
    )
    doc = segment(text)
    findings = BoilerplateFinder().find(doc)
    rules = {doc.sentences[i].text: (evs[0].rule, evs[0].confidence) for i, evs in findings.items()}
    assert rules["Related: Manchester United suffer Luke Shaw blow in defeat at PSV"] == ("related_link", 0.85)
    assert rules["- Is Using the Snooze Button Bad for You?"] == ("link_list", 0.85)  # a question headline stays in the list
    assert rules["- The Best Inventions of 2023"] == ("link_list", 0.85)
    assert "Mann disputes the paper's conclusions." not in rules and len(rules) == 6


def test_a_link_list_ends_before_the_captions_and_before_a_line_of_sentences():
    text = "Most popular\n- The Best Inventions of 2023\nThe rally drew crowds. Organisers said 5,000 came\n- Another Headline Here Today"
    doc = segment(text)
    flagged_lines = {doc.sentences[i].paragraph for i in BoilerplateFinder().find(doc)}
    assert flagged_lines == {0, 1}
    caption = "The sun rises over an oil field near Lost Hills, California. David McNew—Getty Images"
    doc = segment(f"Most popular\n- The Best Inventions of 2023\n{caption}", caption_ranges=[(43, 43 + len(caption))])
    findings = BoilerplateFinder().find(doc)
    rules = [(doc.sentences[i].text, e[0].rule) for i, e in sorted(findings.items())]
    assert rules == [("Most popular", "page_furniture"), ("- The Best Inventions of 2023", "link_list")]  # the caption is not


def test_every_sentence_of_a_copyright_line_is_flagged():
    doc = segment(
        "The minister said the talks went well.\n™ & © 2013 Cable News Network, Inc., a Time Warner Company. All rights reserved."
    )
    findings = BoilerplateFinder().find(doc)
    assert sorted(findings) == [1, 2] and {findings[i][0].rule for i in findings} == {"copyright"}


def test_a_site_name_above_a_wire_dateline_is_a_masthead_but_a_headline_is_not():
    rules = flagged("CNN\nWASHINGTON (CNN) — Not everyone subscribes to a New Year’s resolution, but laws change.")
    assert rules == {"CNN": "masthead"}
    headline = "East Germany's last communist leader dies at 95\nBERLIN (AP) - Hans Modrow, who led East Germany, has died."
    assert flagged(headline) == {}  # WMT23's own line: the story's headline sits above its dateline
