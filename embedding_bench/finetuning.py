"""Fine-tuning a BERT-family model end to end with its head: the tokenized inputs, the Kim CNN
or SpanEmo's label-token head over the transformer's states, and layer-wise learning rates."""

import contextlib
import re
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from transformers import PreTrainedTokenizerBase

from embedding_bench.errors import UserError
from embedding_bench.transformer_models import combine_layers, encode_texts


class Tokenized:
    """One split's token ids for end-to-end fine-tuning; batch() pads and builds the mask.
    With a `prompt` (the label names, for LabelTokenHead), each input is the pair
    (prompt, text): the text is cut to fit, never the prompt, so its tokens keep their places."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int,
                 min_len: int, prompt: Optional[str] = None):
        self.tokenizer, self.min_len = tokenizer, min_len
        if prompt is None:
            self.encoded = {"input_ids": encode_texts(tokenizer, texts, max_length)}
        else:
            self.encoded = dict(tokenizer([prompt] * len(texts), list(texts), truncation="only_second",
                                          max_length=max_length))
            self.encoded.pop("attention_mask")  # pad() builds it

    @property
    def ids(self):
        return self.encoded["input_ids"]

    def __len__(self):
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        """Each input's length once padded: its word pieces, at least min_len."""
        return np.maximum(self.min_len, np.fromiter(map(len, self.ids), dtype=np.int64, count=len(self.ids)))

    def batch(self, idx: Sequence[int]) -> dict:
        longest = max(self.min_len, max(len(self.ids[i]) for i in idx))
        return dict(self.tokenizer.pad({k: [v[i] for i in idx] for k, v in self.encoded.items()},
                                       padding="max_length", max_length=longest,
                                       padding_side="right", return_tensors="pt"))


def label_prompt(tokenizer: PreTrainedTokenizerBase, labels: list[str], max_length: int
                 ) -> tuple[str, list[list[int]]]:
    """SpanEmo's label-aware input: the label names as the first segment ("anger anticipation
    ... trust", underscores read as spaces) and, per label, the positions of its own word pieces
    in every input (the same for every text: the prompt comes first and is never cut). Pieces are
    found from characters (char_to_token), so WordPiece, byte-level BPE and sentencepiece, whose
    pieces may carry the space before a word, all map right. A tokenizer without offsets, a label
    without pieces of its own, or a max_length leaving no room for text is a UserError."""
    if not tokenizer.is_fast:
        raise UserError("params.yaml: bert.head: label_tokens finds each label's word pieces with a "
                        "fast tokenizer, and this bert.model has only a Python one; use bert.head: cnn")
    names = [label.replace("_", " ") for label in labels]
    prompt = " ".join(names)
    encoded = tokenizer(prompt, "x")
    positions, start = [], 0
    for name in names:
        start = prompt.index(name, start)
        positions.append(sorted({t for c in range(start, start + len(name)) if not prompt[c].isspace()
                                 and (t := encoded.char_to_token(c, sequence_index=0)) is not None}))
        start += len(name)
    flat = [t for pieces in positions for t in pieces]
    if not all(positions) or len(flat) != len(set(flat)):
        shared = [label for label, pieces in zip(labels, positions)
                  if not pieces or any(flat.count(t) > 1 for t in pieces)]
        raise UserError(f"params.yaml: bert.head: label_tokens: the tokenizer of bert.model gives no "
                        f"word pieces of their own to the label(s) {', '.join(shared)}; rename the "
                        f"labels or use bert.head: cnn")
    if len(encoded["input_ids"]) > max_length:
        raise UserError(f"params.yaml: bert.max_length {max_length} leaves no room for the text after "
                        f"the label names ({len(encoded['input_ids']) - 1} word pieces with the "
                        f"special tokens); raise bert.max_length or use bert.head: cnn")
    return prompt, positions


def layer_of(name: str, n_layers: int) -> int:
    """A transformer parameter's depth, for layer-wise learning rates: 0 for the embeddings,
    i + 1 for layer i (names with `layer.i.` or `layers.i.`), n_layers for what sits on top."""
    if name.startswith("embeddings."):
        return 0
    found = re.search(r"\blayers?\.(\d+)\.", name)
    return int(found.group(1)) + 1 if found else n_layers


class LabelTokenHead(nn.Module):
    """SpanEmo (Alhuzali & Ananiadou, EACL 2021): each label's logit comes from the states of its
    own name's word pieces in the input (mean over its pieces), through one feed-forward network
    that every label shares."""

    def __init__(self, dim: int, positions: list[list[int]], dropout: float = 0.1):
        super().__init__()
        width = max(max(p) for p in positions) + 1
        pool = torch.zeros(len(positions), width)
        for k, pieces in enumerate(positions):
            pool[k, pieces] = 1.0 / len(pieces)
        self.register_buffer("pool", pool, persistent=False)  # rebuilt from the saved positions
        self.ffn = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Dropout(dropout), nn.Linear(dim, 1))

    def forward(self, channels):
        states = channels[0][:, :self.pool.shape[1]]
        return self.ffn(torch.einsum("kt,bth->bkh", self.pool, states)).squeeze(-1)


