"""The parts of a model fitted after its encoder, each its own small file in the model folder.

Calibration, the decision thresholds and the machine-translation stack are fitted on validation
data (training.train.fit_heads), separately from the encoder's weights and from each other, so each
saves and loads itself: refitting one rewrites one file, and the model folder's manifest
(`detector.scoring.manifest`) lists which parts it has. Each file is JSON with its `format_version`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Sequence

import numpy as np

from detector.errors import ModelFilesError

PART_FORMAT_VERSION = 1


def write_part(directory: str | os.PathLike, filename: str, kind: str, payload: dict) -> Path:
    """Write one part's JSON (under a temporary name, then renamed: a part is whole or absent)."""
    path = Path(directory) / filename
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"format_version": PART_FORMAT_VERSION, "part": kind, **payload}, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_part(directory: str | os.PathLike, filename: str, kind: str) -> dict:
    """One part's payload; a missing, corrupted, foreign or newer file is a `ModelFilesError`."""
    path = Path(directory) / filename
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFilesError(f"the model part {path} is missing or corrupted ({exc}); reinstall or refit it") from exc
    if not isinstance(data, dict) or data.get("part") != kind:
        raise ModelFilesError(f"{path} is not a {kind} file")
    if data.get("format_version", 0) > PART_FORMAT_VERSION:
        raise ModelFilesError(f"{path} has format_version {data['format_version']}, newer than this millcheck reads; upgrade millcheck")
    return data


@dataclass
class Calibration:
    """Platt scaling per output, p = sigmoid(a * logit + b); outputs without one get a plain sigmoid."""

    FILENAME: ClassVar[str] = "calibration.json"
    KIND: ClassVar[str] = "calibration"

    scaling: dict[str, list[float]] = field(default_factory=dict)  # output -> [a, b]

    def apply(self, logits: np.ndarray, outputs: Sequence[str]) -> np.ndarray:
        scale = np.array([self.scaling.get(o, [1.0, 0.0])[0] for o in outputs], dtype=np.float32)
        shift = np.array([self.scaling.get(o, [1.0, 0.0])[1] for o in outputs], dtype=np.float32)
        return (1.0 / (1.0 + np.exp(-(logits * scale + shift)))).astype(np.float32)

    def save(self, directory: str | os.PathLike) -> Path:
        return write_part(directory, self.FILENAME, self.KIND, {"scaling": self.scaling})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Calibration:
        return cls({k: list(v) for k, v in read_part(directory, cls.FILENAME, cls.KIND)["scaling"].items()})


@dataclass
class Thresholds:
    """Decision thresholds per output, picked on validation data (`overall` is the default one)."""

    FILENAME: ClassVar[str] = "thresholds.json"
    KIND: ClassVar[str] = "thresholds"

    values: dict[str, float] = field(default_factory=dict)

    def get(self, output: str, default: float = 0.5) -> float:
        return float(self.values.get(output, default))

    def save(self, directory: str | os.PathLike) -> Path:
        return write_part(directory, self.FILENAME, self.KIND, {"thresholds": self.values})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Thresholds:
        return cls({k: float(v) for k, v in read_part(directory, cls.FILENAME, cls.KIND)["thresholds"].items()})


@dataclass
class MTStack:
    """The machine_translated logit stacked with the lexical MT scorer's:
    w_encoder * encoder logit + w_lexical * lexical logit + bias, fitted on validation data."""

    FILENAME: ClassVar[str] = "mt_stack.json"
    KIND: ClassVar[str] = "mt_stack"

    w_encoder: float
    w_lexical: float
    bias: float

    def apply(self, encoder_logits: np.ndarray, lexical_logits: np.ndarray) -> np.ndarray:
        return self.w_encoder * encoder_logits + self.w_lexical * lexical_logits + self.bias

    def as_list(self) -> list[float]:
        return [self.w_encoder, self.w_lexical, self.bias]

    def save(self, directory: str | os.PathLike) -> Path:
        return write_part(
            directory, self.FILENAME, self.KIND, {"w_encoder": self.w_encoder, "w_lexical": self.w_lexical, "bias": self.bias}
        )

    @classmethod
    def load(cls, directory: str | os.PathLike) -> MTStack:
        data = read_part(directory, cls.FILENAME, cls.KIND)
        return cls(float(data["w_encoder"]), float(data["w_lexical"]), float(data["bias"]))
