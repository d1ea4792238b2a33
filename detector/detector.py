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
from typing import Iterable, Iterator, Sequence

import numpy as np

from .aggregate import DocumentHead, content_text, summarise
from .encoder import BASE_ENCODER, ModelFilesError, SentenceEncoder
from .evidence import DuplicateFinder, default_finders, find_all
from .evidence.base import Evidence, Findings, Span
from .html import looks_like_html, segment_html
from .inputs import DEFAULT_MAX_CHARS, InputError, check_text, decode_bytes
from .labels import ARTIFACT_TYPES, SPUN
from .model import CONFIG_NAME, MODEL_TYPE, OVERALL, ArtifactClassifier
from .quantize import merge_lora
from .report import DocumentReport, SentenceScore
from .roundtrip import RoundTripCheck, check_documents
from .text import Document, segment

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"
BASELINE_MODEL_DIR = MODELS_DIR / "evidence-baseline"
BASELINE_TYPE = "millcheck-evidence-baseline"


RUNTIMES = ("torch", "onnxruntime")


def model_directory(path: str | os.PathLike | None = None) -> Path:
    """The folder of a model: a path, a shipped model's name ("default", "evidence-baseline"), or the default."""
    directory = Path(path) if path is not None else DEFAULT_MODEL_DIR
    if not directory.exists() and (MODELS_DIR / str(path)).is_dir() and "/" not in str(path):
        directory = MODELS_DIR / str(path)
    return directory


@dataclass
class DetectorConfig:
    threshold: float = 0.5
    max_chars: int = DEFAULT_MAX_CHARS
    language: str = "en"
    # Sentences per classifier call. Small batches pad less and stay in cache: on 2 cores, 16 gave
    # 70 sentences/s where 64 gave 60 (benchmarks/forward_backends.md, batch-size table).
    batch_size: int = 16
    # score_many runs the classifier over this many documents' sentences at once: fuller,
    # length-sorted batches than one document gives (the reports are the same).
    docs_per_batch: int = 16
    # int8 dynamic quantisation: with the torch runtime both encoders (detector/quantize.py); with
    # onnxruntime the classifier's graph only (benchmarks/throughput.md, forward_backends.md).
    int8: bool = False
    # Where the classifier's forward runs: "torch", or "onnxruntime" (pip install millcheck[onnx];
    # exported once per checkpoint into `cache_dir`, see detector/onnx_runtime.py).
    runtime: str = "torch"
    cache_dir: str | None = None
    # Cap on the classifier's input tokens (sentence + context); None keeps the length it was
    # trained with. Shorter inputs trade context for speed: benchmarks/forward_backends.md.
    max_length: int | None = None
    # The MT check: round-trip a sample of each document's sentences (detector/roundtrip.py) and
    # give the mean similarity to a document head fitted with it. Two translations a sentence: opt-in.
    mt_check: bool = False


@dataclass
class TextRecord:
    """One document to score: `text` (plain or HTML, sniffed) or `html` (always HTML)."""

    id: str | None = None
    text: str | bytes | None = None
    html: str | bytes | None = None
    error: InputError | None = None  # set by readers that already failed to read it
    meta: dict | None = None  # the input record as read (a JSONL object), for writers that pass it on


@dataclass
class ModelOutput:
    """The classifier's view of one document: (sentences, outputs) probabilities, marked words."""

    probs: np.ndarray
    words: list[list[tuple[int, int, float]]]


def _add_swapped_words(doc: Document, model: ModelOutput, findings: dict, threshold: float) -> None:
    """Evidence for sentences the classifier finds spun: the words its token head reads as swapped."""
    spun = ARTIFACT_TYPES.index(SPUN)
    for s in doc.sentences:
        marked = model.words[s.index]
        probability = float(model.probs[s.index, spun])
        if not marked or probability < threshold:
            continue
        spans = tuple(Span.of(doc, s.start + a, s.start + b) for a, b, _ in marked)
        listed = ", ".join(f"“{span.text}”" for span in spans[:6])
        findings.setdefault(s.index, []).append(
            Evidence(
                type=SPUN,
                rule="swapped_words",
                message=f"words the model reads as swapped for synonyms: {listed}",
                confidence=probability,
                spans=spans,
            )
        )


