"""Not English: identified per paragraph, set aside, and never called clean (issue 20 item 7)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from detector.apps.cli import app
from detector.labels import VERDICT_UNSUPPORTED_LANGUAGE
from detector.text.language import english_part, find_languages, telling_words
from detector.text.segment import segment

GERMAN = """Die Bundesregierung hat am Dienstag neue Maßnahmen zur Stärkung der Wirtschaft beschlossen.
Wirtschaftsminister Robert Habeck sagte in Berlin, die Hilfen sollten vor allem kleinen und mittleren Unternehmen zugutekommen.
Die Opposition kritisierte das Paket als unzureichend und forderte weitere Entlastungen für Verbraucher."""
FRENCH = "Le gouvernement a annoncé mardi de nouvelles mesures pour soutenir les petites entreprises touchées par la crise."


def test_a_german_article_is_unsupported_never_clean(detector):
    report = detector.score(GERMAN)
    assert report.verdict == VERDICT_UNSUPPORTED_LANGUAGE and report.score is None
    assert report.language["language"] == "de" and report.language["english_share"] == 0.0
    assert report.sentences == [] and report.skipped_sentences == 3


def test_a_mixed_document_scores_only_its_english_part(detector, seeds):
    english, mixed = detector.score(seeds["001"]), detector.score(seeds["001"] + "\n" + FRENCH + "\n" + GERMAN)
    assert mixed.verdict == english.verdict and abs(mixed.score - english.score) < 1e-9
    assert [s.text for s in mixed.sentences] == [s.text for s in english.sentences]
    assert mixed.language["skipped_sentences"] == 4 and {lang for *_, lang in mixed.language["skipped"]} == {"fr", "de"}
    start, end, _ = mixed.language["skipped"][0]
    assert mixed.text[start:end] == FRENCH


def test_short_lines_and_names_are_never_judged_foreign(seeds):
    for name in ("000", "001", "002", "003", "004"):
        found = find_languages(segment(seeds[name]))
        assert found.language == "en" and found.skipped == () and found.english_share == 1.0
    found = find_languages(segment("Xi Jinping\n0:00\nRelated Articles\nSTARRING: Ana Pop"))
    assert found.skipped == () and found.supported
    # a line of English that its names make Spanish to the identifier (TIME's page, newspaper4k's tests)
    line = "Write to Alejandro de la Garza at alejandro.delagarza@time.com"
    assert find_languages(segment(f"The council met on Tuesday.\n{line}")).skipped == ()
    assert telling_words(line) == "to de la at"


def test_english_part_keeps_offsets_and_renumbers_sentences():
    doc = segment("The talks went on in Geneva. Officials said so.\n" + FRENCH + "\nThey will meet again next week in Vienna.")
    kept = english_part(doc, find_languages(doc))
    assert [s.index for s in kept.sentences] == [0, 1, 2]
    assert all(kept.text[s.start : s.end] == s.text for s in kept.sentences)
    assert kept.paragraphs == doc.paragraphs and [s.paragraph for s in kept.sentences] == [0, 0, 2]


def test_the_check_can_be_turned_off(detector):
    detector.config.language_check = False
    try:
        assert detector.score(GERMAN).verdict != VERDICT_UNSUPPORTED_LANGUAGE
    finally:
        detector.config.language_check = True


def test_cli_text_csv_and_filter_show_it(tmp_path, seeds):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "de", "text": GERMAN}) + "\n", encoding="utf-8")
    runner = CliRunner()
    text = runner.invoke(app, ["score", "-q", str(src), "--format", "text", "--model", "evidence-baseline"])
    assert "unsupported_language (de; 0% of the judged text is English): not scored" in text.stdout
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(seeds["001"] + "\n" + FRENCH + "\n", encoding="utf-8")
    text = runner.invoke(app, ["score", "-q", str(mixed), "--format", "text", "--model", "evidence-baseline"])
    assert "   1 sentence in other languages not scored\n" in text.stdout
    rows = runner.invoke(app, ["score", "-q", str(src), "--format", "csv", "--model", "evidence-baseline"]).stdout
    assert "unsupported_language" in rows and ",de,0.0,3," in rows
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.jsonl"
    result = runner.invoke(app, ["filter", "-q", str(src), "-o", str(kept), "--rejected", str(dropped), "--model", "evidence-baseline"])
    assert result.exit_code == 0 and kept.read_text() == ""
    summary = json.loads(dropped.read_text())["millcheck"]
    assert summary["reason"] == "verdict unsupported_language (de)" and summary["language"] == "de"
