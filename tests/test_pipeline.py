"""The DVC pipeline end to end on a reduced sample (300 texts): one first `dvc repro` for the whole
test run (conftest.pipeline_base), then each test's own experiments in a clone of it."""

import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
from ruamel.yaml import YAML

from conftest import BIN, run, stage_env

pytestmark = pytest.mark.slow
DVC = str(BIN / "dvc")
METRICS = ["jaccard", "f1_macro", "f1_micro", "precision_macro", "recall_macro",
           "subset_accuracy", "hamming_loss", "empty_prediction_rate", "true_empty_rate"]


def stages_run(output, model_only=False):
    """Stages that ran, but `sources`, which runs every time (it fingerprints the files params
    name); with model_only, without `headline`, which re-runs only where the metrics it copies
    changed (whether they do is not what these tests are about)."""
    ran = re.findall(r"Running stage '([^']+)'", output)
    assert "sources" in ran, output  # always_changed: every run fingerprints the sources first
    return [s for s in ran if s != "sources" and not (model_only and s == "headline")]


def up_to_date(repo):
    """`dvc status` lists nothing but `sources`, whose fingerprints are known only by running it."""
    return json.loads(run([DVC, "status", "--json"], repo).stdout) == {"sources": ["always changed"]}


def read(repo, name):
    return json.loads((repo / "metrics" / name).read_text())


