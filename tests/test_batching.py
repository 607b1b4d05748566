"""Training batches (batching.py, training.fit) and the fine-tuning kernels: by-length batches and
token budgets cover every text once an epoch, reproducibly, with little padding; the schedule
knows every step; the CNN over a fine-tuned transformer never reads padding's states."""

import numpy as np
import pytest
import torch

from conftest import fit_options, make_params
from embedding_bench import batching, devices, training
from embedding_bench.compare.runs import config_id
from embedding_bench.errors import UserError

# word pieces per tweet: SemEval E-c's training split is 27.6 on average, from 4 to 100 or so
LENGTHS = np.random.default_rng(0).gamma(4.0, 7.0, size=1000).astype(np.int64) + 4


def plan(seed=0, **options):
    return batching.epoch_plan(LENGTHS, 32, torch.Generator().manual_seed(seed), **options)


def padding_share(batches, lengths=LENGTHS):
    padded = sum(len(b) * lengths[b].max() for b in batches)
    return 1 - lengths.sum() / padded


def test_random_batches_are_every_batch_size_texts_of_one_random_order():
    generator = torch.Generator().manual_seed(3)
    order = torch.randperm(len(LENGTHS), generator=torch.Generator().manual_seed(3)).numpy()
    batches = batching.epoch_plan(LENGTHS, 32, generator)
    assert [len(b) for b in batches] == [32] * 31 + [8]
    assert np.array_equal(np.concatenate(batches), order)  # what training did before by_length


@pytest.mark.parametrize("options", [{"by_length": True}, {"by_length": True, "max_tokens": 1024}])
def test_by_length_batches_cover_every_text_once_reproducibly_with_little_padding(options):
    batches = plan(**options)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(LENGTHS)))
    assert [b.tolist() for b in plan(**options)] == [b.tolist() for b in batches]  # same seed
    assert [b.tolist() for b in plan(seed=1, **options)] != [b.tolist() for b in batches]
    assert padding_share(batches) < 0.1 < 0.3 < padding_share(plan())  # random: ~40% padding
    first = [int(LENGTHS[b].max()) for b in batches]
    assert first != sorted(first) and first != sorted(first, reverse=True)  # batches in a random order


def test_a_token_budget_fills_each_batch_up_to_it_and_a_longer_text_goes_alone():
    lengths = np.array([30, 10, 10, 10, 10, 10, 100, 25, 5])
    batches = batching.epoch_plan(lengths, 4, torch.Generator().manual_seed(0), by_length=True, max_tokens=60)
    sizes = {tuple(sorted(b.tolist())) for b in batches}
    assert sizes == {(6,), (0, 7), (1, 2, 3, 4, 5, 8)}  # 100 alone; 30+25 padded to 60; six of 10
    assert all(len(b) * lengths[b].max() <= 60 for b in batches if len(b) > 1)


