"""The lexical MT scorer: hashed features, fitting, stacking with the encoder, save and reload."""

import math

import numpy as np
import pytest

from detector.lexical import LEXICAL_NAME, LexicalConfig, LexicalMTScorer, featurize, ngram_counts

SMALL = LexicalConfig(hash_bits=12)

# Two "translators" that differ only in habits a bag of n-grams can see.
BODIES = ("minister", "mayor", "council", "police", "court", "party")
MT = [f"The {w} has been informed about the situation since weeks, according to the ministry." for w in BODIES]
HUMAN = [f"The {w} was told about it weeks ago, the ministry said." for w in BODIES]


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


def _split(sentences, mt_flags):
    from datasets import Dataset

    labels = [[0.0, float(m), 0.0, 0.0, 0.0, 0.0, float(m)] for m in mt_flags]
    return Dataset.from_dict({"sentence": sentences, "labels": labels})


def test_fitted_scorer_ranks_unseen_sentences_by_the_habits_it_learned_and_reloads(tmp_path):
    from training.lexical import fit_lexical

    scorer = fit_lexical(_split(MT + HUMAN, [1] * len(MT) + [0] * len(HUMAN)), config=SMALL)
    unseen = ["The senate has been informed about the situation since weeks, according to the ministry.", "The senate was told about it weeks ago, the ministry said."]
    logits = scorer.logits(unseen)
    assert logits[0] > logits[1]
    scorer.save_pretrained(tmp_path)
    assert (tmp_path / LEXICAL_NAME).stat().st_size < (1 << SMALL.hash_bits) * 2 + 4096  # float16 weights
    reloaded = LexicalMTScorer.from_pretrained(tmp_path)
    assert reloaded.config == SMALL
    np.testing.assert_array_equal(reloaded.logits(unseen), logits)


def test_fit_lexical_needs_both_classes():
    from training.lexical import fit_lexical

    with pytest.raises(ValueError, match="both"):
        fit_lexical(_split(MT, [1] * len(MT)), config=SMALL)


def test_stack_weighs_the_informative_logit():
    from training.lexical import fit_stack

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    informative = y * 2.0 + rng.normal(0, 1, 2000)
    noise = rng.normal(0, 1, 2000)
    w_encoder, w_lexical, _ = fit_stack(noise, informative, y)
    assert w_lexical > 1.0 and abs(w_encoder) < 0.2


def test_a_model_that_stacks_a_lexical_scorer_needs_its_file(tmp_path):
    from detector.encoder import ModelFilesError
    from detector.labels import MACHINE_TRANSLATED
    from detector.model import ArtifactClassifier, ClassifierConfig

    model = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=1, token_head=False, lexical_stack=[1.0, 2.0, -0.5]))
    model.lexical = LexicalMTScorer(SMALL, np.linspace(-1, 1, 1 << SMALL.hash_bits), 0.25)
    sentences, contexts = MT[:2] + HUMAN[:2], [""] * 4
    stacked = model.predict_logits(sentences, contexts)
    plain = model.predict_logits(sentences, contexts, stack=False)
    k = model.config.outputs.index(MACHINE_TRANSLATED)
    np.testing.assert_allclose(stacked[:, k], plain[:, k] + 2.0 * model.lexical.logits(sentences) - 0.5, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.delete(stacked, k, axis=1), np.delete(plain, k, axis=1))
    model.save_pretrained(tmp_path)
    np.testing.assert_allclose(ArtifactClassifier.from_pretrained(tmp_path).predict_logits(sentences, contexts), stacked, atol=1e-6)
    (tmp_path / LEXICAL_NAME).unlink()
    with pytest.raises(ModelFilesError, match=LEXICAL_NAME):
        ArtifactClassifier.from_pretrained(tmp_path)
