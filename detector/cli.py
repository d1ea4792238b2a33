"""The `detector` command line: `detector score PATH...` over files, folders, JSONL and stdin."""

from __future__ import annotations

import sys
from collections import deque
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from tqdm import tqdm

from .encoder import ModelFilesError
from .inputs import DEFAULT_MAX_CHARS
from .sinks import make_sink
from .sources import iter_records

app = typer.Typer(add_completion=False, help="millcheck: find paraphrase-mill artifacts in scraped news.")


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Runtime(str, Enum):
    torch = "torch"
    onnxruntime = "onnxruntime"


# Speed options shared by `score` and `serve` (benchmarks/forward_backends.md measures each).
INT8 = typer.Option(False, "--int8", help="int8 quantisation: both encoders under torch, the classifier under onnxruntime; faster on CPU (see benchmarks/forward_backends.md).")
RUNTIME = typer.Option(
    Runtime.torch, help="Where the classifier runs: torch, or onnxruntime (pip install 'millcheck[onnx]'; exported once, cached)."
)
# The editor starts the fast way: ONNX Runtime int8 answers a 1,000-word article in under a second
# on 2 cores, within 0.002 ROC-AUC of torch fp32 (benchmarks/editor_latency.md, forward_backends.md).
SERVE_INT8 = typer.Option(True, "--int8/--no-int8", help="int8 classifier (the editor's default: sub-second answers).")
SERVE_RUNTIME = typer.Option(Runtime.onnxruntime, help="Where the classifier runs: onnxruntime (the editor's default) or torch.")
MT_CHECK = typer.Option(
    False, "--mt-check", help="Round-trip a sample of each document's sentences to spot machine translation (slow; pip install 'millcheck[mt]')."
)
MAX_LENGTH = typer.Option(
    None, "--max-length", min=16, max=512, help="Cap on the classifier's input tokens (default: the model's); shorter is faster."
)


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    text = "text"
    parquet = "parquet"


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def detector_options(
    threshold: Optional[float], max_chars: int, int8: bool, runtime: Runtime, max_length: Optional[int], mt_check: bool = False
) -> dict:
    """`Detector.from_pretrained` overrides from the command line (None keeps the model's own)."""
    return {
        "threshold": threshold, "max_chars": max_chars, "int8": int8 or None, "runtime": runtime.value,
        "max_length": max_length, "mt_check": mt_check or None,
    }


def load_detector(model: Optional[str], options: dict):
    from .detector import Detector
    from .onnx_runtime import OnnxRuntimeMissing
    from .roundtrip import RoundTripMissing

    _quiet_transformers()
    try:
        return Detector.from_pretrained(model, **options)
    except ModelFilesError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=3)
    except (OnnxRuntimeMissing, RoundTripMissing) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2)


@app.command()
def score(
    paths: List[str] = typer.Argument(
        ..., help="Files, folders, .jsonl files ({'id','text'|'html'} per line, also .jsonl.gz/.jsonl.zst), or - for stdin."
    ),
    format: OutputFormat = typer.Option(
        OutputFormat.jsonl, "--format", "-f", help="jsonl (one record a document), csv, text for a person, or parquet (a folder)."
    ),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout (a folder for parquet)."),
    resume: bool = typer.Option(False, help="Go on from what --output already holds (jsonl or parquet), after a killed run."),
    part_rows: int = typer.Option(1000, min=1, help="Documents per Parquet part (a part is written whole or not at all)."),
    engine: Engine = typer.Option(Engine.local, help="local: this process; ray: a Ray Data actor pool (pip install millcheck[ray])."),
    actors: int = typer.Option(2, min=1, help="With --engine ray: actors, each holding one model."),
    actor_cpus: float = typer.Option(0.5, min=0.01, help="With --engine ray: CPUs reserved per actor."),
    threshold: Optional[float] = typer.Option(None, min=0.0, max=1.0, help="Flag sentences scoring at least this (default: the model's)."),
    model: Optional[str] = typer.Option(None, help="A model folder, or a shipped model: default, evidence-baseline."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, help="Refuse documents longer than this many characters."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    int8: bool = INT8,
    runtime: Runtime = RUNTIME,
    max_length: Optional[int] = MAX_LENGTH,
    mt_check: bool = MT_CHECK,
) -> None:
    """Score documents for paraphrase-mill artifacts, one report per document."""
    from .outputs import ResumeError, skip_done

    try:
        out = _file_output(format, output, resume, part_rows)
    except ResumeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2)
    options = detector_options(threshold, max_chars, int8, runtime, max_length, mt_check)
    detector = load_detector(model, options)
    stream = sink = None
    if out is None:
        stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        sink = make_sink(format.value, stream, color=format is OutputFormat.text and output is None and sys.stdout.isatty())
    skipped = len(out.done_ids) if out is not None else 0
    records = iter_records(paths, max_chars)
    done = failed = 0
    try:
        with tqdm(desc="scoring", unit="doc", file=sys.stderr, disable=quiet, initial=skipped) as bar:
            todo = skip_done(records, out.done_ids) if out is not None else records
            if engine is Engine.ray:
                reports = _ray_reports(todo, model, options, actors, actor_cpus)
            else:
                reports = detector.score_many(todo)
            for report in reports:
                out.write(report.to_dict()) if out is not None else sink.write(report)
                done += 1
                failed += report.error is not None
                bar.update(1)
    except ResumeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2)
    finally:
        if out is not None:
            out.close()
        elif output:
            stream.close()
    if not quiet:
        resumed = f" after {skipped} already in {output}" if skipped else ""
        typer.echo(f"scored {done} documents ({failed} with errors){resumed}", err=True)
    if done + skipped == 0:
        typer.echo("error: no documents found in the given paths", err=True)
        raise typer.Exit(code=2)


