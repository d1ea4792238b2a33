import pytest

from detector.aggregate import DocumentHead, document_features, summarise
from detector.labels import ARTIFACT_TYPES
from detector.report import SentenceScore


def sentence(i, **probs):
    labels = {t: probs.get(t, 0.0) for t in ARTIFACT_TYPES}
    return SentenceScore(i, 0, 1, "x", max(labels.values()), labels)


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
    assert len(features) == 2 * len(ARTIFACT_TYPES) + 1
    mt = ARTIFACT_TYPES.index("machine_translated")
    assert features[2 * mt] == pytest.approx(0.6)  # mean
    n = len(features)
    weights = [0.0] * n
    weights[2 * mt] = 20.0
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, -10.0))
    summary = summarise(sentences, 0.5, head=head)
    assert summary.verdict == "machine_translated" and summary.score > 0.5
    low = [sentence(i, machine_translated=0.3) for i in range(10)]
    assert summarise(low, 0.5, head=head).verdict == "clean"
    assert DocumentHead.from_dict(head.to_dict()) == head
