"""`embedding-bench answer`: rules chosen on validation before test is read, and end to end on the
reduced sample through DVC's queue, killed and resumed."""

import json
import re
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import pytest

from conftest import BIN, run, stage_env
from embedding_bench.answer import choose, cli, evidence
from embedding_bench.answer.evidence import Configuration
from embedding_bench.rules import DecisionRule
from test_charts import CHROMIUM, draw
from test_pipeline import DVC

ANSWER = [str(BIN / "embedding-bench"), "answer", "--quick", "--families", "random,word2vec",
          "--variants", "light", "--seeds", "42", "--jobs", "1"]


def probabilities(rng, y, sharp):
    """Probabilities that rank the true labels above the others, `sharp` saying how well."""
    return np.clip(y * sharp + (1 - sharp) / 2 + rng.normal(0, 0.15, y.shape), 0.01, 0.99)


def test_the_rule_is_the_best_candidate_on_validation_and_ties_go_to_the_simpler():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 4)) < 0.3).astype(np.int8)
    y[:, 3] = 0
    y[:10, 3] = 1  # a rare label: per-label thresholds matter for macro-F1
    low = probabilities(rng, y, 0.3) * 0.6  # everything below 0.5: threshold 0.5 predicts nothing
    chosen = choose.choose([(y, low)])
    for metric, c in chosen.items():
        assert c["validation"] == max(c["scores"].values())
        assert c["scores"][c["rule"]] > c["scores"]["0.5"]  # 0.5 is no rule for these probabilities
    assert DecisionRule.parse(chosen["jaccard"]["rule"]).tuned
    # where 0.5 and tuned_global decide the same label sets, the simpler rule is kept
    perfect = choose.choose([(y, y * 0.98 + 0.01)])
    assert perfect["jaccard"]["rule"] == "0.5" and perfect["f1_macro"]["rule"] == "0.5"


def test_cross_fitting_scores_tuned_thresholds_on_texts_they_were_not_fitted_on():
    rng = np.random.default_rng(1)
    y = (rng.random((60, 3)) < 0.4).astype(np.int8)
    noise = rng.random((60, 3))  # probabilities that know nothing
    rule = DecisionRule("tuned")
    from embedding_bench import metrics
    from embedding_bench.rules import decide
    fitted_on_all = decide(noise, metrics.fit_thresholds(rule, y, noise), False)
    in_sample = metrics.summary(y, fitted_on_all)["f1_macro"]
    cross = metrics.summary(y, choose.cross_fitted(rule, y, noise))["f1_macro"]
    assert cross < in_sample  # fitted and scored on the same texts, noise looks like skill
    first, second = choose.halves(60)
    assert len(first) + len(second) == 60 and not set(first) & set(second)


def test_the_test_split_is_read_once_after_every_rule_is_chosen(monkeypatch):
    rng = np.random.default_rng(2)
    reads = []
    y = {"val": (rng.random((40, 2)) < 0.5).astype(np.int8), "test": (rng.random((30, 2)) < 0.5).astype(np.int8)}

    def predictions(config, split):
        reads.append((config.key, split))
        frames = []
        for _ in config.revs:
            frame = pd.DataFrame({"id": [f"{split}{i}" for i in range(len(y[split]))]}).set_index("id")
            for j, label in enumerate(["a", "b"]):
                frame[f"true.{label}"] = y[split][:, j]
                frame[f"prob.{label}"] = probabilities(rng, y[split][:, j], 0.5)
            frames.append(frame)
        return frames

    def chosen_rules(runs):
        assert all(split == "val" for _, split in reads)  # nothing of test seen while choosing
        return real_choose(runs)

    real_choose = choose.choose
    monkeypatch.setattr(evidence, "predictions", predictions)
    monkeypatch.setattr(choose, "choose", chosen_rules)
    configs = [Configuration("random", "light", "cnn", ["r1", "r2"]),
               Configuration("tf-idf", "light", "baseline", ["r1"])]
    chosen, board = cli.judge(configs)
    assert [split for _, split in reads] == ["val", "val", "test", "test"]
    assert set(chosen) == {"random/light", "tf-idf/light"}
    assert len(board.runs[("jaccard", "random/light")]) == 2


