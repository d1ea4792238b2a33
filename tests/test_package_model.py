"""The model card the release script writes, from the shipped model's own files."""

import copy
import json
from pathlib import Path

from training.package_model import card_view, model_card

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "detector" / "models" / "default"


def _shipped():
    config = card_view(DEFAULT)
    training = json.loads((DEFAULT / "training_metrics.json").read_text())
    report = json.loads((ROOT / "reports" / f"{config['name']}.json").read_text())
    return config, training, report


def test_the_card_names_the_training_spinners_and_the_document_sample():
    config, training, report = _shipped()
    card = model_card(config, training, report)
    assert f"| document accuracy, held-out documents ({report['model']['documents']['n']}) | >= 0.90 |" in card
    pivot = training["config"]["corpus"].get("pivot_spinner", False)
    assert ("substitutions that Marian round trips made" in card) == pivot
    assert ("±" in card) == ("standard_error" in report["model"]["documents"])

    training, report = copy.deepcopy(training), copy.deepcopy(report)
    training["config"]["corpus"].update(pivot_spinner=True, pivot_sentences=1234)
    report["model"]["documents"]["standard_error"] = 0.0345
    card = model_card(config, training, report)
    assert "substitutions that Marian round trips made in\n1234 train-split human sentences" in card
    assert f"{report['model']['documents']['accuracy']:.3f} ± 0.035 |" in card


def test_the_card_states_the_bounds_the_document_threshold_was_picked_under():
    config, training, report = _shipped()
    card = model_card(config, training, report)
    fit = training["document_head_fit"]
    assert f"1 - P(clean) >= {config['document_head']['threshold']:.3f} (at most 10% of clean validation documents" in card
    for generator, fpr in fit.get("bounds", {}).get("max_document_fpr_by_generator", {}).items():
        name = {"human": "native English", "human-translation": "human-translated"}[generator]
        assert f", {fpr:.0%} of the {name} ones)" in card


def test_the_card_states_each_heads_bars_for_short_documents():
    config, training, report = _shipped()
    card = model_card(config, training, report)
    for head, source in (
        ("document_head", "reports/short-documents.md"),
        ("document_head_roundtrip", "reports/short-documents-mt-check.md"),
    ):
        most, bar = config[head]["short_bars"][0]
        assert f"1 - P(clean) >= {bar:.3f} up to {most} content sentences" in card.replace("\n  ", " ")
        assert f"`{source}`" in card.replace("\n  ", " ")
    config = {**config, "document_head_roundtrip": {**config["document_head_roundtrip"], "short_bars": []}}
    assert "short-documents-mt-check" not in model_card(config, training, report)
