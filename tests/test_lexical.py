"""The lexical MT scorer: hashed features, fitting, stacking with the encoder, save and reload."""

import math

import numpy as np
import pytest

from detector.scoring.lexical_mt import LEXICAL_NAME, LexicalConfig, LexicalMTScorer, featurize, ngram_counts

SMALL = LexicalConfig(hash_bits=12)

# Two "translators" that differ only in habits a bag of n-grams can see.
BODIES = ("minister", "mayor", "council", "police", "court", "party")
MT = [f"The {w} has been informed about the situation since weeks, according to the ministry." for w in BODIES]
HUMAN = [f"The {w} was told about it weeks ago, the ministry said." for w in BODIES]


def test_vectorised_character_hashes_are_zlib_crc32_of_each_gram_in_order():
    """The numpy CRC-32 gives what one `zlib.crc32` per n-gram gives, for any Unicode (characters
    of 1 to 4 bytes), empty texts, and texts shorter than n."""
    import random
    import zlib

    from detector.scoring.ngram_hashing import char_ngram_hashes

    rng = random.Random(7)
    alphabet = "ab é–“”東😀 .,\t"
    texts = ["", " a ", " Since weeks Russia has been accused. ", " Größe “quoted” 東京 😀 "]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(200)]
    mask = (1 << 20) - 1
    for prefix, sizes in (("c", (1, 5)), ("xc", (2, 4)), ("", (6, 6))):
        got = char_ngram_hashes(texts, prefix, sizes, mask)
        for text, hashes in zip(texts, got):
            want = [
                zlib.crc32((prefix + text[i : i + n]).encode("utf-8")) & mask
                for n in range(sizes[0], sizes[1] + 1)
                for i in range(len(text) - n + 1)
            ]
            assert hashes.tolist() == want, (text, prefix)
    assert char_ngram_hashes([], "c", (1, 5), mask) == []


def test_features_are_deterministic_case_sensitive_and_normalised_per_family():
    words, chars = ngram_counts("Since weeks Russia has been accused.", SMALL)
    assert sum(words.values()) == 7 + 6  # seven tokens (the period is one), six bigrams
    assert chars and all(0 <= h < 1 << SMALL.hash_bits for h in chars)
    row = featurize(["Since weeks Russia has been accused."], SMALL)
    again = featurize(["Since weeks Russia has been accused."], SMALL)
    assert (row != again).nnz == 0
    assert (row != featurize(["since weeks russia has been accused."], SMALL)).nnz > 0
    # each family is L2-normalised on its own: the whole row has norm sqrt(2) up to collisions
    assert math.isclose(float(np.sqrt(row.multiply(row).sum())), math.sqrt(2), rel_tol=0.05)
    assert featurize([""], SMALL).nnz == 0


def _split(sentences, mt_flags, contexts=None):
    from datasets import Dataset

    labels = [[0.0, float(m), 0.0, 0.0, 0.0, 0.0, float(m)] for m in mt_flags]
    contexts = contexts or [""] * len(sentences)
    return Dataset.from_dict({"sentence": sentences, "context": contexts, "labels": labels})


def test_fitted_scorer_ranks_unseen_sentences_by_the_habits_it_learned_and_reloads(tmp_path):
    from training.lexical_mt import fit_lexical

    scorer = fit_lexical(_split(MT + HUMAN, [1] * len(MT) + [0] * len(HUMAN)), config=SMALL)
    unseen = [
        "The senate has been informed about the situation since weeks, according to the ministry.",
        "The senate was told about it weeks ago, the ministry said.",
    ]
    logits = scorer.logits(unseen)
    assert logits[0] > logits[1]
    scorer.save_pretrained(tmp_path)
    assert (tmp_path / LEXICAL_NAME).stat().st_size < (1 << SMALL.hash_bits) * 2 + 4096  # float16 weights
    reloaded = LexicalMTScorer.from_pretrained(tmp_path)
    assert reloaded.config == SMALL
    np.testing.assert_array_equal(reloaded.logits(unseen), logits)


