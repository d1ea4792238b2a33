"""The predictor: sentences in, calibrated probabilities and marked words out.

It holds the network (`ArtifactClassifier`) and the parts fitted after it, and does everything
around the forward pass: tokenising sentence + context pairs, batching them sorted by length (so
batches pad little), running each batch on a runtime (torch, or ONNX Runtime), stacking the lexical
MT scorer's logit into the machine_translated one, and calibrating. A model folder loads into one
(`Predictor.from_pretrained`), and each fitted part is its own file (scoring/manifest.py).
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

from detector.errors import ModelFilesError
from detector.labels import MACHINE_TRANSLATED
from detector.scoring.classifier import ArtifactClassifier
from detector.scoring.configuration import CONFIG_NAME, MODEL_TYPE, OVERALL
from detector.scoring.lexical_mt import LexicalMTScorer, windowed_logits_many
from detector.scoring.manifest import PART_FILES, Manifest
from detector.scoring.pair_tokens import PairTokenizer, TokenBatch, pieces_tokenizer, piecewise
from detector.scoring.parts import Calibration, MTStack, Thresholds

Words = list[tuple[int, int, float]]  # (start, end, probability) in a sentence's own characters


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


class Predictor:
    """An `ArtifactClassifier` with its fitted parts, ready to score sentences."""

    def __init__(
        self,
        model: ArtifactClassifier,
        calibration: Calibration | None = None,
        thresholds: Thresholds | None = None,
        mt_stack: MTStack | None = None,
        lexical: LexicalMTScorer | None = None,
        document_lexical: LexicalMTScorer | None = None,
    ):
        self.model = model
        self.calibration = calibration or Calibration()
        self.thresholds = thresholds or Thresholds()
        # The lexical MT scorer whose logit is stacked with the encoder's (both or neither).
        self.mt_stack = mt_stack
        self.lexical = lexical
        # The same kind of scorer fitted on whole documents: its logit is a document-head feature.
        self.document_lexical = document_lexical
        # Where the forward runs: a callable taking the tokenised batch and returning the logits
        # (detector.scoring.runtimes.onnx.OnnxForward), or None for the model's own torch forward.
        self.runtime = None

    @property
    def config(self):
        return self.model.config

    @property
    def tokenizer(self):
        return self.model.tokenizer

    @property
    def token_head(self):
        return self.model.token_head

    @property
    def stacked(self) -> bool:
        return self.lexical is not None and self.mt_stack is not None

    # -- the model folder -------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> Predictor:
        directory = Path(directory)
        model = ArtifactClassifier.from_pretrained(directory)
        if not Manifest.exists(directory):
            return cls(model, **_legacy_parts(directory))
        manifest = Manifest.load(directory)
        return cls(
            model,
            calibration=Calibration.load(directory) if manifest.has("calibration") else None,
            thresholds=Thresholds.load(directory) if manifest.has("thresholds") else None,
            mt_stack=MTStack.load(directory) if manifest.has("mt_stack") else None,
            lexical=_load_scorer(directory, manifest, "lexical_mt"),
            document_lexical=_load_scorer(directory, manifest, "document_lexical_mt"),
        )

    def save_pretrained(self, directory: str | os.PathLike) -> Manifest:
        """Write the network and every fitted part, and list them in the manifest (entries for
        parts of later stages, the document heads, are kept)."""
        directory = Path(directory)
        self.model.save_pretrained(directory)
        manifest = Manifest.load(directory) if Manifest.exists(directory) else Manifest(MODEL_TYPE, self.config.name)
        manifest.name = self.config.name
        manifest.add("config")
        manifest.add("weights")
        write_parts(directory, manifest, self.calibration, self.thresholds, self.mt_stack, self.lexical, self.document_lexical)
        manifest.save(directory)
        return manifest

    def save_lexical(self, directory: str | os.PathLike, manifest: Manifest) -> None:
        """The MT stack and the two lexical scorers: written where present, removed where not."""
        write_lexical(directory, manifest, self.mt_stack, self.lexical, self.document_lexical)

    # -- batches ----------------------------------------------------------------------------

    def use_runtime(self, runtime) -> Predictor:
        """Run inference through `runtime` (e.g. an ONNX Runtime session), or through torch again with None."""
        self.runtime = runtime
        return self

    def run_batch(self, batch: TokenBatch) -> dict[str, torch.Tensor]:
        """One tokenised batch through the runtime: logits (and token logits)."""
        return self.runtime(**batch.tensors) if self.runtime is not None else self.model(**batch.tensors)

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

    @cached_property
    def pieces(self):
        """The tokenizer's backend for assembling pairs from each sentence's own pieces
        (scoring/pair_tokens.py), or None where the tokenizer is not piecewise and pairs are
        tokenised as joined strings."""
        return pieces_tokenizer(self.tokenizer) if piecewise(self.tokenizer) else None

    def sorted_batches(
        self,
        sentences: Sequence[str],
        contexts: Sequence[str],
        batch_size: int,
        offsets: bool = False,
        neighbours: Sequence[Sequence[str]] | None = None,
    ) -> Iterator[tuple[list[int], TokenBatch]]:
        """(input positions, batch) per batch, sentences sorted by length so batches pad little.
        `neighbours`: the texts each context joins (`Document.neighbours`); with them each distinct
        sentence is tokenised once and the pairs assembled from its pieces."""
        pairs = (
            PairTokenizer(self.tokenizer, self.config.max_length, self.pieces)
            if neighbours is not None and self.pieces is not None
            else None
        )
        if pairs is not None:  # by tokens: batches of one length pad nothing
            pairs.learn([*sentences, *(t for texts in neighbours for t in texts)])
            order = sorted(range(len(sentences)), key=lambda i: pairs.length(sentences[i], neighbours[i]))
        else:
            order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]) + len(contexts[i]))
        for lo in range(0, len(order), batch_size):
            idx = order[lo : lo + batch_size]
            if pairs is not None:
                yield idx, pairs.batch([sentences[i] for i in idx], [neighbours[i] for i in idx], offsets)
                continue
            enc = self.tokenize([sentences[i] for i in idx], [contexts[i] for i in idx], offsets)
            spans = enc.pop("offset_mapping").tolist() if offsets else None
            yield idx, TokenBatch(dict(enc), spans, [enc.sequence_ids(row) for row in range(len(idx))])

    # -- predictions ------------------------------------------------------------------------

    @torch.inference_mode()
    def predict_logits(
        self,
        sentences: Sequence[str],
        contexts: Sequence[str],
        batch_size: int = 16,
        stack: bool = True,
        lexical_contexts: Sequence[str] | None = None,
        neighbours: Sequence[Sequence[str]] | None = None,
    ) -> np.ndarray:
        """Raw logits, shape (n, len(config.outputs)), in input order; batches sorted by length.
        `stack=False`: the encoder's machine_translated logit, without the lexical stack.
        `lexical_contexts`: the contexts at the lexical scorer's window (`lexical_window`), when it
        differs from the encoder's; by default the scorer reads `contexts`. `neighbours` as in
        `sorted_batches`."""
        self.model.eval()
        out = np.zeros((len(sentences), len(self.config.outputs)), dtype=np.float32)
        for idx, batch in self.sorted_batches(sentences, contexts, batch_size, neighbours=neighbours):
            out[idx] = self.run_batch(batch)["logits"].float().numpy()
        return self.stack_lexical(out, sentences, contexts, lexical_contexts) if stack else out

    @torch.inference_mode()
    def predict_with_words(
        self,
        sentences: Sequence[str],
        contexts: Sequence[str],
        batch_size: int = 16,
        word_threshold: float = 0.5,
        lexical_logits: np.ndarray | None = None,
        neighbours: Sequence[Sequence[str]] | None = None,
    ) -> tuple[np.ndarray, list[Words]]:
        """Calibrated probabilities, and per sentence the words the token head marks as swapped.

        Word pieces are joined into words and a word takes its highest piece. One forward pass
        gives both. `lexical_logits` as in `stack_lexical` (without them the scorer reads `contexts`),
        `neighbours` as in `sorted_batches`.
        """
        if self.token_head is None:
            logits = self.predict_logits(sentences, contexts, batch_size, stack=False, neighbours=neighbours)
            stacked = self.stack_lexical(logits, sentences, contexts, lexical_logits=lexical_logits)
            return self.calibrate(stacked, sentences), [[] for _ in sentences]
        self.model.eval()
        logits = np.zeros((len(sentences), len(self.config.outputs)), dtype=np.float32)
        words: list[Words] = [[] for _ in sentences]
        for idx, batch in self.sorted_batches(sentences, contexts, batch_size, offsets=True, neighbours=neighbours):
            out = self.run_batch(batch)
            logits[idx] = out["logits"].float().numpy()
            token_probs = torch.sigmoid(out["token_logits"].float()).numpy()
            for row in np.nonzero((token_probs >= word_threshold).any(axis=1))[0]:  # most rows mark no piece
                words[idx[row]] = _marked_words(batch.offsets[row], batch.sequence_ids[row], token_probs[row], word_threshold)
        return self.calibrate(self.stack_lexical(logits, sentences, contexts, lexical_logits=lexical_logits), sentences), words

    def predict(
        self, sentences: Sequence[str], contexts: Sequence[str], batch_size: int = 16, lexical_contexts: Sequence[str] | None = None
    ) -> np.ndarray:
        """Calibrated probabilities, shape (n, len(config.outputs)), in input order."""
        return self.calibrate(self.predict_logits(sentences, contexts, batch_size, lexical_contexts=lexical_contexts), sentences)

    def calibrate(self, logits: np.ndarray, sentences: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities from the logits of `sentences` (whose lengths pick the bands of
        outputs calibrated per length; a plain sigmoid for outputs without a calibration)."""
        return self.calibration.apply(logits, self.config.outputs, sentences)

    def threshold(self, output: str = OVERALL, default: float = 0.5) -> float:
        return self.thresholds.get(output, default)

    # -- the lexical MT scorers -------------------------------------------------------------

    @property
    def lexical_window(self) -> int | None:
        """The context window the lexical scorer reads, or None when it reads no context."""
        if not self.stacked or not self.lexical.config.context:
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
        if not self.stacked or len(sentences) == 0:
            return logits
        if lexical_logits is None:
            lexical_logits = self.lexical.logits(sentences, contexts if lexical_contexts is None else lexical_contexts)
        return self.stack_logits(logits, lexical_logits)

    def lexical_logits_in_documents(self, documents: Sequence[Sequence[str]]) -> np.ndarray | None:
        """The lexical scorer's logits for every sentence of `documents` (each a list of sentences
        in order; the result is flat), each read at the scorer's own context window: what
        `stack_lexical` computes from context strings, with each sentence hashed only twice.
        None without a stacked scorer."""
        if not self.stacked:
            return None
        return windowed_logits_many(self.lexical, documents, self.lexical_window or 0)

    def stack_logits(self, logits: np.ndarray, lexical_logits: np.ndarray) -> np.ndarray:
        """`stack_lexical` from the lexical scorer's logits already computed (in place)."""
        k = self.config.outputs.index(MACHINE_TRANSLATED)
        logits[:, k] = self.mt_stack.apply(logits[:, k], lexical_logits)
        return logits

    def document_mt_logit(self, text: str) -> float | None:
        """The document-level lexical scorer's MT logit for a document's content text (None
        without that scorer: the document heads then read no such feature)."""
        if self.document_lexical is None:
            return None
        return float(self.document_lexical.logits([text])[0])


