"""A load test of the editor API on loopback: throughput and latency against concurrent clients.

    python benchmarks/load_test.py --clients 1,5,20,50 --seconds 30

For each variant (default: `--workers 2`, `--workers 2 --int8`, and `--workers 0`, threads in
one process, as before workers) starts `detector serve` in a child process on 127.0.0.1 (a free port); for each
client count, that many clients (threads, keep-alive) post the 1,000-word article (seeds 000 then
002, as benchmarks/editor_latency.py) to `POST /api/score` in a loop for the given time. Reported
per count: requests/s, latency p50/p99, errors and 503s (a full queue answers 503 with
Retry-After), and the server's resident memory (the server process and its workers). With N
workers of one core each, one client measures single-request scoring on one core: "two cores'
worth" is twice that rate. Results go to `benchmarks/load_test.md` and `.json`.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.editor_latency import article  # noqa: E402
from benchmarks.machine import describe_machine  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, extra: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "detector.apps.cli", "serve", "--port", str(port), *extra]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the server did not answer within 300 s")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MiB (psutil)."""
    import psutil

    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def run_load(url: str, text: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    busy = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        nonlocal busy
        with httpx.Client(timeout=300) as http:
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                try:
                    response = http.post(url, json={"text": text})
                    problem = None if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:200]}"
                    if response.status_code == 503 and "retry-after" in response.headers:  # the queue is full: wait, as asked
                        with lock:
                            busy += 1
                        time.sleep(float(response.headers["retry-after"]))
                        continue
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - start
                with lock:
                    (errors.append(problem) if problem else latencies.append(elapsed))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = lambda x: round(x * 1000) if latencies else None  # noqa: E731
    return {
        "clients": clients,
        "wall_s": round(wall, 2),
        "ok": len(latencies),
        "errors": len(errors),
        "busy_503": busy,
        "error_samples": errors[:3],
        "requests_per_s": round(len(latencies) / wall, 3),
        "p50_ms": ms(statistics.median(latencies)) if latencies else None,
        "p99_ms": ms(percentile(latencies, 0.99)) if latencies else None,
        "max_ms": ms(max(latencies)) if latencies else None,
    }


DEFAULT_VARIANTS = ("--workers 2", "--workers 2 --int8", "--workers 0")


def load_variant(serve_args: str, text: str, client_counts: list[int], seconds: float) -> dict:
    """One server, started with `serve_args`, through every client count."""
    port = free_port()
    server = start_server(port, serve_args.split())
    rows = []
    try:
        url = f"http://127.0.0.1:{port}/api/score"
        for _ in range(2):  # warm the workers
            model = httpx.post(url, json={"text": text}, timeout=300).json()["model"]
        idle_mb = tree_rss_mb(server.pid)
        for clients in client_counts:
            row = run_load(url, text, clients, seconds)
            row["rss_mb"] = round(tree_rss_mb(server.pid))
            rows.append(row)
            print(serve_args, row, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"serve_args": serve_args, "model": model, "idle_rss_mb": round(idle_mb), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", help="`detector serve` options of one server (repeatable)")
    parser.add_argument("--clients", default="1,5,20,50", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--report", default=str(ROOT / "benchmarks" / "load_test"))
    args = parser.parse_args()
    variants = args.variant or list(DEFAULT_VARIANTS)
    text = article()
    counts = [int(c) for c in args.clients.split(",")]
    results = [load_variant(v, text, counts, args.seconds) for v in variants]
    chosen = "".join(f" --variant='{v}'" for v in variants) if args.variant else ""
    result = {
        "command": f"python benchmarks/load_test.py{chosen} --clients {args.clients} --seconds {args.seconds:g}",
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": describe_machine(),
        "article": f"{len(text.split())} words (seeds 000 then 002)",
        "variants": results,
    }
    lines = [
        "# Load test: the editor API on loopback",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- model {results[0]['model']}; article: {result['article']}",
        f"- clients are threads with keep-alive posting in a loop for {args.seconds:g} s each; a client answered 503 (queue full) waits its Retry-After and is counted apart from errors",
        "- two cores' worth: with two one-core workers, twice the one-client rate (one request on one core at a time); RSS: the server and its workers",
    ]
    for variant in results:
        rows = variant["rows"]
        single = next((r["requests_per_s"] for r in rows if r["clients"] == 1), None)
        two_workers = "--workers 2" in variant["serve_args"]
        lines += [
            "",
            f"## `detector serve {variant['serve_args']}` (idle after warm-up: {variant['idle_rss_mb']} MiB)",
            "",
            "| clients | ok | errors | 503 busy (retried) | requests/s | vs two cores' worth | p50 | p99 | max | RSS MiB |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            ratio = f"{r['requests_per_s'] / (2 * single):.2f}" if single and two_workers else ""
            lines.append(
                f"| {r['clients']} | {r['ok']} | {r['errors']} | {r['busy_503']} | {r['requests_per_s']} | {ratio} | "
                f"{r['p50_ms']} ms | {r['p99_ms']} ms | {r['max_ms']} ms | {r['rss_mb']} |"
            )
        samples = [e for r in rows for e in r["error_samples"]]
        if samples:
            lines += ["", "Errors (first few):", "", *[f"- {e}" for e in samples[:5]]]
    prefix = Path(args.report)
    prefix.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    prefix.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))
    sys.exit(1 if any(r["errors"] for v in results for r in v["rows"]) else 0)


if __name__ == "__main__":
    main()
