"""millcheck: find paraphrase-mill artifacts (spinning, round-trip MT, duplicated captions, garbled
lists, broken quotes, scraped boilerplate) in scraped news, sentence by sentence."""

from .detector import Detector, DetectorConfig, TextRecord
from .evidence import Evidence, Span
from .inputs import InputError
from .labels import ARTIFACT_TYPES, VERDICTS
from .report import DocumentReport, SentenceScore

__version__ = "0.1.0"

__all__ = [
    "ARTIFACT_TYPES",
    "VERDICTS",
    "Detector",
    "DetectorConfig",
    "DocumentReport",
    "Evidence",
    "InputError",
    "SentenceScore",
    "Span",
    "TextRecord",
    "__version__",
]
