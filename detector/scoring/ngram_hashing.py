"""CRC-32 of every character n-gram of many texts at once, in numpy.

Why: the lexical MT scorer hashes each sentence's character 1..5-grams (about 650 of them for a
news sentence, twice: once for itself, once as a neighbour's context). One `zlib.crc32` call per
n-gram made that 6% of the batch pipeline's time under torch fp32 and 14% under int8
(benchmarks/throughput.md). CRC-32 is a byte-at-a-time table recurrence, so it runs on a whole
vector of windows per byte position: the same numbers as `zlib.crc32(prefix + gram)`, in the same
order (n-major, then by start), a few numpy operations per n instead of a Python call per gram.
"""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np


def _table() -> np.ndarray:
    """The reflected CRC-32 (IEEE, polynomial 0xEDB88320) byte table that zlib uses."""
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0xEDB88320), table >> 1).astype(np.uint32)
    return table


_TABLE = _table()
_ALL_ONES = np.uint32(0xFFFFFFFF)


def char_ngram_hashes(texts: Sequence[str], prefix: str, sizes: tuple[int, int], mask: int) -> list[np.ndarray]:
    """Per text, `zlib.crc32((prefix + text[i : i + n]).encode("utf-8")) & mask` for n in
    sizes[0]..sizes[1] and every start i (characters, not bytes), as int64, in that order."""
    lo, hi = sizes
    if not texts:
        return []
    encoded = [t.encode("utf-8") for t in texts]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    # byte offset of every character of every text, and where each text's characters end
    lead = np.flatnonzero((data & 0xC0) != 0x80) if len(data) else np.zeros(0, np.int64)
    chars = np.fromiter((len(t) for t in texts), np.int64, len(texts))
    owner = np.repeat(np.arange(len(texts)), chars)  # the text each character belongs to
    char_end = np.cumsum(chars)  # one past each text's last character, in the joined characters
    starts = np.append(lead, len(data))  # a character's bytes: starts[c] .. starts[c + 1]
    state0 = np.uint32(zlib.crc32(prefix.encode("utf-8")) ^ 0xFFFFFFFF)  # the register after the prefix
    ascii_only = len(lead) == len(data)
    per_n: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes, owner) per n
    total = len(lead)
    for n in range(lo, hi + 1):
        if total < n:
            continue
        first = np.arange(total - n + 1)
        first = first[char_end[owner[first]] >= first + n]  # windows inside one text
        begin = starts[first]
        length = starts[first + n] - begin
        state = np.full(len(first), state0, dtype=np.uint32)
        for k in range(int(length.max()) if len(first) else 0):
            if ascii_only:  # every window has n bytes
                state = _TABLE[(state ^ data[begin + k]) & 0xFF] ^ (state >> 8)
            else:
                active = k < length
                byte = data[np.minimum(begin + k, len(data) - 1)]
                state = np.where(active, _TABLE[(state ^ byte) & 0xFF] ^ (state >> 8), state)
        per_n.append((((state ^ _ALL_ONES) & np.uint32(mask)).astype(np.int64), owner[first]))
    if not per_n:
        return [np.zeros(0, np.int64) for _ in texts]
    # windows run in order of start, so each text's windows are one slice per n
    bounds = [np.searchsorted(o, np.arange(len(texts) + 1)) for _, o in per_n]
    return [np.concatenate([h[b[t] : b[t + 1]] for (h, _), b in zip(per_n, bounds)]) for t in range(len(texts))]
