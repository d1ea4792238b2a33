"""The output layer read for surprisal: -ln P(target) and the likeliest token, a block of the
vocabulary at a time.

Gemma's vocabulary has 262,144 tokens. Multiplying a position's hidden state by the whole output
matrix, then taking a log-softmax over the row, writes and re-reads a megabyte per position; a
block of 2,048 tokens is taken at a time, for up to 1,024 positions at once (model.HEAD_CHUNK):
its log-sum-exp, its best token and the target's logit, and the blocks' sums combine exactly
(log-add-exp). Many positions a pass read the 335 MB matrix fewer times; a small block keeps
the logits in cache. A block's product is made in the model's dtype and converted to float32
once; max, subtract and exp then run in place in float32. Taken on the bfloat16 block instead
(its exp rounding to bfloat16) they cost more and moved words by up to 0.0015 nats. On the editor's
1,000-word article, in one process, 7 interleaved reads: the finder's read 1.40 s -> 1.10 s
(128 positions a pass, blocks of 8,192, bfloat16 elementwise -> this). Same logits as the whole row
(a block's product rounds as the row's does). Packing the blocks for oneDNN gained 3-5% more for a
335 MB copy of the matrix, so they are used as they are.

A `Shortlist` reads only the tokens of English news in full (detector/lm/vocabulary.py): a
quarter of the vocabulary, a quarter of the time, words moved by under 0.8 nats on validation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

VOCAB_BLOCK = 2048  # tokens of the vocabulary per block (2,048 x 1,024 positions x 4 bytes: 8 MB)


@dataclass(frozen=True)
class Shortlist:
    """The part of the vocabulary the output layer reads in full: `ids` (ascending) and their rows
    of the output matrix, copied once into one contiguous block."""

    ids: torch.Tensor
    weight: torch.Tensor

    @classmethod
    def of(cls, weight: torch.Tensor, ids) -> Shortlist:
        ids = torch.unique(torch.as_tensor(ids, dtype=torch.long))  # sorted, once each
        if len(ids) and (int(ids[0]) < 0 or int(ids[-1]) >= weight.shape[0]):
            raise ValueError(f"a shortlist id lies outside the vocabulary of {weight.shape[0]} tokens")
        return cls(ids, weight[ids].contiguous())


@torch.inference_mode()
def target_surprisal_and_best(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    targets: torch.Tensor,
    softcap: float | None = None,
    block: int = VOCAB_BLOCK,
    shortlist: Shortlist | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each row of `hidden` (positions x hidden size): -ln P(`targets[row]`) under the output
    layer `weight` (vocabulary x hidden size, no bias) and the index of its likeliest token. With a
    `shortlist`, the normaliser and the likeliest token are taken over its tokens and the target
    (its logit made alone where the shortlist lacks it): the tokens left out hold too little of the
    probability to move a word (research/lm-vocabulary.md)."""
    hidden = hidden.to(weight.dtype)
    if shortlist is None:
        lse, best, best_value, target_logit = _scan(hidden, weight, targets, softcap, block)
        return lse - target_logit, best
    at = torch.searchsorted(shortlist.ids, targets).clamp_(max=len(shortlist.ids) - 1)
    listed = shortlist.ids[at] == targets
    lse, best, best_value, target_logit = _scan(hidden, shortlist.weight, torch.where(listed, at, -1), softcap, block)
    best = shortlist.ids[best]
    missing = ~listed
    if missing.any():
        alone = (hidden[missing, None, :] @ weight[targets[missing], :, None])[:, 0, 0].float()
        if softcap:
            alone = torch.tanh(alone / softcap) * softcap
        target_logit[missing] = alone
        lse[missing] = torch.logaddexp(lse[missing], alone)
        likelier = torch.zeros_like(missing)
        likelier[missing] = alone > best_value[missing]  # a rare word piece the model is sure of is its own likeliest
        best[likelier] = targets[likelier]
    return lse - target_logit, best


def _scan(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, softcap: float | None, block: int):
    """Over the rows of `weight`, a block at a time: each position's log-sum-exp, likeliest row and
    its logit, and the logit of its target row (targets outside [0, rows) are left at 0)."""
    n = hidden.shape[0]
    lse = torch.full((n,), float("-inf"))
    best_value = torch.full((n,), float("-inf"))
    best = torch.zeros(n, dtype=torch.long)
    target_logit = torch.zeros(n)
    rows = torch.arange(n)
    for lo in range(0, weight.shape[0], block):
        logits = (hidden @ weight[lo : lo + block].T).float()
        if softcap:
            logits = torch.tanh(logits.div_(softcap)).mul_(softcap)
        value, index = logits.max(dim=-1)
        better = value > best_value  # strictly: on a tie the earlier token wins, as argmax does
        best_value = torch.where(better, value, best_value)
        best = torch.where(better, index + lo, best)
        here = (targets >= lo) & (targets < lo + logits.shape[1])
        target_logit[here] = logits[rows[here], targets[here] - lo]
        logits -= value[:, None]
        lse = torch.logaddexp(lse, value + torch.log(logits.exp_().sum(dim=-1)))
    return lse, best, best_value, target_logit
