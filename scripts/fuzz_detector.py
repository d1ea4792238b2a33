"""Coverage-guided fuzzing (atheris/libFuzzer) of the decoder, `Detector.score`, the HTML path and the API.

    python scripts/fuzz_detector.py --seconds 600 --report reports/fuzz-detector

runs libFuzzer for the given time in a child process (seeded with the seed articles and a few
HTML pages), then writes what it did to `<report>.md`: runs, coverage, and any crash with its
input. A crash is any exception other than `InputError`, or a report whose offsets do not slice
its text, or an API answer of 500 or more. `pip install atheris` first.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML_SEEDS = [
    "<html><head><script>alert(1)</script></head><body><article><p>Putin said. Xi said.</p>"
    "<figure><img src=x><figcaption>Xi and Putin pictured</figcaption></figure></article></body></html>",
    "<div>" * 300 + "deep" + "</div>" * 300,
    "<table><tr><td>Australia, Canada (Britain), Canada (US) and Australia</td></tr></table>",
]
API_SEEDS = [
    b'{"text": "Putin said. Xi said.", "threshold": 0.5}',
    b'{"html": "<p>Xi and Putin pictured</p>"}',
    b'{"text": "a\\ud800b", "threshold": NaN}',
]


MODES = ("decode", "score bytes", "score text", "html", "api raw body", "api json")


def check_offsets(report) -> None:
    for s in report.sentences:
        if report.text is not None and report.text[s.start : s.end] != s.text:
            raise AssertionError(f"offsets {s.start}:{s.end} do not slice the text")


def target() -> None:
    """The child: instrument our code and the parsers it leans on, then fuzz. The first byte picks
    the target (MODES): the decoder alone, `Detector.score` on bytes or on text (lone surrogates
    let through), the HTML path (tree and streaming readers), and the API with a raw body or a JSON
    object the fuzzer's bytes fill (NaN and infinities allowed)."""
    import json
    import struct

    import atheris

    with atheris.instrument_imports(include=["detector", "sentencex", "trafilatura", "charset_normalizer", "py3langid"]):
        from fastapi.testclient import TestClient

        from detector import Detector
        from detector.apps.web import create_app
        from detector.errors import InputError
        from detector.io.decode import decode_bytes
        from detector.io.html import segment_html

    detector = Detector.from_pretrained(os.environ.get("MILLCHECK_FUZZ_MODEL") or None)
    client = TestClient(create_app(detector, max_body_bytes=200_000), raise_server_exceptions=True)

    def api(body: bytes) -> None:
        response = client.post("/api/score", content=body, headers={"content-type": "application/json"})
        if response.status_code >= 500:
            raise AssertionError(f"HTTP {response.status_code} for {body[:200]!r}: {response.text[:300]}")
        response.json()

    def one_input(data: bytes) -> None:
        if not data:
            return
        mode, body = MODES[data[0] % len(MODES)], data[1:]
        try:
            if mode == "decode":
                decoded = decode_bytes(body)
                if any(0xD800 <= ord(c) <= 0xDFFF for c in decoded.text):
                    raise AssertionError("the decoder let a surrogate through")
            elif mode == "score bytes":
                check_offsets(detector.score(body))
            elif mode == "score text":
                check_offsets(detector.score(body.decode("utf-8", errors="surrogatepass")))
            elif mode == "html":
                doc = segment_html(body.decode("utf-8", errors="replace"))
                if any(doc.text[x.start : x.end] != x.text for x in doc.sentences):
                    raise AssertionError("HTML offsets do not slice the extracted text")
            elif mode == "api raw body":
                api(body)
            else:
                threshold = struct.unpack("<d", body[:8].ljust(8, b"\0"))[0] if body[:1] != b"n" else None
                api(json.dumps({"text": body[8:].decode("utf-8", errors="surrogatepass"), "threshold": threshold}).encode())
        except InputError:
            return
        except UnicodeDecodeError:
            return  # the fuzzer's own decode above, not ours

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


