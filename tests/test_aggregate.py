import pytest

from detector.document.features import LM_STRONGEST, document_features, feature_names, lm_strongest_mean
from detector.document.head import DocumentHead
from detector.document.verdict import summarise
from detector.evidence.base import Evidence
from detector.labels import ARTIFACT_TYPES, EVIDENCE_TYPES
from detector.report import SentenceScore


def sentence(i, evidence=True, **probs):
    """A scored sentence; with `evidence`, a finder's evidence for each evidence type it is given, as
    the pipeline's sentences have (without it, the classifier's probability alone)."""
    labels = {t: probs.get(t, 0.0) for t in ARTIFACT_TYPES}
    found = [Evidence(t, "test", "found", p) for t, p in probs.items() if t in EVIDENCE_TYPES] if evidence else []
    return SentenceScore(i, 0, 1, "x", max(labels.values()), labels, found)


def test_an_evidence_type_flags_only_with_evidence_and_boilerplate_evidence_blocks_learned_types():
    found = sentence(0, broken_punctuation=0.9, spun=0.7)
    assert found.flagged_types(0.5) == ["broken_punctuation", "spun"] and found.flagged(0.5)
    alone = sentence(0, evidence=False, broken_punctuation=0.99)
    assert alone.flagged_types(0.5) == [] and not alone.flagged(0.5)  # the classifier alone orders, never flags
    assert alone.score >= 0.5  # the overall score still ranks it
    weak = sentence(0, broken_punctuation=0.4)
    assert weak.flagged_types(0.5) == [] and weak.flagged_types(0.3) == ["broken_punctuation"]
    masthead = SentenceScore(
        0,
        0,
        1,
        "x",
        0.85,
        {**sentence(0).labels, "machine_translated": 0.85, "boilerplate": 0.7},
        [Evidence("boilerplate", "masthead", "site name", 0.7)],
    )
    assert masthead.flagged_types(0.8) == []  # debris is not article prose: no learned type
    assert masthead.to_dict(0.8)["flags"] == [] and "flags" not in masthead.to_dict()
    summary = summarise([alone, found] + [sentence(i) for i in range(2, 10)], 0.5)
    assert summary.flagged == 1 and summary.counts["broken_punctuation"] == 1 and summary.counts["spun"] == 1


def test_one_odd_sentence_does_not_condemn_an_article():
    sentences = [sentence(0, broken_punctuation=0.85)] + [sentence(i) for i in range(1, 20)]
    summary = summarise(sentences, 0.5)
    assert summary.verdict == "clean" and summary.flagged == 1


def test_boilerplate_is_set_aside():
    sentences = [sentence(i, boilerplate=0.9) for i in range(10)] + [sentence(10), sentence(11)]
    summary = summarise(sentences, 0.5)
    assert summary.verdict == "clean" and summary.content == 2
    assert summary.shares["boilerplate"] == pytest.approx(10 / 12)


def test_verdict_names_the_family_with_most_mass():
    spun = [sentence(i, duplicate=0.9) for i in range(4)] + [sentence(i) for i in range(4, 10)]
    assert summarise(spun, 0.5).verdict == "spun"
    mt = [sentence(i, machine_translated=0.8) for i in range(10)]
    assert summarise(mt, 0.5).verdict == "machine_translated"


def test_document_features_and_head():
    sentences = [sentence(i, machine_translated=0.6) for i in range(10)]
    features = document_features(sentences, 0.5)
    assert len(features) == 2 * len(ARTIFACT_TYPES) + 1 and features.names == feature_names()
    assert features["machine_translated.mean"] == pytest.approx(0.6) == features["machine_translated.top"]
    assert features["boilerplate_share"] == 0.0
    n = len(features)
    weights = [0.0] * n
    weights[features.names.index("machine_translated.mean")] = 20.0
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, -10.0))
    summary = summarise(sentences, 0.5, head=head)
    assert summary.verdict == "machine_translated" and summary.score > 0.5
    low = [sentence(i, machine_translated=0.3) for i in range(10)]
    assert summarise(low, 0.5, head=head).verdict == "clean"
    assert DocumentHead.from_dict(head.to_dict()) == head


def test_the_head_reads_its_own_view_of_the_sentences_and_the_rule_the_reported_one():
    """With --lm the reported spun probability is the LM stack's; the head was fitted on the
    classifier's, so it reads `head_view`, while flags and the top-decile rule read the report."""
    reported = [sentence(i, spun=0.3) for i in range(10)]
    classifier = [sentence(i, spun=0.02) for i in range(10)]
    n = len(document_features(reported, 0.5))
    weights = [0.0] * n
    weights[feature_names().index("spun.mean")] = 20.0
    head = DocumentHead(("clean", "spun"), (tuple([0.0] * n), tuple(weights)), (0.0, -5.0))
    assert summarise(reported, 0.5, head=head).verdict == "spun"
    assert summarise(reported, 0.5, head=head, head_view=classifier).verdict == "clean"
    strong = [sentence(i, spun=0.95) for i in range(10)]
    assert summarise(strong, 0.5, head=head, head_view=classifier).verdict == "spun", "the rule reads the reported scores"