def test_repro_exp_run_and_metrics_diff(pipeline_base, pipeline_repo):
    repo, out = pipeline_repo, pipeline_base["repro"]  # the first run, from nothing
    assert "WARNING" not in out + pipeline_base["stderr"]  # e.g. no "'data/contextual' is empty"
    assert sorted(stages_run(out)) == sorted(
        ["ingest", "split", "download", "embed", "features", "train", "predict", "evaluate", "probe", "baseline",
         "headline"]
        + [f"{stage}@{v}" for stage in ("preprocess", "diagnose") for v in ("raw", "light", "full")])
    m = read(repo, "metrics.json")
    assert set(m) == {"val", "test"}
    for split in ("val", "test"):
        assert list(m[split]) == METRICS
        assert all(0.0 <= v <= 1.0 for v in m[split].values())
    assert m["test"]["jaccard"] > 0.3  # a real model learnt something in 5 epochs
    headline = read(repo, "headline.json")  # the reviewer's file: the test numbers, nothing else
    assert headline["cnn"] == {k: m["test"][k] for k in ("jaccard", "f1_micro", "f1_macro",
                                                          "hamming_loss", "empty_prediction_rate")}
    assert headline["baseline"]["jaccard"] == read(repo, "baseline/metrics.json")["test"]["jaccard"]
    trained = read(repo, "train/metrics.json")  # the kept model's numbers are the headline
    assert 1 <= trained["kept"]["epoch"] <= trained["epochs_run"] and "val" not in trained
    per_label = read(repo, "per_label.json")["per_label"]
    assert list(per_label) == ["anger", "fear", "joy", "love", "optimism", "sadness"]
    assert sum(v["support"] for v in per_label.values()) > 0
    ingest = read(repo, "ingest.json")
    assert ingest["rows_read"] == ingest["rows_kept"] == 300
    assert read(repo, "split.json")["test"]["rows"] == 60
    for variant in ("raw", "light", "full"):
        assert read(repo, f"preprocess/{variant}.json")[variant]["train"]["texts"] == 216
    assert read(repo, "embed.json")["test"]["oov_token_rate"] < 0.2
    probes = read(repo, "probes.json")  # the same model and rule as evaluate, then perturbed texts
    assert probes["original"]["test"]["jaccard"] == m["test"]["jaccard"]
    assert set(probes["perturbations"]) == {"negation", "emoji_removed", "emoji_named", "hashtags_split",
                                            "mentions_urls_removed", "typos", "lowercase", "full_losses"}
    assert probes["perturbations"]["negation"]["inputs_changed"] > 0
    slices = read(repo, "slices.json")
    assert slices["long"]["texts"] + slices["short"]["texts"] == 60
    diag = {v: read(repo, f"diagnostics/{v}.json")[v]["test"] for v in ("raw", "light", "full")}
    assert diag["full"]["glove"]["oov_token_rate"] > diag["light"]["glove"]["oov_token_rate"]
    assert diag["light"]["bert"]["pieces_per_word"] < diag["full"]["bert"]["pieces_per_word"]

    assert stages_run(run([DVC, "repro"], repo).stdout) == []  # everything up to date
    assert up_to_date(repo)

    # a new decision rule is scored from the probabilities predict stored: no model runs again
    # (the TF-IDF baseline, under the same rule, is refitted: it takes a second)
    params = YAML().load(repo / "params.yaml")
    params["evaluate"]["threshold"] = "tuned_global"
    YAML().dump(params, repo / "params.yaml")
    assert sorted(stages_run(run([DVC, "repro"], repo).stdout, model_only=True)) == ["baseline", "evaluate", "probe"]
    assert len(set(read(repo, "thresholds.json")["thresholds"].values())) == 1
    assert read(repo, "probes.json")["original"]["test"] == {
        k: read(repo, "metrics.json")["test"][k] for k in ("jaccard", "f1_micro", "f1_macro")}
    run("git checkout -- params.yaml", repo)  # back to 0.5: DVC's run cache restores its scores
    assert "Stage 'evaluate' is cached" in run([DVC, "repro"], repo).stdout and up_to_date(repo)
    assert read(repo, "metrics.json") == m

    exp = run([DVC, "exp", "run", "-S", "embedding=random"], repo).stdout
    assert sorted(stages_run(exp, model_only=True)) == ["embed", "evaluate", "features", "predict", "probe", "train"]
    diff = run([DVC, "metrics", "diff", "--md"], repo).stdout
    assert "test.jaccard" in diff and "metrics/metrics.json" in diff
    assert "perturbations.negation.flip_rate" in diff and "metrics/slices.json" in diff  # the why, diffed

    # a configuration run before comes back from DVC's run cache: nothing retrains
    random_metrics = read(repo, "metrics.json")
    run([DVC, "exp", "run", "-S", "embedding=word2vec"], repo)
    back = run([DVC, "exp", "run", "-S", "embedding=random"], repo).stdout
    assert stages_run(back) == [] and "Stage 'train' is cached" in back
    assert read(repo, "metrics.json") == random_metrics

    plots = json.loads(run([DVC, "plots", "show", "--json"], repo).stdout)["data"]
    assert '"bar"' in json.dumps(plots["plots/cnn/per_label_f1.json"])
    assert {"metrics/train/plots/metrics/train/loss.tsv", "metrics/train/plots/metrics/val/loss.tsv",
            "plots/cnn/per_label_f1.json", "plots/baseline/per_label_f1.json",
            "plots/cnn/pr/joy.json"} <= set(plots)

    # the leaderboard and the paired test over the commit and its experiments, from DVC's cache;
    # random with a second seed also gets the row of the two seeds' ensemble; --ensemble joins
    # every CNN run across configurations (word2vec's seed 42, random's 42 and 7)
    run([DVC, "exp", "run", "-S", "embedding=random", "-S", "seed=7"], repo)
    assert read(repo, "metrics.json") != random_metrics  # another seed, other numbers
    board = run([BIN / "embedding-bench", "compare", "--ensemble", "rule=0.5", "--pair", "embedding=random",
                 "embedding=word2vec"], repo).stdout
    assert re.search(r"^\| sample +\| cnn +\| (word2vec\+random|random\+word2vec) +\| light +\| (non_static\+rand|rand\+non_static) +\| *0.5 *\| "
                     r"ensemble of 3 runs, 2 configurations +\| 0\.\d{4} +\|", board, re.M), board
    assert re.search(r"\| sample +\| cnn +\| random +\| light +\| rand +\| *0.5 *\| 2 +\|", board), board
    ensemble_row = re.search(r"^\| sample +\| cnn +\| random +\| light +\| rand +\| *0.5 *\| ensemble of 2 "
                             r"+\| (0\.\d{4}) +\|", board, re.M)
    assert ensemble_row and 0.0 < float(ensemble_row.group(1)) <= 1.0, board
    assert "paired bootstrap over texts" in board and "on 60 test texts" in board
    assert re.search(r"different label sets for \d+ of 60 test texts", board), board  # the why
    assert re.search(r"^\| negation \| \d+ \| \d+ \| \(?[+-]\d\.\d{4}(: too few texts\))? \|$", board, re.M)

    # PR review: the headline against a base made on this machine (here: the same numbers)
    (repo.parent / "base.json").write_text((repo / "metrics/headline.json").read_text())
    review = run([BIN / "embedding-bench", "review", "--base", str(repo.parent / "base.json")],
                 repo).stdout
    assert re.search(r"\| cnn \| jaccard \| (0\.\d{4}) \| \1 \| \+0\.0000 \|", review), review

    # the cache goes to a remote and comes back (a local folder here; S3 & co. in real use); last,
    # since a pulled clone has no run cache, and everything above reuses it
    run([DVC, "remote", "add", "-d", "shared", str(repo.parent / "remote")], repo)
    run([DVC, "push"], repo)
    run("rm -rf .dvc/cache data/ingested data/split data/preprocessed data/features models", repo)
    run([DVC, "pull"], repo)
    assert up_to_date(repo)
    assert stages_run(run([DVC, "repro"], repo).stdout) == []


