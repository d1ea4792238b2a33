import json

import pytest
from conftest import SPUN_PASSAGE, SWAPPED

from detector import ARTIFACT_TYPES, Detector, DocumentReport
from detector.errors import InputError, ModelFilesError
from detector.io.records import TextRecord
from detector.labels import DUPLICATE, GARBLED_LIST, VERDICT_CLEAN, VERDICT_ERROR, VERDICT_SPUN


def test_report_has_every_type_for_every_sentence(detector, seeds):
    report = detector.score(seeds["000"], id="000")
    assert report.id == "000" and report.sentences
    for s in report.sentences:
        assert set(s.labels) == set(ARTIFACT_TYPES)
        assert 0.0 <= s.score <= 1.0
        assert s.score >= max(s.labels.values()) - 1e-9
        assert seeds["000"][s.start : s.end] == s.text


def test_seed_verdicts(seed_reports):
    assert seed_reports["000"].verdict == VERDICT_SPUN
    for key in ("001", "002", "004"):
        report = seed_reports[key]
        assert report.verdict == VERDICT_CLEAN, (key, report.score)


def test_counts_and_evidence_match_sentences(baseline_detector, seeds):
    report = baseline_detector.score(seeds["000"])
    assert report.model == "evidence-baseline-v0"
    assert report.counts[DUPLICATE] >= 14 and report.counts[GARBLED_LIST] >= 2
    flagged = [s for s in report.sentences if s.flagged(report.threshold)]
    assert report.sentences_flagged == len(flagged)
    assert all(s.evidence for s in flagged)  # the baseline flags only what evidence explains


def test_default_model_flags_the_spun_seed(detector, seeds):
    spun = detector.score(seeds["000"])
    assert spun.counts[DUPLICATE] >= 7 and spun.counts[GARBLED_LIST] >= 2


def test_boilerplate_does_not_make_an_article_spun(detector, seeds):
    report = detector.score(seeds["002"])
    assert report.counts["boilerplate"] > 40
    assert report.verdict == VERDICT_CLEAN
    assert report.content_sentences < report.sentences_total


def test_json_round_trip(detector, seeds):
    report = detector.score(seeds["000"], id="x")
    data = json.loads(report.to_json())
    assert set(data) >= {"id", "score", "verdict", "sentences"}
    assert set(data["sentences"][0]) >= {"start", "end", "text", "score", "labels", "evidence"}
    again = DocumentReport.from_dict(data)
    assert again.to_dict() == report.to_dict()


def test_html_input_offsets_index_the_extracted_text(detector):
    html = (
        "<html><body><article><p>Australia, Canada, Britain, and Canada are not sending representatives.</p>"
        "<p>Putin spoke with Xi on Wednesday about trade and security.</p>"
        "<script>document.write('INJECTED')</script></article></body></html>"
    )
    report = detector.score(html)
    assert report.source == "html"
    assert "INJECTED" not in report.text
    assert "text" in report.to_dict()
    for s in report.sentences:
        assert report.text[s.start : s.end] == s.text
    assert any(s.labels[GARBLED_LIST] >= 0.5 for s in report.sentences)


@pytest.mark.parametrize("bad,code", [("", "empty"), ("  \n ", "empty"), (b"\x00\x01\x02binary", "binary")])
def test_bad_input_raises_a_clear_error(detector, bad, code):
    with pytest.raises(InputError) as exc:
        detector.score(bad)
    assert exc.value.code == code


def test_score_many_keeps_going_after_bad_records(detector, seeds):
    records = [
        TextRecord(id="good", text=seeds["004"]),
        TextRecord(id="empty", text=""),
        TextRecord(id="none"),
        TextRecord(id="html", html="<p>Britain, France and Britain signed the treaty on Monday.</p>"),
        "A plain string document. It has two sentences.",
    ]
    reports = [report for _, report in detector.score_many(records)]
    assert [r.id for r in reports] == ["good", "empty", "none", "html", "4"]
    assert [r.verdict == VERDICT_ERROR for r in reports] == [False, True, True, False, False]
    assert reports[1].error["code"] == "empty" and reports[2].error["code"] == "missing_text"


def test_missing_model_folder_says_how_to_fix(tmp_path):
    with pytest.raises(ModelFilesError) as exc:
        Detector.from_pretrained(tmp_path / "nowhere")
    assert "training.train" in str(exc.value)


def test_corrupted_model_config_says_how_to_fix(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelFilesError) as exc:
        Detector.from_pretrained(tmp_path)
    assert "corrupted" in str(exc.value)


def test_threshold_override(seeds):
    strict = Detector.from_pretrained("evidence-baseline", threshold=0.95)
    report = strict.score(seeds["000"])
    assert report.threshold == 0.95
    assert report.sentences_flagged < Detector.from_pretrained("evidence-baseline").score(seeds["000"]).sentences_flagged


def test_shipped_models_load_by_name():
    assert Detector.from_pretrained("evidence-baseline").name == "evidence-baseline-v0"
    assert Detector.from_pretrained("default").name == Detector.from_pretrained().name


def test_word_pieces_join_into_words_and_keep_the_marked_ones():
    from detector.scoring.predictor import _marked_words

    # "[CLS] trom ##pling law [SEP] ctx [SEP]": pieces of one word join; context and specials are skipped
    offsets = [(0, 0), (0, 4), (4, 9), (10, 13), (0, 0), (0, 3), (0, 0)]
    sequence = [None, 0, 0, 0, None, 1, None]
    probs = [0.9, 0.2, 0.8, 0.3, 0.9, 0.99, 0.9]
    assert _marked_words(offsets, sequence, probs, 0.5) == [(0, 9, pytest.approx(0.8))]


def test_swapped_word_evidence_points_at_words_inside_its_sentence(detector):
    assert detector.predictor is not None and detector.predictor.token_head is not None
    report = detector.score(SPUN_PASSAGE, threshold=0.5)
    marked = []
    for s in report.sentences:
        for e in s.evidence:
            if e.rule == "swapped_words":
                assert e.type == "spun" and s.labels["spun"] >= report.threshold
                for span in e.spans:
                    assert s.start <= span.start < span.end <= s.end and SPUN_PASSAGE[span.start : span.end] == span.text
                    marked.append(span.text.strip(".,").lower())
    assert set(marked) & SWAPPED, marked  # the token head finds some of the swapped words
