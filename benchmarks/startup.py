"""Start-up cost of the light entry points: `detector --help`, `detector version`, and importing the
readers and writers, each as a fresh process (median of --repeats runs), and whether torch loaded.

    python benchmarks/startup.py --repeats 7 --out benchmarks/startup.md
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402

PROBE = "import sys, {module}; print('torch' in sys.modules, 'transformers' in sys.modules)"
CASES = {
    "detector --help": [sys.executable, "-m", "detector.apps.cli", "--help"],
    "detector version": [sys.executable, "-m", "detector.apps.cli", "version"],
    "import detector": [sys.executable, "-c", PROBE.format(module="detector")],
    "import detector.io.readers": [sys.executable, "-c", PROBE.format(module="detector.io.readers")],
    "import detector.io.writers": [sys.executable, "-c", PROBE.format(module="detector.io.writers")],
    "import detector.pipeline (loads torch)": [sys.executable, "-c", PROBE.format(module="detector.pipeline")],
}


def run(command: list[str], repeats: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - start)
        out = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = ["| entry point | median wall (s) | torch, transformers loaded |", "|---|---|---|"]
    for name, command in CASES.items():
        seconds, out = run(command, args.repeats)
        loaded = out if out.startswith(("True", "False")) else "(not checked: the CLI prints its help)"
        rows.append(f"| `{name}` | {seconds:.2f} | {loaded} |")
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            "# Start-up of the light entry points",
            "",
            f"`python benchmarks/startup.py --repeats {args.repeats} --out benchmarks/startup.md`; each a fresh process, median of {args.repeats} runs.",
            "",
            f"Machine: {describe_machine()}",
            "",
            *rows,
            "",
        ]
    )
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