def write_parts(
    directory: str | os.PathLike,
    manifest: Manifest,
    calibration: Calibration,
    thresholds: Thresholds,
    mt_stack: MTStack | None = None,
    lexical: LexicalMTScorer | None = None,
    document_lexical: LexicalMTScorer | None = None,
) -> None:
    """The files of the parts fitted after the encoder, and their manifest entries (the manifest
    itself is the caller's to save)."""
    calibration.save(directory)
    thresholds.save(directory)
    manifest.add("calibration")
    manifest.add("thresholds")
    write_lexical(directory, manifest, mt_stack, lexical, document_lexical)


def write_lexical(
    directory: str | os.PathLike,
    manifest: Manifest,
    mt_stack: MTStack | None,
    lexical: LexicalMTScorer | None,
    document_lexical: LexicalMTScorer | None,
) -> None:
    """The MT stack and the two lexical scorers: written where present, removed where not."""
    for part, value in (("mt_stack", mt_stack), ("lexical_mt", lexical), ("document_lexical_mt", document_lexical)):
        if value is None:
            (Path(directory) / PART_FILES[part]).unlink(missing_ok=True)
            manifest.discard(part)
        elif isinstance(value, MTStack):
            value.save(directory)
            manifest.add(part)
        else:
            value.save_pretrained(directory, PART_FILES[part])
            manifest.add(part)


