"""The `detector` command line: `detector score PATH...` over files, folders, JSONL and stdin."""

from __future__ import annotations

import sys
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


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    text = "text"


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def load_detector(model: Optional[str], threshold: Optional[float], max_chars: int):
    from .detector import Detector

    _quiet_transformers()
    try:
        return Detector.from_pretrained(model, threshold=threshold, max_chars=max_chars)
    except ModelFilesError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=3)


@app.command()
def score(
    paths: List[str] = typer.Argument(..., help="Files, folders, .jsonl files ({'id','text'|'html'} per line), or - for stdin."),
    format: OutputFormat = typer.Option(OutputFormat.jsonl, "--format", "-f", help="jsonl (one record a document), csv, or text for a person."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    threshold: Optional[float] = typer.Option(None, min=0.0, max=1.0, help="Flag sentences scoring at least this (default: the model's)."),
    model: Optional[str] = typer.Option(None, help="A model folder, or a shipped model: default, evidence-baseline."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, help="Refuse documents longer than this many characters."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Score documents for paraphrase-mill artifacts, one report per document."""
    detector = load_detector(model, threshold, max_chars)
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    sink = make_sink(format.value, stream, color=format is OutputFormat.text and output is None and sys.stdout.isatty())
    done = failed = 0
    try:
        with tqdm(desc="scoring", unit="doc", file=sys.stderr, disable=quiet) as bar:
            for report in detector.score_many(iter_records(paths, max_chars)):
                sink.write(report)
                done += 1
                failed += report.error is not None
                bar.update(1)
    finally:
        if output:
            stream.close()
    if not quiet:
        typer.echo(f"scored {done} documents ({failed} with errors)", err=True)
    if done == 0:
        typer.echo("error: no documents found in the given paths", err=True)
        raise typer.Exit(code=2)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (localhost by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    model: Optional[str] = typer.Option(None, help="A model folder, or a shipped model: default, evidence-baseline."),
    examples: Optional[Path] = typer.Option(Path("seeds"), help="A folder of .txt examples the page can load."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, help="Refuse articles longer than this many characters."),
) -> None:
    """Start the editor tool: a page that highlights suspect sentences, and its JSON API (/docs)."""
    import uvicorn

    from .web import create_app

    detector = load_detector(model, None, max_chars)
    typer.echo(f"millcheck editor on http://{host}:{port}/ (API docs at /docs)", err=True)
    uvicorn.run(create_app(detector, examples), host=host, port=port, log_level="warning")


@app.command()
def version() -> None:
    """Print the package version."""
    from . import __version__

    typer.echo(__version__)


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":
    main()