def test_the_document_mt_logit_is_a_feature_before_the_round_trip_similarity():
    sentences = [sentence(i, machine_translated=0.4) for i in range(6)]
    plain = document_features(sentences, 0.5)
    both = document_features(sentences, 0.5, roundtrip=0.8, document_mt=-2.5)
    assert both.names == (*plain.names, "document_mt_logit", "roundtrip_similarity")
    assert list(both) == [*plain, -2.5, 0.8] and both["document_mt_logit"] == -2.5
    assert both.names == feature_names(document_mt=True, roundtrip=True)
    n = len(plain) + 1
    weights = [0.0] * n
    weights[-1] = 4.0  # only the document-level logit counts
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, 0.0))
    assert summarise(sentences, 0.5, head=head, document_mt=2.0).verdict == "machine_translated"
    assert summarise(sentences, 0.5, head=head, document_mt=-2.0).verdict == "clean"


def test_a_head_given_the_wrong_number_of_features_says_so():
    sentences = [sentence(i, machine_translated=0.4) for i in range(6)]
    n = len(document_features(sentences, 0.5)) + 1  # fitted with the document-level logit
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple([1.0] * n)), (0.0, 0.0))
    with pytest.raises(ValueError, match=f"reads {n} features but was given {n - 1}"):
        summarise(sentences, 0.5, head=head)


def test_content_text_leaves_boilerplate_out():
    from detector.document.features import content_text

    sentences = [SentenceScore(0, 0, 1, "Read more here", 0.9, {"boilerplate": 0.9}), SentenceScore(1, 0, 1, "Putin spoke.", 0.1, {})]
    assert content_text(sentences, 0.5) == "Putin spoke."
    assert content_text(sentences[:1], 0.5) == "Read more here"  # all boilerplate: all of it


def test_a_verdict_says_why():
    spun = [sentence(i, duplicate=0.9) for i in range(4)] + [sentence(4, garbled_list=0.9)] + [sentence(i) for i in range(5, 10)]
    reason = summarise(spun, 0.5).reason
    assert "a spinner's kinds" in reason and "duplicate 4" in reason and "garbled_list 1" in reason and "(threshold 0.50)" in reason
    mt = summarise([sentence(i, machine_translated=0.8) for i in range(10)], 0.5)
    assert "machine translation" in mt.reason and "machine_translated 10" in mt.reason
    clean = summarise([sentence(i) for i in range(10)], 0.5)
    assert clean.reason == "its most suspect tenth of sentences scores 0.00, under the threshold 0.50"
    assert "every sentence is boilerplate" in summarise([sentence(i, boilerplate=0.9) for i in range(3)], 0.5).reason


def test_a_head_verdict_names_the_features_that_weighed_most_above_the_usual():
    n = len(feature_names())
    names = feature_names()
    weights = [0.0] * n
    weights[names.index("machine_translated.mean")] = 2.0
    weights[names.index("spun.top")] = -1.0  # a negative weight: a low value would push toward MT, which reads backwards
    center, scale = [0.3] * n, [0.1] * n
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, -2.0), tuple(center), tuple(scale), 0.5)
    mt = summarise([sentence(i, machine_translated=0.8) for i in range(10)], 0.5, head=head)
    assert mt.verdict == "machine_translated"
    assert mt.reason.startswith(f"the document head gives 1 - P(clean) {mt.score:.2f} (bar 0.50)")
    assert mt.reason.endswith("it weighs most: the mean machine_translated probability 0.80")  # spun.top is low, so not named
    low = summarise([sentence(i, machine_translated=0.2) for i in range(10)], 0.5, head=head)
    assert low.verdict == "clean" and low.reason == f"the document head gives 1 - P(clean) {low.score:.2f}, under its bar 0.50"


