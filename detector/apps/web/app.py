"""FastAPI app: `POST /api/score` (the CLI's report as JSON), seed examples, and the static page.

The page is ours and self-contained (no CDN, nothing fetched from elsewhere); user text is only
ever rendered as text, and a Content-Security-Policy forbids inline scripts on top of that.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from detector.apps.web.limits import BodySizeLimit, run_with_timeout
from detector.apps.web.workers import Busy, TimedOut, WorkerFailed, WorkerPool
from detector.errors import InputError
from detector.io.decode import without_surrogates
from detector.io.records import TextRecord
from detector.version import __version__

if TYPE_CHECKING:  # the server process of a worker pool never loads the model (nor torch)
    from detector.pipeline import Detector

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_TIMEOUT_S = 60.0
_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"


class ScoreRequest(BaseModel):
    """One article: `text` or `html`, not both."""

    text: str | None = Field(None, description="plain text, or HTML (sniffed)")
    html: str | None = Field(None, description="HTML; the article body and captions are extracted")
    threshold: float | None = Field(None, ge=0.0, le=1.0, allow_inf_nan=False, description="override the model's threshold")
    published: str | None = Field(
        None, max_length=64, description="its publication date, ISO 8601: with --reference, direction weighs it against the originals'"
    )
    lm: bool = Field(
        True,
        description="false: answer without the language model's reading (serve --lm), in a fraction of the time; "
        "the page asks so first, then for the whole report",
    )


def _safe_input(value):
    """The offending value when JSON can carry it and it is short: NaN becomes its name, a long or
    structured value is left out, a lone surrogate is replaced (UTF-8 cannot write it)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str) and len(value) <= 200:
        return without_surrogates(value)[0]
    return None


def _validation_errors(exc: RequestValidationError) -> list[dict]:
    """The request's validation errors as JSON can carry them: where, what, and the value."""
    errors = []
    for error in exc.errors():
        item = {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}
        value = _safe_input(error.get("input"))
        if value is not None:
            item["input"] = value
        errors.append(item)
    return errors


def _thread_scorer(detector: Detector, timeout_s: float | None):
    async def score_report(request: dict) -> dict:
        report = await run_with_timeout(
            detector.score,
            request["input"],
            html=request["html"],
            threshold=request["threshold"],
            published=request.get("published"),
            lm=request.get("lm", True),
            timeout_s=timeout_s,
        )
        return report.to_dict(include_text=True)

    return score_report


def _pool_scorer(pool: WorkerPool):
    async def score_report(request: dict) -> dict:
        try:
            return await pool.score(request)
        except Busy as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
        except TimedOut as exc:
            raise HTTPException(503, f"{exc}; send a shorter article or raise --timeout") from None
        except WorkerFailed as exc:
            raise HTTPException(500, str(exc)) from None

    return score_report


def create_app(
    detector: Detector | WorkerPool,
    examples_dir: str | Path | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> FastAPI:
    """The editor app, scoring in this process (`detector`: a Detector, on the thread pool) or in
    worker processes (a started `WorkerPool`, whose own config bounds time and queue). Articles over
    `max_chars` or bodies over `max_body_bytes` get 413; scoring past `timeout_s` gets 503, as does
    a full queue (with Retry-After)."""
    score_report = _pool_scorer(detector) if isinstance(detector, WorkerPool) else _thread_scorer(detector, timeout_s)
    app = FastAPI(title="millcheck editor", description="Highlights paraphrase-mill artifacts and says why.", version=__version__)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    examples = Path(examples_dir) if examples_dir else None

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        if not request.url.path.startswith(("/docs", "/redoc")):
            response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_errors(exc)}, status_code=422)

    @app.post("/api/score")
    async def score(body: ScoreRequest) -> dict:
        """Score one article; the report has the same fields as a `detector score` JSONL record."""
        try:
            text, html = TextRecord(text=body.text, html=body.html).input()
            return await score_report(
                {"input": text, "html": html, "threshold": body.threshold, "published": body.published, "lm": body.lm}
            )
        except InputError as exc:
            status = 413 if exc.code == "too_large" else 422
            raise HTTPException(status, {"code": exc.code, "message": exc.message}) from exc

    @app.get("/api/info")
    def info() -> dict:
        """The model the server scores with, and whether a language model reads with it (`serve --lm`)."""
        if isinstance(detector, WorkerPool):
            return {"model": detector.model_name, "lm": detector.reads_with_lm, "version": __version__}
        return {"model": detector.name, "lm": detector.lm_finder is not None, "version": __version__}

    @app.get("/api/examples")
    def list_examples() -> list[str]:
        if examples is None or not examples.is_dir():
            return []
        return sorted(p.name for p in examples.glob("*.txt"))

    @app.get("/api/examples/{name}")
    def example(name: str) -> dict:
        if examples is None or name not in list_examples():
            raise HTTPException(404, "no such example")
        return {"name": name, "text": (examples / name).read_text(encoding="utf-8")}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
