"""Word-level diff of two aligned sentences, with character offsets into both texts.

What an analyst reads as "withstood -> beaten, kinds -> sorts": runs of words replaced, inserted,
deleted or moved. Words are compared folded (case, accents, apostrophes), so a re-cased or
re-quoted word is the same word; punctuation is not a word and never makes an edit of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from detector.text.words import STOP_WORDS, WORD, fold

REPLACE = "replace"
INSERT = "insert"  # words the copy has and the source does not
DELETE = "delete"  # words of the source the copy dropped
MOVE = "move"  # the same words, elsewhere in the sentence


@dataclass(frozen=True)
class Token:
    start: int  # offsets into the sentence's document text
    end: int
    text: str
    key: str  # folded form, what the diff compares


def tokens(text: str, offset: int = 0) -> list[Token]:
    return [Token(m.start() + offset, m.end() + offset, m.group(), fold(m.group())) for m in WORD.finditer(text)]


@dataclass(frozen=True)
class WordEdit:
    """One edit: `copy` and `source` are [start, end) character ranges in each document's text
    (empty ranges, start == end, where one side has no words)."""

    op: str
    copy: tuple[int, int]
    source: tuple[int, int]
    copy_text: str
    source_text: str

    def to_dict(self) -> dict:
        return {
            "op": self.op,
            "copy": {"start": self.copy[0], "end": self.copy[1], "text": self.copy_text},
            "source": {"start": self.source[0], "end": self.source[1], "text": self.source_text},
        }

    @classmethod
    def from_dict(cls, data: dict) -> WordEdit:
        c, s = data["copy"], data["source"]
        return cls(data["op"], (c["start"], c["end"]), (s["start"], s["end"]), c["text"], s["text"])


@dataclass(frozen=True)
class WordDiff:
    edits: tuple[WordEdit, ...]
    copy_words: int
    source_words: int
    matched_words: int  # words kept in place (moved words are not counted)

    @property
    def kept_share(self) -> float:
        """Share of the longer side's words kept in place: 1.0 for a verbatim copy."""
        longest = max(self.copy_words, self.source_words)
        return self.matched_words / longest if longest else 1.0

    def count(self, op: str) -> int:
        return sum(e.op == op for e in self.edits)


def _span(side: list[Token], lo: int, hi: int, at: int) -> tuple[int, int]:
    if lo < hi:
        return side[lo].start, side[hi - 1].end
    return (side[lo].start, side[lo].start) if lo < len(side) else (at, at)


def word_diff(copy_text: str, source_text: str, copy_offset: int = 0, source_offset: int = 0) -> WordDiff:
    """The edits that turn the source sentence into the copy. Offsets are added to every position,
    so edits index the documents when the sentences' starts are given."""
    a, b = tokens(copy_text, copy_offset), tokens(source_text, source_offset)
    matcher = SequenceMatcher(None, [t.key for t in b], [t.key for t in a], autojunk=False)
    # (op, copy token range, source token range), source order
    ops = [(op, a_lo, a_hi, b_lo, b_hi) for op, b_lo, b_hi, a_lo, a_hi in matcher.get_opcodes()]
    matched = sum(a_hi - a_lo for op, a_lo, a_hi, _, _ in ops if op == "equal")
    ops = _moves([o for o in ops if o[0] != "equal"], a, b)
    copy_end, source_end = copy_offset + len(copy_text), source_offset + len(source_text)
    edits = []
    for op, a_lo, a_hi, b_lo, b_hi in sorted(ops, key=lambda o: (o[1], o[3])):
        c, s = _span(a, a_lo, a_hi, copy_end), _span(b, b_lo, b_hi, source_end)
        kind = {"replace": REPLACE, "insert": INSERT, "delete": DELETE, "move": MOVE}[op]
        # the text between the first and the last word, as it stands: each edit slices its document
        copy_words = copy_text[c[0] - copy_offset : c[1] - copy_offset]
        source_words = source_text[s[0] - source_offset : s[1] - source_offset]
        edits.append(WordEdit(kind, c, s, copy_words, source_words))
    return WordDiff(tuple(edits), len(a), len(b), matched)


def _moves(ops: list[tuple], a: list[Token], b: list[Token]) -> list[tuple]:
    """Words inserted in one place and deleted in another are one move (a reordered phrase): an
    insertion found as a run inside a deletion becomes a move, and the deletion keeps the rest.
    A lone function word ("the") moving is no evidence of anything, so it stays as it was."""
    out = list(ops)
    for i, (op, a_lo, a_hi, _, _) in enumerate(ops):
        keys = [t.key for t in a[a_lo:a_hi]]
        if op != "insert" or (len(keys) < 2 and keys[0] in STOP_WORDS):
            continue
        for j, other in enumerate(out):
            if other is None or other[0] != "delete":
                continue
            _, d_a, _, d_lo, d_hi = other
            run = [t.key for t in b[d_lo:d_hi]]
            at = next((k for k in range(len(run) - len(keys) + 1) if run[k : k + len(keys)] == keys), None)
            if at is None:
                continue
            out[i] = ("move", a_lo, a_hi, d_lo + at, d_lo + at + len(keys))
            out[j] = None
            out += [("delete", d_a, d_a, lo, hi) for lo, hi in ((d_lo, d_lo + at), (d_lo + at + len(keys), d_hi)) if hi > lo]
            break
    return [o for o in out if o is not None]
