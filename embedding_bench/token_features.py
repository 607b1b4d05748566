"""Frozen contextual token features, computed once per (model, variant, split) and stored
ragged: one float16 array of shape (total tokens, width) plus offsets (n_texts + 1), both .npy
files opened memory-mapped, so training reads only the batch it needs. A text's mask is implied
by its length.

Extraction is fast on CPU: fast tokenizer in one call, texts sorted by length and padded per
batch (little padding), torch.inference_mode, bfloat16 where the CPU has native support. On a
GPU, the writes of one batch overlap the next batch's compute.
"""

import mmap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
from tqdm import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from embedding_bench.devices import to_device
from embedding_bench.sections import Bert
from embedding_bench.transformer_models import combine_layers, encode_texts


def pad_right(tokenizer: PreTrainedTokenizerBase, ids: list[list[int]]) -> dict:
    # right: a text's tokens (and the label names of a prompt) keep their positions
    return tokenizer.pad({"input_ids": ids}, padding_side="right", return_tensors="pt")


@torch.inference_mode()
def extract(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str],
            cfg: Bert, path: Union[str, Path], device: str = "cpu", desc: str = "features",
            overlap: Optional[bool] = None) -> dict:
    """Token features of `texts` into `path`.npy (float16, ragged) and `path`.offsets.npy.
    Returns throughput figures. With `overlap`, each batch's features are written by a second
    thread while the model computes the next batch (from a GPU, copied to pinned memory without
    waiting for it). None (the stage's): on a GPU only; on a CPU, where the writing thread shares
    the model's cores, it measured no faster (0.94-1.03x in 3 runs of bench/bert_throughput.py, 2 cores)."""
    overlap = torch.device(device).type == "cuda" if overlap is None else overlap
    ids = encode_texts(tokenizer, texts, cfg.max_length)
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.lib.format.open_memmap(f"{path}.npy", mode="w+", dtype=np.float16,
                                     shape=(int(offsets[-1]), model.config.hidden_size))
    order = np.argsort(-lengths, kind="stable")  # longest first: memory peaks at once, if at all
    every_layer = cfg.last_n > 1 or cfg.layer != -1
    start = time.perf_counter()
    model.eval()
    with tqdm(total=len(ids), desc=desc, unit="text") as bar, ThreadPoolExecutor(1) as writer:
        written = None  # the previous batch's write, running while this batch computes
        for n, b in enumerate(range(0, len(order), cfg.batch_size)):
            idx = order[b:b + cfg.batch_size]
            out = model(**to_device(dict(pad_right(tokenizer, [ids[i] for i in idx])), device),
                        output_hidden_states=every_layer)
            h = (combine_layers(out.hidden_states, cfg.layer, cfg.last_n, cfg.combine)
                 if every_layer else out.last_hidden_state).to(torch.float16)
            h, copied = _to_host(h)
            if written is not None:
                written.result()  # one batch in flight at most: memory stays one batch ahead
            # every 50 batches, written pages go to disk and out of this process's memory
            written = writer.submit(_store, flat, offsets[idx], lengths[idx], h, copied, n % 50 == 49)
            if not overlap:
                written.result()
            bar.update(len(idx))
            seconds = time.perf_counter() - start
            bar.set_postfix(texts_s=f"{bar.n / seconds:.0f}",
                            tokens_s=f"{lengths[order[:b + len(idx)]].sum() / seconds:.0f}")
        if written is not None:
            written.result()
    flat.flush()
    del flat
    np.save(f"{path}.offsets.npy", offsets)
    seconds = time.perf_counter() - start
    return {"texts": len(ids), "tokens": int(offsets[-1]), "seconds": seconds,
            "texts_per_s": len(ids) / seconds, "tokens_per_s": float(offsets[-1]) / seconds}


def _to_host(h: torch.Tensor) -> tuple[torch.Tensor, Optional[torch.cuda.Event]]:
    """(h in host memory, the event that marks its copy done). From a GPU the copy goes to
    pinned memory asynchronously (the GPU goes on with the next batch); on a CPU there is none."""
    if h.device.type != "cuda":
        return h, None
    host = h.to("cpu", non_blocking=True)
    copied = torch.cuda.Event()
    copied.record(torch.cuda.current_stream(h.device))  # h's GPU, which need not be the current one
    return host, copied


def _store(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, h: torch.Tensor,
           copied: Optional[torch.cuda.Event], release: bool) -> None:
    """One batch's features (row r: the text stored from starts[r], lengths[r] tokens long)."""
    if copied is not None:
        copied.synchronize()
    h = h.numpy()
    for row, (s, n) in enumerate(zip(starts, lengths)):
        flat[s:s + n] = h[row, :n]
    if release:
        flat.flush()
        release_pages(flat)


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