def _ray_reports(records, model, options: dict, actors: int, actor_cpus: float):
    from .ray_engine import RayConfig, score_with_ray

    try:
        import ray  # noqa: F401
    except ImportError as exc:
        typer.echo(f"error: --engine ray needs Ray Data: pip install 'millcheck[ray]' ({exc})", err=True)
        raise typer.Exit(code=2)
    from .report import DocumentReport

    config = RayConfig(actors=actors, cpus_per_actor=actor_cpus)
    for data in score_with_ray(records, model, config=config, **options):
        yield DocumentReport.from_dict(data)


def _file_output(format: OutputFormat, output: Optional[Path], resume: bool, part_rows: int = 1000):
    """A resumable writer for jsonl/parquet files, or None for the stream formats."""
    from .outputs import JsonlOutput, ParquetOutput, ResumeError

    if format is OutputFormat.parquet:
        if output is None:
            raise ResumeError("--format parquet writes a folder of parts: give it with --output")
        return ParquetOutput(output, resume=resume, rows_per_part=part_rows)
    if format is OutputFormat.jsonl and output is not None:
        return JsonlOutput(output, resume=resume)
    if resume:
        raise ResumeError("--resume needs --output and --format jsonl or parquet")
    return None


@app.command("filter")
def filter_documents(
    paths: List[str] = typer.Argument(..., help="JSONL (also .gz/.zst), files, folders, or - for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL of the kept records, each with a 'millcheck' field added."),
    rejected: Optional[Path] = typer.Option(None, help="JSONL of the dropped records (and failed ones), with the reason."),
    max_score: Optional[float] = typer.Option(None, min=0.0, max=1.0, help="Drop documents scoring above this."),
    max_share: List[str] = typer.Option([], help="TYPE=FRACTION: drop documents where more of the sentences have this type."),
    drop_verdict: List[str] = typer.Option(["spun", "machine_translated"], help="Drop documents with this verdict."),
    model: Optional[str] = typer.Option(None, help="A model folder, or a shipped model: default, evidence-baseline."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, help="Refuse documents longer than this many characters."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    int8: bool = INT8,
    runtime: Runtime = RUNTIME,
    max_length: Optional[int] = MAX_LENGTH,
    mt_check: bool = MT_CHECK,
) -> None:
    """Keep or drop documents by their scores, as a corpus-building filter; the records pass through unchanged."""
    from .filtering import DocumentFilter, annotate
    from .outputs import JsonlOutput

    try:
        rule = DocumentFilter(tuple(drop_verdict), max_score, DocumentFilter.parse_shares(max_share))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2)
    detector = load_detector(model, detector_options(None, max_chars, int8, runtime, max_length, mt_check))
    kept_out, dropped_out = JsonlOutput(output), JsonlOutput(rejected) if rejected else None
    kept = dropped = failed = 0
    try:
        with tqdm(desc="filtering", unit="doc", file=sys.stderr, disable=quiet) as bar:
            read: deque = deque()  # records in flight: score_many batches them and answers in order
            for report in detector.score_many(_remembered(iter_records(paths, max_chars), read)):
                record = read.popleft()
                decision = rule.decide(report)
                annotated = annotate(_passthrough(record), report, decision)
                if decision.keep:
                    kept += 1
                    kept_out.write(annotated)
                else:
                    dropped += 1
                    failed += report.error is not None
                    if dropped_out is not None:
                        dropped_out.write(annotated)
                bar.update(1)
    finally:
        kept_out.close()
        if dropped_out is not None:
            dropped_out.close()
    if not quiet:
        typer.echo(f"kept {kept}, dropped {dropped} ({failed} could not be scored)", err=True)


def _remembered(records, into: deque):
    for record in records:
        into.append(record)
        yield record


def _passthrough(record) -> dict:
    """What the filter writes for a record: the JSONL object as read, or the file's id and text."""
    if record.meta is not None:
        return record.meta
    data = record.html if record.html is not None else record.text
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return {"id": record.id, "text": data}


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (localhost by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    model: Optional[str] = typer.Option(None, help="A model folder, or a shipped model: default, evidence-baseline."),
    examples: Optional[Path] = typer.Option(Path("seeds"), help="A folder of .txt examples the page can load."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, help="Refuse articles longer than this many characters (413)."),
    timeout: float = typer.Option(60.0, help="Answer 503 when scoring one article takes longer than this many seconds."),
    int8: bool = SERVE_INT8,
    runtime: Runtime = SERVE_RUNTIME,
    max_length: Optional[int] = MAX_LENGTH,
    mt_check: bool = MT_CHECK,
) -> None:
    """Start the editor tool: a page that highlights suspect sentences, and its JSON API (/docs)."""
    import uvicorn

    from .web import create_app

    detector = load_detector(model, detector_options(None, max_chars, int8, runtime, max_length, mt_check))
    typer.echo(f"millcheck editor on http://{host}:{port}/ (API docs at /docs)", err=True)
    uvicorn.run(create_app(detector, examples, timeout_s=timeout), host=host, port=port, log_level="warning")


@app.command()
def version() -> None:
    """Print the package version."""
    from . import __version__

    typer.echo(__version__)


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    main()
