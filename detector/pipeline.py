"""The `Detector`: the stages wired in order, and nothing else.

    record -> io (decode, HTML) -> text (segment) -> evidence (finders) + scoring (sentence
    probabilities, swapped words) -> document (sentence reports, features, head, verdict) -> report

Documents are scored `docs_per_batch` at a time, so the classifier sees full, length-sorted batches
and the duplicate finder embeds a whole batch's sentences in one pass; the reports are the same as
one by one.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Sequence

import numpy as np

from detector.document.confidence import judges_learned, low_confidence
from detector.document.features import content_text, lm_strongest_mean
from detector.document.head import DocumentHead, load_heads
from detector.document.reasons import add_learned_reasons
from detector.document.sentences import sentence_scores
from detector.document.verdict import summarise
from detector.errors import InputError, ModelFilesError
from detector.evidence import default_finders, find_many
from detector.evidence.base import Findings
from detector.evidence.swapped_words import swapped_words
from detector.io.dates import parse_date
from detector.io.decode import DEFAULT_MAX_CHARS, check_text, decode_bytes, looks_like_html, mend_mojibake, too_large, without_surrogates
from detector.io.html import segment_html
from detector.io.records import TextRecord
from detector.labels import ARTIFACT_TYPES, SPUN, VERDICT_UNSUPPORTED_LANGUAGE
from detector.report import DocumentReport, SentenceScore
from detector.scored import ScoredCache, ScoredDocument
from detector.scoring.context_check import ContextCheck
from detector.scoring.encoder import SentenceEncoder
from detector.scoring.model_folder import ModelFolder
from detector.scoring.mt_check import RoundTripCheck, check_documents
from detector.scoring.sentence_scorer import ClassifierScorer, EvidenceOnly, SentenceProbabilities
from detector.text.language import LanguageFindings, english_part, find_languages
from detector.text.segment import Document, segment

RUNTIMES = ("torch", "onnxruntime")


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
    # int8 dynamic quantisation: with the torch runtime both encoders (scoring/runtimes/int8.py); with
    # onnxruntime the classifier's graph only (benchmarks/throughput.md, forward_backends.md).
    int8: bool = False
    # Where the classifier's forward runs: "torch", or "onnxruntime" (pip install millcheck[onnx];
    # exported once per checkpoint into `cache_dir`, see scoring/runtimes/onnx.py).
    runtime: str = "torch"
    cache_dir: str | None = None
    # Cap on the classifier's input tokens (sentence + context); None keeps the length it was
    # trained with. Shorter inputs trade context for speed: benchmarks/forward_backends.md.
    max_length: int | None = None
    # The MT check: round-trip a sample of each document's sentences (scoring/mt_check.py) and
    # give the mean similarity to a document head fitted with it. Two translations a sentence: opt-in.
    mt_check: bool = False
    # Leave non-English paragraphs out of scoring, and give a mostly non-English document the
    # verdict `unsupported_language` (text/language.py); False scores everything as English.
    language_check: bool = True
    # A reference index of originals (`detector index build`; detector/provenance/reference.py):
    # every report gains its sources among them. Opened memory-mapped by `from_pretrained`.
    reference: str | None = None
    # The improbable-words finder (pip install millcheck[lm]; evidence/improbable_words.py) and the
    # spun stack it feeds: None (off), "candidates" (the sentences the classifier already suspects
    # of spinning, from LM_CANDIDATE_BAR: batch scoring) or "all" (every sentence: the editor).
    lm: str | None = None
    lm_model: str | None = None  # a causal LM's folder (or hub name); None: the [lm] extra's Gemma
    lm_runtime: str = "transformers"  # or "onnxruntime": its body exported, fp32 (LMConfig.runtime)
    # Read a sentence scoring spun >= 0.5 again alone, and keep its lone probability where that is
    # under the check's bar: a clean sentence does not inherit its neighbours' spinning
    # (scoring/context_check.py). False: the probability as read with the neighbours.
    context_check: bool = True
    # Make each report's provenance fingerprint as its group is scored (`--provenance` sets it):
    # the sentences the duplicate finder embedded are not embedded again for it.
    fingerprints: bool = False
    # `Detector.score` keeps this many documents scored up to their reports (scored.py), so the
    # same input again (the editor's slider; with the LM, its first answer without the LM's
    # reading, then with it) only makes its report anew. `serve` sets it; 0: off.
    score_cache: int = 0


LM_MODES = ("candidates", "all")
# In "candidates" mode the LM reads a sentence the classifier scores spun at least this (the LM
# feeds the spun stack alone), whose words the token head marks, or that holds a word general
# English never uses (wordfreq; seed 000's "trompling" and "calmening" sit in lines under the bar).
# The largest bar at which every validation line the stack flags is still read: 55% of the lines
# read instead of 94% with any learned type at 0.05 (research/lm-candidates.md).
LM_CANDIDATE_BAR = 0.03


def lm_candidates(doc: Document, scores: SentenceProbabilities) -> list[int]:
    """The sentences of `doc` the LM reads in "candidates" mode."""
    from detector.evidence.improbable_words import has_unknown_word

    suspected = scores.probs[:, ARTIFACT_TYPES.index(SPUN)] >= LM_CANDIDATE_BAR
    return [s.index for s in doc.sentences if suspected[s.index] or scores.words[s.index] or has_unknown_word(s.text)]


class Detector:
    def __init__(
        self,
        predictor,
        encoder: SentenceEncoder,
        config: DetectorConfig | None = None,
        name: str = "evidence-baseline",
        roundtrip=None,
        document_head: DocumentHead | None = None,
        mt_check_head: DocumentHead | None = None,
        lm_finder=None,
        lm_document_head: DocumentHead | None = None,
    ):
        """`predictor`: the classifier with its fitted parts (scoring.predictor.Predictor), or None
        for the evidence-only model. `roundtrip`: an en->pt->en engine (scoring.mt_check.MarianRoundTrip)
        for the MT check, whose verdict `mt_check_head` gives; `lm_document_head` judges a document
        whose every content sentence `lm_finder` read; `document_head` gives the others."""
        self.config = config or DetectorConfig()
        check = ContextCheck() if self.config.context_check else None
        self.scorer = ClassifierScorer(predictor, self.config.batch_size, check) if predictor is not None else EvidenceOnly()
        self.encoder = encoder
        self.name = name
        self.finders = default_finders(encoder)
        self.roundtrip = roundtrip
        self.document_head = document_head
        self.mt_check_head = mt_check_head
        self.lm_finder = lm_finder  # an ImprobableWordsFinder with the model's LMStack, when config.lm
        self.lm_document_head = lm_document_head
        self.scored_cache = ScoredCache(self.config.score_cache)
        self.reference = None
        if self.config.reference is not None:
            from detector.provenance.reference import ReferenceIndex

            self.reference = ReferenceIndex.open(self.config.reference, self.encoder_name, self.name)

    @property
    def predictor(self):
        """The fine-tuned classifier with its fitted parts, or None for the evidence-only model."""
        return self.scorer.predictor

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, **overrides) -> Detector:
        """Load a model folder, or a shipped model by name ("default", "evidence-baseline").
        `overrides`: `DetectorConfig` fields (None keeps the model's own)."""
        folder = ModelFolder.open(path)
        predictor, heads = None, {}
        if folder.has_classifier:
            from detector.scoring.lora import merge_lora
            from detector.scoring.predictor import Predictor

            predictor = Predictor.from_pretrained(folder.directory)
            merge_lora(predictor.model)  # inference only: one matmul per layer
            heads = load_heads(folder.directory)
            default_threshold, base = predictor.threshold(), predictor.config.base_model
        else:
            default_threshold, base = float(folder.meta.get("threshold", 0.5)), folder.base_model
        config = DetectorConfig(threshold=default_threshold)
        for key, value in overrides.items():
            if value is not None:
                setattr(config, key, value)
        if config.runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {config.runtime!r}; choose one of {', '.join(RUNTIMES)}")
        encoder = SentenceEncoder.from_pretrained(base)
        if predictor is not None:
            _use_runtime(predictor, encoder, config, folder)
        elif config.int8:
            from detector.scoring.runtimes.int8 import quantize_int8

            quantize_int8(encoder.model)
        mt_check_head = heads.get("document_head_mt_check")
        roundtrip = _roundtrip_engine(mt_check_head, folder) if config.mt_check else None
        lm_finder = _lm_finder(folder, config) if config.lm is not None else None
        lm_head = heads.get("document_head_lm") if lm_finder is not None else None
        return cls(predictor, encoder, config, folder.name, roundtrip, heads.get("document_head"), mt_check_head, lm_finder, lm_head)

    # -- input ------------------------------------------------------------------------------

    def to_document(self, text: str | bytes, html: bool | None = None) -> Document:
        """Decode, check and segment one input; raises `InputError` for input that is no article."""
        encoding, replaced = None, 0
        if isinstance(text, (bytes, bytearray)):
            decoded = decode_bytes(bytes(text), self.config.max_chars, html)
            text, encoding, replaced = decoded.text, decoded.encoding, decoded.replaced_bytes
        elif not isinstance(text, str):
            raise InputError("bad_type", f"expected text or bytes, got {type(text).__name__}")
        text, surrogates = without_surrogates(text)
        is_html = html if html is not None else looks_like_html(text)
        if encoding is None:  # bytes were checked as they were decoded
            check_text(text, self.config.max_chars, html=is_html)
        if is_html:  # mended as extracted: the count is the article's, not the page's
            doc = segment_html(text, self.config.language)
            mojibake = doc.mojibake_mended
            if not doc.sentences:
                raise InputError("empty", "the HTML has no readable text; nothing to score")
            if len(doc.text) > self.config.max_chars:
                raise too_large("the page's article text", f"{len(doc.text):,} characters", f"{self.config.max_chars:,} characters")
        else:
            text, mojibake = mend_mojibake(text)
            doc = segment(text, language=self.config.language)
        doc.encoding, doc.replaced_bytes, doc.mojibake_mended = encoding, replaced + surrogates, mojibake
        return doc

    def record_document(self, record: TextRecord) -> Document:
        """A record's document; raises the record's `InputError` (a reader's, or its own)."""
        if record.error is not None:
            raise record.error
        doc = self.to_document(*record.input())
        if record.encoding is not None:  # the reader decoded it: its reading is the record's
            doc.encoding, doc.replaced_bytes = record.encoding, doc.replaced_bytes + record.replaced_bytes
        return doc

    # -- scoring ----------------------------------------------------------------------------

    def score(
        self,
        text_or_html: str | bytes,
        id: str | None = None,
        html: bool | None = None,
        threshold: float | None = None,
        published: str | None = None,
        lm: bool = True,
    ) -> DocumentReport:
        """Score one document; raises `InputError` when the input is not a scorable article.
        `published`: its ISO 8601 date, which provenance's direction weighs. `lm=False`: without
        the language model's reading (the editor's quick first answer). With `score_cache`, an
        input scored lately is not scored again: only its report is made anew (scored.py)."""
        key = (text_or_html, html)
        threshold = self.config.threshold if threshold is None else threshold
        with getattr(self.encoder, "remembering", nullcontext)():
            scored = self.scored_cache.get(key) or self._scored([self.to_document(text_or_html, html)])[0]
            if lm and not scored.read:
                self._read([scored], [id], threshold)
            self.scored_cache.put(key, scored)
            report = self._reports([scored], [id], threshold, [published], lm)[0]
        if self.reference is not None:
            self.link_sources([report], reference=self.reference, within=False)
        return report

    def score_document(self, doc: Document, id: str | None = None, threshold: float | None = None) -> DocumentReport:
        """Score one segmented document."""
        return self.score_documents([doc], [id], threshold)[0]

    def score_documents(
        self,
        docs: Sequence[Document],
        ids: Sequence[str | None],
        threshold: float | None = None,
        published: Sequence[str | None] | None = None,
    ) -> list[DocumentReport]:
        """Score segmented documents together: one classifier pass, one duplicate-embedding pass,
        one round-trip call for all of them. `published`: each one's date (ISO 8601) where known."""
        threshold = self.config.threshold if threshold is None else threshold
        # The duplicate finder's vectors serve the fingerprints too (an encoder that cannot remember embeds again).
        with getattr(self.encoder, "remembering", nullcontext)():
            scored = self._scored(docs)
            self._read(scored, ids, threshold)
            reports = self._reports(scored, ids, threshold, published)
        if self.reference is not None:
            self.link_sources(reports, reference=self.reference, within=False)
        return reports

    def _scored(self, docs: Sequence[Document]) -> list[ScoredDocument]:
        """Each document scored up to its report, the English ones together: their languages, the
        classifier's probabilities, the finders' evidence and the MT check."""
        scored = [ScoredDocument(doc) for doc in docs]
        for item in scored:
            item.language = find_languages(item.doc) if self.config.language_check else None
            if item.language is None or item.language.supported:
                item.english = english_part(item.doc, item.language) if item.language else item.doc
        english = [item for item in scored if item.english is not None]
        texts = [item.english for item in english]
        for item, probabilities, findings, check in zip(
            english, self.scorer.score(texts), find_many(texts, self.finders), self._mt_checks(texts)
        ):
            item.probabilities, item.findings, item.check = probabilities, findings, check
        return scored

    def _read(self, scored: Sequence[ScoredDocument], ids: Sequence[str | None], threshold: float) -> None:
        """The language model's reading of the scored documents it has not read, in one pass (in place)."""
        todo = [(item, id) for item, id in zip(scored, ids) if item.english is not None and not item.read]
        if self.lm_finder is None or not todo:
            return
        docs = [item.english for item, _ in todo]
        probabilities = [item.probabilities for item, _ in todo]
        sourced = self._sourced(
            docs, [id for _, id in todo], probabilities, [item.findings for item, _ in todo], [item.check for item, _ in todo], threshold
        )
        for (item, _), reading in zip(todo, self._lm_readings(docs, probabilities, sourced)):
            item.reading, item.read = reading, True

    def _reports(
        self,
        scored: Sequence[ScoredDocument],
        ids: Sequence[str | None],
        threshold: float,
        published: Sequence[str | None] | None = None,
        lm: bool = True,
    ) -> list[DocumentReport]:
        """The reports of scored documents at `threshold` (`lm=False`: leaving out the language
        model's reading), with their fingerprints where asked for."""
        reports = []
        for i, (item, id) in enumerate(zip(scored, ids)):
            if item.english is None:
                report = self._unsupported(item.doc, id, item.language, threshold)
            else:
                reading = item.reading if lm else None
                report = self._report(item.english, id, item.probabilities, item.findings, item.check, threshold, reading)
                report.language = item.language.to_dict() if item.language else None
            given = parse_date(published[i]) if published else None  # the record's date, else the page's own
            report.published = given if given is not None else item.doc.published
            reports.append(report)
        if self.config.fingerprints or self.reference is not None:
            from detector.provenance.fingerprint import fingerprints

            for report, fp in zip(reports, fingerprints(reports, self.encoder)):
                report.fingerprint = fp
        return reports

    def _lm_readings(
        self, docs: Sequence[Document], probabilities: Sequence[SentenceProbabilities], sourced: Sequence[set[int]] | None = None
    ) -> list:
        """The LM's reading of each document (None per document without --lm): every sentence, or
        the candidates (`lm_candidates`) less the sentences a reference source explains
        (`sourced`), in one pass for all."""
        if self.lm_finder is None:
            return [None] * len(docs)
        wanted = None
        if self.config.lm == "candidates":
            sourced = sourced or [set()] * len(docs)
            wanted = [[i for i in lm_candidates(d, p) if i not in known] for d, p, known in zip(docs, probabilities, sourced)]
        return self.lm_finder.read(docs, wanted)

    def _sourced(
        self,
        docs: Sequence[Document],
        ids: Sequence[str | None],
        probabilities: Sequence[SentenceProbabilities],
        findings: Sequence[Findings],
        checks: Sequence[RoundTripCheck | None],
        threshold: float,
    ) -> list[set[int]] | None:
        """Per document, the sentences a source in the reference index aligns with, found before
        batch scoring's LM reads its candidates: the copied article shows what was changed in each
        (`copied_from`), so the LM need not read them. None without a reference or outside
        candidates mode. The reports made for it have no LM reading; the findings are not touched."""
        if self.reference is None or self.lm_finder is None or self.config.lm != "candidates":
            return None
        from detector.provenance.linker import Side

        drafts = [
            self._report(doc, id, scores, {k: list(v) for k, v in found.items()}, check, threshold)
            for doc, id, scores, found, check in zip(docs, ids, probabilities, findings, checks)
        ]
        return [
            {pair.sentence for match in self.reference.sources(Side.of(report, fp)) for pair in match.pairs}
            for report, fp in zip(drafts, _fingerprints(drafts, self.encoder))
        ]

    def _unsupported(self, doc: Document, id: str | None, found: LanguageFindings, threshold: float) -> DocumentReport:
        """The report of a document millcheck cannot read: its text and languages, no scores."""
        return DocumentReport(
            id=id,
            score=None,
            verdict=VERDICT_UNSUPPORTED_LANGUAGE,
            threshold=threshold,
            verdict_reason=f"{1 - found.english_share:.0%} of the text is not English: millcheck reads English only",
            source=doc.source,
            text=doc.text,
            model=self.name,
            encoding=doc.encoding,
            replaced_bytes=doc.replaced_bytes,
            mojibake_mended=doc.mojibake_mended,
            language=found.to_dict(),
        )

    def score_record(self, record: TextRecord) -> DocumentReport:
        """Score one record, turning any input problem into an error report instead of raising."""
        return next(self.score_many([record]))[1]

    def score_many(self, records: Iterable[TextRecord | str]) -> Iterator[tuple[TextRecord, DocumentReport]]:
        """(record, report) for each record in order; a bad record gets an error report and the run
        goes on. A plain string is a record whose id is its position."""
        group: list[TextRecord] = []
        for n, record in enumerate(records):
            group.append(TextRecord(id=str(n), text=record) if isinstance(record, (str, bytes)) else record)
            if len(group) >= max(1, self.config.docs_per_batch):
                yield from self._score_group(group)
                group = []
        if group:
            yield from self._score_group(group)

    def _score_group(self, records: Sequence[TextRecord]) -> Iterator[tuple[TextRecord, DocumentReport]]:
        docs: list[Document | InputError] = []
        for record in records:
            try:
                docs.append(self.record_document(record))
            except InputError as exc:
                docs.append(exc)
        readable = [(r, d) for r, d in zip(records, docs) if isinstance(d, Document)]
        reports = iter(
            self.score_documents([d for _, d in readable], [r.id for r, _ in readable], published=[r.published for r, _ in readable])
        )
        for record, doc in zip(records, docs):
            if isinstance(doc, InputError):
                yield record, DocumentReport.failed(record.id, doc.to_dict(), self.config.threshold)
            else:
                yield record, next(reports)

    def link_sources(self, reports: Sequence[DocumentReport], reference=None, within: bool = True, config=None) -> list[DocumentReport]:
        """Provenance (detector/provenance): each report gains `sources`, its aligned sentences
        `copied_from`, and evidence and a verdict where it is a rewritten copy. `within`: compare
        the reports with one another (all are held); `reference`: a `ReferenceIndex` of originals
        to compare each with too. The reports are changed in place and returned."""
        from detector.provenance.apply import attach
        from detector.provenance.linker import ProvenanceConfig, Side, link

        config = config or ProvenanceConfig()
        reports = list(reports)
        fps = _fingerprints(reports, self.encoder)
        found = link(reports, self.encoder, config, fps=fps) if within else [[] for _ in reports]
        if reference is not None:
            for report, fp, sources in zip(reports, fps, found):
                sources += reference.sources(Side.of(report, fp), config)
                sources.sort(key=lambda m: -m.share)
        for report, sources in zip(reports, found):
            attach(report, sources)
        return reports

    def reference_sides(self, reports: Sequence[DocumentReport]):
        """What a reference index stores of each report (`ReferenceIndex.write`): id, fingerprint,
        artifact probabilities. Failed and unscored reports give empty fingerprints."""
        from detector.provenance.linker import Side

        return [Side.of(r, fp) for r, fp in zip(reports, _fingerprints(list(reports), self.encoder))]

    @property
    def encoder_name(self) -> str:
        """Which vectors this detector's provenance makes (a reference index records it)."""
        return self.encoder.config.name_or_path

    def document_mt_logit(self, sentences: Sequence[SentenceScore], threshold: float) -> float | None:
        """The model's document-level lexical MT logit on the content sentences (None without that
        scorer: then its document heads were fitted without it)."""
        return self.scorer.document_mt_logit(content_text(list(sentences), threshold)) if sentences else None

    # -- the stages after scoring -----------------------------------------------------------

    def _mt_checks(self, docs: Sequence[Document]) -> list[RoundTripCheck | None]:
        """The MT check of each document, all their sampled sentences round-tripped in one call."""
        if self.roundtrip is None:
            return [None] * len(docs)
        return check_documents([[(s.index, s.text) for s in d.sentences] for d in docs], self.roundtrip)

    def _report(
        self,
        doc: Document,
        id: str | None,
        scores: SentenceProbabilities,
        findings: Findings,
        check: RoundTripCheck | None,
        threshold: float,
        reading=None,
    ) -> DocumentReport:
        spun = scores.probs[:, ARTIFACT_TYPES.index(SPUN)]
        classifier_spun = spun.copy()  # what the document head was fitted on
        if reading is not None:  # the spun probability stacked with the LM's, and its evidence
            for index, p in self.lm_finder.stacked(reading, spun).items():
                spun[index] = p
            for index, evidence in self.lm_finder.evidence(doc, reading, spun, threshold, classifier_spun).items():
                findings.setdefault(index, []).extend(evidence)
        for index, evidence in swapped_words(doc, spun, scores.words, threshold).items():
            findings.setdefault(index, []).extend(evidence)
        sentences = sentence_scores(doc, scores.probs, findings)
        if reading is not None:
            for index, scored in reading.words.items():
                sentences[index].lm_words = [w.to_dict() for w in scored]
        short = low_confidence(sentences, threshold)
        for sentence in sentences:
            sentence.learned = not short and judges_learned(sentence.text)
        texts = [x.text for x in doc.sentences]
        add_learned_reasons(sentences, threshold, lambda index: self.scorer.explain_mt(texts, index))
        document_mt = self.document_mt_logit(sentences, threshold)
        view = _head_view(sentences, classifier_spun) if reading is not None else None
        if check is not None and self.mt_check_head is not None:
            summary = summarise(
                sentences, threshold, head=self.mt_check_head, roundtrip=check.similarity, document_mt=document_mt, head_view=view
            )
        else:  # the head that reads the language model where it read every content sentence
            lm_strongest = lm_strongest_mean(sentences, threshold) if self.lm_document_head is not None else None
            head = self.document_head if lm_strongest is None else self.lm_document_head
            summary = summarise(sentences, threshold, head=head, document_mt=document_mt, head_view=view, lm_strongest=lm_strongest)
        return DocumentReport(
            id=id,
            score=summary.score,
            verdict=summary.verdict,
            threshold=threshold,
            verdict_reason=summary.reason,
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
            low_confidence=short,
            encoding=doc.encoding,
            replaced_bytes=doc.replaced_bytes,
            mojibake_mended=doc.mojibake_mended,
        )


def _head_view(sentences: list[SentenceScore], classifier_spun: np.ndarray) -> list[SentenceScore]:
    """The sentences as the document head was fitted to read them: with the classifier's spun
    probability, not the LM stack's. The stack is calibrated on lines of which one in eight is spun,
    so it lifts a human sentence's spun from about 0.02 to 0.1, and a head reading that mean called
    most human validation documents spun (research/lm-document-verdict.md)."""
    return [replace(s, labels={**s.labels, SPUN: float(classifier_spun[s.index])}) for s in sentences]


def _use_runtime(predictor, encoder: SentenceEncoder, config: DetectorConfig, folder: ModelFolder) -> None:
    """The classifier's input length and runtime, as the config asks."""
    if config.max_length is not None:
        predictor.config.max_length = config.max_length
    if config.runtime == "onnxruntime":
        from detector.scoring.runtimes.onnx import cached_onnx_encoder, cached_onnx_forward

        predictor.use_runtime(cached_onnx_forward(predictor, folder.directory, int8=config.int8, cache_dir=config.cache_dir))
        # Under ONNX Runtime only the classifier's graph is int8: the duplicate finder's encoder
        # stays fp32 (its int8 lowered the shipped model's duplicate probabilities on seed 000's
        # reworded captions from 0.84 to 0.74), and runs there too: 1.7x torch fp32's speed.
        encoder.use_runtime(cached_onnx_encoder(encoder, cache_dir=config.cache_dir))
    elif config.int8:
        # torch int8: both encoders.
        from detector.scoring.runtimes.int8 import quantize_int8

        quantize_int8(encoder.model)
        quantize_int8(predictor.model)


def _lm_finder(folder: ModelFolder, config: DetectorConfig):
    """The improbable-words finder for this model: its fitted LMStack and the language model."""
    from detector.evidence.improbable_words import ImprobableWordsFinder
    from detector.lm.files import require_lm
    from detector.lm.model import LanguageModel
    from detector.lm.stack import LMStack

    if config.lm not in LM_MODES:
        raise ValueError(f"unknown lm mode {config.lm!r}; choose one of {', '.join(LM_MODES)}")
    if not LMStack.exists(folder.directory):
        raise ModelFilesError(
            f"the model at {folder.directory} has no language-model stack; fit one with `python -m training.fit_lm_stack --model DIR`"
        )
    stack = LMStack.load(folder.directory)
    if config.lm_model is None:
        require_lm()
    lm = LanguageModel.from_pretrained(config.lm_model, cache_dir=config.cache_dir, runtime=config.lm_runtime)
    if lm.name != stack.lm:
        raise ModelFilesError(f"the model's language-model stack was fitted with {stack.lm}, not {lm.name}: refit it or use that model")
    return ImprobableWordsFinder(lm, stack)


def _roundtrip_engine(mt_check_head: DocumentHead | None, folder: ModelFolder):
    if mt_check_head is None:
        raise ModelFilesError(
            f"the model at {folder.directory} has no document head for the MT check; fit one with "
            "`python -m training.train --config CONFIG --document-head-only DIR --mt-check`"
        )
    from detector.scoring.mt_check import MarianRoundTrip

    return MarianRoundTrip()


def _fingerprints(reports: Sequence[DocumentReport], encoder) -> list:
    """Each report's fingerprint: the one made as it was scored (`DetectorConfig.fingerprints`),
    else made now, the missing ones in one encoder pass."""
    from detector.provenance.fingerprint import fingerprints

    missing = [r for r in reports if r.fingerprint is None]
    made = iter(fingerprints(missing, encoder)) if missing else iter(())
    return [r.fingerprint if r.fingerprint is not None else next(made) for r in reports]
