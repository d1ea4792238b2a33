"""Article spinners for training data: context-free word and phrase swaps, with the swapped spans.

Each thesaurus stands for a different spinner, so one can be held out to measure transfer:
- `tortured`: built from real spinner output (the tortured-phrases list: "surface area" ->
  "surface region" gives area -> region), phrase swaps plus one-word alignments;
- `embedding`: nearest neighbours in the base encoder's word-embedding table (large -> huge,
  meeting -> appointment), now and then an inflection ("tests" -> "test"), as cheap spinners do;
- `pivot`: the one-word substitutions a real machine-translation round trip (en -> pt -> en) made
  in train-split human sentences (home -> house, party -> group, contained -> restrained), the
  pivot paraphrases of Bannard and Callison-Burch (2005). Each was right in its sentence; applied
  without the context, as spinners apply dictionary synonyms, many land in the wrong sense.
"""

from __future__ import annotations

import difflib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from detector.text.words import STOP_WORDS

from .sources import TorturedPhrase

_WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")


@dataclass
class Thesaurus:
    name: str
    words: dict[str, list[str]] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # multi-word expected -> tortured
    inflections: dict[str, str] = field(default_factory=dict)  # word -> another form of it

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Thesaurus:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def tortured_thesaurus(pairs: list[TorturedPhrase]) -> Thesaurus:
    words: dict[str, list[str]] = {}
    phrases: dict[str, str] = {}
    for p in pairs:
        exp, tor = p.expected.split(), p.tortured.split()
        if len(exp) > 1:
            phrases.setdefault(p.expected, p.tortured)
        if len(exp) == len(tor):
            diff = [(e, t) for e, t in zip(exp, tor) if e != t]
            if len(diff) == 1 and diff[0][0].isalpha() and diff[0][0] not in STOP_WORDS:
                words.setdefault(diff[0][0], [])
                if diff[0][1] not in words[diff[0][0]]:
                    words[diff[0][0]].append(diff[0][1])
    return Thesaurus("spinner-tortured", words, phrases)


_ALIGN_TOKEN = re.compile(_WORD.pattern + r"|\S")  # the spinner's words, and each other character


