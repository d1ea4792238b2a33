"""Training end to end on the tiny config, plus the corpus parts it stands on."""

import json
from pathlib import Path

import numpy as np
import pytest

from training.config import DEFAULT_DATA_DIR, TrainConfig

pytestmark = pytest.mark.slow  # trains

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(DEFAULT_DATA_DIR)
needs_data = pytest.mark.skipif(not (DATA / "wmt-ht-mt").is_dir(), reason=f"shared training data not found at {DATA}")


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    config = TrainConfig.from_yaml(ROOT / "configs" / "tiny.yaml", output_dir=str(out / "model"))
    config.corpus.cache_dir = str(out / "cache")  # tests write only to temporary folders
    return config


@pytest.fixture(scope="module")
def tiny_corpus(tiny_config):
    from training.corpus import build_corpus

    return build_corpus(tiny_config)


@needs_data
def test_corpus_splits_by_document_and_holds_generators_out(tiny_config, tiny_corpus):
    def blocks(split):
        return {d.split("/")[0] for d in tiny_corpus[split]["doc_id"]}

    assert not blocks("train") & blocks("test")
    assert not blocks("train") & blocks("validation")
    for held_out in tiny_config.corpus.held_out_generators:
        assert held_out not in set(tiny_corpus["train"]["generator"])
    assert "spinner-tortured" in set(tiny_corpus["test"]["generator"])
    labels = np.asarray(tiny_corpus["train"]["labels"])
    assert labels.shape[1] == 7
    assert (labels[:, :6].sum(axis=0) > 0).all(), "every artifact type has positives"
    assert (labels[:, 6] == labels[:, :6].max(axis=1)).all()


@needs_data
def test_spun_examples_mark_the_swapped_words(tiny_corpus):
    spun = [r for r in tiny_corpus["train"] if r["generator"] == "spinner-embedding" and r["spans"]]
    assert spun
    for r in spun[:20]:
        for start, end in r["spans"]:
            assert 0 <= start < end <= len(r["sentence"])
            assert r["sentence"][start:end].strip()


@needs_data
def test_tiny_training_end_to_end(tiny_config, tiny_corpus):
    from detector.document.head import load_heads
    from detector.scoring.manifest import Manifest
    from detector.scoring.predictor import Predictor
    from training.train import train

    model, summary = train(tiny_config, tiny_corpus)
    losses = summary["train_loss_curve"]
    assert len(losses) >= 4
    assert np.mean(losses[-2:]) < np.mean(losses[:2]), f"loss did not fall: {losses}"
    out = Path(tiny_config.output_dir)
    assert (out / "config.json").is_file() and (out / "delta.safetensors").is_file()
    assert (out / "delta.safetensors").stat().st_size < 25 * 1024 * 1024
    assert 0.5 <= summary["threshold"] <= 0.95
    sentences = ["Since weeks Russia has been accused by the US.", "Putin spoke with Xi on Wednesday.", "Related Articles"]
    contexts = ["", "He said it went well.", ""]
    before = model.predict(sentences, contexts)
    reloaded = Predictor.from_pretrained(out)
    after = reloaded.predict(sentences, contexts)
    np.testing.assert_allclose(before, after, atol=1e-6)
    assert reloaded.calibration.scaling and reloaded.thresholds.values
    assert reloaded.lexical is not None and reloaded.mt_stack is not None  # tiny.yaml stacks the lexical MT scorer
    manifest = Manifest.load(out)  # each fitted part is its own file, listed in the manifest
    assert set(manifest.files) == {
        "config",
        "weights",
        "calibration",
        "thresholds",
        "mt_stack",
        "lexical_mt",
        "document_lexical_mt",
        "document_head",
    }
    assert "calibration" not in json.loads((out / "config.json").read_text())
    assert reloaded.lexical.config.context and reloaded.lexical_window == 2  # its scorer reads two sentences each side
    assert summary["lexical_mt"]["validation_mt_roc_auc"]["stacked"] is not None
    lengths = summary["document_head_fit"]["documents_per_length_in_blocks"]
    assert set(lengths) == {1, 2} and all(n > 0 for n in lengths.values())  # tiny.yaml: document_blocks [1, 2]
    # tiny.yaml fits a document-level lexical MT scorer; the document head reads its logit last
    from detector.document.features import document_features
    from detector.scoring.lexical_mt import DOCUMENT_LEXICAL_NAME

    assert (out / DOCUMENT_LEXICAL_NAME).is_file() and reloaded.document_lexical is not None
    head = load_heads(out)["document_head"]
    assert len(head.coef[0]) == len(document_features([], 0.5)) + 1 and head.features[-1] == "document_mt_logit"
    text = "Since weeks Russia has been accused by the US.\nPutin spoke with Xi on Wednesday."
    assert reloaded.document_mt_logit(text) == pytest.approx(model.document_mt_logit(text), abs=1e-4)
    metrics = json.loads((out / "training_metrics.json").read_text())
    assert set(metrics["validation"]) >= {"spun", "machine_translated", "overall"}


