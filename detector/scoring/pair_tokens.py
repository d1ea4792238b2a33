"""Sentence + context inputs assembled from each sentence's own word pieces.

Why: the classifier reads each sentence with its neighbours, so tokenising the (sentence, context)
strings tokenised every sentence three times (once itself, twice as a neighbour), 1 to 1.5 s of a
60-document batch (benchmarks/throughput.md). BERT's tokenizer normalises character by character
and splits words at whitespace and punctuation before WordPiece reads each word alone, so the
pieces of `" ".join(texts)` are the pieces of each text in turn. Each distinct sentence is
tokenised once here and the pairs are put together as the tokenizer would: `[CLS] sentence [SEP]
context [SEP]`, truncated longest first, padded per batch. A tokenizer of another kind (SentencePiece,
byte-level BPE: a word's pieces depend on the space before it) is not piecewise: `piecewise()` says
so and the predictor tokenises the joined strings instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

Offsets = list[tuple[int, int]]


def piecewise(tokenizer) -> bool:
    """Whether the pieces of texts joined by spaces are the texts' own pieces in turn, and pairs are
    `[CLS] a [SEP] b [SEP]` (type ids 0 then 1), right-padded and right-truncated."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return False
    kinds = (type(backend.normalizer).__name__, type(backend.pre_tokenizer).__name__, type(backend.model).__name__)
    if kinds != ("BertNormalizer", "BertPreTokenizer", "WordPiece"):
        return False
    single = tokenizer("a b")["input_ids"]
    inner = tokenizer("a b", add_special_tokens=False)["input_ids"]
    return (
        tokenizer.padding_side == "right"
        and tokenizer.truncation_side == "right"
        and single == [tokenizer.cls_token_id, *inner, tokenizer.sep_token_id]
        and tokenizer("a", "b")["token_type_ids"] == [0, 0, 0, 1, 1]
    )


def kept_lengths(n1: int, n2: int, budget: int) -> tuple[int, int]:
    """How many pieces of each sequence the tokenizer's `longest_first` truncation keeps, with
    `budget` pieces for both: the shorter keeps all it can, and when both are long the first
    (shorter) keeps half, rounded down (tests check this against the tokenizer)."""
    if n1 + n2 <= budget:
        return n1, n2
    short = min(n1, n2)
    keep_short = budget // 2 if short > budget // 2 else short
    kept = (keep_short, budget - keep_short)
    return kept if n1 <= n2 else kept[::-1]


@dataclass
class TokenBatch:
    """One batch of classifier inputs: the tensors the forward takes, and per row the sentence's
    piece offsets (in its own characters) and each position's sequence id (0 sentence, 1 context,
    None for special and padding positions), for joining pieces into words."""

    tensors: dict[str, torch.Tensor]
    offsets: list[Offsets] | None
    sequence_ids: list[list[int | None]]


def pieces_tokenizer(tokenizer):
    """A copy of `tokenizer`'s backend that adds no special tokens, truncates and pads nothing:
    the caller's tokenizer keeps whatever settings its own calls leave on its backend."""
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    backend.no_truncation()
    backend.no_padding()
    return backend


class PairTokenizer:
    """Tokenises each distinct text once and assembles sentence + context pairs from the pieces
    (one per scoring call: the pieces it learns are its batch's). `pieces`: `pieces_tokenizer(tokenizer)`."""

    def __init__(self, tokenizer, max_length: int, pieces=None):
        self.tokenizer = tokenizer
        self.pieces = pieces if pieces is not None else pieces_tokenizer(tokenizer)
        self.max_length = max_length
        self._ids: dict[str, list[int]] = {}
        self._offsets: dict[str, Offsets] = {}

    def learn(self, texts: Sequence[str]) -> None:
        """Tokenise the texts not seen yet, all in one call (the tokenizer spreads a call over the cores)."""
        new = list(dict.fromkeys(t for t in texts if t not in self._ids))
        for text, encoding in zip(new, self.pieces.encode_batch(new, add_special_tokens=False) if new else []):
            self._ids[text] = encoding.ids
            self._offsets[text] = encoding.offsets

    def length(self, sentence: str, texts: Sequence[str]) -> int:
        """The pair's length in tokens, specials included (its texts learnt)."""
        second = sum(len(self._ids[t]) for t in texts)
        return 3 + sum(kept_lengths(len(self._ids[sentence]), second, self.max_length - 3))

    def batch(self, sentences: Sequence[str], neighbours: Sequence[Sequence[str]], offsets: bool = False) -> TokenBatch:
        """The batch of `(sentence, " ".join(neighbours))` pairs, as the tokenizer would give it."""
        self.learn([*sentences, *(t for texts in neighbours for t in texts)])
        cls, sep, pad = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id, self.tokenizer.pad_token_id
        rows, kept = [], []
        for sentence, texts in zip(sentences, neighbours):
            first = self._ids[sentence]
            second = [i for t in texts for i in self._ids[t]]
            k1, k2 = kept_lengths(len(first), len(second), self.max_length - 3)
            rows.append([cls, *first[:k1], sep, *second[:k2], sep])
            kept.append((k1, k2))
        width = max(len(r) for r in rows) if rows else 0
        ids = np.full((len(rows), width), pad, dtype=np.int64)
        types = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        sequence_ids = []
        for r, (row, (k1, k2)) in enumerate(zip(rows, kept)):
            ids[r, : len(row)] = row
            types[r, k1 + 2 : len(row)] = 1
            mask[r, : len(row)] = 1
            sequence_ids.append([None, *[0] * k1, None, *[1] * k2, None] + [None] * (width - len(row)))
        spans = None
        if offsets:
            spans = [
                [(0, 0), *self._offsets[s][:k1], (0, 0), *[(0, 0)] * (k2 + 1)] + [(0, 0)] * (width - k1 - k2 - 3)
                for s, (k1, k2) in zip(sentences, kept)
            ]
        tensors = {"input_ids": torch.from_numpy(ids), "token_type_ids": torch.from_numpy(types), "attention_mask": torch.from_numpy(mask)}
        return TokenBatch(tensors, spans, sequence_ids)
