"""The language model's output layer read a block of the vocabulary at a time
(detector/lm/output_layer.py) gives what a log-softmax over the whole row gives."""

from __future__ import annotations

import pytest
import torch

from detector.lm.output_layer import target_surprisal_and_best


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-4), (torch.bfloat16, 1e-4)])
@pytest.mark.parametrize("softcap", [None, 30.0])
def test_blocks_give_the_whole_rows_surprisal_and_best_token(dtype, tolerance, softcap):
    torch.manual_seed(0)
    weight = (torch.randn(20_000, 32) * 0.5).to(dtype)
    hidden = torch.randn(19, 32).to(dtype)
    targets = torch.randint(0, 20_000, (19,))
    logits = (hidden @ weight.T).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    whole = torch.log_softmax(logits, dim=-1)
    surprisal, best = target_surprisal_and_best(hidden, weight, targets, softcap, block=3_000)  # a ragged last block
    assert torch.allclose(surprisal, -whole.gather(1, targets[:, None])[:, 0], atol=tolerance)
    assert torch.equal(best, whole.argmax(dim=-1))


def test_on_a_tie_the_earlier_token_is_the_likeliest():
    weight = torch.zeros(10, 4)
    weight[[2, 7]] = 1.0  # tokens 2 and 7 tie, in different blocks
    surprisal, best = target_surprisal_and_best(torch.ones(1, 4), weight, torch.tensor([7]), block=5)
    assert best.tolist() == [2] and surprisal.item() == pytest.approx(-torch.log_softmax(torch.ones(1, 4) @ weight.T, -1)[0, 7].item())
