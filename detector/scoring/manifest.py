"""A model folder's manifest: which files it holds, one entry per part, with the format's version.

    {"format_version": 1, "model_type": "millcheck-artifact-classifier", "name": "millcheck-minilm-v9",
     "files": {"config": "config.json", "weights": "delta.safetensors", "calibration": "calibration.json", ...}}

A part that is absent from `files` is absent from the model (a model without an MT check has no
`document_head_mt_check`). Writing or removing a part updates its entry and nothing else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from detector.errors import ModelFilesError

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT_VERSION = 1

# The parts a model folder may hold, and their file names.
PART_FILES = {
    "config": "config.json",
    "weights": "delta.safetensors",
    "calibration": "calibration.json",
    "thresholds": "thresholds.json",
    "mt_stack": "mt_stack.json",
    "lexical_mt": "lexical_mt.safetensors",
    "document_lexical_mt": "lexical_mt_document.safetensors",
    "document_head": "document_head.json",
    "document_head_mt_check": "document_head_mt_check.json",
    "lm_stack": "lm_stack.json",  # with --lm: the spun probability stacked with the language model's
    "document_head_lm": "document_head_lm.json",  # with --lm: the head that reads the language model's reading
}


@dataclass
class Manifest:
    model_type: str
    name: str
    files: dict[str, str] = field(default_factory=dict)
    format_version: int = MANIFEST_FORMAT_VERSION

    def has(self, part: str) -> bool:
        return part in self.files

    def path(self, directory: str | os.PathLike, part: str) -> Path:
        return Path(directory) / self.files[part]

    def add(self, part: str) -> None:
        self.files[part] = PART_FILES[part]

    def discard(self, part: str) -> None:
        self.files.pop(part, None)

    def to_dict(self) -> dict:
        return {"format_version": self.format_version, "model_type": self.model_type, "name": self.name, "files": dict(self.files)}

    def save(self, directory: str | os.PathLike) -> Path:
        path = Path(directory) / MANIFEST_NAME
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
        return path

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Manifest:
        path = Path(directory) / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFilesError(f"the model manifest {path} is missing or corrupted ({exc}); reinstall or retrain") from exc
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise ModelFilesError(f"{path} is not a millcheck model manifest")
        if data.get("format_version", 0) > MANIFEST_FORMAT_VERSION:
            raise ModelFilesError(f"{path} has format_version {data['format_version']}, newer than this millcheck reads; upgrade millcheck")
        unknown = set(data["files"]) - set(PART_FILES)
        if unknown:
            raise ModelFilesError(f"{path} lists parts this millcheck does not know: {sorted(unknown)}; upgrade millcheck")
        manifest = cls(data.get("model_type", ""), data.get("name", ""), dict(data["files"]), int(data.get("format_version", 0)))
        missing = [f for f in manifest.files.values() if not (Path(directory) / f).is_file()]
        if missing:
            raise ModelFilesError(f"the model at {directory} lists files it does not hold: {missing}; reinstall or retrain")
        return manifest

    @classmethod
    def exists(cls, directory: str | os.PathLike) -> bool:
        return (Path(directory) / MANIFEST_NAME).is_file()
