"""The model folder's parts layout: each fitted part its own file, listed in a manifest; 0.1.0
folders (everything in config.json) still load, and upgrade in place to the same predictions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from detector.document.head import load_heads
from detector.errors import ModelFilesError
from detector.scoring.manifest import MANIFEST_NAME, Manifest
from detector.scoring.parts import Calibration, MTStack, Thresholds

DEFAULT = Path(__file__).resolve().parents[1] / "detector" / "models" / "default"
SENTENCES = ["Since weeks Russia has been accused by the US.", "Putin spoke with Xi on Wednesday.", "Related Articles"]
CONTEXTS = ["", "He said it went well.", ""]


def _legacy_copy(tmp_path: Path) -> Path:
    """The shipped model written as 0.1.0 wrote it: the fitted parts inside config.json, no manifest."""
    folder = tmp_path / "legacy"
    shutil.copytree(DEFAULT, folder)
    config = json.loads((folder / "config.json").read_text())
    heads = load_heads(folder)
    config.pop("format_version")
    config.update(
        thresholds=Thresholds.load(folder).values,
        calibration=Calibration.load(folder).scaling,
        lexical_stack=MTStack.load(folder).as_list(),
        document_lexical=True,
        document_head={k: v for k, v in heads["document_head"].to_dict().items() if k != "features"},
        document_head_roundtrip={k: v for k, v in heads["document_head_mt_check"].to_dict().items() if k != "features"},
    )
    (folder / "config.json").write_text(json.dumps(config))
    for name in (
        "calibration.json",
        "thresholds.json",
        "mt_stack.json",
        "document_head.json",
        "document_head_mt_check.json",
        MANIFEST_NAME,
    ):
        (folder / name).unlink()
    return folder


def test_the_shipped_model_lists_every_part_and_its_config_holds_the_architecture_only():
    manifest = Manifest.load(DEFAULT)
    assert manifest.format_version == 1 and manifest.name == "millcheck-minilm-v9"
    assert {"config", "weights", "calibration", "thresholds", "mt_stack", "lexical_mt", "document_head"} <= set(manifest.files)
    config = json.loads((DEFAULT / "config.json").read_text())
    assert config["format_version"] == 1
    assert not {"thresholds", "calibration", "lexical_stack", "document_head", "document_head_roundtrip"} & set(config)
    for name in manifest.files.values():
        if name.endswith(".json") and name != "config.json":
            assert json.loads((DEFAULT / name).read_text())["format_version"] == 1


def test_a_legacy_folder_loads_and_upgrades_to_the_same_predictions(tmp_path):
    from detector.scoring.predictor import Predictor
    from training.package_model import upgrade

    reference = Predictor.from_pretrained(DEFAULT).predict(SENTENCES, CONTEXTS)
    folder = _legacy_copy(tmp_path)
    np.testing.assert_array_equal(Predictor.from_pretrained(folder).predict(SENTENCES, CONTEXTS), reference)
    legacy_heads = load_heads(folder)
    assert legacy_heads["document_head"].coef == load_heads(DEFAULT)["document_head"].coef
    weights = (folder / "delta.safetensors").read_bytes()
    manifest = upgrade(folder)
    assert set(manifest.files) == set(Manifest.load(DEFAULT).files) - {"lm_stack", "document_head_lm"}  # fitted after 0.1.0
    assert (folder / "delta.safetensors").read_bytes() == weights  # the weights are not rewritten
    np.testing.assert_array_equal(Predictor.from_pretrained(folder).predict(SENTENCES, CONTEXTS), reference)
    assert load_heads(folder)["document_head"] == load_heads(DEFAULT)["document_head"]  # names given back too


def test_a_corrupt_or_newer_manifest_or_part_is_a_clear_error(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT, folder)
    (folder / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(ModelFilesError, match="manifest .* corrupted"):
        Manifest.load(folder)
    shutil.copy2(DEFAULT / MANIFEST_NAME, folder / MANIFEST_NAME)
    data = json.loads((folder / MANIFEST_NAME).read_text())
    (folder / MANIFEST_NAME).write_text(json.dumps({**data, "format_version": 99}))
    with pytest.raises(ModelFilesError, match="newer than this millcheck reads"):
        Manifest.load(folder)
    (folder / MANIFEST_NAME).write_text(json.dumps({**data, "files": {**data["files"], "tea_leaves": "tea.json"}}))
    with pytest.raises(ModelFilesError, match="does not know"):
        Manifest.load(folder)
    shutil.copy2(DEFAULT / MANIFEST_NAME, folder / MANIFEST_NAME)
    (folder / "thresholds.json").unlink()
    with pytest.raises(ModelFilesError, match="thresholds.json"):
        Manifest.load(folder)
    (folder / "thresholds.json").write_text(json.dumps({"format_version": 1, "part": "calibration", "scaling": {}}))
    with pytest.raises(ModelFilesError, match="is not a thresholds file"):
        Thresholds.load(folder)


def test_the_detector_says_which_part_is_broken(tmp_path):
    from detector import Detector

    folder = tmp_path / "model"
    shutil.copytree(DEFAULT, folder)
    (folder / "mt_stack.json").write_text("{")
    with pytest.raises(ModelFilesError, match="mt_stack.json"):
        Detector.from_pretrained(folder)


def test_parts_round_trip_through_their_files(tmp_path):
    parts = [Calibration({"spun": [1.5, -0.25]}), Thresholds({"overall": 0.8}), MTStack(0.5, 0.6, -0.1)]
    for part in parts:
        part.save(tmp_path)
        assert type(part).load(tmp_path) == part
    logits = np.array([[0.0, 2.0]], dtype=np.float32)
    np.testing.assert_allclose(parts[0].apply(logits, ("spun", "other")), 1 / (1 + np.exp(-np.array([[-0.25, 2.0]]))), rtol=1e-6)


def test_a_calibration_per_sentence_length_scales_each_band_and_says_its_format(tmp_path):
    banded = Calibration({"spun": [1.0, 0.0]}, {"spun": [[3.0, 1.0, 1.0], [40.0, 2.0, -1.0]]})
    banded.save(tmp_path)
    saved = json.loads((tmp_path / Calibration.FILENAME).read_text())
    assert saved["format_version"] == 2 and Calibration.load(tmp_path) == banded  # an older reader refuses it
    logits = np.array([[0.5, 2.0], [0.5, 2.0], [0.5, 2.0]], dtype=np.float32)
    sentences = ["Two words.", "Exactly three words.", "A sentence of five words."]
    expected = [[1.5, 2.0], [1.5, 2.0], [0.0, 2.0]]  # up to 3 words: logit + 1; longer: 2 * logit - 1; the last band is open
    np.testing.assert_allclose(banded.apply(logits, ("spun", "other"), sentences), 1 / (1 + np.exp(-np.array(expected))), rtol=1e-6)
    with pytest.raises(ValueError, match="spun is calibrated per sentence length"):
        banded.apply(logits, ("spun", "other"))
    Calibration({"spun": [1.0, 0.0]}).save(tmp_path)  # without bands the file stays readable by older millcheck
    assert json.loads((tmp_path / Calibration.FILENAME).read_text())["format_version"] == 1
