"""Low-rank adapters (LoRA) on the frozen lower layers of the encoder, and folding them back in.

Training adds a trainable low-rank update beside each frozen linear layer of the lower encoder
layers; inference folds it into one matrix again (`merge_lora`): the same outputs, one matmul.
"""

from __future__ import annotations

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update: W x + (B A x) * alpha / r."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) * (1.0 / rank))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale


LORA_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def add_lora(layer: nn.Module, rank: int, alpha: float) -> None:
    """Wrap each of an encoder layer's LORA_TARGETS in a LoRALinear (in place)."""
    for target in LORA_TARGETS:
        parent_name, _, child = target.rpartition(".")
        parent = layer.get_submodule(parent_name)
        setattr(parent, child, LoRALinear(getattr(parent, child), rank, alpha))


def merge_lora(module: nn.Module) -> nn.Module:
    """Replace each LoRALinear by one Linear holding W + B A * scale (same outputs, one matmul)."""
    for name, child in list(module.named_children()):
        if isinstance(child, LoRALinear):
            merged = nn.Linear(child.base.in_features, child.base.out_features, bias=child.base.bias is not None)
            with torch.no_grad():
                merged.weight.copy_(child.base.weight + (child.lora_b @ child.lora_a) * child.scale)
                if child.base.bias is not None:
                    merged.bias.copy_(child.base.bias)
            setattr(module, name, merged)
        else:
            merge_lora(child)
    return module