def test_progress_tells_runs_done_the_running_ones_and_the_time_left(monkeypatch):
    from embedding_bench.answer import queue

    clock, said = [100.0], []
    monkeypatch.setattr(queue.time, "monotonic", lambda: clock[0])
    progress = queue.Progress(total=6, before=2, write=said.append)
    progress.update(2, 0, ["answer-a"])
    clock[0] += 120  # two runs in two minutes: one a minute, two to go
    progress.update(4, 0, ["answer-c"])
    progress.update(4, 0, ["answer-c"])  # nothing new: nothing said
    clock[0] += 60
    progress.update(5, 1, [])
    assert said == ["answer: 2 of 6 runs done; running answer-a",
                    "answer: 4 of 6 runs done; running answer-c, about 2 min left",
                    "answer: 5 of 6 runs done, 1 failed"]


def answer(repo, *extra):
    return subprocess.run([*ANSWER, *extra], cwd=repo, env=stage_env(), capture_output=True, text=True)


@pytest.mark.slow
def test_quick_answer_reuses_runs_queues_the_rest_and_resumes_after_a_kill(pipeline_repo):
    repo = pipeline_repo  # its commit is word2vec on `light`, seed 42: one of the answer's runs
    proc = subprocess.Popen(ANSWER, cwd=repo, env=stage_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline, said = time.monotonic() + 300, ""
    while "queued now" not in said:
        assert proc.poll() is None and time.monotonic() < deadline, said
        said += proc.stderr.readline()
    assert "1 of 2 runs made before; 1 queued now" in said
    proc.send_signal(signal.SIGKILL)  # the answer dies; the queue it filled goes on
    proc.wait()

    resumed = answer(repo)
    assert resumed.returncode == 0, resumed.stderr
    assert "0 queued now, 1 already in the queue" in resumed.stderr or "nothing to run" in resumed.stderr
    assert "answer: 2 of 2 runs done" in resumed.stderr or "nothing to run" in resumed.stderr  # progress
    names = run([DVC, "exp", "list", "--name-only"], repo).stdout.split()
    assert len([n for n in names if n.startswith("answer-random-light-seed42")]) == 1  # trained once

    again = answer(repo)
    assert again.returncode == 0 and "all 2 runs were made before; nothing to run" in again.stderr
    out = repo / "results" / "answer"
    summary = json.loads((out / "answer.json").read_text())
    first_line = (out / "answer.md").read_text().splitlines()[2]
    assert first_line.startswith("On sample, **`") and "works best: Jaccard" in first_line
    assert {row["key"] for row in summary["rows"]["jaccard"]} == {"random/light", "word2vec/light", "tf-idf/light"}
    for key, per_metric in summary["chosen_rules"].items():  # every rule: validation's best
        for c in per_metric.values():
            assert c["scores"][c["rule"]] == max(c["scores"].values())
    best = summary["rows"]["jaccard"][0]
    assert best["validation"] == max(r["validation"] for r in summary["rows"]["jaccard"])
    assert best["low"] < best["mean"] < best["high"] and best["texts"] == 60
    assert all(c["p"] <= c["p_holm"] <= 1 for c in summary["comparisons"])
    charts = (out / "answer.html").read_text().count("vegaEmbed(")
    assert charts >= 3  # the three metrics' intervals, and the why's charts where it has contrasts
    if CHROMIUM:  # drawn offline, as the other pages (.ci/run installs Chromium)
        views, inked = draw(out / "answer.html", repo.parent)
        assert views == charts and inked > 0.02


def test_runs_no_live_worker_runs_any_more_are_marked_failed_and_queued_again(monkeypatch):
    """After a restart DVC still calls the runs its dead workers held Running; the answer marks
    those failed (the live worker's run is left alone) and queues them again, instead of waiting
    for them forever. (Checked by hand against a queue whose workers died with the machine.)"""
    from collections import namedtuple
    from types import SimpleNamespace

    import dvc.repo

    from embedding_bench.answer import queue

    def task(name, task_id):
        return SimpleNamespace(entry=namedtuple("QueueEntry", "name")(name), async_result=SimpleNamespace(id=task_id))

    marked = []
    celery = SimpleNamespace(
        _iter_active_tasks=lambda: iter([task("answer-a", "id-a"), task("answer-b", "id-b")]),
        worker_status=lambda: {"worker-1": [{"id": "id-b"}]},  # only answer-b has a live worker
        _mark_inactive_tasks_failure=lambda entries: marked.extend(entries.values()))

    class Repo:
        def __enter__(self):
            return SimpleNamespace(experiments=SimpleNamespace(celery_queue=celery))

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(dvc.repo, "Repo", Repo)
    assert queue.release_orphans() == ["answer-a"] and marked == ["answer-a"]


def side(key, **numbers):
    """One side of a contrast as why._side gives it: the diagnostics and probes of a configuration."""
    probes = {"negation": {"inputs_changed": numbers.pop("negation_inputs", 40), "texts_changed": 40,
                           "flip_rate": numbers.pop("negation_flips", 0.2)},
              "typos": {"flip_rate": numbers.pop("typo_flips", 0.1)}}
    return {"key": key, "oov_static": None, "from_ngrams": None, "pieces_per_word": None, "unk_share": None, "tokens_lost": 0.0,
            "empty_texts": 0, "probes": probes, **numbers}


def test_the_why_says_what_a_reader_can_check_in_the_numbers():
    from embedding_bench.answer import why

    labels_a = {"joy": {"f1": 0.80, "predicted": 30, "support": 28}, "fear": {"f1": 0.50, "predicted": 9, "support": 10}}
    labels_b = {"joy": {"f1": 0.78, "predicted": 25, "support": 28}, "fear": {"f1": 0.0, "predicted": 0, "support": 10}}
    said = why.sentences("contextual_vs_static", side("bert_frozen/light", pieces_per_word=1.23456, unk_share=0.004),
                         side("glove/light", oov_static=0.079, negation_flips=0.05), labels_a, labels_b, True, None)
    assert said[0] == ("`glove/light` has no vector for 7.9% of the test tokens (its vocabulary and vectors); "
                       "`bert_frozen/light` cuts a word into 1.23 word pieces on average, 0.4% of them [UNK], "
                       "so every token gets a vector.")
    assert "label sets flip for 20.0% against 5.0%" in said[1]
    assert "gains most on fear 0.50 vs 0.00" in said[3]  # joy's 0.02 is no gain worth a word
    assert said[-1] == "`glove/light` never predicts fear on the test texts (support 10)."
    fasttext = why.sentences("contextual_vs_static", side("bert_frozen/light", pieces_per_word=1.2, unk_share=0.0),
                             side("fasttext/light", oov_static=0.0, from_ngrams=0.061), labels_a, labels_b, True, None)
    assert fasttext[0].startswith("`fasttext/light` has no vector for 0.0% of the test tokens (its vocabulary "
                                  "and vectors), and builds 6.1% from character n-grams; ")

    lost = {"lost": 12, "with_negation": 40, "share": 0.3}
    a, b = side("word2vec/light"), side("word2vec/full", tokens_lost=0.496, empty_texts=1, negation_inputs=3)
    said = why.sentences("preprocessing", a, b, labels_a, labels_a, True, lost)
    assert said[0] == ("`full` loses 49.6% of the test tokens against the text as given (`light`: 0.0%) "
                       "and leaves 1 test text empty (`light`: 0).")
    assert said[1] == "`full` deletes the negation from 12 of the 40 test texts that have one (30%)."
    assert "changes for 40 of them under `word2vec/light` and 3 under `word2vec/full`" in said[2]
    other = why.sentences("preprocessing", a, b, labels_a, labels_a, False, lost)  # not English
    assert not any(s.startswith(("The negation probe alters", "`full` deletes the negation")) for s in other)
    assert other[1].startswith("Not applicable on this text: ")


def test_the_plan_covers_the_new_families_and_warns_of_parallel_fine_tunes_on_a_cpu(capsys):
    from conftest import repository_params

    written = repository_params(device="cpu")
    quick = cli.planned_runs(cli._arguments(["--quick"], None), written)
    assert sorted({r.family for r in quick}) == ["bert_frozen", "bert_pooled", "fasttext", "glove",
                                                 "random", "word2vec"]
    assert len(quick) == 6 * len(written["preprocess"]["variants"]) and not capsys.readouterr().err
    both = cli.planned_runs(cli._arguments(["--quick", "--finetune", "--jobs", "2"], None), written)
    assert "bert_finetuned" in {r.family for r in both}
    assert "--jobs 2 with fine-tuning on the CPU" in capsys.readouterr().err
    # the frozen CNN and the pooled probe are two configurations, each known by all its params
    frozen, pooled = ({r.config for r in quick if r.family == f} for f in ("bert_frozen", "bert_pooled"))
    assert len(frozen) == len(pooled) == len(written["preprocess"]["variants"]) and not frozen & pooled
    said = cli.method(cli._arguments(["--quick"], None), quick, 0, 60.0)
    assert any(line.startswith("`bert_pooled`: the frozen features mean-pooled") for line in said)
    assert any("MTEB" in line for line in said) and any(line.startswith("`fasttext`") for line in said)


def test_fasttext_against_word2vec_and_the_pooled_probe_against_the_cnn_are_contrasts_of_their_own():
    from embedding_bench.answer import why
    from embedding_bench.answer.verdicts import Board

    keys = ["bert_frozen/light", "bert_pooled/light", "glove/light", "fasttext/raw", "fasttext/light",
            "word2vec/light"]  # ranked on validation
    result = Board(["joy"], rows={"jaccard": [{"key": k, "family": k.split("/")[0]} for k in keys]})
    configs = {k: Configuration(k.split("/")[0], k.split("/")[1], "cnn") for k in keys}
    assert why.pick(result, configs) == [("contextual_vs_static", "bert_frozen/light", "glove/light"),
                                         ("subwords", "fasttext/raw", "word2vec/light"),
                                         ("pooling", "bert_pooled/light", "bert_frozen/light")]
    labels = {"joy": {"f1": 0.5, "predicted": 10, "support": 10}}
    said = why.sentences("subwords", side("fasttext/raw", oov_static=0.0, from_ngrams=0.052),
                         side("word2vec/light", oov_static=0.087), labels, labels, True, None)
    assert said[0] == ("`fasttext/raw` builds the vectors of 5.2% of the test tokens from their character "
                       "n-grams and has none for 0.0%; `word2vec/light` has no vector for 8.7% (its "
                       "vocabulary and vectors).")
    said = why.sentences("pooling", side("bert_pooled/light"), side("bert_frozen/light"), labels, labels,
                         False, None)
    assert said[0].startswith("`bert_pooled/light` averages each text's token features into one vector")
    assert not any("negation probe" in s for s in said)  # not English: no negation sentence


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "1,1"], r"--seeds '1,1': give different seeds from 0 to 2\*\*32-1"),  # counted as 2 seeds
    (["--seeds", "-1"], r"--seeds '-1': give different seeds"),  # every run failed in the queue
    (["--families", "glove,glove"], r"--families glove,glove: names glove twice"),
    (["--families", "glove", "--contrast", "glove/light,bert_frozen/raw"],
     r"--contrast 'glove/light,bert_frozen/raw': .* they are: glove/raw, glove/light, glove/full, tf-idf/raw, "
     r"tf-idf/light, tf-idf/full$"),
])
def test_answer_arguments_are_refused_before_anything_is_queued(monkeypatch, capsys, argv, message):
    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(cli, "read_runs", lambda: pytest.fail("read the experiments"))
    monkeypatch.setattr(cli.queue, "run_all", lambda *_: pytest.fail("queued runs"))
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--quick", *argv])
    assert stopped.value.code == 2
    assert re.match(f"error: {message}", capsys.readouterr().err.strip())


def test_a_contrast_asked_for_names_two_configurations_of_the_answer():
    from embedding_bench.answer import why
    from embedding_bench.errors import UserError

    keys = ["fasttext/light", "glove/light", "bert_frozen/light"]
    assert cli.asked_contrasts(["fasttext/light, glove/light"], keys) == [("asked", "fasttext/light", "glove/light")]
    for bad in ("fasttext/light", "fasttext/light,fasttext/light", "fasttext/raw,glove/light"):
        with pytest.raises(UserError, match="give two different configurations of this answer"):
            cli.asked_contrasts([bad], keys)
    labels = {"joy": {"f1": 0.5, "predicted": 10, "support": 10}}
    said = why.sentences("asked", side("fasttext/light", oov_static=0.0, from_ngrams=0.087),
                         side("bert_frozen/light", pieces_per_word=1.24, unk_share=0.0), labels, labels, True, None)
    assert said[0] == ("`fasttext/light` has no vector for 0.0% of the test tokens, builds 8.7% from character "
                       "n-grams; `bert_frozen/light` cuts a word into 1.24 word pieces on average, 0.0% of them [UNK].")
