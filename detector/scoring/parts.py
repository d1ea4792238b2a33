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


def write_part(directory: str | os.PathLike, filename: str, kind: str, payload: dict, version: int = PART_FORMAT_VERSION) -> Path:
    """Write one part's JSON (under a temporary name, then renamed: a part is whole or absent).
    `version`: the part's format, raised when an older reader would misread it."""
    path = Path(directory) / filename
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"format_version": version, "part": kind, **payload}, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_part(directory: str | os.PathLike, filename: str, kind: str, newest: int = PART_FORMAT_VERSION) -> dict:
    """One part's payload; a missing, corrupted, foreign or newer (than `newest`) file is a `ModelFilesError`."""
    path = Path(directory) / filename
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFilesError(f"the model part {path} is missing or corrupted ({exc}); reinstall or refit it") from exc
    if not isinstance(data, dict) or data.get("part") != kind:
        raise ModelFilesError(f"{path} is not a {kind} file")
    if data.get("format_version", 0) > newest:
        raise ModelFilesError(f"{path} has format_version {data['format_version']}, newer than this millcheck reads; upgrade millcheck")
    return data


@dataclass
class Calibration:
    """Platt scaling per output, p = sigmoid(a * logit + b); outputs without one get a plain sigmoid.

    `length_bands`: outputs scaled per sentence length instead, each as [[most words, a, b], ...]
    ascending (the last band takes every longer sentence). The spun head's probability rose with a
    sentence's length for human and spun lines alike (research/spun-by-length.md), and wire copy's
    long sentences read as spun; moved per band, human sentences have one level at every length
    (training.train.fit_length_bands).
    """

    FILENAME: ClassVar[str] = "calibration.json"
    KIND: ClassVar[str] = "calibration"
    FORMAT_VERSION: ClassVar[int] = 2  # 2: length_bands (a reader of 1 would ignore them)

    scaling: dict[str, list[float]] = field(default_factory=dict)  # output -> [a, b]
    length_bands: dict[str, list[list[float]]] = field(default_factory=dict)  # output -> [[most words, a, b], ...]

    def apply(self, logits: np.ndarray, outputs: Sequence[str], sentences: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities for `logits` (rows: `sentences`, whose lengths pick the bands of banded outputs)."""
        scale = np.array([self.scaling.get(o, [1.0, 0.0])[0] for o in outputs], dtype=np.float32)
        shift = np.array([self.scaling.get(o, [1.0, 0.0])[1] for o in outputs], dtype=np.float32)
        banded = [k for k, o in enumerate(outputs) if o in self.length_bands]
        if banded:
            if sentences is None or len(sentences) != len(logits):
                names = ", ".join(outputs[k] for k in banded)
                raise ValueError(f"{names} is calibrated per sentence length: pass the {len(logits)} sentences")
            words = sentence_words(sentences)
            scale, shift = np.tile(scale, (len(logits), 1)), np.tile(shift, (len(logits), 1))
            for k in banded:
                scale[:, k], shift[:, k] = self.band_scaling(outputs[k], words)
        return (1.0 / (1.0 + np.exp(-(logits * scale + shift)))).astype(np.float32)

    def band_scaling(self, output: str, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the (a, b) of a banded output for sentences of `words` words."""
        bands = np.array(self.length_bands[output], dtype=np.float32)
        band = band_of(bands[:, 0], words)
        return bands[band, 1], bands[band, 2]

    def save(self, directory: str | os.PathLike) -> Path:
        payload = {"scaling": self.scaling} | ({"length_bands": self.length_bands} if self.length_bands else {})
        return write_part(directory, self.FILENAME, self.KIND, payload, self.FORMAT_VERSION if self.length_bands else PART_FORMAT_VERSION)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Calibration:
        data = read_part(directory, cls.FILENAME, cls.KIND, newest=cls.FORMAT_VERSION)
        bands = {k: [[float(x) for x in band] for band in v] for k, v in data.get("length_bands", {}).items()}
        return cls({k: list(v) for k, v in data["scaling"].items()}, bands)


def sentence_words(sentences: Sequence[str]) -> np.ndarray:
    """Each sentence's length in words (whitespace-separated), as length bands count it."""
    return np.array([len(s.split()) for s in sentences], dtype=np.int64)


def band_of(most_words: np.ndarray, words: np.ndarray) -> np.ndarray:
    """The index of the band each length falls in: the first whose `most_words` it does not
    exceed, else the last."""
    return np.minimum(np.searchsorted(most_words, words, side="left"), len(most_words) - 1)


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