def metrics_files(repo):
    return {str(p.relative_to(repo)): p.read_bytes() for p in sorted((repo / "metrics").rglob("*.json"))}


def interrupted_repro(repo, sig, writing):
    """`dvc repro --force` of the features stage, killed with `sig` as soon as a file matching
    `writing` exists (the stage is in the middle of writing its output)."""
    for stale in repo.glob("data/.*.tmp"):  # an earlier kill's leftovers must not match `writing`
        shutil.rmtree(stale)
    proc = subprocess.Popen([DVC, "repro", "--force", "--single-item", "features"], cwd=repo,
                            env=stage_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True,  # SIGINT as in a terminal: a job started in the
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # background ignores it
    deadline = time.monotonic() + 900
    while not list(repo.glob(writing)):
        assert proc.poll() is None and time.monotonic() < deadline, f"never saw {writing}"
        time.sleep(0.01)
    os.killpg(proc.pid, sig)
    return proc.wait(timeout=120)


def test_variant_defined_only_in_params_with_glove_multichannel(pipeline_repo):
    repo = pipeline_repo
    yaml = YAML()
    params = yaml.load(repo / "params.yaml")
    params["preprocess"]["variants"]["mine"] = {"lowercase": True, "hashtags": "word",
                                                "stopwords": "sklearn"}
    yaml.dump(params, repo / "params.yaml")
    run("git add -A && git commit -qm 'my variant'", repo)
    out = run([DVC, "exp", "run", "-S", "preprocessing=mine", "-S", "embedding=glove",
               "-S", "cnn.mode=multichannel"], repo).stdout
    assert sorted(stages_run(out, model_only=True)) == ["baseline", "diagnose@mine", "embed",
                                                        "evaluate", "features", "predict",
                                                        "preprocess@mine", "probe", "train"]
    assert read(repo, "preprocess/mine.json")["mine"]["train"]["texts"] == 216
    embed = read(repo, "embed.json")
    assert 0 < embed["vocabulary_with_vectors"] < embed["vocabulary_size"]
    assert 0 < embed["test"]["oov_type_rate"] < 0.5
    assert "multichannel" in (repo / "models" / "model.json").read_text()

    # a local vectors file is a dependency by content: rewritten in place, it re-runs what reads it
    # (`dvc repro embed`: the stage and what it needs, enough to see the fingerprint at work)
    vectors = repo.parent / "vectors.txt"  # outside the repository, where users keep such files
    vectors.write_text("happy 0.1 0.2 0.3\nsad 0.3 0.2 0.1\nlove 0.5 0.5 0.5\n")
    params = yaml.load(repo / "params.yaml")
    params["glove"]["source"] = str(vectors)
    yaml.dump(params, repo / "params.yaml")
    assert stages_run(run([DVC, "repro", "embed"], repo).stdout) == ["download", "embed"]  # new param
    fingerprint = json.loads((repo / "data/sources/glove.json").read_text())
    assert fingerprint["value"] == str(vectors) and len(fingerprint["sha256"]) == 64
    assert stages_run(run([DVC, "repro", "embed"], repo).stdout) == []  # unchanged: nothing runs
    vectors.write_text("happy 0.9 0.2 0.3\nsad 0.3 0.2 0.1\nlove 0.5 0.5 0.5\n")  # same path
    assert stages_run(run([DVC, "repro", "embed"], repo).stdout) == ["embed"]
    status = json.loads(run([DVC, "status", "--json"], repo).stdout)
    assert {"diagnose@light", "train"} <= set(status)  # and the rest of the pipeline is stale


def test_bert_frozen_deterministic_interruptible_and_finetuned_reusing_upstream(pipeline_repo):
    """Frozen features over the shared run's upstream stages; same params and seed give
    byte-identical metrics, whatever PYTHONHASHSEED, after the features stage was killed mid-run
    (SIGKILL and SIGINT); fine-tuning then skips the features."""
    repo = pipeline_repo
    # one text a batch: the features are written in many small steps, easy to catch mid-write
    result = run([DVC, "exp", "run", "-S", "embedding=bert", "-S", "bert.batch_size=1"], repo)
    out = result.stdout
    assert "is empty" not in result.stdout + result.stderr  # data/features holds a note, not nothing
    assert sorted(stages_run(out, model_only=True)) == ["embed", "evaluate", "features", "predict", "probe", "train"]
    features = read(repo, "features.json")
    assert features["computed"] == 1 and features["width"] == 384
    assert features["train"]["texts"] == 216
    assert read(repo, "metrics.json")["test"]["jaccard"] > 0.3
    first = metrics_files(repo)
    assert len(first) >= 10
    os.environ["PYTHONHASHSEED"] = "12345"  # stages must not depend on string hashing
    try:
        for sig, writing, out in (
                (signal.SIGKILL, "data/.contextual.*.tmp/*/test.npy", "data/contextual"),
                (signal.SIGINT, "data/.contextual.*.tmp/*/train.npy", "data/contextual")):
            assert interrupted_repro(repo, sig, writing) != 0
            assert not (repo / out).exists()  # nothing DVC could take for a finished output
            run([DVC, "repro"], repo)  # re-runs, or restores the last complete output from cache
            assert (repo / out).is_dir()
            untracked = run("git status --porcelain --untracked-files=all", repo).stdout
            assert ".tmp" not in untracked  # a kill's leftovers are ignored, and cleaned on re-run
            assert metrics_files(repo) == first
    finally:
        del os.environ["PYTHONHASHSEED"]

    out = run([DVC, "exp", "run", "-S", "embedding=bert", "-S", "bert.finetune=true",
               "-S", "bert.finetune_epochs=1"], repo).stdout
    assert stages_run(out, model_only=True) == ["features", "train", "predict", "evaluate", "probe"]
    assert read(repo, "features.json") == {"computed": 0}  # skipped, not faked
    assert '"kind": "finetune"' in (repo / "models" / "model.json").read_text()
    assert 0.0 <= read(repo, "metrics.json")["test"]["jaccard"] <= 1.0