@needs_data
def test_a_trained_folder_loads_into_the_detector(tiny_config, tiny_corpus):
    from detector import Detector

    out = Path(tiny_config.output_dir)
    if not (out / "delta.safetensors").exists():
        pytest.skip("the end-to-end training test did not run first")
    detector = Detector.from_pretrained(out)
    report = detector.score("Australia, Canada, Britain, and Canada are not sending representatives.\nPutin spoke.")
    assert report.model == "millcheck-tiny"
    assert report.sentences[0].labels["garbled_list"] >= 0.9  # evidence is a floor under the model


@needs_data
def test_heads_refit_on_a_saved_model_keeps_its_encoder_and_adds_the_lexical_stack(tiny_config, tiny_corpus, tmp_path, monkeypatch):
    import shutil
    from dataclasses import replace

    from detector.scoring.manifest import Manifest
    from detector.scoring.predictor import Predictor
    from training import sources
    from training.train import refit_heads

    # the refit fits the sentence scorer on the train blocks' sentences (lexical_source: blocks);
    # a few hundred blocks keep it quick (the corpus and the document heads read their own copy)
    every = sources.all_blocks(tiny_config.corpus.data_dir, tiny_config.corpus.block_lines, tiny_config.corpus.validation_share)
    train = [b for b in every if b.split == sources.TRAIN]
    few = train[:: max(1, len(train) // 400)] + [b for b in every if b.split != sources.TRAIN]  # spread over every file
    monkeypatch.setattr(sources, "all_blocks", lambda *args: few)

    out = Path(tiny_config.output_dir)
    if not (out / "delta.safetensors").exists():
        pytest.skip("the end-to-end training test did not run first")
    folder = tmp_path / "model"
    shutil.copytree(out, folder)
    manifest = Manifest.load(folder)  # as if trained before the lexical stack existed
    for part in ("lexical_mt", "mt_stack"):
        manifest.path(folder, part).unlink()
        manifest.discard(part)
    manifest.save(folder)
    assert Predictor.from_pretrained(folder).mt_stack is None
    before = Predictor.from_pretrained(out)
    config = replace(tiny_config, name="millcheck-tiny-refit", max_fpr=0.02, lexical_source="blocks")
    summary = refit_heads(str(folder), config, tiny_corpus)
    after = Predictor.from_pretrained(folder)
    assert Manifest.load(folder).has("lexical_mt") and after.mt_stack is not None and after.lexical is not None
    assert summary["lexical_mt"]["validation_mt_roc_auc"]["stacked"] is not None
    assert after.config.name == "millcheck-tiny-refit"
    assert summary["threshold"] == after.threshold("overall") <= config.threshold_ceiling
    for name, tensor in before.model.delta_state_dict().items():  # the encoder and heads are untouched
        assert (after.model.delta_state_dict()[name] == tensor).all(), name
    metrics = json.loads((folder / "training_metrics.json").read_text())
    assert metrics["heads_refit_from_config"]["max_fpr"] == 0.02


@needs_data
def test_a_document_head_refit_adds_the_document_scorer_and_drops_a_stale_mt_check_head(tiny_config, tmp_path):
    import shutil
    from dataclasses import replace

    from detector.document.features import document_features
    from detector.document.head import DocumentHead, load_heads, save_head
    from detector.scoring.lexical_mt import DOCUMENT_LEXICAL_NAME
    from detector.scoring.manifest import Manifest
    from detector.scoring.predictor import Predictor
    from training.train import refit_document_head

    out = Path(tiny_config.output_dir)
    if not (out / "delta.safetensors").exists():
        pytest.skip("the end-to-end training test did not run first")
    folder = tmp_path / "model"
    shutil.copytree(out, folder)
    manifest = Manifest.load(folder)  # as if fitted before the document-level scorer existed
    manifest.path(folder, "document_lexical_mt").unlink()
    manifest.discard("document_lexical_mt")
    manifest.save(folder)
    n = len(document_features([], 0.5))
    old_head = DocumentHead(("clean", "machine_translated"), ((0.0,) * n, (1.0,) * n), (0.0, 0.0))
    mt_check_head = DocumentHead(old_head.classes, ((0.0,) * (n + 1), (1.0,) * (n + 1)), (0.0, 0.0))  # + the round-trip similarity
    save_head(folder, "document_head", old_head)
    save_head(folder, "document_head_mt_check", mt_check_head)
    untouched = {name: (folder / name).read_bytes() for name in ("config.json", "delta.safetensors", "calibration.json", "thresholds.json")}
    fit = refit_document_head(str(folder), replace(tiny_config, name="millcheck-tiny-docs"))
    after, heads = Predictor.from_pretrained(folder), load_heads(folder)
    assert (folder / DOCUMENT_LEXICAL_NAME).is_file() and after.document_lexical is not None
    assert len(heads["document_head"].coef[0]) == n + 1 and fit["threshold"] == heads["document_head"].threshold
    assert heads["document_head_mt_check"] is None  # it read n + 1 features; with the scorer it would need n + 2
    assert {name: (folder / name).read_bytes() for name in untouched} == untouched  # a refit rewrites only what it refits
    fit = refit_document_head(str(folder), replace(tiny_config, document_lexical=False))
    assert not (folder / DOCUMENT_LEXICAL_NAME).exists() and not Manifest.load(folder).has("document_lexical_mt")
    assert len(load_heads(folder)["document_head"].coef[0]) == n
    # re-picking the threshold under a bound on native documents rewrites the head's file alone
    from training.train import refit_document_threshold

    head = load_heads(folder)["document_head"]
    untouched = {
        p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name not in ("document_head.json", "training_metrics.json")
    }
    fit = refit_document_threshold(str(folder), replace(tiny_config, document_lexical=False, max_document_fpr_by_generator={"human": 0.0}))
    rethresholded = load_heads(folder)["document_head"]
    assert rethresholded.coef == head.coef and rethresholded.threshold == fit["threshold"] >= head.threshold
    assert fit["clean_flagged_at_threshold_by_generator"].get("human", 0.0) == 0.0
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in untouched} == untouched
    with pytest.raises(ValueError, match="no document_head_mt_check"):
        refit_document_threshold(str(folder), tiny_config, mt_check=True)


def test_the_lm_document_head_is_fitted_with_the_reading_as_its_last_feature(tiny_config):
    """fit_document_head with an `lm_reader` (texts -> LM_STRONGEST, the language model's reading in
    training.fit_lm_document_head) fits the head `--lm` uses: the reading is its last feature."""
    from detector.document.features import LM_STRONGEST, feature_names
    from detector.scoring.configuration import OVERALL
    from detector.scoring.predictor import Predictor
    from training.train import fit_document_head

    out = Path(tiny_config.output_dir)
    if not (out / "delta.safetensors").exists():
        pytest.skip("the end-to-end training test did not run first")
    model = Predictor.from_pretrained(out)
    asked = []

    def reader(texts):
        asked.extend(texts)
        return [float(len(t.split()) % 7) for t in texts]

    head, fit = fit_document_head(model, tiny_config, model.threshold(OVERALL, 0.5), lm_reader=reader)
    assert head.features == feature_names(document_mt=model.document_lexical is not None, lm=True)
    assert head.features[-1] == LM_STRONGEST and len(head.coef[0]) == len(head.features)
    assert len(asked) == sum(fit["documents"].values()) and fit["threshold"] == head.threshold


def test_corrupted_weights_give_a_clear_error(tmp_path):
    from detector.errors import ModelFilesError
    from detector.scoring.classifier import ArtifactClassifier
    from detector.scoring.configuration import ClassifierConfig

    model = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=1, token_head=False))
    model.save_pretrained(tmp_path)
    (tmp_path / "delta.safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ModelFilesError) as exc:
        ArtifactClassifier.from_pretrained(tmp_path)
    assert "retrain" in str(exc.value) or "reinstall" in str(exc.value)


def test_a_warm_start_continues_from_a_saved_delta_and_refuses_another_shape(tmp_path):
    import torch

    from detector.errors import ModelFilesError
    from detector.scoring.classifier import ArtifactClassifier
    from detector.scoring.configuration import ClassifierConfig
    from training.train import start_from

    config = ClassifierConfig(trainable_layers=1, lora_rank=2, token_head=True)
    trained = ArtifactClassifier.from_base(config, seed=1)
    with torch.no_grad():
        for p in trained.parameters():
            if p.requires_grad:
                p.add_(0.01)  # stands for training: every stored tensor moves
    trained.save_pretrained(tmp_path / "previous")
    fresh = ArtifactClassifier.from_base(config, seed=2)
    assert start_from(fresh, str(tmp_path / "previous")) == config.name
    stored = ArtifactClassifier.from_pretrained(tmp_path / "previous").delta_state_dict()
    for name, value in fresh.delta_state_dict().items():
        torch.testing.assert_close(value, stored[name])  # the fp16 delta as it was saved, every tensor
    other = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=2, lora_rank=2, token_head=True))
    with pytest.raises(ModelFilesError, match="not shaped like"):
        start_from(other, str(tmp_path / "previous"))


