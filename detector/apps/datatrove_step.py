"""millcheck as a datatrove pipeline step, where corpus builders already filter crawls.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from detector.apps.datatrove_step import MillcheckFilter

    LocalPipelineExecutor(pipeline=[
        JsonlReader("crawl/"),
        MillcheckFilter(exclusion_writer=JsonlWriter("dropped/")),
        JsonlWriter("kept/"),
    ], tasks=4).run()

Each document is scored in batches (`batch_size`, one classifier pass per batch) and gains
`metadata["millcheck"]` (score, verdict, shares, counts, reason when dropped); the keep-or-drop
rule is `detector filter`'s (`DocumentFilter`), dropped documents go to the exclusion writer with
their reason, and datatrove's stats count each verdict. The model loads once per task, in the
worker, so the step pickles small for Slurm and Ray executors.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from detector.filtering import DocumentFilter, annotate
from detector.io.records import TextRecord


class MillcheckFilter(BaseFilter):
    name = "🏭 millcheck"

    def __init__(
        self,
        model: str | None = None,
        rule: DocumentFilter | None = None,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 16,
        html: bool = False,
        **options,
    ):
        """`model`: a model folder or shipped name (None: the default); `rule`: what to drop
        (default: spun, machine_translated, unsupported_language); `html`: the documents' text is
        HTML to extract; `options`: `Detector.from_pretrained` overrides (threshold, int8, runtime)."""
        super().__init__(exclusion_writer, batch_size)
        self.model, self.options, self.html = model, options, html
        self.rule = rule or DocumentFilter()
        self._detector = None

    @property
    def detector(self):
        if self._detector is None:
            from detector.pipeline import Detector

            self._detector = Detector.from_pretrained(self.model, **self.options)
        return self._detector

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        records = [TextRecord(id=d.id, html=d.text) if self.html else TextRecord(id=d.id, text=d.text) for d in batch]
        results = []
        for doc, (_, report) in zip(batch, self.detector.score_many(records)):
            decision = self.rule.decide(report)
            doc.metadata["millcheck"] = annotate({}, report, decision)["millcheck"]
            self.stat_update(f"verdict_{report.verdict}")
            results.append(True if decision.keep else (False, _stat_key(decision.reason)))
        return results


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
