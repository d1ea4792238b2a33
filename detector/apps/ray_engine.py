"""Scale-out scoring on Ray Data: an actor pool holding one detector each, fed batches of records.

The local engine scores records one after another in this process; this one spreads them over
Ray actors and gives the reports back in input order, so outputs are the same record for record.
Input is taken in chunks (`chunk_size` records held in the driver), each chunk one Ray dataset
whose results stream back in order, so the output grows as records finish and a killed job
resumes at the last written record like a local one.

For a crawl already on disk, the same actor class works in a recipe of your own:

    import ray
    from detector.apps.ray_engine import ScoreBatch
    ds = ray.data.read_json("crawl/*.jsonl")  # columns: id, text (or html)
    reports = ds.map_batches(ScoreBatch, fn_constructor_kwargs={"model": None},
                             concurrency=4, num_cpus=1, batch_size=32)
    reports.write_parquet("scores/")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Iterator

from detector.errors import InputError
from detector.io.records import TextRecord
from detector.pipeline import Detector

_COLUMNS = ("position", "id", "text", "text_bytes", "html", "html_bytes", "encoding", "replaced_bytes", "error_code", "error_message")


@dataclass
class RayConfig:
    actors: int = 2
    cpus_per_actor: float = 0.5  # on 2 cores, two 1-CPU actors starve the read task and deadlock
    batch_size: int = 8
    chunk_size: int = 10_000  # records per Ray dataset (held in the driver); output is written as they finish
    address: str | None = None  # an existing cluster; None starts a local Ray


def _row(position: int, record: TextRecord) -> dict:
    """A record as Arrow-friendly columns: str and bytes apart (a column holds one type), and what
    the reader learnt while decoding, so an actor's report is the local engine's byte for byte."""
    text, html = record.text, record.html
    return {
        "position": position,
        "id": record.id,
        "text": text if isinstance(text, str) else None,
        "text_bytes": bytes(text) if isinstance(text, (bytes, bytearray)) else None,
        "html": html if isinstance(html, str) else None,
        "html_bytes": bytes(html) if isinstance(html, (bytes, bytearray)) else None,
        "encoding": record.encoding,
        "replaced_bytes": record.replaced_bytes,
        "published": record.published,
        "error_code": record.error.code if record.error else None,
        "error_message": record.error.message if record.error else None,
    }


def _record(row: dict) -> TextRecord:
    error = InputError(row["error_code"], row["error_message"]) if row.get("error_code") else None
    text = row["text"] if row.get("text") is not None else row.get("text_bytes")
    html = row["html"] if row.get("html") is not None else row.get("html_bytes")
    return TextRecord(
        id=row.get("id"),
        text=text,
        html=html,
        error=error,
        encoding=row.get("encoding"),
        replaced_bytes=int(row.get("replaced_bytes") or 0),
        published=row.get("published"),
    )


class ScoreBatch:
    """A Ray Data callable class: loads one detector per actor, scores a batch of rows."""

    def __init__(self, model: str | None = None, **options):
        """`options`: `Detector.from_pretrained` overrides (threshold, max_chars, int8, runtime, ...)."""
        self.detector = Detector.from_pretrained(model, **options)

    def __call__(self, batch: dict) -> dict:
        columns = [c for c in _COLUMNS if c in batch]
        n = len(batch[columns[0]])
        rows = [{c: _plain(batch[c][i]) for c in columns} for i in range(n)]
        reports = [report for _, report in self.detector.score_many(_record(row) for row in rows)]  # one classifier pass per batch
        return {
            "position": [row.get("position", i) for i, row in enumerate(rows)],
            "id": [r.id for r in reports],
            "report": [json.dumps(r.to_dict(), ensure_ascii=False) for r in reports],
        }


def _plain(value):
    """numpy scalars and None-filled object arrays back to Python values."""
    if hasattr(value, "item") and not isinstance(value, (bytes, str)):
        value = value.item()
    if isinstance(value, float) and value != value:  # an all-missing column arrives as float NaN
        return None
    return value


def _chunks(records: Iterable[TextRecord], size: int) -> Iterator[list[tuple[int, TextRecord]]]:
    chunk: list[tuple[int, TextRecord]] = []
    for position, record in enumerate(records):
        chunk.append((position, record))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_with_ray(
    records: Iterable[TextRecord],
    model: str | None = None,
    config: RayConfig | None = None,
    **options,
) -> Iterator[tuple[TextRecord, dict]]:
    """(record, report dict as `DocumentReport.to_dict()`), in input order, scored by a Ray actor pool.

    `options` go to each actor's `Detector.from_pretrained` (threshold, max_chars, int8, runtime, ...).
    """
    import ray

    config = config or RayConfig()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=config.address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    try:
        for chunk in _chunks(records, config.chunk_size):
            dataset = ray.data.from_items([_row(p, r) for p, r in chunk], override_num_blocks=max(1, min(len(chunk), 4 * config.actors)))
            scored = dataset.map_batches(
                ScoreBatch,
                fn_constructor_kwargs={"model": model, **options},
                batch_size=config.batch_size,
                compute=ray.data.ActorPoolStrategy(size=config.actors),
                num_cpus=config.cpus_per_actor,
                batch_format="numpy",
            )
            for (_, record), row in zip(chunk, scored.iter_rows()):  # in input order: preserve_order is set above
                yield record, json.loads(row["report"])
    finally:
        if started_here:
            ray.shutdown()
