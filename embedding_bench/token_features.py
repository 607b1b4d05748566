"""Frozen contextual token features, computed once per (model, variant, split) and stored
ragged: one float16 array of shape (total tokens, width) plus offsets (n_texts + 1), both .npy
files opened memory-mapped, so training reads only the batch it needs. A text's mask is implied
by its length.

Extraction is fast on CPU: fast tokenizer in one call, texts sorted by length and padded per
batch (little padding), torch.inference_mode, bfloat16 where the CPU has native support.
"""

import mmap
import time
from pathlib import Path
from typing import Sequence, Union

import numpy as np
import torch
from tqdm import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from embedding_bench.sections import Bert
from embedding_bench.transformer_models import combine_layers, encode_texts


def pad_right(tokenizer: PreTrainedTokenizerBase, ids: list[list[int]]) -> dict:
    # right: a text's tokens (and the label names of a prompt) keep their positions
    return tokenizer.pad({"input_ids": ids}, padding_side="right", return_tensors="pt")


@torch.inference_mode()
def extract(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str],
            cfg: Bert, path: Union[str, Path], device: str = "cpu", desc: str = "features") -> dict:
    """Token features of `texts` into `path`.npy (float16, ragged) and `path`.offsets.npy.
    Returns throughput figures."""
    ids = encode_texts(tokenizer, texts, cfg.max_length)
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    width = model.config.hidden_size
    flat = np.lib.format.open_memmap(f"{path}.npy", mode="w+", dtype=np.float16,
                                     shape=(int(offsets[-1]), width))
    order = np.argsort(-lengths, kind="stable")  # longest first: memory peaks at once, if at all
    start = time.perf_counter()
    model.eval()
    with tqdm(total=len(ids), desc=desc, unit="text") as bar:
        for b in range(0, len(order), cfg.batch_size):
            idx = order[b:b + cfg.batch_size]
            batch = {k: v.to(device) for k, v in pad_right(tokenizer, [ids[i] for i in idx]).items()}
            every_layer = cfg.last_n > 1 or cfg.layer != -1
            out = model(**batch, output_hidden_states=every_layer)
            h = (combine_layers(out.hidden_states, cfg.layer, cfg.last_n, cfg.combine)
                 if every_layer else out.last_hidden_state).to(torch.float16).cpu().numpy()
            for row, i in enumerate(idx):
                flat[offsets[i]:offsets[i + 1]] = h[row, :lengths[i]]
            if (b // cfg.batch_size) % 50 == 49:  # written pages to disk, out of our memory
                flat.flush()
                release_pages(flat)
            bar.update(len(idx))
            seconds = time.perf_counter() - start
            bar.set_postfix(texts_s=f"{bar.n / seconds:.0f}",
                            tokens_s=f"{lengths[order[:b + len(idx)]].sum() / seconds:.0f}")
    flat.flush()
    del flat
    np.save(f"{path}.offsets.npy", offsets)
    seconds = time.perf_counter() - start
    return {"texts": len(ids), "tokens": int(offsets[-1]), "seconds": seconds,
            "texts_per_s": len(ids) / seconds, "tokens_per_s": float(offsets[-1]) / seconds}


def release_pages(memmap: np.memmap) -> None:
    """Hand a memory map's resident pages back to the OS (file-backed: they are re-read if
    needed); pages a process has touched count in its resident memory otherwise."""
    memmap._mmap.madvise(mmap.MADV_DONTNEED)


class TokenFeatures:
    """One split's stored features, memory-mapped; batch() pads the selected texts.
    Pages read are handed back to the OS every `release_every` batches: file pages a process
    has touched count in its resident memory, and would otherwise grow with the dataset."""

    def __init__(self, path: Union[str, Path], min_len: int, release_every: int = 100):
        self.flat = np.load(f"{path}.npy", mmap_mode="r", allow_pickle=False)
        self.offsets = np.load(f"{path}.offsets.npy", allow_pickle=False)
        self.min_len, self.release_every, self.calls = min_len, release_every, 0

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def width(self):
        return self.flat.shape[1]

    def batch(self, idx: Sequence[int]) -> torch.Tensor:
        starts, ends = self.offsets[idx], self.offsets[np.asarray(idx) + 1]
        out = np.zeros((len(idx), max(self.min_len, int((ends - starts).max())), self.width),
                       dtype=np.float32)
        for row, (s, e) in enumerate(zip(starts, ends)):
            out[row, :e - s] = self.flat[s:e]
        self.calls += 1
        if self.calls % self.release_every == 0 and isinstance(self.flat, np.memmap):
            release_pages(self.flat)
        return torch.from_numpy(out)
