"""Reading a document once: its tokens in windows, each window read after the tokens before it.

Read sentence by sentence, each after the 400 characters before it, the language model reads a
sentence's context again for every sentence: 114 tokens read to score 27 (research/lm-pass-profile.md).
A document tokenised once and read in windows of `window` tokens, each after the `context` tokens
before it, reads each token about (window + context) / window times, and every scored token still
has at least `context` tokens before it. Which tokens a window reads depends on the document only,
never on which sentences are wanted, so the editor (every sentence) and batch scoring (candidates
only) read a sentence alike; a window stops after its last wanted token (the model is causal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

_NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class Window:
    """Document tokens [start, end) read as one row (after the beginning-of-text token); `targets`
    are the tokens scored in it."""

    start: int
    end: int
    targets: tuple[int, ...]


def plan_windows(wanted: Sequence[int], window: int, context: int) -> list[Window]:
    """The windows that score the document tokens `wanted`: token t is scored in window t // window,
    which reads from `context` tokens before that window's first token to the last token it scores."""
    if window < 1 or context < 0:
        raise ValueError("window must be at least 1 token and context at least 0")
    groups: dict[int, list[int]] = {}
    for t in sorted(set(wanted)):
        groups.setdefault(t // window, []).append(t)
    return [Window(max(0, k * window - context), ts[-1] + 1, tuple(ts)) for k, ts in sorted(groups.items())]


@dataclass(frozen=True)
class FlatText:
    """A text with every run of whitespace read as one space (the stack was fitted on lines joined
    by spaces: a line break must not read differently), and maps between its characters and the
    original's."""

    text: str
    to_flat: np.ndarray  # original index -> flat index (whitespace: the space that stands for it)
    to_original: np.ndarray  # flat index -> original index

    @classmethod
    def of(cls, original: str) -> FlatText:
        to_flat = np.zeros(len(original) + 1, dtype=np.int64)
        to_original: list[int] = []
        parts: list[str] = []
        scanned = 0
        for m in _NON_SPACE.finditer(original):
            if parts:
                parts.append(" ")
                to_original.append(m.start() - 1)  # the joining space stands for the whitespace before the piece
            begin = len(to_original)
            to_flat[scanned : m.start()] = max(begin - 1, 0)  # whitespace: the space that stands for it
            to_flat[m.start() : m.end()] = np.arange(begin, begin + m.end() - m.start())
            to_original.extend(range(m.start(), m.end()))
            parts.append(m.group())
            scanned = m.end()
        text = "".join(parts)
        to_flat[scanned:] = len(text)
        to_original.append(len(original))
        return cls(text, to_flat, np.asarray(to_original, dtype=np.int64))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The flat characters of the original's [start, end)."""
        return _mapped(self.to_flat, start, end)

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original characters of the flat [start, end)."""
        return _mapped(self.to_original, start, end)


def _mapped(index: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """[start, end) through a character map: its first and last characters mapped (empty: at start)."""
    if end <= start:
        return int(index[start]), int(index[start])
    return int(index[start]), int(index[end - 1]) + 1
