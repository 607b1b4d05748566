"""The experiment's vocabulary (training-split words) and texts as padded token ids.

Id 0 is padding, id 1 the unknown word; the static embedding matrix has one row per id."""

from collections import Counter
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:  # torch takes seconds to import; diagnose counts words with this module
    import torch  # and never pads

PAD, UNK = "<pad>", "<unk>"
SPECIALS = (PAD, UNK)  # the vocabulary's first ids, before the words


def build_vocab(token_lists: Iterable[list[str]], min_count: int = 1) -> list[str]:
    """Training-split words seen at least `min_count` times, most frequent first (ties by word)."""
    counts = Counter(t for tokens in token_lists for t in tokens)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [*SPECIALS, *words]


def oov_rates(token_lists: Iterable[list[str]], known: set) -> dict[str, float]:
    """Share of tokens, and of distinct words, not in `known` (a set of words)."""
    tokens = [t for toks in token_lists for t in toks]
    types = set(tokens)
    return {"oov_token_rate": round(sum(t not in known for t in tokens) / max(len(tokens), 1), 4),
            "oov_type_rate": round(sum(t not in known for t in types) / max(len(types), 1), 4)}


def encode(token_lists: Iterable[list[str]], vocab: list[str], max_len: int) -> list[np.ndarray]:
    """Token lists -> lists of ids (unknown words -> <unk>), cut at max_len tokens."""
    index = {w: i for i, w in enumerate(vocab)}
    unk = index[UNK]
    return [np.array([index.get(t, unk) for t in tokens[:max_len]], dtype=np.int64)
            for tokens in token_lists]


def pad(ids: Sequence[np.ndarray], min_len: int) -> "torch.Tensor":
    """A (batch, time) LongTensor, zero-padded to the longest text (at least min_len)."""
    import torch

    out = np.zeros((len(ids), max(min_len, max(len(x) for x in ids))), dtype=np.int64)
    for row, x in zip(out, ids):
        row[:len(x)] = x
    return torch.from_numpy(out)


class TokenIds:
    """The token ids of one split, padded per batch."""

    def __init__(self, token_lists: Iterable[list[str]], vocab: list[str], max_len: int, min_len: int):
        self.ids, self.min_len = encode(token_lists, vocab, max_len), min_len

    def __len__(self):
        return len(self.ids)

    def batch(self, idx: Sequence[int]) -> "torch.Tensor":
        return pad([self.ids[i] for i in idx], self.min_len)
