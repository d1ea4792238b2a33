"""The language model's transformer body under ONNX Runtime fp32 (`LMConfig.runtime = "onnxruntime"`).

The body (token embeddings in, last hidden states out) is exported once per model folder into the
cache ($MILLCHECK_CACHE_DIR/lm-onnx/, 400 MB for Gemma 3 270M: the embedding table stays in torch)
and read by ONNX Runtime; the embedding lookup and the output layer (with its shortlist) stay in
torch, so a word reads as under transformers fp32, within 0.01 nats. On the 2-core AMD EPYC of
benchmarks/lm_runtimes.md it reads faster than transformers fp32 and slower than bfloat16, which a
CPU with AVX-512 BF16 runs natively: the runtime for a CPU without it.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

INPUT_NAMES = ("inputs_embeds", "attention_mask")


class _ExportedBody(nn.Module):
    """What gets exported: the causal LM's body from token embeddings (the table is not copied)."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, inputs_embeds, attention_mask):
        return self.body(inputs_embeds=inputs_embeds, attention_mask=attention_mask, use_cache=False).last_hidden_state


def export_body(model, path: str | os.PathLike) -> Path:
    """Export a transformers causal LM's body (fp32) with dynamic batch and length axes."""
    # a padded row, so the traced graph applies the attention mask (it reads rows of 385 tokens and
    # sentences of up to 1,024 as torch does, sliding-window layers included)
    ids = torch.tensor([[2, 651, 2134, 3590, 236761], [2, 651, 2134, 0, 0]]) % model.config.vocab_size
    mask = (ids != 0).long()
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter warns about its own deprecation and traced branches
        torch.onnx.export(
            _ExportedBody(model.base_model).eval(),
            (model.get_input_embeddings()(ids), mask),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=["hidden"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in (*INPUT_NAMES, "hidden")},
            opset_version=17,
            dynamo=False,
        )
    return Path(path)


def folder_key(folder: str | os.PathLike) -> str:
    """A key for the export: the model folder's files (name, size, time) and the library versions."""
    import onnxruntime

    from detector.scoring.runtimes.onnx import hash_file_stats

    digest = hashlib.sha256(f"{torch.__version__}|{onnxruntime.__version__}".encode())
    hash_file_stats(digest, folder)
    return digest.hexdigest()[:20]


@dataclass
class OnnxBody:
    """Runs token embeddings through the exported body; returns the last hidden states."""

    session: object
    path: Path

    @classmethod
    def load(cls, path: str | os.PathLike, threads: int | None = None) -> OnnxBody:
        from detector.scoring.runtimes.onnx import open_session

        return cls(open_session(path, threads), Path(path))

    def __call__(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        feed = {
            "inputs_embeds": np.ascontiguousarray(inputs_embeds.float().numpy()),
            "attention_mask": np.ascontiguousarray(attention_mask.numpy(), dtype=np.int64),
        }
        return torch.from_numpy(self.session.run(["hidden"], feed)[0])


def cached_onnx_body(model, folder: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> OnnxBody:
    """The body of the model in `folder`, exported on first use and cached on disk."""
    from detector.scoring.runtimes.onnx import cached_export, require_onnx

    require_onnx()
    return cached_export(
        lambda target: export_body(model, target), "lm-onnx", folder_key(folder), "body.onnx", False, cache_dir, load=OnnxBody.load
    )
