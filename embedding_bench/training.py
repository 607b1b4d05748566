"""Reproducible CNN training: seeds, batches, early stopping on validation.

Inputs are any object with len() and batch(indices) -> model input: token ids (vocab.TokenIds),
memory-mapped contextual features or tokenized texts (contextual.py)."""

import copy
import math
import os
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from embedding_bench import devices
from embedding_bench.batching import epoch_plan
from embedding_bench.errors import UserError, warn
from embedding_bench.sections import Train


@dataclass(frozen=True)
class FitOptions:
    """What fit() needs: the `train` params, or for fine-tuning the `bert` ones over them
    (fine-tuning: AdamW, the transformer at its own rate, gradient accumulation, and a
    learning-rate `schedule(optimizer, steps)` stepped after each optimizer step)."""
    optimizer: str
    lr: float
    rho: float
    batch_size: int
    max_epochs: int
    patience: int
    lca_weight: float
    accumulate: int
    transformer_lr: Optional[float]
    layer_decay: float
    schedule: Optional[Callable[[torch.optim.Optimizer, int], Any]]
    rate_params: str  # the params that set the learning rates, named when training diverges
    by_length: bool = False  # batching.epoch_plan: texts of similar length batched together ...
    max_tokens: Optional[int] = None  # ... and, if set, as many as fit this many word pieces
    fused: bool = False  # Adam/AdamW's fused kernel (fine-tuning; the CNN's training as it was)

    @classmethod
    def of(cls, train: Train) -> "FitOptions":
        """The `train` params as they are: Kim's training of a CNN over word vectors or features."""
        return cls(optimizer=train.optimizer, lr=train.lr, rho=train.rho, batch_size=train.batch_size,
                   max_epochs=train.max_epochs, patience=train.patience, lca_weight=train.lca_weight,
                   accumulate=1, transformer_lr=None, layer_decay=1.0, schedule=None,
                   rate_params="train.lr (and train.optimizer)")