def test_the_schedule_is_told_every_optimizer_step_of_every_epoch():
    class Counting:
        def __init__(self, lengths):
            self.lengths = lengths

        def __len__(self):
            return len(self.lengths)

        def batch(self, idx):
            return torch.ones(len(idx), 1)

    lengths = np.array([3, 50, 4, 48, 5, 47, 6, 45, 7, 9, 40, 2, 33])
    y = np.zeros((len(lengths), 1), dtype=np.float32)
    told, stepped = [], []

    def schedule(optimizer, steps):
        told.append(steps)
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: stepped.append(step) or 1.0)

    class Model(torch.nn.Module):  # training reads a head's max-norm, where it has one
        def __init__(self):
            super().__init__()
            self.head = torch.nn.Linear(1, 1)

        def forward(self, x):
            return self.head(x)

    model = Model()
    cfg = fit_options(optimizer="adamw", batch_size=4, max_epochs=3, patience=9, by_length=True,
                      max_tokens=60, accumulate=2, schedule=schedule)
    training.fit(model, (Counting(lengths), y), (Counting(lengths), y), cfg, seed=0)
    plans = training.epoch_plans(Counting(lengths), cfg, seed=0)
    assert told == [sum(-(-len(p) // 2) for p in plans)] and len(stepped) == told[0] + 1  # + its first


def test_fine_tuning_params_refuse_a_budget_without_length_batches_and_pick_kernels():
    with pytest.raises(UserError, match="finetune_batch_tokens 512 needs finetune_batching: by_length"):
        make_params(bert__finetune_batching="random", bert__finetune_batch_tokens=512)
    options = make_params(embedding="bert", bert__finetune=True, bert__finetune_batch_tokens=512)
    from embedding_bench.kinds import KINDS
    fit = KINDS["finetune"].fit_options(options)
    assert fit.by_length and fit.max_tokens == 512
    # auto: the measured budget with by_length, none for random batches (no refusal there); 0: off
    budget = {(batching, tokens): KINDS["finetune"].fit_options(make_params(
        embedding="bert", bert__finetune=True, bert__finetune_batching=batching,
        bert__finetune_batch_tokens=tokens)).max_tokens
        for batching, tokens in (("by_length", "auto"), ("random", "auto"), ("by_length", 0), ("random", 0))}
    assert budget == {("by_length", "auto"): 2048, ("random", "auto"): None, ("by_length", 0): None,
                      ("random", 0): None}
    with pytest.raises(UserError, match="finetune_batch_tokens"):  # strict: a number, not its text
        make_params(bert__finetune_batch_tokens="2048")
    assert devices.pick_attention("auto", "cpu") == "eager" and devices.pick_attention("auto", "cuda") == "sdpa"
    assert devices.pick_attention("sdpa", "cpu") == "sdpa"


def test_fine_tuning_runs_made_before_the_batching_params_are_a_configuration_of_their_own():
    """They ran random batches, sdpa, AdamW's loop and a CNN reading padding's states: not any
    configuration run since, but one configuration together; the params never split other runs."""
    from embedding_bench.compare.runs import configuration

    params = make_params(embedding="bert", bert__finetune=True).model_dump()
    new_keys = ("finetune_batching", "finetune_batch_tokens", "finetune_attention")
    before = {**params, "bert": {k: v for k, v in params["bert"].items() if k not in new_keys}}
    as_before = {**params, "bert": {**params["bert"], "finetune_batching": "random",
                                    "finetune_attention": "sdpa"}}
    assert configuration(before, "cnn")["bert.finetune_batching"] == "unrecorded"
    assert len({config_id(before, "cnn"), config_id(as_before, "cnn"), config_id(params, "cnn")}) == 3
    assert config_id(before, "cnn") == config_id({**before, "seed": 7}, "cnn")
    frozen = {**params, "bert": {**params["bert"], "finetune": False}}
    frozen_before = {**before, "bert": {**before["bert"], "finetune": False}}
    assert config_id(frozen, "cnn") == config_id(frozen_before, "cnn")  # not read: left out
    word2vec = {**params, "embedding": "word2vec", "bert": {**params["bert"], "finetune_batching": "random"}}
    assert config_id(word2vec, "cnn") == config_id({**params, "embedding": "word2vec"}, "cnn")
    assert "bert.finetune_batching" not in configuration(params, "baseline")
    # random batches take no budget: auto and 0 train alike, so they are one configuration; by
    # length, auto stays apart from its number (the default may change, a run's number does not)
    random = {tokens: {**params, "bert": {**params["bert"], "finetune_batching": "random",
                                          "finetune_batch_tokens": tokens}} for tokens in ("auto", 0)}
    assert config_id(random["auto"], "cnn") == config_id(random[0], "cnn")
    assert configuration(random["auto"], "cnn")["bert.finetune_batch_tokens"] == "0"
    by_length = {tokens: {**params, "bert": {**params["bert"], "finetune_batch_tokens": tokens}}
                 for tokens in ("auto", 2048, 0)}
    assert len({config_id(run, "cnn") for run in by_length.values()}) == 3
    # a run made before bert.finetune_dropout drew torch's masks: pooled with neither setting
    no_dropout_param = {**params, "bert": {k: v for k, v in params["bert"].items() if k != "finetune_dropout"}}
    assert configuration(no_dropout_param, "cnn")["bert.finetune_dropout"] == "unrecorded"
    assert len({config_id(no_dropout_param, "cnn"), config_id(params, "cnn"),
                config_id({**params, "bert": {**params["bert"], "finetune_dropout": "torch"}}, "cnn")}) == 3


def test_fused_adam_is_for_fine_tuning_only():
    from embedding_bench.kinds import KINDS

    cnn = fit_options(optimizer="adamw")
    assert not cnn.fused and not training.make_optimizer(torch.nn.Linear(2, 1), cnn).defaults["fused"]
    fine = KINDS["finetune"].fit_options(make_params(embedding="bert", bert__finetune=True))
    assert fine.fused
