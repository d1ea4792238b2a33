"""The language model's forward through llama.cpp (`llama-cpp-python`): the GGUF's own quantised
kernels on the CPU, instead of dequantised weights in torch (benchmarks/lm_runtimes.md).

    pip install llama-cpp-python   # builds llama.cpp from source (minutes on 2 cores)
"""

from __future__ import annotations

import os

import numpy as np


class LlamaCppMissing(ImportError):
    """The llama.cpp runtime was asked for but `llama-cpp-python` is not installed."""


class LlamaCppLogits:
    """Logits after every position of a token sequence (the tokenizer's ids, so words map as in torch)."""

    def __init__(self, gguf_path: str | os.PathLike, threads: int, context_tokens: int = 1024):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LlamaCppMissing(f"the llama.cpp runtime needs: pip install llama-cpp-python ({exc})") from exc
        self.llm = Llama(model_path=str(gguf_path), n_ctx=context_tokens, n_batch=512, n_threads=threads, logits_all=True, verbose=False)

    def close(self) -> None:
        """Free the model now (llama-cpp-python's own finaliser fails at interpreter exit)."""
        self.llm.close()

    def logits(self, ids: list[int]) -> np.ndarray:
        """(len(ids), vocabulary): row t holds the logits for the token after position t."""
        self.llm.reset()
        self.llm.eval(ids)
        return np.array(self.llm.scores[: len(ids)], dtype=np.float32)  # a copy: the next eval reuses the buffer