def test_pick_threshold_bounds_false_positives():
    from training.train import pick_threshold

    rng = np.random.default_rng(0)
    scores = np.r_[rng.uniform(0, 0.8, 1000), rng.uniform(0.8, 1, 200)]
    clean = np.r_[np.ones(1000, bool), np.zeros(200, bool)]
    t = pick_threshold(scores, clean, 0.04)
    assert np.mean(scores[clean] >= t) <= 0.04
    assert np.mean(scores[clean] >= t - 0.02) > 0.04  # and it is the lowest such threshold


def test_a_document_threshold_bounds_each_clean_generator_apart():
    from detector.document.head import DocumentHead
    from training.train import ValidationDocuments, threshold_document_head

    # one feature, read as the logit of "not clean": native documents score higher than translated ones
    rng = np.random.default_rng(2)
    native, translated, mt = rng.normal(0.5, 1, 200), rng.normal(-0.5, 1, 200), rng.normal(2.0, 1, 400)
    data = ValidationDocuments(
        x=np.r_[native, translated, mt][:, None],
        expected=np.array(["clean"] * 400 + ["machine_translated"] * 400),
        generators=np.array(["human"] * 200 + ["human-translation"] * 200 + ["deepl"] * 400),
        per_length_in_blocks={1: 800},
    )
    head = DocumentHead(("clean", "machine_translated"), ((0.0,), (1.0,)), (0.0, 0.0))
    config = TrainConfig(max_document_fpr=0.10)
    overall, fit = threshold_document_head(head, data, config)
    assert fit["clean_flagged_at_threshold"] <= 0.10 and fit["clean_flagged_at_threshold_by_generator"]["human"] > 0.05
    config.max_document_fpr_by_generator = {"human": 0.05}
    bounded, fit = threshold_document_head(head, data, config)
    assert bounded.threshold > overall.threshold and bounded.coef == head.coef  # only the threshold moves
    assert fit["clean_flagged_at_threshold_by_generator"]["human"] <= 0.05
    assert fit["artifact_documents_caught_at_threshold"] < 1.0 and fit["threshold"] == bounded.threshold
    with pytest.raises(ValueError, match="share in"):
        TrainConfig(max_document_fpr_by_generator={"human": 5})  # a percentage where a share belongs