def test_a_short_document_needs_the_head_to_clear_a_higher_bar():
    from dataclasses import replace

    n = len(feature_names())
    weights = [0.0] * n
    weights[feature_names().index("machine_translated.mean")] = 20.0
    head = DocumentHead(
        ("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, -10.0), threshold=0.6, short_bars=((3, 0.99), (9, 0.5))
    )
    assert head.bar(2) == 0.99 and head.bar(3) == 0.99 and head.bar(4) == 0.6  # never under the threshold
    assert head.bar(10) == head.bar(None) == 0.6
    assert DocumentHead.from_dict(head.to_dict()) == head
    assert DocumentHead.from_dict({k: v for k, v in head.to_dict().items() if k != "short_bars"}).short_bars == ()  # older heads
    three = [sentence(i, machine_translated=0.7) for i in range(3)]  # 1 - P(clean) about 0.98
    short = summarise(three, 0.5, head=head)
    assert short.verdict == "clean" and short.reason.endswith("under its bar 0.99 for a document this short")
    assert summarise(three, 0.5, head=replace(head, short_bars=())).verdict == "machine_translated"
    longer = summarise([sentence(i, machine_translated=0.7) for i in range(12)], 0.5, head=head)
    assert longer.verdict == "machine_translated" and "for a document this short" not in longer.reason


def test_the_head_does_not_judge_a_document_too_short_for_learned_scores():
    n = len(feature_names())
    weights = [0.0] * n
    weights[feature_names().index("machine_translated.mean")] = 20.0
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, -10.0))
    lone = sentence(0, machine_translated=0.9)
    lone.learned = False
    summary = summarise([lone], 0.5, head=head)
    assert summary.verdict == "clean" and summary.reason.startswith("too short for the learned scores")


def test_a_call_with_no_sentence_flagged_for_it_names_the_likeliest_sentence():
    """The head adds up middling probabilities that no highlight shows: the reason says where to look."""
    from detector.document.verdict import _unflagged_note

    def sentence(i, text, spun, mt=0.1):
        return SentenceScore(i, 0, 1, text, max(spun, mt), {"spun": spun, "machine_translated": mt})

    content = [sentence(0, "The win keeps them two points behind the leaders.", 0.69), sentence(1, "He shot into an empty net.", 0.44)]
    note = _unflagged_note(content, {0: set(), 1: set()}, "spun")
    assert note == "; no sentence is flagged spun, the likeliest: “The win keeps them two points behind the leaders.” (spun 0.69)"
    assert _unflagged_note(content, {0: set(), 1: {"duplicate"}}, "spun") == ""  # a flag of the spun family explains it
    assert "machine_translated 0.10" in _unflagged_note(content, {0: set(), 1: set()}, "machine_translated")
    assert _unflagged_note(content, {0: set(), 1: set()}, "clean") == ""


def _read(sentence_score, *improbabilities):
    sentence_score.lm_words = [{"text": "w", "improbability": x} for x in improbabilities]
    return sentence_score


def test_the_language_model_feature_needs_every_content_sentence_read():
    """LM_STRONGEST: the mean over content sentences of each one's strongest word improbability (0
    for one without a judged word); None when the LM did not read a content sentence (batch --lm
    reads only suspect ones), so a head fitted on whole readings is never given half of one."""
    read = [_read(sentence(0), 2.0, 9.0), _read(sentence(1)), _read(sentence(2), 4.0)]
    assert lm_strongest_mean(read, 0.5) == pytest.approx((9.0 + 0.0 + 4.0) / 3)
    debris = SentenceScore(3, 0, 1, "x", 0.9, {**sentence(3).labels, "boilerplate": 0.9}, [Evidence("boilerplate", "test", "debris", 0.9)])
    assert lm_strongest_mean([*read, debris], 0.5) == pytest.approx(13.0 / 3), "boilerplate is not read as the article"
    assert lm_strongest_mean([*read, sentence(4)], 0.5) is None
    features = document_features(read, 0.5, document_mt=-1.0, lm_strongest=6.5)
    assert features.names == feature_names(document_mt=True, lm=True) and features.names[-1] == LM_STRONGEST
    assert features[LM_STRONGEST] == 6.5 and len(features) == len(document_features(read, 0.5)) + 2


def test_a_head_that_reads_the_language_model_says_so_in_its_reason():
    sentences = [sentence(i, spun=0.1) for i in range(10)]
    names = feature_names(lm=True)
    weights = [0.0] * len(names)
    weights[names.index(LM_STRONGEST)] = 2.0
    head = DocumentHead(("clean", "spun"), (tuple([0.0] * len(names)), tuple(weights)), (0.0, -10.0), features=names)
    odd = summarise(sentences, 0.5, head=head, lm_strongest=8.0)
    assert odd.verdict == "spun" and "the language model's mean improbability" in odd.reason
    assert summarise(sentences, 0.5, head=head, lm_strongest=3.0).verdict == "clean"
    with pytest.raises(ValueError, match="reads the features"):
        summarise(sentences, 0.5, head=head)  # a head fitted with the reading is never asked without it
