"""millcheck as datatrove pipeline steps, where corpus builders already filter crawls.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from detector.apps.datatrove_step import MillcheckFilter, MillcheckIndexWriter

    LocalPipelineExecutor(pipeline=[                  # originals -> one reference index per task
        JsonlReader("wire/"), MillcheckIndexWriter("wire-index/"),
    ], tasks=4).run()                                 # then: detector index merge wire-index/*.idx -o wire.idx

    LocalPipelineExecutor(pipeline=[
        JsonlReader("crawl/"),
        MillcheckFilter(reference="wire.idx", exclusion_writer=JsonlWriter("dropped/")),
        JsonlWriter("kept/"),
    ], tasks=4).run()

`MillcheckFilter` scores documents in batches (`batch_size`, one classifier pass per batch); each
gains `metadata["millcheck"]` (score, verdict, shares, counts, its `sources` when provenance ran,
reason when dropped). The keep-or-drop rule is `detector filter`'s (`DocumentFilter`); dropped
documents go to the exclusion writer with their reason, and datatrove's stats count each verdict.
Provenance comes two ways: `reference=` checks each document against an index of originals as it
streams (`detector score --reference`), `provenance=True` links the documents of each task with
one another (`detector score --provenance`: a task holds its documents until all are scored, so
copies are found within a task's share of the input; one task sees them all). The model loads
once per task, in the worker, so the steps pickle small for Slurm and Ray executors.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.batching import batched

from detector.filtering import DocumentFilter, annotate
from detector.io.dates import record_date
from detector.io.records import TextRecord


class _Scoring:
    """The detector of a step, loaded in the worker on first use (a step pickles without it)."""

    model: str | None
    options: dict
    html: bool
    _detector = None

    @property
    def detector(self):
        if self._detector is None:
            from detector.pipeline import Detector

            self._detector = Detector.from_pretrained(self.model, **self.options)
        return self._detector

    def records(self, batch: list[Document]) -> list[TextRecord]:
        field = "html" if self.html else "text"
        return [TextRecord(id=d.id, published=record_date(d.metadata), **{field: d.text}) for d in batch]


def _check_reference(path: str | None) -> str | None:
    """A damaged or missing index is an error when the pipeline is built, not in every worker."""
    if path is None:
        return None
    from detector.provenance.reference import ReferenceIndex

    ReferenceIndex.open(path)  # raises ReferenceIndexError saying what is wrong
    return str(Path(path).resolve())


class MillcheckFilter(_Scoring, BaseFilter):
    name = "🏭 millcheck"

    def __init__(
        self,
        model: str | None = None,
        rule: DocumentFilter | None = None,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 16,
        html: bool = False,
        reference: str | None = None,
        provenance: bool = False,
        **options,
    ):
        """`model`: a model folder or shipped name (None: the default); `rule`: what to drop
        (default: spun, machine_translated, unsupported_language; add `syndicated` to drop verbatim
        copies too); `html`: the documents' text is HTML to extract; `reference`: a reference index
        (`detector index build`, or `MillcheckIndexWriter` and `detector index merge`) of originals;
        `provenance`: link each task's documents with one another; `options`:
        `Detector.from_pretrained` overrides (threshold, int8, runtime)."""
        super().__init__(exclusion_writer, batch_size)
        self.model, self.html, self.provenance = model, html, provenance
        self.reference = _check_reference(reference)
        self.options = dict(options)
        if self.reference is not None and not provenance:
            self.options["reference"] = self.reference  # each batch is checked as it is scored
        if provenance:
            self.options["fingerprints"] = True  # each batch fingerprinted as it is scored, sharing vectors
        self.rule = rule or DocumentFilter()
        self._linked: dict[int, bool | tuple[bool, str]] = {}  # id(doc) -> decision, under provenance

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        if self.provenance:
            return [self._linked.pop(id(doc)) for doc in batch]
        return [self._decide(doc, report) for doc, (_, report) in zip(batch, self.detector.score_many(self.records(batch)))]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if self.provenance:
            data = iter(self._link_all(data))
        yield from super().run(data, rank, world_size)

    def _link_all(self, data: DocumentsPipeline) -> list[Document]:
        """Score every document of the task, link their sources, and decide each (held for
        `filter_batch`); past the linker's limit it stops, saying what streams instead."""
        from detector.provenance.linker import MAX_LINKED_DOCUMENTS

        held = list(islice(data, MAX_LINKED_DOCUMENTS + 1))
        if len(held) > MAX_LINKED_DOCUMENTS:
            raise MemoryError(
                f"provenance=True holds every document of a task and stops past {MAX_LINKED_DOCUMENTS:,}; "
                "use more tasks, or index the originals and filter with reference= (which streams)"
            )
        reports = [report for _, report in self.detector.score_many(self.records(held))]  # score_many batches itself
        index = None
        if self.reference is not None:
            from detector.provenance.reference import ReferenceIndex

            index = ReferenceIndex.open(self.reference, self.detector.encoder_name, self.detector.name)
        self.detector.link_sources(reports, reference=index)
        self._linked = {id(doc): self._decide(doc, report) for doc, report in zip(held, reports)}
        return held

    def _decide(self, doc: Document, report) -> bool | tuple[bool, str]:
        decision = self.rule.decide(report)
        doc.metadata["millcheck"] = annotate({}, report, decision)["millcheck"]
        self.stat_update(f"verdict_{report.verdict}")
        if report.sources:
            self.stat_update("with_sources")
        return True if decision.keep else (False, _stat_key(decision.reason))


class MillcheckIndexWriter(_Scoring, PipelineStep):
    """Scores and fingerprints each document into a reference index of originals, passing the
    documents on. Each task writes `<output_folder>/<rank>.idx` (`00000.idx`, ...); `detector index
    merge <output_folder>/*.idx -o wire.idx` makes one index of them. The folder is local: an index
    is memory-mapped files."""

    name = "🏭 millcheck index"
    type = "💽 - WRITER"

    def __init__(self, output_folder: str, model: str | None = None, batch_size: int = 64, html: bool = False, **options):
        super().__init__()
        self.output_folder, self.model, self.batch_size, self.html, self.options = str(output_folder), model, batch_size, html, options

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from detector.provenance.reference import ReferenceIndexWriter

        detector = self.detector
        folder = Path(self.output_folder) / f"{rank:05d}.idx"
        folder.parent.mkdir(parents=True, exist_ok=True)
        dim = detector.encoder.model.config.hidden_size
        with ReferenceIndexWriter(folder, detector.encoder_name, dim, detector.name) as writer:
            for batch in batched(data, self.batch_size):
                with self.track_time("batch"):
                    reports = [report for _, report in detector.score_many(self.records(batch))]
                    usable = [r for r in reports if r.error is None and r.sentences]
                    for side in detector.reference_sides(usable):
                        writer.add(side)
                self.stat_update("indexed", value=len(usable))
                self.stat_update("not_indexed", value=len(reports) - len(usable))  # errors, or nothing to compare
                for doc in batch:
                    self.stat_update("total")
                    yield doc


def _stat_key(reason: str) -> str:
    """A short name for datatrove's `dropped_<reason>` stat; the sentence is in the metadata."""
    head = reason.split(" ")
    if head[0] == "verdict":
        return f"verdict_{head[1]}"
    if head[0] == "error:":
        return "error"
    if head[0] == "score":
        return "max_score"
    return f"max_share_{head[0]}"
