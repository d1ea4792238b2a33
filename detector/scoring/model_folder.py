"""Model folders: the shipped ones by name, any other by path; what kind of model each holds.

A folder holds `config.json` and, for a trained model, its weight delta and fitted parts. Its
`model_type` says which scorer stands behind the evidence: the fine-tuned classifier, or the
evidence-only baseline (no learned weights).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from detector.errors import ModelFilesError
from detector.scoring.configuration import CONFIG_NAME, MODEL_TYPE
from detector.scoring.weights import BASE_ENCODER

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"
BASELINE_MODEL_DIR = MODELS_DIR / "evidence-baseline"
BASELINE_TYPE = "millcheck-evidence-baseline"


def model_directory(path: str | os.PathLike | None = None) -> Path:
    """The folder of a model: a path, a shipped model's name ("default", "evidence-baseline"), or the default."""
    directory = Path(path) if path is not None else DEFAULT_MODEL_DIR
    if not directory.exists() and (MODELS_DIR / str(path)).is_dir() and "/" not in str(path):
        directory = MODELS_DIR / str(path)
    return directory


@dataclass(frozen=True)
class ModelFolder:
    """What a model folder's config says before any weights load."""

    directory: Path
    model_type: str
    name: str
    meta: dict

    @property
    def has_classifier(self) -> bool:
        return self.model_type == MODEL_TYPE

    @property
    def base_model(self) -> str:
        return self.meta.get("base_model", BASE_ENCODER)

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> ModelFolder:
        directory = model_directory(path)
        config_file = directory / CONFIG_NAME
        if not config_file.is_file():
            raise ModelFilesError(
                f"no model at {directory} (missing {CONFIG_NAME}); give a folder made by "
                "`python -m training.train`, or reinstall the package for the default model"
            )
        try:
            meta = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFilesError(f"the model config {config_file} is corrupted ({exc}); reinstall or retrain") from exc
        model_type = meta.get("model_type")
        if model_type not in (MODEL_TYPE, BASELINE_TYPE):
            raise ModelFilesError(f"{config_file} names an unknown model_type {model_type!r}")
        return cls(directory, model_type, meta.get("name", model_type), meta)