def make_reproducible(seed: int) -> None:
    """Same seed, same numbers: seed every generator, refuse non-deterministic kernels, and use
    every core this process may run on. Call it before any tensor maths: cuBLAS reads its
    workspace setting, which deterministic GEMMs need, and MKL starts, when they are first used."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    start_mkl_on_one_core()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(len(os.sched_getaffinity(0)))


def start_mkl_on_one_core() -> None:
    """MKL's vector maths (torch's sqrt of a float tensor, as in Adadelta's step) is not
    correctly rounded, and which elements it rounds off is settled once a process, when MKL
    starts: started with two cores free, that came out differently in about 1 process of 10 on a
    2-core AVX-512 machine, so the same seed trained another model. Started on one core, it did
    not (docs/experiments.md). The process then gets back every core it had."""
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        torch.ones(64).sqrt_()  # too few elements to start the thread pool on that one core
    finally:
        os.sched_setaffinity(0, cores)


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def in_order(n_texts: int, batch_size: int) -> list[np.ndarray]:
    """Every `batch_size` texts in order, as batches of text indices."""
    return [np.arange(start, min(start + batch_size, n_texts)) for start in range(0, n_texts, batch_size)]


def batches(inputs: Any, y: np.ndarray, batch_size: int, device: Any = "cpu",
            plan: Optional[list[np.ndarray]] = None) -> Iterator[tuple[Any, torch.Tensor]]:
    """(inputs, labels) batches on `device`: the texts of each `plan` batch (batching.epoch_plan),
    or every `batch_size` texts in order."""
    for idx in in_order(len(inputs), batch_size) if plan is None else plan:
        yield (devices.to_device(inputs.batch(idx), device),
               devices.to_device(torch.from_numpy(y[idx]).float(), device))


def epoch_plans(inputs: Any, cfg: FitOptions, seed: int) -> list[list[np.ndarray]]:
    """Every epoch's training batches, drawn up front from one generator seeded with `seed` (a
    CPU generator: the same batches on every device), so the schedule knows the number of steps."""
    generator = torch.Generator().manual_seed(seed)
    lengths = inputs.lengths if cfg.by_length else np.zeros(len(inputs), dtype=np.int64)
    return [epoch_plan(lengths, cfg.batch_size, generator, cfg.by_length, cfg.max_tokens)
            for _ in range(cfg.max_epochs)]


def make_optimizer(model: nn.Module, cfg: FitOptions) -> torch.optim.Optimizer:
    trainable = [p for p in model.parameters() if p.requires_grad]
    if hasattr(model, "param_groups"):  # a model that wants its own learning rates per part
        trainable = model.param_groups(cfg.lr, cfg.transformer_lr, cfg.layer_decay)
    if cfg.optimizer == "adadelta":
        return torch.optim.Adadelta(trainable, lr=cfg.lr, rho=cfg.rho, eps=1e-6)
    # fused: one kernel for every parameter's update (about 4x faster a step than the loop over
    # parameters on a CPU, for MiniLM's 22.7M: bench/finetune_throughput.py)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(trainable, lr=cfg.lr, fused=cfg.fused)
    return torch.optim.AdamW(trainable, lr=cfg.lr, fused=cfg.fused)


STATES_PER_PASS = 2 ** 18  # word pieces whose states in_order_logits holds at once (MiniLM: 400 MB)


def in_order_logits(model: nn.Module, inputs: Any, batch_size: int) -> Iterator[tuple[np.ndarray, torch.Tensor]]:
    """(text indices, logits) for every `batch_size` texts in order: the batches predictions are
    defined on (the Kim head's max-pool reads the zeros that pad a text to its batch's longest,
    as in training). A fine-tuned model (one with `states`) on inputs that know their lengths
    runs its transformer on batches of texts of one length instead, the head then on each
    in-order batch padded as before: a text's states do not depend on its batch, so the
    predictions are the in-order ones (to rounding), without the transformer's work on padding."""
    device, plan = model_device(model), in_order(len(inputs), batch_size)
    if not (hasattr(model, "states") and hasattr(inputs, "lengths")):
        for idx in plan:
            yield idx, model(devices.to_device(inputs.batch(idx), device))
        return
    lengths, start = inputs.lengths, 0
    while start < len(plan):  # a pass: in-order batches holding up to STATES_PER_PASS word pieces
        end = start + 1
        while end < len(plan) and lengths[plan[start][0]:plan[end][-1] + 1].sum() <= STATES_PER_PASS:
            end += 1
        texts = np.concatenate(plan[start:end])
        longest_first = texts[np.argsort(-lengths[texts], kind="stable")]
        states = {}
        for s in range(0, len(longest_first), batch_size):
            idx = longest_first[s:s + batch_size]
            out = model.states(devices.to_device(inputs.batch(idx), device))
            states.update((i, out[row, :lengths[i]]) for row, i in enumerate(idx))
        for idx in plan[start:end]:  # each padded to its longest text by pad_sequence
            yield idx, model.head([nn.utils.rnn.pad_sequence([states[i] for i in idx], batch_first=True)])
        start = end


@torch.inference_mode()
def predict(model: nn.Module, inputs: Any, batch_size: int = 256) -> np.ndarray:
    """Label probabilities, (n_texts, n_labels)."""
    model.eval()
    return np.concatenate([torch.sigmoid(logits).float().cpu().numpy()
                           for _, logits in in_order_logits(model, inputs, batch_size)])


class LabelCorrelationLoss(nn.Module):
    """SpanEmo's label-correlation-aware (LCA) loss (Alhuzali & Ananiadou, EACL 2021): per text,
    the mean over every (absent label p, present label q) pair of exp(prob_p - prob_q), which
    pushes each present label's probability above each absent one's; a text without a present
    or without an absent label adds 0. Mean over the batch."""

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        probs = torch.sigmoid(logits)
        pairs = (1 - targets).unsqueeze(2) * targets.unsqueeze(1)  # [b, p, q]: p absent, q present
        gaps = torch.exp(probs.unsqueeze(2) - probs.unsqueeze(1))
        return ((gaps * pairs).sum((1, 2)) / pairs.sum((1, 2)).clamp(min=1)).mean()


class BceWithLca(nn.Module):
    """(1 - w) BCE-with-logits + w LCA."""

    def __init__(self, weight: float):
        super().__init__()
        self.weight, self.bce, self.lca = weight, nn.BCEWithLogitsLoss(), LabelCorrelationLoss()

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return (1 - self.weight) * self.bce(logits, targets) + self.weight * self.lca(logits, targets)


def objective(lca_weight: float) -> nn.Module:
    """The training loss: BCE-with-logits, or (1 - w) BCE + w LCA for `train.lca_weight` w > 0."""
    return BceWithLca(lca_weight) if lca_weight else nn.BCEWithLogitsLoss()