def test_platt_scaling_recovers_a_known_calibration():
    from training.train import fit_platt

    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (4000, 7)).astype(np.float32)
    true = 1 / (1 + np.exp(-(0.5 * logits - 1.0)))
    labels = (rng.uniform(size=true.shape) < true).astype(np.float32)
    cal = fit_platt(logits, labels)
    a, b = cal["spun"]
    assert abs(a - 0.5) < 0.1 and abs(b + 1.0) < 0.2


def test_platt_scaling_can_calibrate_for_another_base_rate():
    from training.train import fit_platt

    rng = np.random.default_rng(2)
    y = (rng.uniform(size=20000) < 0.7).astype(np.float32)  # a split where 70% are positive
    logits = np.zeros((len(y), 7), dtype=np.float32)
    logits[:, 1] = rng.normal(0, 1, len(y)) + 1.5 * y
    labels = np.zeros_like(logits)
    labels[:, 1] = y
    plain = fit_platt(logits, labels)["machine_translated"]
    shifted = fit_platt(logits, labels, {"machine_translated": 0.5})["machine_translated"]
    rate = y.mean()
    assert shifted[0] == plain[0]
    assert abs((plain[1] - shifted[1]) - np.log(rate / (1 - rate))) < 1e-6
    # Calibrated for 50%: on a balanced sample, the mean probability and the positives' share agree.
    pos, neg = np.where(y == 1)[0], np.where(y == 0)[0]
    balanced = np.r_[pos[: len(neg)], neg]
    probs = 1 / (1 + np.exp(-(shifted[0] * logits[balanced, 1] + shifted[1])))
    assert abs(probs.mean() - 0.5) < 0.02
    with pytest.raises(ValueError, match="unknown outputs"):
        fit_platt(logits, labels, {"translated": 0.5})
    with pytest.raises(ValueError, match="strictly between"):
        fit_platt(logits, labels, {"machine_translated": 1.0})


