"""A bounded load test of the editor API on loopback: N concurrent clients for T seconds.

    python benchmarks/load_test.py --clients 20 --seconds 60 [--model default] [--report reports/load-test]

Starts `detector serve` in a child process on 127.0.0.1 (a free port), lets each client post
seed 000 to `POST /api/score` in a loop, and reports requests/s, latency percentiles and every
non-200 answer or connection error to `<report>.md` and `.json`. Exits 1 if any request failed.
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

from benchmarks.machine import describe_machine  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, model: str | None, timeout_s: float) -> subprocess.Popen:
    command = [sys.executable, "-m", "detector.apps.cli", "serve", "--port", str(port), "--timeout", str(timeout_s)]
    if model:
        command += ["--model", model]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the server did not answer within 120 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def run_load(url: str, text: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        with httpx.Client(timeout=120) as http:
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                try:
                    response = http.post(url, json={"text": text})
                    problem = None if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:200]}"
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
    return {
        "clients": clients,
        "seconds": seconds,
        "wall_s": round(wall, 2),
        "requests": len(latencies) + len(errors),
        "ok": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "requests_per_s": round(len(latencies) / wall, 2),
        "latency_ms": {
            "p50": round(statistics.median(latencies) * 1000) if latencies else None,
            "p95": round(percentile(latencies, 0.95) * 1000) if latencies else None,
            "p99": round(percentile(latencies, 0.99) * 1000) if latencies else None,
            "max": round(max(latencies) * 1000) if latencies else None,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--model", default=None)
    parser.add_argument("--timeout", type=float, default=60.0, help="the server's per-request timeout")
    parser.add_argument("--report", default=str(ROOT / "reports" / "load-test"))
    args = parser.parse_args()
    (seed,) = (ROOT / "seeds").glob("000_*.txt")
    text = seed.read_text(encoding="utf-8")
    port = free_port()
    server = start_server(port, args.model, args.timeout)
    try:
        url = f"http://127.0.0.1:{port}/api/score"
        model = httpx.post(url, json={"text": text}, timeout=120).json()["model"]  # warm-up
        result = run_load(url, text, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.update(
        command=f"python benchmarks/load_test.py --clients {args.clients} --seconds {args.seconds:g}",
        date=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        machine=describe_machine(),
        model=model,
        article=f"seed 000: {len(text.split())} words",
    )
    lat = result["latency_ms"]
    lines = [
        "# Load test: editor API on loopback",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}",
        f"- server: `detector serve` (uvicorn, one process) with model {model}; article: {result['article']}",
        f"- {args.clients} concurrent clients (threads, keep-alive) posting for {args.seconds:g} s",
        "",
        "| requests | ok | errors | requests/s | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|---|---|",
        (
            f"| {result['requests']} | {result['ok']} | {result['errors']} | {result['requests_per_s']} | "
            f"{lat['p50']} ms | {lat['p95']} ms | {lat['p99']} ms | {lat['max']} ms |"
        ),
        "",
    ]
    if result["error_samples"]:
        lines += ["Errors (first five):", "", *[f"- {e}" for e in result["error_samples"]], ""]
    prefix = Path(args.report)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    prefix.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