def seed_corpus(folder: Path) -> None:
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_bytes()
        for k, lo in enumerate(range(0, len(text), 400)):
            (folder / f"{path.stem}-{k}").write_bytes(bytes([k % 3]) + text[lo : lo + 400])
    for k, page in enumerate(HTML_SEEDS):
        (folder / f"html-{k}").write_bytes(bytes([MODES.index("html")]) + page.encode())
    for k, body in enumerate(API_SEEDS):
        (folder / f"api-{k}").write_bytes(bytes([MODES.index("api raw body")]) + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--max-len", type=int, default=2048)
    parser.add_argument("--report", default=str(ROOT / "reports" / "fuzz-detector"))
    parser.add_argument("--model", default="evidence-baseline", help="the finders and segmentation are the same for every model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Crash inputs are kept (artifacts/ is not committed) so that each one can become a test.
        corpus, crashes = Path(tmp) / "corpus", ROOT / "artifacts" / "fuzz-crashes"
        corpus.mkdir()
        crashes.mkdir(parents=True, exist_ok=True)
        for old in crashes.iterdir():
            old.unlink()
        seed_corpus(corpus)
        command = [
            sys.executable,
            __file__,
            "--child",
            f"-max_total_time={args.seconds}",
            f"-max_len={args.max_len}",
            f"-artifact_prefix={crashes}/",
            "-print_final_stats=1",
            "-timeout=60",
            "-rss_limit_mb=8192",
            str(corpus),
        ]
        started = time.time()
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, "TOKENIZERS_PARALLELISM": "false", "MILLCHECK_FUZZ_MODEL": args.model},
        )
        elapsed = time.time() - started
        log = proc.stderr + proc.stdout
        found = sorted(p.name for p in crashes.iterdir())
        write_report(Path(args.report), args, proc.returncode, elapsed, log, found, crashes)
    print(f"fuzzing finished: exit {proc.returncode}, {len(found)} crash file(s); report at {args.report}.md")
    sys.exit(0 if proc.returncode == 0 and not found else 1)


def write_report(prefix: Path, args, returncode: int, elapsed: float, log: str, found: list[str], crashes: Path) -> None:
    def last(pattern: str) -> str:
        hits = re.findall(pattern, log)
        return hits[-1] if hits else "n/a"

    runs, speed = last(r"stat::number_of_executed_units:\s*(\d+)"), last(r"stat::average_exec_per_sec:\s*(\d+)")
    cov, ft, corp = last(r"cov: (\d+)"), last(r"ft: (\d+)"), last(r"corp: (\d+/\S+)")
    peak = last(r"stat::peak_rss_mb:\s*(\d+)")
    lines = [
        "# Fuzzing the decoder, `Detector.score`, the HTML path and the API (atheris / libFuzzer)",
        "",
        f"- command: `python scripts/fuzz_detector.py --seconds {args.seconds} --max-len {args.max_len} --model {args.model}`",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, CPython {platform.python_version()}",
        f"- targets, by the input's first byte: {', '.join(MODES)}; model {args.model}; "
        "a crash is any exception but `InputError`, offsets that do not slice the text, or an API answer >= 500",
        f"- wall time: {elapsed:.0f} s; libFuzzer exit code: {returncode}",
        f"- executions: {runs}; average {speed} exec/s",
        f"- coverage at the end: {cov} edges, {ft} features, corpus {corp}",
        f"- peak memory: {peak} MB",
        f"- crashes: {len(found)}",
    ]
    raised = re.findall(r"=== Uncaught Python exception: ===\n(.*?)(?:\n==\d+==|\Z)", log, re.S)
    for name, exception in zip(found, raised + [""] * len(found)):
        data = (crashes / name).read_bytes()
        lines += ["", f"## {name} (mode: {MODES[data[0] % len(MODES)] if data else 'none'}; input in artifacts/fuzz-crashes/)", ""]
        lines += [
            "```",
            exception.strip()[-3000:] or "(no Python exception in the log)",
            "```",
            "",
            "```",
            data[:2000].decode("utf-8", "replace"),
            "```",
        ]
    tail = "\n".join(line for line in log.splitlines() if line.startswith(("#", "INFO", "==", "Done")) and "Instrumenting" not in line)[
        -4000:
    ]
    lines += ["", "## libFuzzer log (tail)", "", "```", tail, "```", ""]
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.argv.pop(1)
        target()
    else:
        main()