class Detector:
    def __init__(
        self,
        classifier: ArtifactClassifier | None,
        encoder: SentenceEncoder,
        config: DetectorConfig | None = None,
        name: str = "evidence-baseline",
        roundtrip=None,
    ):
        """`roundtrip`: an en->pt->en engine (detector.roundtrip.MarianRoundTrip) for the MT check."""
        self.classifier = classifier
        self.encoder = encoder
        self.config = config or DetectorConfig()
        self.name = name
        self.finders = default_finders(encoder)
        self.roundtrip = roundtrip
        head = classifier.config.document_head if classifier is not None else None
        self.document_head = DocumentHead.from_dict(head) if head else None
        head = classifier.config.document_head_roundtrip if classifier is not None else None
        self.roundtrip_head = DocumentHead.from_dict(head) if head else None

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, **overrides) -> "Detector":
        """Load a model folder, or a shipped model by name ("default", "evidence-baseline")."""
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
        if model_type == MODEL_TYPE:
            classifier = merge_lora(ArtifactClassifier.from_pretrained(directory))  # inference only: one matmul per layer
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
        if config.runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {config.runtime!r}; choose one of {', '.join(RUNTIMES)}")
        encoder = SentenceEncoder.from_pretrained(base)
        if classifier is not None and config.max_length is not None:
            classifier.config.max_length = config.max_length
        if classifier is not None and config.runtime == "onnxruntime":
            from .onnx_runtime import cached_onnx_forward

            classifier.use_runtime(cached_onnx_forward(classifier, directory, int8=config.int8, cache_dir=config.cache_dir))
        if config.int8 and (classifier is None or classifier.runtime is None):
            # torch int8: both encoders. Under ONNX Runtime only the classifier's graph is int8: the
            # duplicate finder's encoder stays fp32 (it embeds few sentences, and its int8 lowered the
            # shipped model's duplicate probabilities on seed 000's reworded captions from 0.84 to 0.74).
            from .quantize import quantize_int8

            quantize_int8(encoder.model)
            if classifier is not None:
                quantize_int8(classifier)
        roundtrip = None
        if config.mt_check:
            if classifier is None or not classifier.config.document_head_roundtrip:
                raise ModelFilesError(
                    f"the model at {directory} has no document head for the MT check; fit one with "
                    "`python -m training.train --config CONFIG --document-head-only DIR --mt-check`"
                )
            from .roundtrip import MarianRoundTrip

            roundtrip = MarianRoundTrip()
        return cls(classifier, encoder, config, name=meta.get("name", model_type), roundtrip=roundtrip)

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

    def _model_outputs(self, docs: Sequence[Document]) -> list[ModelOutput]:
        """Per document, sentence probabilities and marked words; all documents' sentences in one pass."""
        outputs = (*ARTIFACT_TYPES, OVERALL)
        if self.classifier is None:
            return [ModelOutput(np.zeros((len(d.sentences), len(outputs)), dtype=np.float32), [[] for _ in d.sentences]) for d in docs]
        window = self.classifier.config.context_window
        sentences = [s.text for d in docs for s in d.sentences]
        contexts = [d.context(s.index, window) for d in docs for s in d.sentences]
        # the lexical scorer reads its own window, each sentence hashed once for itself and once as context
        lexical_logits = self.classifier.lexical_logits_in_documents([[s.text for s in d.sentences] for d in docs])
        probs, words = (
            self.classifier.predict_with_words(sentences, contexts, batch_size=self.config.batch_size, lexical_logits=lexical_logits)
            if sentences
            else (None, [])
        )
        order = [self.classifier.config.outputs.index(o) for o in outputs]
        result, lo = [], 0
        for d in docs:
            n = len(d.sentences)
            doc_probs = probs[lo : lo + n][:, order] if n else np.zeros((0, len(outputs)), dtype=np.float32)
            result.append(ModelOutput(doc_probs, words[lo : lo + n]))
            lo += n
        return result

    def _findings(self, docs: Sequence[Document]) -> list[Findings]:
        """Evidence per document; the duplicate finder's texts of all documents embedded in one pass."""
        duplicates = next((f for f in self.finders if isinstance(f, DuplicateFinder)), None)
        if duplicates is None:
            return [find_all(doc, self.finders) for doc in docs]
        plans = [duplicates.plan(doc) for doc in docs]
        texts = sorted({t for plan in plans for t in plan.texts})
        vectors = dict(zip(texts, duplicates.encoder.encode(texts))) if texts else {}
        result = []
        for doc, plan in zip(docs, plans):
            rows = np.stack([vectors[t] for t in plan.texts]) if plan.texts else None
            found = duplicates.find(doc, plan, rows)
            result.append(find_all(doc, self.finders, given={duplicates.name: found}))
        return result

    def score_document(
        self,
        doc: Document,
        id: str | None = None,
        threshold: float | None = None,
        model: ModelOutput | None = None,
        findings: Findings | None = None,
        check: RoundTripCheck | None = None,
    ) -> DocumentReport:
        """Score a segmented document; `model`, `findings` and `check` are given when a batch computed them."""
        threshold = self.config.threshold if threshold is None else threshold
        if check is None and self.roundtrip is not None:
            check = self._mt_checks([doc])[0]
        findings = find_all(doc, self.finders) if findings is None else findings
        model = self._model_outputs([doc])[0] if model is None else model
        probs = model.probs
        _add_swapped_words(doc, model, findings, threshold)
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
        document_mt = self.document_mt_logit(sentences, threshold)
        if check is not None and self.roundtrip_head is not None:
            summary = summarise(sentences, threshold, head=self.roundtrip_head, roundtrip=check.similarity, document_mt=document_mt)
        else:
            summary = summarise(sentences, threshold, head=self.document_head, document_mt=document_mt)
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
            mt_check=check.to_dict() if check is not None else None,
        )

    def document_mt_logit(self, sentences: Sequence[SentenceScore], threshold: float) -> float | None:
        """The model's document-level lexical MT logit on the content sentences (None without that
        scorer: then its document heads were fitted without it)."""
        if self.classifier is None or not sentences:
            return None
        return self.classifier.document_mt_logit(content_text(list(sentences), threshold))

    def _mt_checks(self, docs: Sequence[Document]) -> list[RoundTripCheck | None]:
        """The MT check of each document, all their sampled sentences round-tripped in one call."""
        if self.roundtrip is None:
            return [None] * len(docs)
        return check_documents([[(s.index, s.text) for s in d.sentences] for d in docs], self.roundtrip)

    def score(
        self, text_or_html: str | bytes, id: str | None = None, html: bool | None = None, threshold: float | None = None
    ) -> DocumentReport:
        """Score one document; raises `InputError` when the input is not a scorable article."""
        return self.score_document(self.to_document(text_or_html, html), id, threshold)

    # -- many documents ---------------------------------------------------------------------

    def _record_document(self, record: TextRecord) -> Document:
        if record.error is not None:
            raise record.error
        if record.html is not None:
            return self.to_document(record.html, html=True)
        if record.text is None:
            raise InputError("missing_text", "the record has neither 'text' nor 'html'")
        return self.to_document(record.text)

    def score_record(self, record: TextRecord) -> DocumentReport:
        """Score one record, turning any input problem into an error report instead of raising."""
        return next(self._score_group([record]))

    def _score_group(self, records: Sequence[TextRecord]) -> Iterator[DocumentReport]:
        docs: list[Document | InputError] = []
        for record in records:
            try:
                docs.append(self._record_document(record))
            except InputError as exc:
                docs.append(exc)
        readable = [d for d in docs if isinstance(d, Document)]
        outputs = iter(self._model_outputs(readable))
        findings = iter(self._findings(readable))
        checks = iter(self._mt_checks(readable))
        for record, doc in zip(records, docs):
            if isinstance(doc, InputError):
                yield DocumentReport.failed(record.id, doc.to_dict(), self.config.threshold)
            else:
                yield self.score_document(doc, record.id, model=next(outputs), findings=next(findings), check=next(checks))

    def score_many(self, records: Iterable[TextRecord | str]) -> Iterator[DocumentReport]:
        """Score documents in order; a bad record yields an error report and the run goes on.

        Documents are read `config.docs_per_batch` at a time so the classifier sees full batches.
        """
        group: list[TextRecord] = []
        for n, record in enumerate(records):
            if isinstance(record, (str, bytes)):
                record = TextRecord(id=str(n), text=record)
            group.append(record)
            if len(group) >= max(1, self.config.docs_per_batch):
                yield from self._score_group(group)
                group = []
        if group:
            yield from self._score_group(group)