def _load_scorer(directory: Path, manifest: Manifest, part: str) -> LexicalMTScorer | None:
    if not manifest.has(part):
        return None
    try:
        return LexicalMTScorer.from_pretrained(directory, manifest.files[part])
    except Exception as exc:  # a missing or truncated file; safetensors raises several types
        raise ModelFilesError(
            f"the model at {directory} lists {manifest.files[part]} but it is missing or corrupted ({exc}); reinstall the package or retrain"
        ) from exc


def _legacy_parts(directory: Path) -> dict:
    """The fitted parts of a 0.1.0 model folder, which kept them inside config.json."""
    meta = json.loads((directory / CONFIG_NAME).read_text(encoding="utf-8"))
    manifest = Manifest(MODEL_TYPE, meta.get("name", ""))
    stack = meta.get("lexical_stack") or []
    if stack:
        manifest.add("lexical_mt")
    if meta.get("document_lexical"):
        manifest.add("document_lexical_mt")
    return {
        "calibration": Calibration({k: list(v) for k, v in (meta.get("calibration") or {}).items()}),
        "thresholds": Thresholds({k: float(v) for k, v in (meta.get("thresholds") or {}).items()}),
        "mt_stack": MTStack(*map(float, stack)) if stack else None,
        "lexical": _load_scorer(directory, manifest, "lexical_mt"),
        "document_lexical": _load_scorer(directory, manifest, "document_lexical_mt"),
    }
