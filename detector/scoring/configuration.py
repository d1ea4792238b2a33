"""The classifier's configuration: what a model folder's `config.json` holds, read and written here.

Like transformers' configuration classes, it is plain data with no torch in it, so tools that only
read a model folder (the CLI's checks, the model card) need not load the network.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from detector.errors import ModelFilesError
from detector.labels import ARTIFACT_TYPES
from detector.scoring.weights import BASE_ENCODER

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "delta.safetensors"
OVERALL = "overall"
MODEL_TYPE = "millcheck-artifact-classifier"
# 1: the architecture only (0.1.0 folders, format 0, held the fitted parts in this file too)
CONFIG_FORMAT_VERSION = 1


@dataclass
class ClassifierConfig:
    base_model: str = BASE_ENCODER
    labels: tuple[str, ...] = ARTIFACT_TYPES
    max_length: int = 128
    context_window: int = 1
    trainable_layers: int = 2
    # Low-rank adapters on the frozen lower layers (0: none), so they adapt too at a tiny cost in size.
    lora_rank: int = 0
    lora_alpha: float = 16.0
    token_head: bool = True
    dropout: float = 0.1
    # Weights of the sentence loss per output (training only; unlisted outputs weigh 1).
    loss_weights: dict[str, float] = field(default_factory=dict)
    name: str = "millcheck-untrained"
    model_type: str = MODEL_TYPE
    # The config's own format; the parts fitted after the encoder (calibration, thresholds, the MT
    # stack, the lexical scorers, the document heads) are files of their own (scoring/manifest.py).
    format_version: int = CONFIG_FORMAT_VERSION

    @property
    def outputs(self) -> tuple[str, ...]:
        return (*self.labels, OVERALL)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ClassifierConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.setdefault("format_version", 0)  # written before the config had a version
        if "labels" in known:
            known["labels"] = tuple(known["labels"])
        return cls(**known)

    @classmethod
    def from_json_file(cls, path: str | os.PathLike) -> ClassifierConfig:
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise ModelFilesError(f"the model config {path} is missing or corrupted ({exc}); reinstall or retrain") from exc