def pivot_thesaurus(round_trips: Iterable[tuple[str, str]], min_count: int = 1) -> Thesaurus:
    """Word -> substitutes from (original, round trip) sentence pairs: every place where the round
    trip replaced exactly one content word by one other (not an inflection of it, nor a stop word),
    seen at least `min_count` times. Names are left out (capitalised past a sentence's start)."""
    counts: Counter = Counter()
    for original, back in round_trips:
        a, b = _ALIGN_TOKEN.findall(original), _ALIGN_TOKEN.findall(back)
        matcher = difflib.SequenceMatcher(a=[t.lower() for t in a], b=[t.lower() for t in b], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "replace" or i2 - i1 != 1 or j2 - j1 != 1 or (i1 > 0 and a[i1][:1].isupper()):
                continue
            word, substitute = a[i1].lower(), b[j1].lower()
            if _fair_swap(word, substitute):
                counts[word, substitute] += 1
    words: dict[str, list[str]] = {}
    for (word, substitute), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= min_count:
            words.setdefault(word, []).append(substitute)
    return Thesaurus("spinner-pivot", words)


def _fair_swap(word: str, substitute: str) -> bool:
    return (
        word.isalpha()
        and substitute.isalpha()
        and min(len(word), len(substitute)) > 2
        and word not in STOP_WORDS
        and substitute not in STOP_WORDS
        and word[:4] != substitute[:4]  # an inflection, not a synonym
    )


def embedding_thesaurus(embeddings: np.ndarray, vocab: dict[str, int], min_cosine: float = 0.4, top: int = 3) -> Thesaurus:
    """Nearest whole-word neighbours that are not inflections of the word (those are kept apart)."""
    ids = [i for w, i in vocab.items() if re.fullmatch(r"[a-z]{3,}", w) and w not in STOP_WORDS]
    words = [w for w, i in vocab.items() if re.fullmatch(r"[a-z]{3,}", w) and w not in STOP_WORDS]
    x = embeddings[ids].astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    table: dict[str, list[str]] = {}
    inflections: dict[str, list[str]] = {}
    for lo in range(0, len(ids), 2048):
        sims = x[lo : lo + 2048] @ x.T
        for r, row in enumerate(sims):
            k = lo + r
            row[k] = -1.0
            best = np.argpartition(-row, 12)[:12]
            best = best[np.argsort(-row[best])]
            word = words[k]
            synonyms = [words[j] for j in best if row[j] >= min_cosine and words[j][:4] != word[:4]][:top]
            forms = [words[j] for j in best if row[j] >= min_cosine and words[j][:4] == word[:4]][:1]
            if synonyms:
                table[word] = synonyms
            if forms:
                inflections[word] = forms
    return Thesaurus("spinner-embedding", table, {}, {w: f[0] for w, f in inflections.items()})


def _match_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@dataclass
class SpunSentence:
    text: str
    spans: list[tuple[int, int]]  # character spans of the swapped words in `text`


class WordSwapSpinner:
    """Swap words (and known phrases) for thesaurus entries without looking at the context."""

    def __init__(self, thesaurus: Thesaurus, rate: float = 0.3, inflection_rate: float = 0.1):
        self.thesaurus = thesaurus
        self.rate = rate
        self.inflection_rate = inflection_rate
        self._phrases = sorted(thesaurus.phrases, key=len, reverse=True)
        self._phrase_re = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p in self._phrases) + r")\b", re.IGNORECASE) if self._phrases else None
        )

    def _replacement(self, word: str, rng: random.Random) -> str | None:
        low = word.lower()
        inflection = self.thesaurus.inflections.get(low)
        if inflection and rng.random() < self.inflection_rate:
            return inflection
        options = self.thesaurus.words.get(low)
        if not options or low in STOP_WORDS:
            return None
        return rng.choice(options)

    def spin(self, sentence: str, rng: random.Random) -> SpunSentence:
        pos = 0
        taken: list[tuple[int, int, str]] = []
        if self._phrase_re is not None:
            for m in self._phrase_re.finditer(sentence):
                if rng.random() < max(self.rate, 0.5):
                    taken.append((m.start(), m.end(), _match_case(m.group(0), self.thesaurus.phrases[m.group(0).lower()])))
        for m in _WORD.finditer(sentence):
            if any(a <= m.start() < b for a, b, _ in taken):
                continue
            word = m.group(0)
            if word[:1].isupper() and m.start() > 0:  # leave names alone
                continue
            if rng.random() >= self.rate:
                continue
            replacement = self._replacement(word, rng)
            if replacement and replacement.lower() != word.lower():
                taken.append((m.start(), m.end(), _match_case(word, replacement)))
        taken.sort()
        spans: list[tuple[int, int]] = []
        out = []
        length = 0
        for start, end, new in taken:
            out.append(sentence[pos:start])
            length += start - pos
            out.append(new)
            spans.append((length, length + len(new)))
            length += len(new)
            pos = end
        out.append(sentence[pos:])
        return SpunSentence("".join(out), spans)


def load_or_build_embedding_thesaurus(cache_dir: str | Path, base_model: str) -> Thesaurus:
    path = Path(cache_dir) / "thesaurus-embedding.json"
    if path.exists():
        return Thesaurus.load(path)
    from transformers import AutoModel, AutoTokenizer

    from detector.scoring.weights import resolve_model_path

    model_path = resolve_model_path(base_model)
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    model = AutoModel.from_pretrained(model_path, local_files_only=True)
    table = model.embeddings.word_embeddings.weight.detach().numpy()
    thesaurus = embedding_thesaurus(table, tokenizer.get_vocab())
    thesaurus.save(path)
    return thesaurus