def test_length_bands_level_the_human_baseline_and_keep_each_band_s_order():
    from detector.scoring.parts import Calibration
    from training.train import OUTPUTS, fit_length_bands

    # The head learned that long sentences are spun more often: a human sentence's logit rises
    # with its length. Moved per band, human sentences get one median at every length; the slope
    # (and so the order inside a band) stays.
    rng = np.random.default_rng(3)
    words = rng.integers(3, 60, 20000)
    human = rng.uniform(size=len(words)) < 0.8
    logits = np.zeros((len(words), len(OUTPUTS)), dtype=np.float32)
    logits[:, 0] = rng.normal(0, 1, len(words)) + 3.0 * ~human - 3.0 + 1.5 * (words > 24)
    bands = fit_length_bands(logits, words, {"spun": [24]}, {"spun": [0.9, -0.1]}, human)["spun"]
    assert [b[:2] for b in bands] == [[24.0, 0.9], [float(words.max()), 0.9]]
    assert abs((bands[0][2] - bands[1][2]) - 0.9 * 1.5) < 0.1  # the long band moved down by what length added
    sentences = [" ".join(["word"] * n) for n in words]
    probs = Calibration({"spun": [0.9, -0.1]}, {"spun": bands}).apply(logits, OUTPUTS, sentences)[:, 0]
    assert abs(np.median(probs[human & (words <= 24)]) - np.median(probs[human & (words > 24)])) < 0.01
    with pytest.raises(ValueError, match="unknown outputs"):
        fit_length_bands(logits, words, {"spinning": [24]}, {}, human)
    with pytest.raises(ValueError, match="rising word counts"):
        fit_length_bands(logits, words, {"spun": [30, 20]}, {}, human)
    with pytest.raises(ValueError, match="no reference sentences"):
        fit_length_bands(logits, words, {"spun": [24]}, {}, human & (words <= 24))


