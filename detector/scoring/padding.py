"""Padding a batch out of one unpadded tokenizer call, so batches can be formed by token count.

Tokenising every text once, unpadded, then padding each length-sorted batch gives the tensors
`padding=True` would give, without a second tokenizer pass (the sentence encoder and the language
model batch that way).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

# field -> the shape of one token's value (offsets are (start, end) pairs)
_FIELDS = {"input_ids": (), "token_type_ids": (), "attention_mask": (), "offset_mapping": (2,)}


def pad_rows(encoded, idx: Sequence[int], pad_token_id: int, left: bool = False) -> dict[str, torch.Tensor]:
    """Rows `idx` of an unpadded encoding, padded to the longest as `padding=True` pads: the ids
    with `pad_token_id`, every other field (type ids, attention mask, offsets) with 0, on the left
    where the tokenizer pads there."""
    lengths = [len(encoded["input_ids"][i]) for i in idx]
    width = max(lengths)
    batch = {}
    for key, shape in _FIELDS.items():
        if key not in encoded:
            continue
        rows = np.full((len(idx), width, *shape), pad_token_id if key == "input_ids" else 0, dtype=np.int64)
        for r, (i, n) in enumerate(zip(idx, lengths)):
            values = np.asarray(encoded[key][i], dtype=np.int64).reshape(n, *shape)
            if left:
                rows[r, width - n :] = values
            else:
                rows[r, :n] = values
        batch[key] = torch.from_numpy(rows)
    return batch