def test_a_context_scorer_reads_the_neighbours_and_needs_them(tmp_path):
    from training.lexical_mt import fit_lexical

    with_context = LexicalConfig(hash_bits=12, context=True)
    # The sentences are the same in both classes: only their neighbours tell the translators apart.
    sentences = [f"The {w} met on Tuesday." for w in BODIES] * 2
    contexts = MT + HUMAN
    scorer = fit_lexical(_split(sentences, [1] * len(MT) + [0] * len(HUMAN), contexts), config=with_context)
    sentence = ["The senate met on Tuesday."]
    mt_context = scorer.logits(sentence, [MT[0].replace("minister", "senate")])
    human_context = scorer.logits(sentence, [HUMAN[0].replace("minister", "senate")])
    assert mt_context[0] > human_context[0] + 0.5
    # The context's n-grams are hashed apart from the sentence's: a text as context is not the text.
    assert (featurize(["since weeks"], with_context, [""]) != featurize([""], with_context, ["since weeks"])).nnz > 0
    with pytest.raises(ValueError, match="context"):
        scorer.logits(sentence)
    scorer.save_pretrained(tmp_path)
    assert LexicalMTScorer.from_pretrained(tmp_path).config.context is True
    # Files saved before the option existed read back without context.
    assert LexicalConfig.from_dict({"hash_bits": 12}).context is False


def test_fit_lexical_needs_both_classes():
    from training.lexical_mt import fit_lexical

    with pytest.raises(ValueError, match="both"):
        fit_lexical(_split(MT, [1] * len(MT)), config=SMALL)


def test_stack_weighs_the_informative_logit():
    from training.lexical_mt import fit_stack

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    informative = y * 2.0 + rng.normal(0, 1, 2000)
    noise = rng.normal(0, 1, 2000)
    w_encoder, w_lexical, _ = fit_stack(noise, informative, y)
    assert w_lexical > 1.0 and abs(w_encoder) < 0.2


def test_a_model_that_stacks_a_lexical_scorer_needs_its_file(tmp_path):
    from detector.errors import ModelFilesError
    from detector.labels import MACHINE_TRANSLATED
    from detector.scoring.classifier import ArtifactClassifier
    from detector.scoring.configuration import ClassifierConfig
    from detector.scoring.parts import MTStack
    from detector.scoring.predictor import Predictor

    network = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=1, token_head=False))
    lexical = LexicalMTScorer(SMALL, np.linspace(-1, 1, 1 << SMALL.hash_bits), 0.25)
    model = Predictor(network, mt_stack=MTStack(1.0, 2.0, -0.5), lexical=lexical)
    sentences, contexts = MT[:2] + HUMAN[:2], [""] * 4
    stacked = model.predict_logits(sentences, contexts)
    plain = model.predict_logits(sentences, contexts, stack=False)
    k = model.config.outputs.index(MACHINE_TRANSLATED)
    np.testing.assert_allclose(stacked[:, k], plain[:, k] + 2.0 * model.lexical.logits(sentences) - 0.5, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.delete(stacked, k, axis=1), np.delete(plain, k, axis=1))
    model.save_pretrained(tmp_path)
    np.testing.assert_allclose(Predictor.from_pretrained(tmp_path).predict_logits(sentences, contexts), stacked, atol=1e-6)
    (tmp_path / LEXICAL_NAME).unlink()
    with pytest.raises(ModelFilesError, match=LEXICAL_NAME):
        Predictor.from_pretrained(tmp_path)


def test_the_detector_gives_the_lexical_scorer_its_own_context_window():
    from detector.labels import MACHINE_TRANSLATED
    from detector.pipeline import Detector
    from detector.scoring.classifier import ArtifactClassifier
    from detector.scoring.configuration import ClassifierConfig
    from detector.scoring.encoder import SentenceEncoder
    from detector.scoring.parts import MTStack
    from detector.scoring.predictor import Predictor

    wide = LexicalConfig(hash_bits=SMALL.hash_bits, context=True, context_window=2)
    lexical = LexicalMTScorer(wide, np.random.default_rng(0).normal(0, 1, 1 << wide.hash_bits), 0.0)
    network = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=1, token_head=False))
    model = Predictor(network, mt_stack=MTStack(1.0, 2.0, -0.5), lexical=lexical)
    assert model.lexical_window == 2
    detector = Detector(model, SentenceEncoder.from_pretrained(model.config.base_model))
    doc = detector.to_document(" ".join(MT[:3] + HUMAN[:3]))
    sentences = [s.text for s in doc.sentences]
    assert len(sentences) == 6
    got = detector.score_document(doc).sentences
    narrow = [doc.context(i, 1) for i in range(6)]
    expected = model.predict(sentences, narrow, lexical_contexts=[doc.context(i, 2) for i in range(6)])
    k = model.config.outputs.index(MACHINE_TRANSLATED)
    np.testing.assert_allclose([s.labels[MACHINE_TRANSLATED] for s in got], expected[:, k], atol=1e-6)
    assert not np.allclose(expected[:, k], model.predict(sentences, narrow)[:, k], atol=1e-4)  # the window matters


