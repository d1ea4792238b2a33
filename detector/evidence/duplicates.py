"""Duplicates: sentences or lines that restate another part of the same document in other words.

Spinners copy an image caption and print a reworded copy of it next to the original. A pair is a
reworded copy when the base encoder's embeddings are close, the two are of similar length (a
headline and the lead that expands it are not a copy), they share content words (the lexical
check that keeps generic sentences on one topic apart), they do not each state a number the other
lacks (parallel sentences of different facts), and neither is the other with words added (a
writer's restatement; a spinner changes words). Exact repeats are reported too: a repeated
sentence of the story is a duplicate, a repeated short, headline-style or debris line is
boilerplate, and a title that the paragraph below it repeats (a review or a story opening with its
own headline) is neither.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from detector.evidence.base import Evidence, EvidenceFinder, Findings, Span, add
from detector.evidence.page_debris import line_rule
from detector.labels import BOILERPLATE, DUPLICATE
from detector.text.segment import Document, Sentence
from detector.text.words import content_stems, excerpt, is_title_case, normalise, words


@dataclass
class DuplicateConfig:
    min_cosine: float = 0.84
    full_confidence_cosine: float = 0.97
    min_length_ratio: float = 0.5  # shorter/longer in words
    max_line_sentences: int = 3  # whole lines are compared too when they are caption-sized
    # Share of the shorter unit's content words found in the longer. Planted reworded copies (en-pt-en
    # round trips, spinner rewrites) that pass the cosine check share >= 0.33 on validation (1st
    # percentile 0.47; benchmarks/duplicate_prefilter.md); 0.35 finds as many copies as 0.25 did and
    # sends the encoder less than half of its units.
    min_shared_content: float = 0.35
    min_words: int = 5
    # At most this many lines between a unit and its copy (None: any). Off by default: 3 found
    # every planted copy on validation, flagged 8 human sentences instead of 10 and embedded 31%
    # fewer units (benchmarks/duplicate_prefilter.md), but seed 000's mill restates a caption 11
    # lines down, a duplicate by the hand labels (tests/labelled/).
    max_line_distance: int | None = None
    max_units: int = 4000  # embedding all pairs is quadratic; longer documents are compared in part


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    text: str
    paragraph: int
    sentences: tuple[int, ...]


@dataclass
class DuplicatePlan:
    """What one document needs embedded: its units, the pairs that passed the lexical checks, and
    the units in some pair. Planning apart from finding lets a batch embed many documents at once."""

    units: list[_Unit]
    pairs: list[tuple[int, int]]
    needed: list[int]

    @property
    def texts(self) -> list[str]:
        return [self.units[i].text for i in self.needed]


_TERMINAL = tuple(".!?\"'”’)…")


def _units(doc: Document, max_line_sentences: int) -> list[_Unit]:
    """Sentences, plus caption-sized lines of several sentences (a caption can be reworded across sentences)."""
    units = [_Unit(s.start, s.end, s.text, s.paragraph, (s.index,)) for s in doc.sentences]
    for p in doc.paragraphs:
        members = doc.paragraph_sentences(p.index)
        if 1 < len(members) <= max_line_sentences:
            units.append(_Unit(p.start, p.end, doc.text[p.start : p.end], p.index, tuple(s.index for s in members)))
    return units


HEADLINE_REACH = 5  # paragraphs below a headline in which the story restates it (after a teaser of a few lines)
_BULLETS = ("•", "·", "▪", "●", "◆")
# a headline's trailing source: " — RT in Russian", " | Reuters", " - BBC News" (a name, four words at most)
_ATTRIBUTION = re.compile(r"\s+[—–|-]\s+[A-Z][^\s—–|-]*(?:\s+[^\s—–|-]+){0,3}$")
_FIELD = re.compile(r"^([^:\"“'‘]{3,60}):\s*([^\"“'‘\s][^:]*)$")  # "Label: value", the value no quote
FIELD_VALUE_WORDS = 4


def _is_bullet(text: str) -> bool:
    return text.lstrip().startswith(_BULLETS) or text.rstrip().endswith(_BULLETS)


def _is_headline_above(doc: Document, paragraph: int, text: str, below: int) -> bool:
    """`text`, the one sentence of its line and with no final stop (a headline or a title), sits at
    most HEADLINE_REACH lines above line `below`."""
    return len(doc.paragraph_sentences(paragraph)) == 1 and not text.endswith(_TERMINAL) and 0 < below - paragraph <= HEADLINE_REACH


def _is_news_restatement(doc: Document, a: _Unit, b: _Unit, words_b: int) -> bool:
    """A headline or a summary bullet on a line of its own, restated by the story below it.

    News is written that way on purpose: the lead, a few lines down at most, expands the headline
    (a spinner's reworded caption is no longer than its original), and the body restates each
    bulleted summary point. A trailing source (" — Reuters") is not part of the headline's length.
    """
    if len(a.sentences) != 1 or len(doc.paragraph_sentences(a.paragraph)) != 1 or b.paragraph <= a.paragraph:
        return False
    if _is_bullet(a.text):
        return True
    return (
        _is_headline_above(doc, a.paragraph, a.text, b.paragraph)
        and b.text.endswith(_TERMINAL)
        and words_b > len(words(_ATTRIBUTION.sub("", a.text)))
    )


def _is_title_restated(doc: Document, title: Sentence, repeat: Sentence) -> bool:
    """A title that the paragraph below it repeats inside its text: a review or a story opening
    with its own headline, not a scraped copy of a line."""
    return _is_headline_above(doc, title.paragraph, title.text, repeat.paragraph) and len(doc.paragraph_sentences(repeat.paragraph)) > 1


def _same_field(a: str, b: str) -> bool:
    """Two "Label: value" lines of one label and short values (a settings list or a fact box), not a
    copy; "She added: ..." introduces a quote, which a spinner rewords like any sentence."""
    fa, fb = _FIELD.match(a), _FIELD.match(b)
    if not (fa and fb) or normalise(fa.group(1)) != normalise(fb.group(1)):
        return False
    return max(len(words(fa.group(2))), len(words(fb.group(2)))) <= FIELD_VALUE_WORDS


def _only_added_to(a: str, b: str) -> bool:
    """One passage is the other with words added and none changed: every word of the shorter, in
    order, in the longer ("Experts say there are signs ..." / "But experts say there are now signs
    ..."; "Am I bad for the industry?" / "Am I that bad ..."). A writer restates a point that way,
    a lead with its attribution added; a spinner or a round trip changes words instead."""
    wa, wb = [w.lower() for w in words(a)], [w.lower() for w in words(b)]
    shorter, longer = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(shorter) == len(longer):
        return False
    rest = iter(longer)
    return all(w in rest for w in shorter)  # a subsequence: `in` consumes the iterator up to each match


_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def _numbers(text: str) -> set[str]:
    """The numbers a text states, their separators dropped ("1,000", "1.000" and "1000" alike: a
    round trip through another language rewrites them)."""
    return {re.sub(r"[.,:]", "", n) for n in _NUMBER.findall(text)}


def _state_other_numbers(a: str, b: str) -> bool:
    """Each of two passages states a number the other does not: parallel statements of different
    facts ("8,700 people ... in December", "8,900 people ... in November"; a list's "9.3 Usage
    level 2", "9.4 Usage level 3"), not one reworded from the other. A spinner or a machine
    translation keeps an article's numbers; a copy may drop one, so one side's numbers within the
    other's still pair."""
    na, nb = _numbers(a), _numbers(b)
    return bool(na - nb) and bool(nb - na)


def _unit_name(doc: Document, repeat: Sentence, original: Sentence) -> str:
    """Say "line" where both are whole lines (a scraped page's repeated furniture), else "sentence"."""
    whole = all(len(doc.paragraph_sentences(s.paragraph)) == 1 for s in (repeat, original))
    return "line" if whole else "sentence"


class DuplicateFinder(EvidenceFinder):
    name = "duplicates"

    def __init__(self, encoder, config: DuplicateConfig | None = None):
        self.encoder = encoder
        self.config = config or DuplicateConfig()

    def _exact_repeats(self, doc: Document, findings: Findings) -> None:
        """Sentences repeated word for word. Not one repeated inside its own paragraph: that is a
        speaker or a writer saying it again ("No, I'm not making that point. ... I'm not making that
        point. I'm not making that point.", a court transcript), where a scraper repeats lines and a
        mill its captions."""
        first_seen: dict[str, int] = {}
        for s in doc.sentences:
            key = normalise(s.text)
            if not key:
                continue
            if key not in first_seen:
                first_seen[key] = s.index
                continue
            original = doc.sentences[first_seen[key]]
            if _is_title_restated(doc, original, s) or original.paragraph == s.paragraph:
                continue  # a title its story repeats; a sentence said again in its own paragraph
            headline_like = len(words(s.text)) < 6 or is_title_case(s.text) or line_rule(s.text) is not None
            add(
                findings,
                s.index,
                Evidence(
                    type=BOILERPLATE if headline_like else DUPLICATE,
                    rule="repeated_line" if headline_like else "exact_repeat",
                    message=f"repeats an earlier {_unit_name(doc, s, original)} word for word: “{excerpt(original.text)}”",
                    confidence=0.9 if headline_like else 0.95,
                    related=(Span.of(doc, original.start, original.end),),
                ),
            )

    def _lexical_pairs(self, doc: Document, units: list[_Unit], n_words: np.ndarray, stems: list[set[str]]) -> list[tuple[int, int]]:
        """Unit pairs that pass every check but the cosine, in row-major order.

        These checks are cheap, so only units in some surviving pair need an embedding: most
        sentences of an article share too few content words with any other to be a copy.
        """
        cfg = self.config
        counts = Counter(stem for unit_stems in stems for stem in unit_stems)
        column = {stem: k for k, stem in enumerate(stem for stem, c in counts.items() if c > 1)}
        incidence = np.zeros((len(units), len(column)), dtype=np.float32)
        for i, unit_stems in enumerate(stems):
            incidence[i, [column[stem] for stem in unit_stems if stem in column]] = 1.0
        shared = incidence @ incidence.T
        sizes = np.array([len(unit_stems) for unit_stems in stems], dtype=np.float32)
        smaller = np.minimum(sizes[:, None], sizes[None, :])
        ok = (smaller > 0) & (shared / np.maximum(smaller, 1.0) >= cfg.min_shared_content)
        paragraphs = np.array([u.paragraph for u in units])
        distance = np.abs(paragraphs[:, None] - paragraphs[None, :])
        ok &= distance > 0
        if cfg.max_line_distance is not None:
            ok &= distance <= cfg.max_line_distance
        ok &= np.minimum(n_words[:, None], n_words[None, :]) / np.maximum(n_words[:, None], n_words[None, :]) >= cfg.min_length_ratio
        keys = [normalise(u.text) for u in units]
        pairs = []
        for i, j in zip(*np.nonzero(np.triu(ok, k=1))):
            i, j = int(i), int(j)
            if keys[i] == keys[j]:
                continue
            first, second = (i, j) if units[i].start < units[j].start else (j, i)
            a, b = units[first], units[second]
            if (
                _is_news_restatement(doc, a, b, n_words[second])
                or _same_field(a.text, b.text)
                or _state_other_numbers(a.text, b.text)
                or _only_added_to(a.text, b.text)
            ):
                continue
            pairs.append((i, j))
        return pairs

    def plan(self, doc: Document) -> DuplicatePlan:
        cfg = self.config
        units = [u for u in _units(doc, cfg.max_line_sentences) if len(words(u.text)) >= cfg.min_words][: cfg.max_units]
        if len(units) < 2:
            return DuplicatePlan(units, [], [])
        n_words = np.array([len(words(u.text)) for u in units])
        pairs = self._lexical_pairs(doc, units, n_words, [content_stems(u.text) for u in units])
        return DuplicatePlan(units, pairs, sorted({i for pair in pairs for i in pair}))

    def find(self, doc: Document, plan: DuplicatePlan | None = None, embeddings: np.ndarray | None = None) -> Findings:
        """Findings per sentence index. `plan` and `embeddings` (one row per `plan.texts`) are given
        when the caller embedded a batch of documents' texts in one pass."""
        cfg = self.config
        findings: Findings = {}
        self._exact_repeats(doc, findings)
        plan = self.plan(doc) if plan is None else plan
        if not plan.pairs:
            return findings
        units, pairs = plan.units, plan.pairs
        emb = self.encoder.encode(plan.texts) if embeddings is None else embeddings
        row = {unit: k for k, unit in enumerate(plan.needed)}
        best: dict[tuple[int, int], Evidence] = {}  # (sentence, other paragraph) -> strongest evidence
        for i, j in pairs:
            cos = float(emb[row[i]] @ emb[row[j]])
            if cos < cfg.min_cosine:
                continue
            a, b = units[i], units[j]
            span = cfg.full_confidence_cosine - cfg.min_cosine
            confidence = 0.6 + 0.39 * min(1.0, (cos - cfg.min_cosine) / span)
            for this, other in ((a, b), (b, a)):
                verb = "restates" if this.start > other.start else "is restated by"
                evidence = Evidence(
                    type=DUPLICATE,
                    rule="reworded_copy",
                    message=f"{verb} another passage in other words (cosine {cos:.2f}): “{excerpt(other.text)}”",
                    confidence=confidence,
                    related=(Span.of(doc, other.start, other.end),),
                )
                for index in this.sentences:
                    if not words(doc.sentences[index].text):
                        continue  # a line's stray "." restates nothing (a scraped ".C++ source code ..." line)
                    key = (index, other.paragraph)
                    if key not in best or best[key].confidence < confidence:
                        best[key] = evidence
        for (index, _), evidence in sorted(best.items(), key=lambda kv: kv[0]):
            add(findings, index, evidence)
        return findings

    def find_many(self, docs: Sequence[Document]) -> list[Findings]:
        """`find` for each document, the texts of all of them that need an embedding encoded in
        one pass (each distinct text once): fuller batches than one document gives."""
        plans = [self.plan(doc) for doc in docs]
        texts = sorted({t for plan in plans for t in plan.texts})
        vectors = dict(zip(texts, self.encoder.encode(texts))) if texts else {}
        return [self.find(doc, plan, np.stack([vectors[t] for t in plan.texts]) if plan.texts else None) for doc, plan in zip(docs, plans)]
