"""The `Detector`: text or HTML in, a `DocumentReport` out (segmentation, evidence, classifier, verdict).

A model folder holds `config.json` and, for a trained model, its weight delta. Its `model_type`
says which scorer stands behind the evidence: the fine-tuned transformer, or the evidence-only
baseline (no learned weights: spun and machine-translated sentences score 0 under it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .aggregate import DocumentHead, summarise
from .encoder import BASE_ENCODER, ModelFilesError, SentenceEncoder
from .evidence import default_finders, find_all
from .html import looks_like_html, segment_html
from .inputs import DEFAULT_MAX_CHARS, InputError, check_text, decode_bytes
from .labels import ARTIFACT_TYPES
from .model import CONFIG_NAME, MODEL_TYPE, OVERALL, ArtifactClassifier
from .report import DocumentReport, SentenceScore
from .text import Document, segment

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"
BASELINE_MODEL_DIR = MODELS_DIR / "evidence-baseline"
BASELINE_TYPE = "millcheck-evidence-baseline"


@dataclass
class DetectorConfig:
    threshold: float = 0.5
    max_chars: int = DEFAULT_MAX_CHARS
    language: str = "en"
    batch_size: int = 64


@dataclass
class TextRecord:
    """One document to score: `text` (plain or HTML, sniffed) or `html` (always HTML)."""

    id: str | None = None
    text: str | bytes | None = None
    html: str | bytes | None = None
    error: InputError | None = None  # set by readers that already failed to read it


class Detector:
    def __init__(
        self,
        classifier: ArtifactClassifier | None,
        encoder: SentenceEncoder,
        config: DetectorConfig | None = None,
        name: str = "evidence-baseline",
    ):
        self.classifier = classifier
        self.encoder = encoder
        self.config = config or DetectorConfig()
        self.name = name
        self.finders = default_finders(encoder)
        head = classifier.config.document_head if classifier is not None else None
        self.document_head = DocumentHead.from_dict(head) if head else None

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, **overrides) -> "Detector":
        """Load a model folder, or a shipped model by name ("default", "evidence-baseline")."""
        directory = Path(path) if path is not None else DEFAULT_MODEL_DIR
        if not directory.exists() and (MODELS_DIR / str(path)).is_dir() and "/" not in str(path):
            directory = MODELS_DIR / str(path)
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
        if model_type == MODEL_TYPE:
            classifier = ArtifactClassifier.from_pretrained(directory)
            base = classifier.config.base_model
            default_threshold = classifier.config.threshold("overall", 0.5)
        elif model_type == BASELINE_TYPE:
            classifier, base, default_threshold = None, meta.get("base_model", BASE_ENCODER), float(meta.get("threshold", 0.5))
        else:
            raise ModelFilesError(f"{config_file} names an unknown model_type {model_type!r}")
        config = DetectorConfig(threshold=default_threshold)
        for key, value in overrides.items():
            if value is not None:
                setattr(config, key, value)
        return cls(classifier, SentenceEncoder.from_pretrained(base), config, name=meta.get("name", model_type))

    # -- one document -----------------------------------------------------------------------

    def to_document(self, text: str | bytes, html: bool | None = None) -> Document:
        """Decode, check and segment one input; raises `InputError` for input that is no article."""
        if isinstance(text, (bytes, bytearray)):
            text = decode_bytes(bytes(text), self.config.max_chars).text
        elif not isinstance(text, str):
            raise InputError("bad_type", f"expected text or bytes, got {type(text).__name__}")
        check_text(text, self.config.max_chars)
        if html if html is not None else looks_like_html(text):
            doc = segment_html(text, self.config.language)
            if not doc.sentences:
                raise InputError("empty", "the HTML has no readable text; nothing to score")
            return doc
        return segment(text, language=self.config.language)

    def _model_probabilities(self, doc: Document) -> np.ndarray:
        outputs = (*ARTIFACT_TYPES, OVERALL)
        n = len(doc.sentences)
        if self.classifier is None or n == 0:
            return np.zeros((n, len(outputs)), dtype=np.float32)
        window = self.classifier.config.context_window
        probs = self.classifier.predict(
            [s.text for s in doc.sentences],
            [doc.context(s.index, window) for s in doc.sentences],
            batch_size=self.config.batch_size,
        )
        order = [self.classifier.config.outputs.index(o) for o in outputs]
        return probs[:, order]

    def score_document(self, doc: Document, id: str | None = None, threshold: float | None = None) -> DocumentReport:
        threshold = self.config.threshold if threshold is None else threshold
        findings = find_all(doc, self.finders)
        probs = self._model_probabilities(doc)
        sentences: list[SentenceScore] = []
        for s in doc.sentences:
            evidence = findings.get(s.index, [])
            labels = {t: float(probs[s.index, k]) for k, t in enumerate(ARTIFACT_TYPES)}
            for e in evidence:  # deterministic evidence is a floor under the learned probability
                labels[e.type] = max(labels[e.type], e.confidence)
            score = max(float(probs[s.index, -1]), *labels.values())
            sentences.append(
                SentenceScore(s.index, s.start, s.end, s.text, score, labels, evidence, s.paragraph, s.kind)
            )
        summary = summarise(sentences, threshold, head=self.document_head)
        return DocumentReport(
            id=id,
            score=summary.score,
            verdict=summary.verdict,
            threshold=threshold,
            counts=summary.counts,
            shares=summary.shares,
            sentences_total=len(sentences),
            sentences_flagged=summary.flagged,
            content_sentences=summary.content,
            sentences=sentences,
            source=doc.source,
            text=doc.text,
            model=self.name,
        )

    def score(
        self, text_or_html: str | bytes, id: str | None = None, html: bool | None = None, threshold: float | None = None
    ) -> DocumentReport:
        """Score one document; raises `InputError` when the input is not a scorable article."""
        return self.score_document(self.to_document(text_or_html, html), id, threshold)

    # -- many documents ---------------------------------------------------------------------

    def score_record(self, record: TextRecord) -> DocumentReport:
        """Score one record, turning any input problem into an error report instead of raising."""
        if record.error is not None:
            return DocumentReport.failed(record.id, record.error.to_dict(), self.config.threshold)
        try:
            if record.html is not None:
                return self.score(record.html, record.id, html=True)
            if record.text is None:
                raise InputError("missing_text", "the record has neither 'text' nor 'html'")
            return self.score(record.text, record.id)
        except InputError as exc:
            return DocumentReport.failed(record.id, exc.to_dict(), self.config.threshold)

    def score_many(self, records: Iterable[TextRecord | str]) -> Iterator[DocumentReport]:
        """Score documents one after another; a bad record yields an error report and the run goes on."""
        for n, record in enumerate(records):
            if isinstance(record, (str, bytes)):
                record = TextRecord(id=str(n), text=record)
            yield self.score_record(record)
