"""The language model's output layer read a block of the vocabulary at a time
(detector/lm/output_layer.py) gives what a log-softmax over the whole row gives."""

from __future__ import annotations

import pytest
import torch

from detector.lm.output_layer import Shortlist, target_surprisal_and_best


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


def test_a_shortlist_normalises_over_its_tokens_and_the_target():
    torch.manual_seed(1)
    weight = torch.randn(5_000, 16)
    hidden = torch.randn(12, 16)
    listed = torch.arange(0, 5_000, 3)  # every third token
    targets = torch.tensor([0, 3, 1, 2, 4, 7, 9, 10, 4_998, 4_999, 3_000, 5])  # some listed, some not
    hidden[2] = weight[1] * 5  # its target, token 1, is left out of the shortlist and the model is sure of it
    surprisal, best = target_surprisal_and_best(hidden, weight, targets, block=700, shortlist=Shortlist.of(weight, listed.flip(0)))
    logits = hidden @ weight.T
    for k, target in enumerate(targets.tolist()):
        kept = torch.unique(torch.cat([listed, torch.tensor([target])]))
        expected = -torch.log_softmax(logits[k, kept], -1)[(kept == target).nonzero()[0, 0]]
        assert surprisal[k].item() == pytest.approx(expected.item(), abs=1e-4)
        assert best[k].item() == kept[logits[k, kept].argmax()].item()  # over the shortlist and the target
    assert best[2].item() == 1 and surprisal[2].item() < 1e-3
    every = target_surprisal_and_best(hidden, weight, targets, block=700, shortlist=Shortlist.of(weight, torch.arange(5_000)))
    assert torch.allclose(every[0], target_surprisal_and_best(hidden, weight, targets)[0], atol=1e-4)


def test_a_shortlist_outside_the_vocabulary_is_refused():
    with pytest.raises(ValueError, match="outside the vocabulary"):
        Shortlist.of(torch.zeros(10, 4), [3, 10])
