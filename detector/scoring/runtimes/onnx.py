"""The classifier's forward pass under ONNX Runtime, fp32 or dynamically quantised to int8, and
the duplicate finder's sentence encoder under ONNX Runtime fp32.

On this project's 2-core CPU, ONNX Runtime's int8 kernels beat torch's dynamic quantisation
(`benchmarks/forward_backends.md`). The model is exported once per checkpoint and cached on disk:
the cache key hashes the checkpoint's files and the library versions, and files are written under
a temporary name and renamed, so several processes (Ray actors) can share one cache safely.

    pip install millcheck[onnx]   # onnxruntime, onnx
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
CACHE_ENV = "MILLCHECK_CACHE_DIR"


class OnnxRuntimeMissing(ImportError):
    """The ONNX path was asked for but its optional dependencies are not installed."""


def default_cache_dir() -> Path:
    """$MILLCHECK_CACHE_DIR, else $XDG_CACHE_HOME/millcheck, else ~/.cache/millcheck."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "millcheck"


def require_onnx() -> None:
    try:
        import onnx  # noqa: F401  (the exporter writes through it)
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise OnnxRuntimeMissing(f"the ONNX Runtime backend needs the optional extra: pip install 'millcheck[onnx]' ({exc})") from exc


class _ExportedForward(nn.Module):
    """What gets exported: the classifier's logits, and its token logits when it has a token head."""

    def __init__(self, classifier: nn.Module):
        super().__init__()
        self.classifier = classifier

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.classifier(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return (out["logits"], out["token_logits"]) if "token_logits" in out else (out["logits"],)


class _ExportedEmbedding(nn.Module):
    """What gets exported of the sentence encoder: mean-pooled, L2-normalised embeddings (the
    pooling of `SentenceEncoder.encode`, in the graph)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return (torch.nn.functional.normalize(pooled, p=2, dim=1),)


def output_names(classifier) -> tuple[str, ...]:
    return ("logits", "token_logits") if classifier.token_head is not None else ("logits",)


def export_onnx(classifier, path: str | os.PathLike) -> Path:
    """Export a `Predictor`'s network (LoRA already merged) with dynamic batch and length axes."""
    example = classifier.tokenize(["An example sentence."] * 2, ["Its context, a little longer."] * 2)
    names = output_names(classifier)
    axes = {"logits": {0: "batch"}}
    if "token_logits" in names:
        axes["token_logits"] = {0: "batch", 1: "tokens"}
    return _export(_ExportedForward(classifier.model), example, names, axes, path)


def export_encoder_onnx(encoder, path: str | os.PathLike) -> Path:
    """Export a `SentenceEncoder` with its pooling: token ids in, unit embeddings out."""
    example = encoder.tokenizer(["An example sentence.", "A second, longer example sentence."], padding=True, return_tensors="pt")
    return _export(_ExportedEmbedding(encoder.model), example, ("embedding",), {"embedding": {0: "batch"}}, path)


def _export(module: nn.Module, example, names: tuple[str, ...], output_axes: dict, path: str | os.PathLike) -> Path:
    require_onnx()
    path = Path(path)
    axes = {n: {0: "batch", 1: "tokens"} for n in INPUT_NAMES} | output_axes
    with warnings.catch_warnings():  # the TorchScript exporter warns about its own deprecation
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            tuple(example[n] for n in INPUT_NAMES),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=list(names),
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    return path


def quantize_onnx(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Dynamic int8: weights signed 8-bit per output channel, activations quantised per batch."""
    require_onnx()
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantiser logs a pre-processing hint on the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)  # the caller's logging is left as it was
    return Path(target)


def fingerprint(model_dir: str | os.PathLike, base_dir: str | os.PathLike, int8: bool) -> str:
    """A key for the exported files: the checkpoint's bytes, the base encoder's files (name, size,
    time), the precision and the library versions."""
    import onnxruntime

    digest = hashlib.sha256(f"{torch.__version__}|{onnxruntime.__version__}|int8={int8}".encode())
    for file in sorted(Path(model_dir).iterdir()):
        if file.is_file():
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    hash_file_stats(digest, base_dir)
    return digest.hexdigest()[:20]


def hash_file_stats(digest, folder: str | os.PathLike) -> None:
    """Add each file of `folder` (name, size, time) to `digest`: a key that changes when a file
    does, without reading a large model's bytes."""
    for file in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else ():
        if file.is_file():
            stat = file.stat()
            digest.update(f"{file.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())


def open_session(path: str | os.PathLike, threads: int | None = None, spinning: bool = True):
    """An ONNX Runtime CPU session on `threads` (default: torch's), one inter-op thread."""
    require_onnx()
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass
class OnnxForward:
    """Runs a tokenised batch through an ONNX Runtime session; returns what the torch forward returns."""

    session: object
    names: tuple[str, ...]
    path: Path

    @classmethod
    def load(cls, path: str | os.PathLike, threads: int | None = None, spinning: bool = True) -> OnnxForward:
        """`spinning`: ORT's worker threads spin between runs (its default; turning it off slowed
        the batch pipeline, research/ort-spinning.md)."""
        session = open_session(path, threads, spinning)
        return cls(session, tuple(o.name for o in session.get_outputs()), Path(path))

    def __call__(self, **batch) -> dict[str, torch.Tensor]:
        feed = {n: np.ascontiguousarray(batch[n].numpy(), dtype=np.int64) for n in INPUT_NAMES}
        return {n: torch.from_numpy(v) for n, v in zip(self.names, self.session.run(list(self.names), feed))}


def cached_onnx_forward(
    classifier, model_dir: str | os.PathLike, int8: bool = True, cache_dir: str | os.PathLike | None = None
) -> OnnxForward:
    """The checkpoint's ONNX forward, exported (and quantised) on first use and cached on disk."""
    require_onnx()
    from detector.scoring.weights import resolve_model_path

    key = fingerprint(model_dir, resolve_model_path(classifier.config.base_model), int8)
    name = "model-int8.onnx" if int8 else "model.onnx"
    return cached_export(lambda path: export_onnx(classifier, path), "onnx", key, name, int8, cache_dir)


def cached_onnx_encoder(encoder, cache_dir: str | os.PathLike | None = None) -> OnnxForward:
    """The sentence encoder's ONNX graph (fp32: its int8 moved reworded-caption similarities by 0.1),
    exported on first use and cached on disk, keyed by the encoder's files."""
    require_onnx()
    from detector.scoring.weights import resolve_model_path

    path = resolve_model_path(encoder.config.name_or_path)
    key = fingerprint(path, path, int8=False)
    return cached_export(lambda target: export_encoder_onnx(encoder, target), "onnx-encoder", key, "encoder.onnx", False, cache_dir)


def cached_export(export, kind: str, key: str, name: str, int8: bool, cache_dir: str | os.PathLike | None, load=None):
    """`export`'s graph under the cache (`kind`/`key`/`name`), built on first use, opened by `load`
    (default `OnnxForward.load`, looked up at each call so a probe may replace it)."""
    folder = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / kind / key
    target = folder / name
    if not target.is_file():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _build(export, folder, target, int8)
        except OSError as exc:  # a read-only or odd cache folder: export for this process only
            warnings.warn(f"cannot cache the ONNX export under {folder} ({exc}); exporting to a temporary folder", stacklevel=3)
            scratch = Path(tempfile.mkdtemp(prefix="millcheck-onnx-"))
            target = scratch / target.name
            _build(export, scratch, target, int8)
    return (load or OnnxForward.load)(target)


def _build(export, folder: Path, target: Path, int8: bool) -> None:
    with tempfile.TemporaryDirectory(dir=folder) as work:
        exported = export(Path(work) / "model.onnx")
        built = quantize_onnx(exported, Path(work) / "model-int8.onnx") if int8 else exported
        os.replace(built, target)  # atomic: a reader sees the whole file or none
