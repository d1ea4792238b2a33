"""Rank the language model's vocabulary by its probability in English news (detector/lm/vocabulary.py).

    python -m training.lm_vocabulary [--data-dir ../shared/data] [--lines 2400]

Ranking: documents of 12 consecutive lines of human-translated WMT14-17 news (German originals;
the LM's measures read original English and WMT18/WMT23, never these), read in windows as the
finder reads; at every word position the model's whole distribution, summed per token. Writes the
likeliest 65,536 token ids to detector/lm/gemma-3-270m-news-vocabulary.npy.

What reading only the likeliest tokens does to the finder's words: research/lm_vocabulary.py.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
import torch

from detector.lm import output_layer
from detector.lm.model import LanguageModel
from detector.lm.vocabulary import RANKING_FILE
from training.config import DEFAULT_DATA_DIR

YEARS = ("wmt14", "wmt15", "wmt16", "wmt17")
DOCUMENT_LINES = 12
KEEP = 65_536  # token ids the ranking file keeps (the largest shortlist it can give)
CHUNK = 256  # positions whose whole distributions are taken at a time (256 x 262,144 floats: 268 MB)


def ranking_documents(data_dir: Path, lines: int, seed: int = 0) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Documents of DOCUMENT_LINES consecutive human-translated lines, `lines` in all across YEARS,
    each with the spans of its lines."""
    rng = random.Random(seed)
    texts, spans = [], []
    per_year = lines // len(YEARS) // DOCUMENT_LINES
    for year in YEARS:
        path = data_dir / "wmt-ht-mt" / "train" / f"{year}.de-original.human-translation.en"
        all_lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]
        starts = list(range(0, len(all_lines) - DOCUMENT_LINES, DOCUMENT_LINES))
        for lo in rng.sample(starts, min(per_year, len(starts))):
            text, doc_spans = "", []
            for line in filter(None, all_lines[lo : lo + DOCUMENT_LINES]):
                text += (" " if text else "") + line
                doc_spans.append((len(text) - len(line), len(text)))
            texts.append(text)
            spans.append(doc_spans)
    return texts, spans


def captured_hidden(lm: LanguageModel, texts, spans, judged=None) -> tuple[list, torch.Tensor]:
    """The LM's reading of the documents and the hidden state of every position it scored."""
    kept = []
    plain = output_layer.target_surprisal_and_best

    def capture(hidden, *a, **k):
        kept.append(hidden.detach().clone())
        return plain(hidden, *a, **k)

    output_layer.target_surprisal_and_best = capture
    try:
        words = lm.read_documents(texts, spans, judged)
    finally:
        output_layer.target_surprisal_and_best = plain
    return words, torch.cat(kept)


@torch.inference_mode()
def token_mass(hidden: torch.Tensor, weight: torch.Tensor) -> np.ndarray:
    """Per token of the vocabulary, its probability summed over the positions of `hidden`."""
    mass = torch.zeros(weight.shape[0], dtype=torch.float64)
    for lo in range(0, len(hidden), CHUNK):
        logits = (hidden[lo : lo + CHUNK].to(weight.dtype) @ weight.T).float()
        mass += torch.softmax(logits, dim=-1).sum(0, dtype=torch.float64)
    return mass.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--lines", type=int, default=2400, help="human-translated lines the ranking reads")
    args = parser.parse_args()
    lm = LanguageModel.from_pretrained(dtype="auto", progress=False, vocabulary=None)
    texts, spans = ranking_documents(Path(args.data_dir), args.lines)
    _, hidden = captured_hidden(lm, texts, spans)
    ranking = np.argsort(-token_mass(hidden, lm.model.get_output_embeddings().weight), kind="stable")[:KEEP].astype(np.int32)
    np.save(RANKING_FILE, ranking)
    print(f"ranked on {len(hidden):,} word positions of {len(texts)} documents; wrote {RANKING_FILE}")


if __name__ == "__main__":
    main()
