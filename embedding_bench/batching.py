"""Which texts go into each training batch, epoch by epoch, from a seeded generator.

`random`: the texts in a random order, cut every `batch_size` texts (Kim's training; every
embedding's CNN). `by_length`: the same random order cut into pools of POOL batches, each pool
sorted by length (longest first) and cut into batches, then the batches of the epoch put in a
random order: each batch holds texts of similar length, so padding to its longest costs little
(Hugging Face Trainer's `group_by_length` uses the same 50-batch pools). With a token budget a
by-length batch holds as many texts as fit `max_tokens` word pieces, padding included, instead of
`batch_size`. Every choice comes from the generator: same seed, same batches.
"""

from typing import Optional

import numpy as np
import torch

POOL = 50  # batches per length-sorted pool


def epoch_plan(lengths: np.ndarray, batch_size: int, generator: torch.Generator,
               by_length: bool = False, max_tokens: Optional[int] = None) -> list[np.ndarray]:
    """One epoch's batches: arrays of text indices (every text once)."""
    order = torch.randperm(len(lengths), generator=generator).numpy()
    if not by_length:
        return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    pool = batch_size * POOL
    plan = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        plan += cut_by_tokens(chunk, lengths, max_tokens) if max_tokens else [
            chunk[s:s + batch_size] for s in range(0, len(chunk), batch_size)]
    return [plan[i] for i in torch.randperm(len(plan), generator=generator).numpy()]


def cut_by_tokens(longest_first: np.ndarray, lengths: np.ndarray, max_tokens: int) -> list[np.ndarray]:
    """Consecutive batches of texts sorted longest first, each as many texts as fit `max_tokens`
    once padded to its first (longest) text; a text longer than the budget goes alone."""
    batches, start = [], 0
    while start < len(longest_first):
        size = max(1, max_tokens // int(lengths[longest_first[start]]))
        batches.append(longest_first[start:start + size])
        start += size
    return batches
