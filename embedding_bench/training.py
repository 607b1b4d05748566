"""Reproducible CNN training: seeds, batches, early stopping on validation.

Inputs are any object with len() and batch(indices) -> model input: token ids (vocab.TokenIds),
memory-mapped contextual features or tokenized texts (contextual.py)."""

import copy
import os
import random

import numpy as np
import torch
from tqdm import tqdm


def make_reproducible(seed):
    """Same seed, same numbers: seed every generator, refuse non-deterministic kernels, and use
    every core this process may run on. Call it before anything touches CUDA: cuBLAS reads its
    workspace setting, which deterministic GEMMs need, when it starts."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(len(os.sched_getaffinity(0)))


def to_device(x, device):
    """A batch (a tensor, or a dict of them) on `device`; the copy overlaps compute on a GPU."""
    if isinstance(x, dict):
        return {k: v.to(device, non_blocking=True) for k, v in x.items()}
    return x.to(device, non_blocking=True)


def model_device(model):
    return next(model.parameters()).device


def batches(inputs, y, batch_size, generator=None, device="cpu"):
    """(inputs, labels) batches on `device`, shuffled by `generator` (a CPU generator, so the
    order is the same on every device) or in order."""
    order = (torch.randperm(len(inputs), generator=generator).numpy() if generator is not None
             else np.arange(len(inputs)))
    for start in range(0, len(inputs), batch_size):
        idx = order[start:start + batch_size]
        yield to_device(inputs.batch(idx), device), to_device(torch.from_numpy(y[idx]).float(), device)


def make_optimizer(model, cfg):
    trainable = [p for p in model.parameters() if p.requires_grad]
    if hasattr(model, "param_groups"):  # a model that wants its own learning rates per part
        trainable = model.param_groups(cfg)
    if cfg["optimizer"] == "adadelta":
        return torch.optim.Adadelta(trainable, lr=cfg["lr"], rho=cfg["rho"], eps=1e-6)
    if cfg["optimizer"] == "adam":
        return torch.optim.Adam(trainable, lr=cfg["lr"])
    if cfg["optimizer"] == "adamw":
        return torch.optim.AdamW(trainable, lr=cfg["lr"])
    raise ValueError(f"unknown optimizer {cfg['optimizer']!r}; valid: adadelta, adam, adamw")


@torch.inference_mode()
def predict(model, inputs, batch_size=256):
    """Label probabilities, (n_texts, n_labels)."""
    model.eval()
    y = np.zeros((len(inputs), 1), dtype=np.float32)
    return np.concatenate([torch.sigmoid(model(x)).float().cpu().numpy()
                           for x, _ in batches(inputs, y, batch_size, device=model_device(model))])


def label_correlation_loss(logits, targets):
    """SpanEmo's label-correlation-aware (LCA) loss (Alhuzali & Ananiadou, EACL 2021): per text,
    the mean over every (absent label p, present label q) pair of exp(prob_p - prob_q), which
    pushes each present label's probability above each absent one's; a text without a present
    or without an absent label adds 0. Mean over the batch."""
    probs = torch.sigmoid(logits)
    pairs = (1 - targets).unsqueeze(2) * targets.unsqueeze(1)  # [b, p, q]: p absent, q present
    gaps = torch.exp(probs.unsqueeze(2) - probs.unsqueeze(1))
    return ((gaps * pairs).sum((1, 2)) / pairs.sum((1, 2)).clamp(min=1)).mean()


def objective(lca_weight):
    """The training loss: BCE-with-logits, or (1 - w) BCE + w LCA for `train.lca_weight` w > 0."""
    bce = torch.nn.BCEWithLogitsLoss()
    if not lca_weight:
        return bce
    return lambda logits, t: (1 - lca_weight) * bce(logits, t) + lca_weight * label_correlation_loss(logits, t)


def evaluate_loss(model, inputs, y, batch_size):
    loss = torch.nn.BCEWithLogitsLoss(reduction="sum")
    model.eval()
    with torch.inference_mode():  # summed on the device in float64: one host sync, not one a batch
        total = sum(loss(model(x).float(), t).double()
                    for x, t in batches(inputs, y, batch_size, device=model_device(model)))
    return float(total) / y.size


def fit(model, train, val, cfg, seed, log=None, schedule=None):
    """Train with BCE-with-logits (plus the LCA term where cfg["lca_weight"] > 0) until the
    validation BCE stops improving for `patience` epochs.
    `train`/`val` are (inputs, label matrix). `schedule(optimizer, steps)` may return a learning
    rate scheduler stepped after each optimizer step; cfg["accumulate"] batches make one step.
    Returns the best epoch's weights loaded into `model` and a summary."""
    (train_x, train_y), (val_x, val_y) = train, val
    bs, accumulate = cfg["batch_size"], cfg.get("accumulate", 1)
    optimizer, loss_fn = make_optimizer(model, cfg), objective(cfg.get("lca_weight", 0.0))
    max_norm = getattr(model.head, "apply_max_norm", None)  # Kim's constraint, where the head has it
    steps = cfg["max_epochs"] * -(-len(train_x) // (bs * accumulate))
    scheduler = schedule(optimizer, steps) if schedule else None
    generator = torch.Generator().manual_seed(seed)
    best = {"val_loss": float("inf"), "epoch": 0}
    best_state, stale, device = None, 0, model_device(model)
    for epoch in (bar := tqdm(range(1, cfg["max_epochs"] + 1), desc="train", unit="epoch")):
        model.train()
        total = 0.0
        # a bar within the epoch too: a fine-tuning epoch on a CPU takes minutes
        in_epoch = tqdm(batches(train_x, train_y, bs, generator, device), total=-(-len(train_x) // bs),
                        desc=f"epoch {epoch}", unit="batch", leave=False)
        for step, (x, t) in enumerate(in_epoch, start=1):
            loss = loss_fn(model(x).float(), t)
            (loss / accumulate).backward()
            total += loss.detach().double() * len(t)  # on the device: no host sync per batch
            if step % accumulate == 0 or step * bs >= len(train_x):
                optimizer.step()
                optimizer.zero_grad()
                if max_norm:
                    max_norm()
                if scheduler:
                    scheduler.step()
        train_loss = float(total) / len(train_x)
        val_loss = evaluate_loss(model, val_x, val_y, bs)
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
