"""One line that says which machine a benchmark ran on: speed ratios depend on the CPU's vector
instructions (int8 gains little without VNNI), so every report names them."""

from __future__ import annotations

import os
import platform
from pathlib import Path

# The instruction-set extensions that decide how fast fp32 and int8 matrix products run.
VECTOR_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8")


def cpu_description(cpuinfo: str | None = None) -> str:
    """'AMD EPYC (family 26, model 2; avx2 avx512f avx512_vnni)' from /proc/cpuinfo (Linux);
    the platform's processor string elsewhere."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    if "model name" not in fields:
        return platform.processor() or platform.machine()
    flags = set(fields.get("flags", "").split())
    vector = " ".join(f for f in VECTOR_FLAGS if f in flags) or "no AVX2"
    return f"{fields['model name']} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')}; {vector})"


def describe_machine(threads: int | None = None) -> str:
    """Architecture, CPU and its vector extensions, core count, threads and Python."""
    parts = [platform.machine(), cpu_description(), f"{os.cpu_count()} CPUs"]
    if threads is not None:
        parts.append(f"{threads} threads")
    parts.append(f"Python {platform.python_version()}")
    return ", ".join(parts)
