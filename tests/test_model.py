import os

import numpy as np
import torch

from conftest import fit_options
from embedding_bench.cnn import KimHead, WordCNN
from embedding_bench.schema import mode_of
from embedding_bench.training import fit, make_reproducible
from embedding_bench.vocab import TokenIds, pad

VOCAB = ["<pad>", "<unk>", "good", "bad", "not"]


def vectors(n=5, dim=8, seed=0):
    return np.random.default_rng(seed).uniform(-0.25, 0.25, (n, dim)).astype(np.float32)


def test_head_shapes_and_short_texts():
    head = KimHead(dim=8, n_labels=3, widths=(3, 4, 5), filters=100)
    assert head(torch.randn(2, 5, 8)[None].unbind(0)).shape == (2, 3)
    assert head.out.in_features == 300 and head.min_len == 5
    assert [c.kernel_size[0] for c in head.convs] == [3, 4, 5]
    ids = pad([np.array([2]), np.array([2, 3, 4, 2, 3, 4, 2])], head.min_len)
    assert ids.shape == (2, 7) and ids[0].tolist() == [2, 0, 0, 0, 0, 0, 0]


def test_max_norm_rescales_only_long_rows():
    head = KimHead(dim=4, n_labels=2, filters=2, max_norm=3.0)
    with torch.no_grad():
        head.out.weight.copy_(torch.tensor([[10.0] * 6, [0.1] * 6]))
    head.apply_max_norm()
    norms = head.out.weight.norm(dim=1)
    assert torch.allclose(norms[0], torch.tensor(3.0), atol=1e-5)
    assert torch.allclose(head.out.weight[1], torch.full((6,), 0.1))


def test_multichannel_has_frozen_and_trained_copy():
    model = WordCNN(vectors(), n_labels=2, mode="multichannel", filters=4)
    assert model(torch.tensor([[2, 3, 4, 0, 0]])).shape == (1, 2)
    assert model.static.weight.requires_grad is False and model.embedding.weight.requires_grad


def train_small(mode):
    make_reproducible(0)
    texts = [["good"], ["not", "good"], ["bad"], ["not", "bad"]] * 10
    y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]] * 10, dtype=np.float32)
    ids = TokenIds(texts, VOCAB, max_len=10, min_len=5)
    model = WordCNN(vectors(), 2, mode, filters=4)
    before = model.embedding.weight.detach().clone()
    cfg = fit_options(optimizer="adam", lr=0.01, batch_size=8, max_epochs=3, patience=5)
    summary = fit(model, (ids, y), (ids, y), cfg, seed=0)
    return model, before, summary


def test_static_embeddings_unchanged_non_static_changed():
    static, before, _ = train_small("static")
    assert torch.equal(static.embedding.weight, before)
    non_static, before, summary = train_small("non_static")
    assert not torch.equal(non_static.embedding.weight, before)
    assert torch.equal(non_static.embedding.weight[0], before[0])  # the padding row is not trained
    assert summary["epochs_run"] == 3 and 1 <= summary["best_epoch"] <= 3


def test_training_is_deterministic():
    a, _, sa = train_small("non_static")
    b, _, sb = train_small("non_static")
    assert sa == sb
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_mode_names():
    assert mode_of("random", "auto", False) == "rand"
    assert mode_of("word2vec", "auto", False) == "non_static"
    assert mode_of("word2vec", "multichannel", False) == "multichannel"
    assert mode_of("bert", "auto", False) == "frozen" and mode_of("bert", "static", True) == "finetune"


def test_batches_follow_the_device_they_are_asked_for():
    """Inputs and labels of a batch both land on the model's device (the GPU crash was labels
    left on the CPU); checked with PyTorch's meta device, which needs no GPU."""
    from embedding_bench.devices import to_device
    from embedding_bench.training import batches

    ids = TokenIds([["a", "b"], ["b"], ["a"]], ["<pad>", "<unk>", "a", "b"], max_len=5, min_len=3)
    y = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    for x, t in batches(ids, y, 2, device="meta"):
        assert x.device.type == "meta" and t.device.type == "meta"
    moved = to_device({"input_ids": torch.zeros(2, 3), "attention_mask": torch.ones(2, 3)}, "meta")
    assert {v.device.type for v in moved.values()} == {"meta"}



def test_make_reproducible_starts_mkl_on_one_core_and_gives_every_core_back(monkeypatch):
    """MKL starts on one core (its rounding is settled then, differently one process in ten when
    two cores are free), and the process keeps every core for the training that follows."""
    cores, calls = os.sched_getaffinity(0), []
    real = os.sched_setaffinity
    monkeypatch.setattr(os, "sched_setaffinity", lambda pid, cpus: (calls.append(set(cpus)), real(pid, cpus)))
    make_reproducible(0)
    assert calls == [{min(cores)}, cores]
    assert os.sched_getaffinity(0) == cores and torch.get_num_threads() == len(cores)