def test_a_document_level_scorer_is_saved_apart_and_its_logit_moves_the_document_verdict(tmp_path):
    from detector.document.features import content_text, document_features
    from detector.document.head import DocumentHead
    from detector.errors import ModelFilesError
    from detector.pipeline import Detector, DetectorConfig
    from detector.scoring.classifier import ArtifactClassifier
    from detector.scoring.configuration import ClassifierConfig
    from detector.scoring.encoder import SentenceEncoder
    from detector.scoring.lexical_mt import DOCUMENT_LEXICAL_NAME
    from detector.scoring.predictor import Predictor

    n = len(document_features([], 0.5)) + 1  # the head reads the document-level logit last
    weights = [0.0] * n
    weights[-1] = 1.0
    head = DocumentHead(("clean", "machine_translated"), (tuple([0.0] * n), tuple(weights)), (0.0, 0.0))
    network = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=1, token_head=False))
    model = Predictor(network, document_lexical=LexicalMTScorer(SMALL, np.random.default_rng(1).normal(0, 1, 1 << SMALL.hash_bits), 4.0))
    text = " ".join(MT[:3])
    # an untrained head scores every sentence near 0.5: a high threshold keeps them all content
    encoder = SentenceEncoder.from_pretrained(model.config.base_model)
    detector = Detector(model, encoder, DetectorConfig(threshold=0.99), document_head=head)
    report = detector.score(text)
    expected = float(model.document_lexical.logits([content_text(report.sentences, report.threshold)])[0])
    assert detector.document_mt_logit(report.sentences, report.threshold) == pytest.approx(expected)
    assert expected > 0 and report.verdict == "machine_translated"
    model.document_lexical = LexicalMTScorer(SMALL, model.document_lexical.weights, -40.0)  # a scorer sure it is human
    assert detector.score(text).verdict == "clean"

    model.save_pretrained(tmp_path)
    assert (tmp_path / DOCUMENT_LEXICAL_NAME).is_file() and not (tmp_path / LEXICAL_NAME).exists()
    reloaded = Predictor.from_pretrained(tmp_path)
    assert reloaded.document_mt_logit(text) == pytest.approx(model.document_mt_logit(text), abs=1e-5)
    assert Predictor(network).document_mt_logit(text) is None
    (tmp_path / DOCUMENT_LEXICAL_NAME).unlink()
    with pytest.raises(ModelFilesError, match=DOCUMENT_LEXICAL_NAME):
        Predictor.from_pretrained(tmp_path)


def _fake_blocks(monkeypatch):
    """Train blocks of two "translators" (and a held-out one that must stay out) in place of the data folder."""
    from training import sources
    from training.sources import TRAIN, Block

    blocks = []
    for k in range(6):
        for generator, mt, lines in (("deepl", True, MT), ("human-translation", False, HUMAN), ("nllb", True, HUMAN)):
            blocks.append(Block(f"wmt17:{k}", "wmt17", generator, mt, tuple(lines[k:] + lines[:k]), TRAIN))
    blocks.append(Block("wmt17:9", "wmt17", "deepl", True, tuple(HUMAN), "test"))  # another split: left out
    monkeypatch.setattr(sources, "all_blocks", lambda *args: blocks)
    return blocks


