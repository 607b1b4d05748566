"""Reproducible CNN training on CPU: seeds, token-id batches, early stopping on validation."""

import copy
import os
import random

import numpy as np
import torch
from tqdm import tqdm

from stages.embeddings import UNK


def make_reproducible(seed):
    """Same seed, same numbers: seed every generator, refuse non-deterministic kernels, and use
    every core this process may run on."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(len(os.sched_getaffinity(0)))


def encode(token_lists, vocab, max_len):
    """Token lists -> lists of ids (unknown words -> <unk>), cut at max_len tokens."""
    index = {w: i for i, w in enumerate(vocab)}
    unk = index[UNK]
    return [np.array([index.get(t, unk) for t in tokens[:max_len]], dtype=np.int64)
            for tokens in token_lists]


def pad(ids, min_len):
    """A (batch, time) LongTensor, zero-padded to the longest text (at least min_len)."""
    out = np.zeros((len(ids), max(min_len, max(len(x) for x in ids))), dtype=np.int64)
    for row, x in zip(out, ids):
        row[:len(x)] = x
    return torch.from_numpy(out)


def batches(ids, y, batch_size, min_len, generator=None):
    order = (torch.randperm(len(ids), generator=generator).numpy() if generator is not None
             else np.arange(len(ids)))
    for start in range(0, len(ids), batch_size):
        idx = order[start:start + batch_size]
        yield pad([ids[i] for i in idx], min_len), torch.from_numpy(y[idx]).float()


def make_optimizer(model, cfg):
    trainable = [p for p in model.parameters() if p.requires_grad]
    if cfg["optimizer"] == "adadelta":
        return torch.optim.Adadelta(trainable, lr=cfg["lr"], rho=cfg["rho"], eps=1e-6)
    if cfg["optimizer"] == "adam":
        return torch.optim.Adam(trainable, lr=cfg["lr"])
    raise ValueError(f"unknown optimizer {cfg['optimizer']!r}; valid: adadelta, adam")


@torch.inference_mode()
def predict(model, ids, batch_size, min_len):
    """Label probabilities, (n_texts, n_labels)."""
    model.eval()
    y = np.zeros((len(ids), 1), dtype=np.float32)
    return np.concatenate([torch.sigmoid(model(x)).numpy()
                           for x, _ in batches(ids, y, batch_size, min_len)])


def evaluate_loss(model, ids, y, batch_size, min_len):
    loss = torch.nn.BCEWithLogitsLoss(reduction="sum")
    model.eval()
    with torch.inference_mode():
        total = sum(loss(model(x), t).item() for x, t in batches(ids, y, batch_size, min_len))
    return total / y.size


def fit(model, train, val, cfg, seed, log=None):
    """Train with BCE-with-logits until validation loss stops improving for `patience` epochs.
    Returns the best epoch's weights loaded into `model` and a summary."""
    (train_ids, train_y), (val_ids, val_y) = train, val
    min_len, bs = model.head.min_len, cfg["batch_size"]
    optimizer, loss_fn = make_optimizer(model, cfg), torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(seed)
    best = {"val_loss": float("inf"), "epoch": 0}
    best_state, stale = None, 0
    for epoch in (bar := tqdm(range(1, cfg["max_epochs"] + 1), desc="train", unit="epoch")):
        model.train()
        total = 0.0
        for x, t in batches(train_ids, train_y, bs, min_len, generator):
            optimizer.zero_grad()
            loss = loss_fn(model(x), t)
            loss.backward()
            optimizer.step()
            model.head.apply_max_norm()
            total += loss.item() * len(t)
        train_loss = total / len(train_ids)
        val_loss = evaluate_loss(model, val_ids, val_y, bs, min_len)
        bar.set_postfix(train_loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}")
        if log:
            log(epoch, train_loss, val_loss)
        if val_loss < best["val_loss"]:
            best, best_state, stale = {"val_loss": val_loss, "epoch": epoch}, copy.deepcopy(
                model.state_dict()), 0
        else:
            stale += 1
            if stale >= cfg["patience"]:
                break
    model.load_state_dict(best_state)
    return {"best_epoch": best["epoch"], "best_val_loss": best["val_loss"], "epochs_run": epoch}
