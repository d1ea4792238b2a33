"""Scoring in worker processes for the editor server: N articles at a time, a bounded queue, and a
time limit that stops the work instead of only the wait.

A thread cannot be stopped, so a request that ran past its limit kept a core busy for minutes
after its client got a 503, and many threads scoring at once fought over the same cores. Here
each worker is a process that loads the model once and scores one article at a time with its
share of the cores; one that runs past the limit is killed and replaced, and one whose memory has
grown past `max_rss_mb` (or that has served `max_requests`) is replaced after answering, so
memory returns to its baseline. Workers are started with `spawn`: forking a process whose ONNX
Runtime or OpenMP thread pools already run can deadlock the child.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolConfig:
    workers: int = 2
    queue_size: int = 32  # requests that may wait for a worker; past that, 503 with Retry-After
    timeout_s: float | None = 60.0  # scoring time per request; past it the worker is killed
    max_requests: int = 1000  # a worker is replaced after this many requests (0: never)
    max_rss_mb: float | None = 2048.0  # ... or once its resident memory passes this after a request
    threads_per_worker: int | None = None  # default: the machine's cores shared out among workers

    def threads(self) -> int:
        return self.threads_per_worker or max(1, (os.cpu_count() or 1) // max(1, self.workers))


class Busy(Exception):
    """Every worker is scoring and the queue is full; the client should retry after `retry_after` s."""

    def __init__(self, retry_after: int):
        super().__init__(f"the server is busy; retry in {retry_after} s")
        self.retry_after = retry_after


class TimedOut(Exception):
    """Scoring ran past the time limit; the worker was killed and is being replaced."""


class WorkerFailed(Exception):
    """A worker died or raised while scoring (a bug, not the input's fault)."""


def rss_mb(pid: int | None = None) -> float | None:
    """Resident memory of a process in MiB (Linux /proc; None elsewhere)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _serve_requests(conn, model: str | None, options: dict, threads: int, max_requests: int, max_rss: float | None) -> None:
    """A worker process: load the model, then answer (kind, payload) for each request until told to stop."""
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import torch

    torch.set_num_threads(threads)
    from detector.errors import InputError
    from detector.pipeline import Detector

    detector = Detector.from_pretrained(model, **options)
    conn.send(("ready", {"model": detector.name, "lm": detector.lm_finder is not None, "rss_mb": rss_mb()}))
    served = 0
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            report = detector.score(
                request["input"],
                html=request.get("html"),
                threshold=request.get("threshold"),
                published=request.get("published"),
                lm=request.get("lm", True),
            )
            answer = ("ok", report.to_dict(include_text=True))
        except InputError as exc:
            answer = ("input_error", {"code": exc.code, "message": exc.message})
        except Exception as exc:  # noqa: BLE001 - a bug: reported to the client as a 500 with its name
            answer = ("error", {"message": f"{type(exc).__name__}: {exc}"})
        served += 1
        memory = rss_mb()
        retire = (max_requests and served >= max_requests) or (max_rss is not None and memory is not None and memory > max_rss)
        conn.send((*answer, bool(retire)))
        if retire:
            return


class _Worker:
    def __init__(self, context, model: str | None, options: dict, config: PoolConfig):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve_requests,
            args=(child, model, options, config.threads(), config.max_requests, config.max_rss_mb),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.info: dict = {}

    def wait_ready(self, timeout: float = 600.0) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise WorkerFailed(f"a scoring worker did not load the model within {timeout:g} s")
        try:
            kind, info = self.conn.recv()
        except EOFError:
            raise WorkerFailed(f"a scoring worker exited while loading the model (exit code {self.process.exitcode})") from None
        self.info = info

    def call(self, request: dict) -> tuple:
        self.conn.send(request)
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.kill()


class WorkerPool:
    """`await pool.score(request)` -> the report dict; raises `InputError`, `Busy`, `TimedOut`."""

    def __init__(self, model: str | None, options: dict, config: PoolConfig | None = None):
        self.model, self.options = model, options
        self.config = config or PoolConfig()
        self._context = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self._idle: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending = 0
        self._busy: set[_Worker] = set()  # scoring now, or being replaced
        self._seconds = 1.0  # running mean of scoring time, for Retry-After
        self._calls = ThreadPoolExecutor(max_workers=self.config.workers + 2, thread_name_prefix="millcheck-pool")
        self.replaced = 0  # workers killed or retired and started anew

    def start(self) -> WorkerPool:
        """Start the workers and wait until each has loaded the model. The first loads alone: it
        may export the ONNX model into the cache, which the others then read."""
        first = _Worker(self._context, self.model, self.options, self.config)
        first.wait_ready()
        rest = [_Worker(self._context, self.model, self.options, self.config) for _ in range(self.config.workers - 1)]
        for worker in rest:
            worker.wait_ready()
        self._workers = [first, *rest]
        return self

    @property
    def model_name(self) -> str:
        return self._workers[0].info.get("model", "") if self._workers else ""

    @property
    def reads_with_lm(self) -> bool:
        """Whether the workers' model reads with a language model (`serve --lm`)."""
        return bool(self._workers and self._workers[0].info.get("lm"))

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    def memory_mb(self) -> dict[int, float | None]:
        return {w.process.pid: rss_mb(w.process.pid) for w in self._workers}

    def _ensure_queue(self) -> asyncio.Queue:
        """The idle workers' queue of the running event loop (the server's; made on its first
        request, and again if a new loop takes over)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._idle = loop, asyncio.Queue()
            for worker in self._workers:
                if worker not in self._busy:
                    self._idle.put_nowait(worker)
        return self._idle

    def _retry_after(self) -> int:
        return max(1, math.ceil(self._seconds * (self._pending + 1) / max(1, self.config.workers)))

    async def score(self, request: dict) -> dict:
        from detector.errors import InputError

        idle = self._ensure_queue()
        if self._pending >= self.config.workers + self.config.queue_size:
            raise Busy(self._retry_after())
        self._pending += 1
        try:
            worker = await idle.get()
            self._busy.add(worker)
            started = time.perf_counter()
            call = self._loop.run_in_executor(self._calls, worker.call, request)
            try:
                kind, payload, retire = await asyncio.wait_for(call, self.config.timeout_s) if self.config.timeout_s else await call
            except asyncio.TimeoutError:
                self._replace(worker, kill=True)
                raise TimedOut(f"scoring took longer than {self.config.timeout_s:g} s") from None
            except (EOFError, OSError) as exc:
                self._replace(worker, kill=True)
                raise WorkerFailed(f"a scoring worker died ({exc or type(exc).__name__})") from None
            self._seconds = 0.8 * self._seconds + 0.2 * (time.perf_counter() - started)
            if retire:
                self._replace(worker, kill=False)
            else:
                self._busy.discard(worker)
                idle.put_nowait(worker)
        finally:
            self._pending -= 1
        if kind == "input_error":
            raise InputError(payload["code"], payload["message"])
        if kind == "error":
            raise WorkerFailed(payload["message"])
        return payload

    def _replace(self, worker: _Worker, kill: bool) -> None:
        """Stop `worker` (killing it mid-request when `kill`) and start another in the background;
        it joins the idle queue once it has loaded the model."""
        self.replaced += 1

        def renew() -> None:
            worker.kill() if kill else worker.stop()
            fresh = _Worker(self._context, self.model, self.options, self.config)
            try:
                fresh.wait_ready()
            except WorkerFailed:
                return  # capacity drops by one; the next replacement tries again
            self._workers = [fresh if w is worker else w for w in self._workers]
            self._busy.discard(worker)
            try:
                self._loop.call_soon_threadsafe(self._idle.put_nowait, fresh)
            except RuntimeError:
                pass  # that event loop has closed: the next one's queue takes the worker from the list

        threading.Thread(target=renew, daemon=True, name="millcheck-renew").start()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._calls.shutdown(wait=False, cancel_futures=True)