def test_the_sentence_scorer_can_be_fitted_on_every_train_block_sentence(monkeypatch):
    from training.config import CorpusConfig, TrainConfig
    from training.lexical_mt import fit_lexical_on_blocks

    _fake_blocks(monkeypatch)
    config = LexicalConfig(hash_bits=12, context=True, context_window=2)
    scorer = fit_lexical_on_blocks(CorpusConfig(), config=config)
    # were the held-out "nllb" blocks (human wording, labelled MT) or the test block read, the human
    # wording would not score clearly lower
    mt, human = scorer.logits([MT[0], HUMAN[0]], [" ".join(MT[1:3]), " ".join(HUMAN[1:3])])
    assert mt > 0 > human
    assert scorer.config == config
    with pytest.raises(ValueError, match="lexical_source"):
        TrainConfig(lexical_source="everything")


def test_the_document_scorer_is_fitted_on_joined_train_blocks(monkeypatch):
    from training.config import CorpusConfig
    from training.lexical_mt import fit_document_lexical

    _fake_blocks(monkeypatch)
    scorer = fit_document_lexical(CorpusConfig(), [1, 2], config=SMALL)
    assert not scorer.config.context
    mt, human = scorer.logits(["\n".join(MT), "\n".join(HUMAN)])
    assert mt > 0 > human
    sampled = fit_document_lexical(CorpusConfig(), [1, 2], config=SMALL, max_documents=4)
    assert not np.array_equal(sampled.weights, scorer.weights)  # fitted on four documents only


def _string_path(scorer, sentences, window):
    from training.corpus import sentence_context

    return scorer.logits(sentences, [sentence_context(sentences, i, window) for i in range(len(sentences))])


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ["a", "I", ".", " ", "  ", "\n", "\t", "—", "é", "İ", "ΣΑΣ", "日本", "x1", "'", "..."]
_sentence = st.one_of(st.text(max_size=30), st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_sentence, max_size=9), st.integers(1, 4), st.booleans())
def test_windowed_logits_equal_the_logits_of_joined_contexts(sentences, window, lowercase):
    """Any sentences, however short, empty or odd: building each context from its neighbours'
    own counts gives the scores that hashing the joined context string gives."""
    config = LexicalConfig(hash_bits=10, context=True, context_window=window, lowercase=lowercase)
    scorer = LexicalMTScorer(config, np.random.default_rng(7).normal(0, 1, 1 << 10), 0.3)
    np.testing.assert_allclose(scorer.windowed_logits(sentences, window), _string_path(scorer, sentences, window), rtol=1e-5, atol=1e-5)


def test_windowed_logits_on_real_news_and_the_char_ngram_range():
    sentences = MT[:3] + HUMAN[:3] + ["", "Mr. Putin said: “I appreciate it very much.”", "(Reuters) —"]
    for char_ngrams, word_ngrams in (((1, 5), (1, 2)), ((2, 4), (1, 3)), ((3, 3), (2, 2))):
        config = LexicalConfig(hash_bits=12, context=True, context_window=3, char_ngrams=char_ngrams, word_ngrams=word_ngrams)
        scorer = LexicalMTScorer(config, np.random.default_rng(3).normal(0, 1, 1 << 12), -0.1)
        for window in (1, 3):
            np.testing.assert_allclose(
                scorer.windowed_logits(sentences, window), _string_path(scorer, sentences, window), rtol=1e-5, atol=1e-5
            )
    plain = LexicalMTScorer(SMALL, np.random.default_rng(3).normal(0, 1, 1 << SMALL.hash_bits), 0.0)
    np.testing.assert_array_equal(plain.windowed_logits(sentences, 3), plain.logits(sentences))  # no context: the sentence alone


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_sentence, max_size=6), max_size=4), st.integers(1, 3))
def test_windowed_features_equal_the_features_of_joined_contexts(documents, window):
    """The training matrix built from each sentence's own counts is the one `featurize` builds from
    the joined context strings, row for row (documents never share a context)."""
    from detector.scoring.lexical_mt import featurize, windowed_features
    from training.corpus import sentence_context

    config = LexicalConfig(hash_bits=8, context=True, context_window=window)  # small: families collide
    sentences = [s for doc in documents for s in doc]
    contexts = [sentence_context(doc, i, window) for doc in documents for i in range(len(doc))]
    fast, slow = windowed_features(documents, config, window), featurize(sentences, config, contexts)
    assert fast.shape == slow.shape == (len(sentences), 1 << 8)
    np.testing.assert_allclose(fast.toarray(), slow.toarray(), rtol=1e-5, atol=1e-6)
