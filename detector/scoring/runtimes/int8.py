"""int8 inference on CPU: fold LoRA adapters into their base layers, then quantise every Linear.

Dynamic quantisation stores Linear weights as int8 and quantises activations per batch; on CPU
it roughly doubles MiniLM's throughput. The accuracy cost is measured, not assumed:
`benchmarks/throughput.md` reports the score difference and ROC-AUC against fp32.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from detector.scoring.lora import merge_lora

HEADS = ("head", "token_head")  # the output layers stay fp32: tiny, and their error is the score's error


def quantize_int8(module: nn.Module) -> nn.Module:
    """Dynamic int8 quantisation (per output channel) of the encoder's Linear layers, in place."""
    with warnings.catch_warnings():  # torch announces the move of this API to torchao
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        merge_lora(module)
        module.eval()
        spec = {
            name: per_channel_dynamic_qconfig
            for name, child in module.named_modules()
            if isinstance(child, nn.Linear) and name.split(".")[0] not in HEADS
        }
        return quantize_dynamic(module, spec, dtype=torch.qint8, inplace=True)