def evaluate_loss(model: nn.Module, inputs: Any, y: np.ndarray, batch_size: int) -> float:
    loss = torch.nn.BCEWithLogitsLoss(reduction="sum")
    model.eval()
    with torch.inference_mode():  # summed on the device in float64: one host sync, not one a batch
        total = sum(loss(logits.float(), devices.to_device(torch.from_numpy(y[idx]).float(),
                                                           logits.device)).double()
                    for idx, logits in in_order_logits(model, inputs, batch_size))
    return float(total) / y.size


def _train_epoch(model: nn.Module, train: tuple, cfg: FitOptions, optimizer: torch.optim.Optimizer,
                 scheduler: Any, plan: list[np.ndarray], desc: str) -> float:
    """One pass over the training batches of `plan`; the mean training loss (per text)."""
    (train_x, train_y), accumulate = train, cfg.accumulate
    loss_fn = objective(cfg.lca_weight)
    max_norm = getattr(model.head, "apply_max_norm", None)  # Kim's constraint, where the head has it
    model.train()
    total = 0.0
    # a bar within the epoch too: a fine-tuning epoch on a CPU takes minutes
    in_epoch = tqdm(batches(train_x, train_y, cfg.batch_size, model_device(model), plan),
                    total=len(plan), desc=desc, unit="batch", leave=False)
    for step, (x, t) in enumerate(in_epoch, start=1):
        loss = loss_fn(model(x).float(), t)
        (loss / accumulate).backward()
        total += loss.detach().double() * len(t)  # on the device: no host sync per batch
        if step % accumulate == 0 or step == len(plan):
            optimizer.step()
            optimizer.zero_grad()
            if max_norm:
                max_norm()
            if scheduler:
                scheduler.step()
    return float(total) / len(train_x)


def fit(model: nn.Module, train: tuple, val: tuple, cfg: FitOptions, seed: int,
        log: Optional[Callable[[int, float, float], None]] = None) -> dict:
    """Train with BCE-with-logits (plus the LCA term where cfg.lca_weight > 0) until the
    validation BCE stops improving for cfg.patience epochs. `train`/`val` are (inputs, label
    matrix); cfg.accumulate batches make one optimizer step, after which cfg.schedule's
    scheduler (if any) steps. Returns the best epoch's weights loaded into `model` and a summary."""
    optimizer = make_optimizer(model, cfg)
    plans = epoch_plans(train[0], cfg, seed)
    steps_per_epoch = [-(-len(plan) // cfg.accumulate) for plan in plans]
    if steps_per_epoch[0] == 1 and len(train[0]) > 1:
        budget = cfg.by_length and cfg.max_tokens  # a token budget sets the batches, not batch_size
        size, lower = ((f"{cfg.max_tokens} word pieces", "bert.finetune_batch_tokens (0: batches of "
                        "bert.finetune_batch_size texts)") if budget else (f"{cfg.batch_size}", "the batch size"))
        warn(f"batches of {size} (x {cfg.accumulate} accumulated) hold all {len(train[0])} "
             f"training texts: one optimizer step an epoch, {cfg.max_epochs} in all; lower {lower}")
    scheduler = cfg.schedule(optimizer, sum(steps_per_epoch)) if cfg.schedule else None
    best = {"val_loss": float("inf"), "epoch": 0}
    best_state, stale = None, 0
    for epoch in (bar := tqdm(range(1, cfg.max_epochs + 1), desc="train", unit="epoch")):
        train_loss = _train_epoch(model, train, cfg, optimizer, scheduler, plans[epoch - 1], f"epoch {epoch}")
        val_loss = evaluate_loss(model, *val, cfg.batch_size)
        if not (math.isfinite(train_loss) and math.isfinite(val_loss)):  # once an epoch: no sync a step
            raise UserError(f"training diverged in epoch {epoch}: the loss is {train_loss} (validation "
                            f"{val_loss}); the learning rate is too high for these inputs: lower "
                            f"{cfg.rate_params} in params.yaml")
        bar.set_postfix(train_loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}")
        if log:
            log(epoch, train_loss, val_loss)
        if val_loss < best["val_loss"]:
            best, best_state, stale = {"val_loss": val_loss, "epoch": epoch}, copy.deepcopy(
                model.state_dict()), 0
        else:
            stale += 1
            if stale >= cfg.patience:
                break
    model.load_state_dict(best_state)
    return {"best_epoch": best["epoch"], "best_val_loss": best["val_loss"], "epochs_run": epoch}
