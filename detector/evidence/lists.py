"""Garbled lists: enumerations of names with a repeated item or contradicting parentheses.

A spinner that shuffles and swaps list items leaves tells no writer would: "Australia, Canada,
Britain, and Canada", or "Australia, Canada (Britain), Canada (US) and Australia". Only lists of
capitalised items are read, so ordinary phrases ("again and again") never count as lists.
"""

from __future__ import annotations

import re
from collections import defaultdict

from detector.evidence.base import Evidence, EvidenceFinder, Findings, Span, add
from detector.labels import GARBLED_LIST
from detector.text.segment import Document
from detector.text.words import fold

_NAME = r"[A-Z][\w'’.+\-]*"
_ITEM = rf"(?:[Tt]he\s+)?{_NAME}(?:\s+(?:of\s+|the\s+)?{_NAME}){{0,3}}(?:\s*\([^()\n]{{1,40}}\))?"
LIST_PATTERN = re.compile(rf"{_ITEM}(?:\s*,\s*{_ITEM})*\s*,?\s+(?:and|or|&)\s+{_ITEM}")
ITEM_PATTERN = re.compile(_ITEM)
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
# Words that start sentences or clauses and would otherwise be read as a first list item.
_NOT_ITEMS = {"and", "or", "but", "when", "if", "while", "after", "before", "as", "in", "on", "at", "since"}


def list_items(text: str, offset: int) -> list[tuple[int, int, str, str]]:
    """(start, end, base name, parenthetical) for each item of a matched list."""
    out = []
    for m in ITEM_PATTERN.finditer(text):
        raw = m.group(0)
        paren = _PAREN.search(raw)
        base = raw[: paren.start()] if paren else raw
        words = [fold(w) for w in re.findall(r"[\w'’.+\-]+", base)]
        if words and words[0] == "the":
            words = words[1:]
        if not words or (len(words) == 1 and words[0] in _NOT_ITEMS):
            continue
        out.append((offset + m.start(), offset + m.end(), " ".join(words), paren.group(1).strip() if paren else ""))
    return out


class GarbledListFinder(EvidenceFinder):
    name = "lists"

    def find(self, doc: Document) -> Findings:
        findings: Findings = {}
        for sentence in doc.sentences:
            for match in LIST_PATTERN.finditer(sentence.text):
                items = list_items(match.group(0), sentence.start + match.start())
                if len(items) < 2:
                    continue
                by_name: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
                for item in items:
                    by_name[item[2]].append(item)
                for name, occurrences in by_name.items():
                    if len(occurrences) < 2:
                        continue
                    parens = {o[3] for o in occurrences if o[3]}
                    contradicting = len(parens) > 1
                    message = f"“{name.title()}” appears {len(occurrences)} times in one list" + (
                        f" with contradicting qualifiers ({', '.join(sorted(parens))})" if contradicting else ""
                    )
                    add(
                        findings,
                        sentence.index,
                        Evidence(
                            type=GARBLED_LIST,
                            rule="contradicting_items" if contradicting else "repeated_item",
                            message=message,
                            confidence=0.9 if len(items) >= 3 else 0.75,
                            spans=tuple(Span.of(doc, s, e) for s, e, _, _ in occurrences),
                            related=(Span.of(doc, sentence.start + match.start(), sentence.start + match.end()),),
                        ),
                    )
        return findings
