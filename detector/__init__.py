"""millcheck: find paraphrase-mill artifacts (spinning, round-trip MT, duplicated captions, garbled
lists, broken quotes, scraped boilerplate) in scraped news, sentence by sentence.

The names below load on first use (PEP 562), so `import detector`, `detector --help`, the readers
and the writers start without torch or transformers; `detector.Detector` brings them in.

The stages, each a package that imports only from those listed before it:
`text` (segmentation, words) -> `evidence` (finders) -> `scoring` (classifier, lexical MT scorer,
runtimes) -> `report` (the output format) -> `document` (features, head, verdict) -> `io` (records,
decoding, HTML, readers, writers) -> `pipeline` (the `Detector`) -> `apps` (CLI, editor, Ray).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from detector.version import FORMAT_VERSION, __version__

_EXPORTS = {
    "ARTIFACT_TYPES": "detector.labels",
    "VERDICTS": "detector.labels",
    "Detector": "detector.pipeline",
    "DetectorConfig": "detector.pipeline",
    "DocumentReport": "detector.report",
    "SentenceScore": "detector.report",
    "Evidence": "detector.evidence.base",
    "Span": "detector.evidence.base",
    "InputError": "detector.errors",
    "ModelFilesError": "detector.errors",
    "TextRecord": "detector.io.records",
}

__all__ = [
    "ARTIFACT_TYPES",
    "FORMAT_VERSION",
    "VERDICTS",
    "Detector",
    "DetectorConfig",
    "DocumentReport",
    "Evidence",
    "InputError",
    "ModelFilesError",
    "SentenceScore",
    "Span",
    "TextRecord",
    "__version__",
]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ loads them
    from detector.errors import InputError, ModelFilesError
    from detector.evidence.base import Evidence, Span
    from detector.io.records import TextRecord
    from detector.labels import ARTIFACT_TYPES, VERDICTS
    from detector.pipeline import Detector, DetectorConfig
    from detector.report import DocumentReport, SentenceScore


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'detector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
