"""Kim (2014) CNN for multilabel text classification.

Filter widths 3/4/5 x 100 maps, ReLU, max-over-time pooling, dropout, one logit per label
(trained with BCE-with-logits), and a max-norm constraint on the output layer's weight rows,
applied after each optimizer step as Kim did (a weight constraint, not gradient clipping).

The head works on any sequence of vectors, so the same CNN runs over word embeddings
(WordCNN, in Kim's four modes) and over contextual token features.
"""

from typing import Sequence

import numpy as np
import torch
from torch import nn

from embedding_bench.sections import Cnn

MODES = ("rand", "static", "non_static", "multichannel")


class KimHead(nn.Module):
    def __init__(self, dim: int, n_labels: int, widths: Sequence[int] = (3, 4, 5), filters: int = 100,
                 dropout: float = 0.5, max_norm: float = 3.0):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(dim, filters, w) for w in widths)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(filters * len(widths), n_labels)
        self.max_norm = max_norm
        self.min_len = max(widths)

    def forward(self, channels: list[torch.Tensor]) -> torch.Tensor:
        """channels: tensors (batch, time, dim), time >= the widest filter; a filter sees every
        channel (Kim's multichannel: one filter, its responses on both channels summed)."""
        xs = [c.transpose(1, 2) for c in channels]
        pooled = [sum(conv(x) for x in xs).relu().amax(dim=2) for conv in self.convs]
        return self.out(self.dropout(torch.cat(pooled, dim=1)))

    @torch.no_grad()
    def apply_max_norm(self) -> None:
        """Rescale each output weight row (one per label) to L2 norm <= max_norm."""
        w = self.out.weight
        w.copy_(torch.renorm(w, p=2, dim=0, maxnorm=self.max_norm))


class WordCNN(nn.Module):
    """Token ids -> embedding channel(s) -> KimHead. Modes: rand and non_static train the
    embedding, static freezes it, multichannel has a frozen and a trained copy."""

    def __init__(self, vectors: np.ndarray | torch.Tensor, n_labels: int, mode: str = "non_static", **head):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown CNN mode {mode!r}; valid: {', '.join(MODES)}")
        self.mode = mode
        vectors = torch.as_tensor(vectors, dtype=torch.float32)
        self.embedding = nn.Embedding.from_pretrained(vectors.clone(), freeze=mode == "static",
                                                      padding_idx=0)
        self.static = (nn.Embedding.from_pretrained(vectors.clone(), freeze=True, padding_idx=0)
                       if mode == "multichannel" else None)
        self.head = KimHead(vectors.shape[1], n_labels, **head)

    @torch.no_grad()
    def add_rows(self, vectors: np.ndarray) -> None:
        """Rows for new words (ids from the current size on), in every channel, untrained."""
        for name in ("embedding", "static"):
            layer = getattr(self, name)
            if layer is not None:
                rows = torch.as_tensor(vectors, dtype=layer.weight.dtype, device=layer.weight.device)
                setattr(self, name, nn.Embedding.from_pretrained(torch.cat([layer.weight, rows]),
                                                                 freeze=True, padding_idx=0))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        channels = [self.embedding(ids)]
        if self.static is not None:
            channels.append(self.static(ids))
        return self.head(channels)


class FeatureCNN(nn.Module):
    """The Kim head over stored token features."""

    def __init__(self, width: int, n_labels: int, **head):
        super().__init__()
        self.head = KimHead(width, n_labels, **head)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.head([features])


def head_options(cnn: Cnn) -> dict:
    """KimHead keyword arguments from the `cnn` params section."""
    return {"widths": tuple(cnn.filter_widths), "filters": cnn.filters, "dropout": cnn.dropout,
            "max_norm": cnn.max_norm}