def cheap_dropout(x: torch.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> torch.Tensor:
    """F.dropout with the keep mask drawn 16 bits an element from torch's generator: each
    element is kept with probability 1 - round(65536 p) / 65536 (within 7.7e-6 of 1 - p) and
    scaled by 1 / (1 - p). On a CPU, torch's bernoulli_ draws one 32-bit number an element and
    took a quarter of a fine-tuning step; four elements to a 64-bit draw take a third of its
    time (bench/finetune_throughput.py). `inplace` is not honoured: the result is returned."""
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    n = x.numel()
    bits = torch.randint(-2 ** 63, 2 ** 63 - 1, ((n + 3) // 4,), dtype=torch.int64, device=x.device)
    keep = bits.view(torch.int16)[:n].view(x.shape) >= round(p * 65536) - 32768
    return x * keep.to(x.dtype).mul_(1 / (1 - p))


class CheapDropout(TorchFunctionMode):
    """Within it, every F.dropout call (nn.Dropout modules, the attention's dropout of any
    transformers architecture) is cheap_dropout; every other function runs as it is."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is nn.functional.dropout:
            return cheap_dropout(*args, **(kwargs or {}))
        return func(*args, **(kwargs or {}))


class BertFineTuned(nn.Module):
    """A transformer and a head (the Kim CNN, or LabelTokenHead) trained end to end. The head reads
    the last layer, or the mean/sum of the last `last_n` layers (as frozen features do). The
    transformer gets its own, lower learning rate, optionally decayed layer by layer downwards
    (param_groups)."""

    def __init__(self, transformer: nn.Module, head: nn.Module, autocast: Optional[torch.dtype] = None,
                 layer: int = -1, last_n: int = 1, combine: str = "mean", cheap_dropout: bool = False):
        super().__init__()
        self.transformer, self.head = transformer, head
        self.autocast = autocast  # e.g. torch.bfloat16: mixed precision for the transformer
        self.cheap_dropout = cheap_dropout  # bert.finetune_dropout: auto, on a CPU (CheapDropout)
        self.layer, self.last_n, self.combine = layer, last_n, combine

    def forward(self, batch):
        return self.head([self.states(batch)])

    def states(self, batch) -> torch.Tensor:
        """What the head reads, (batch, time, dim) in float32: the transformer's states of each
        text's word pieces, zero on padding (as in stored features). The attention mask hides
        padding from every real word piece, so a text's states do not depend on its batch
        (training.in_order_logits relies on it)."""
        device = next(self.parameters()).device.type
        batch = {k: v.to(device) for k, v in batch.items()}
        every_layer = self.last_n > 1 or self.layer != -1
        # a GPU's dropout is a fused kernel already
        cheap = self.cheap_dropout and self.training and device == "cpu"
        dropout = CheapDropout() if cheap else contextlib.nullcontext()
        with torch.autocast(device, dtype=self.autocast or torch.float32,
                            enabled=self.autocast is not None), dropout:
            out = self.transformer(**batch, output_hidden_states=every_layer)
            states = (combine_layers(out.hidden_states, self.layer, self.last_n, self.combine)
                      if every_layer else out.last_hidden_state)
        return states.float() * batch["attention_mask"].unsqueeze(-1)

    def param_groups(self, lr: float, transformer_lr: float, layer_decay: float) -> list[dict]:
        """The head at `lr`; the transformer at `transformer_lr`, times `layer_decay` per layer
        below the top (layer-wise learning-rate decay, as in Sun et al. 2019 "How to fine-tune
        BERT for text classification"; 1.0: one rate)."""
        decay, head = layer_decay, {"params": self.head.parameters(), "lr": lr}
        if decay == 1.0:
            return [{"params": self.transformer.parameters(), "lr": transformer_lr}, head]
        n_layers = self.transformer.config.num_hidden_layers
        by_depth = {}
        for name, param in self.transformer.named_parameters():
            by_depth.setdefault(min(layer_of(name, n_layers), n_layers), []).append(param)
        if len(by_depth) < 2:
            raise UserError("params.yaml: bert.layer_decay needs a transformer whose parameters are "
                            "named by layer (embeddings., layer.N.); this model's are not: use 1.0")
        return [{"params": params, "lr": transformer_lr * decay ** (n_layers - depth)}
                for depth, params in sorted(by_depth.items())] + [head]