def test_lora_adapters_train_the_lower_layers_and_round_trip(tmp_path):
    import torch

    from detector.scoring.classifier import ArtifactClassifier
    from detector.scoring.configuration import ClassifierConfig
    from detector.scoring.lora import LoRALinear

    model = ArtifactClassifier.from_base(ClassifierConfig(trainable_layers=1, lora_rank=4, token_head=False))
    adapters = [m for m in model.modules() if isinstance(m, LoRALinear)]
    assert len(adapters) == 5 * 6  # five lower layers, six projections each
    delta = model.delta_state_dict()
    assert any("lora_a" in k for k in delta) and not any(k.endswith("base.weight") for k in delta)
    with torch.no_grad():
        for a in adapters:
            a.lora_b.add_(0.01)  # a non-zero update, so the adapters change the output
    from detector.scoring.predictor import Predictor

    before = Predictor(model).predict(["A sentence to score."], ["Its context."])
    model.save_pretrained(tmp_path)
    after = Predictor(ArtifactClassifier.from_pretrained(tmp_path)).predict(["A sentence to score."], ["Its context."])
    np.testing.assert_allclose(before, after, atol=1e-6)


def test_the_document_head_gives_boilerplate_no_weight():
    from detector.document.features import boilerplate_columns, document_features
    from detector.document.head import DocumentHead
    from detector.labels import ARTIFACT_TYPES
    from training.train import fit_head_weights

    rng = np.random.default_rng(3)
    n = len(document_features([], 0.5))
    assert sorted(boilerplate_columns()) == [2 * ARTIFACT_TYPES.index("boilerplate"), 2 * ARTIFACT_TYPES.index("boilerplate") + 1, n - 1]
    y = np.array(["clean", "machine_translated", "spun"] * 100)
    x = rng.normal(0.2, 0.05, (len(y), n))
    x[y == "machine_translated", 2] += 0.2  # the MT mean tells MT apart
    x[y == "spun", 0] += 0.2
    x[:, boilerplate_columns()] = 0.0
    x[y == "machine_translated", n - 1] = 1e-3  # a trace of boilerplate that happens to go with MT
    head = fit_head_weights(x, y, 1.0, ignore=boilerplate_columns())
    assert isinstance(head, DocumentHead) and head.classes == ("clean", "machine_translated", "spun")
    assert all(row[j] == 0.0 for row in head.coef for j in boilerplate_columns())
    clean = list(x[0])
    scraped = list(clean)
    scraped[n - 1] = 0.46  # a scraped article, half of it link lists and teasers
    assert head.probabilities(scraped) == head.probabilities(clean)
    assert max(head.probabilities(list(x[1])).items(), key=lambda kv: kv[1])[0] == "machine_translated"
    binary = fit_head_weights(x[y != "spun"], y[y != "spun"], 1.0, ignore=boilerplate_columns())
    assert binary.classes == ("clean", "machine_translated") and binary.coef[0] == (0.0,) * n


def test_a_head_fitted_on_some_types_gives_the_others_no_weight():
    from detector.document.features import boilerplate_columns, columns_outside, document_features
    from detector.labels import ARTIFACT_TYPES
    from training.config import TrainConfig
    from training.train import fit_head_weights

    n = len(document_features([], 0.5))
    assert columns_outside(TrainConfig().document_head_types) == sorted(boilerplate_columns())  # the default: as before
    ignored = columns_outside(["spun", "machine_translated"])
    garbled = 2 * ARTIFACT_TYPES.index("garbled_list")
    assert garbled in ignored and 2 * ARTIFACT_TYPES.index("machine_translated") not in ignored and n - 1 in ignored
    with pytest.raises(ValueError, match="unknown sentence types"):
        columns_outside(["spun", "tortured"])
    rng = np.random.default_rng(5)
    y = np.array(["clean", "machine_translated"] * 150)
    x = rng.normal(0.2, 0.05, (len(y), n))
    x[y == "machine_translated", 2] += 0.1
    x[y == "machine_translated", garbled] += 0.05  # noise in validation that happens to go with MT
    head = fit_head_weights(x, y, 1.0, ignore=ignored)
    assert all(row[j] == 0.0 for row in head.coef for j in ignored) and head.coef[1][2] != 0.0
    listy = list(x[0])
    listy[garbled] = 0.9  # a fine list the garbled-list output half suspects
    assert head.probabilities(listy) == head.probabilities(list(x[0]))
