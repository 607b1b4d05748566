"""A grid split over machines: the worker shares, stable names, and a simulation with real
remotes (a bare git repository, a folder as DVC remote, two worker clones and a gatherer)."""

import json
import re

import pytest
from ruamel.yaml import YAML

from conftest import BIN, run, shrink
from embedding_bench import grid
from test_pipeline import DVC, read, stages_run

BENCH = str(BIN / "embedding-bench")


def test_grid_expands_like_dvc_exp_run_queue_in_a_fixed_order():
    configs = grid.expand(["seed=range(1,3)", "embedding=random,word2vec"])
    assert configs == [("embedding=random", "seed=1"), ("embedding=random", "seed=2"),
                       ("embedding=word2vec", "seed=1"), ("embedding=word2vec", "seed=2")]
    assert grid.expand(["embedding=random,word2vec", "seed=1,2"]) == configs  # option order is no matter
    assert grid.expand(["cnn.filter_widths=[3,4]"]) == [("cnn.filter_widths=[3,4]",)]  # a list is one value


def test_shares_are_disjoint_and_cover_the_grid():
    configs = grid.expand(["embedding=random,word2vec,glove", "seed=1,2,3"])
    shares = [grid.share(configs, i, 4) for i in range(1, 5)]
    assert sorted(c for s in shares for c in s) == configs
    assert [len(s) for s in shares] == [3, 2, 2, 2]


def test_names_are_stable_valid_refs_and_tell_configurations_apart():
    a, b = ("embedding=random", "seed=1"), ("cnn.filter_widths=[3,4]", "train.lr=0.5")
    assert grid.name(a) == grid.name(tuple(a)) and grid.name(a).startswith("embedding-random_seed-1-")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", grid.name(b)) and ".." not in grid.name(b)
    assert grid.name(("x=a b",)) != grid.name(("x=a-b",))  # alike once made safe, told apart by digest


@pytest.mark.parametrize("argv, message", [
    (["run", "--worker", "3/2", "-S", "seed=1"], "--worker '3/2': give i/N"),
    (["run", "--worker", "1", "-S", "seed=1"], "--worker '1': give i/N"),
    (["run", "-S", "seed=range(1,"], "not a grid DVC can read"),
    (["run"], "give the grid as -S options"),
])
def test_bad_grid_arguments_are_one_clear_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        grid.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def configurations(board):
    """(embedding, n seeds) of the CNN rows of a printed leaderboard."""
    return sorted(re.findall(r"^\| \w+ +\| cnn +\| (\w+) +\| \w+ +\| \w+ +\| +[\w.+]+ \| +(\d+) \|",
                             board, re.M))


@pytest.mark.slow
def test_two_workers_and_a_gatherer_share_through_real_remotes(repo_copy, tmp_path):
    base = repo_copy
    shrink(base, rows=150)
    yaml = YAML()
    params = yaml.load(base / "params.yaml")
    params["train"]["max_epochs"] = 2
    del params["preprocess"]["variants"]["raw"], params["preprocess"]["variants"]["full"]  # fewer stages
    yaml.dump(params, base / "params.yaml")
    origin, remote = tmp_path / "origin.git", tmp_path / "dvc-remote"
    run(f"git init -q --bare {origin}", tmp_path)
    run([DVC, "remote", "add", "-d", "shared", str(remote)], base)
    run(f"git add -A && git commit -qm 'small grid' && git push -q {origin} HEAD:main", base)
    clones = {}
    for who in ("worker1", "worker2", "gatherer"):
        run(f"git clone -q -b main {origin} {who}", tmp_path)
        clones[who] = tmp_path / who
    axes = ["-S", "embedding=random,word2vec"]

    first = run([BENCH, "grid", "run", "--worker", "1/2", "--git-remote", "origin", *axes],
                clones["worker1"]).stdout
    assert "worker 1/2: 1 configuration(s)" in first and "Running stage 'train'" in first
    second = run([BENCH, "grid", "run", "--worker", "2/2", "--git-remote", "origin", *axes],
                 clones["worker2"]).stdout
    ran = stages_run(second)  # the upstream stages worker 1 ran come from the run cache
    assert "train" in ran and "ingest" not in ran and "Stage 'ingest' is cached" in second, second
    again = run([BENCH, "grid", "run", "--worker", "1/2", "--git-remote", "origin", *axes],
                clones["worker1"]).stdout
    assert stages_run(again) == [] and "Stage 'train' is cached" in again, again

    board = run([BENCH, "grid", "gather", "--git-remote", "origin", *axes,
                 "--pair", "embedding=random", "embedding=word2vec"], clones["gatherer"]).stdout
    assert configurations(board) == [("random", "1"), ("word2vec", "1")], board  # each exactly once
    assert "paired bootstrap over texts" in board and "on 30 test texts" in board

    # a configuration made on worker 1 is restored on worker 2 from the remote, not retrained
    restored = run([DVC, "exp", "run", "--pull", "-S", "embedding=random"], clones["worker2"]).stdout
    assert stages_run(restored) == [] and "Stage 'evaluate' is cached" in restored, restored
    refs = run("git for-each-ref --format='%(refname)' refs/exps", clones["gatherer"]).stdout.split()
    ref = next(r for r in refs if r.endswith("/" + grid.name(("embedding=random",))))
    made_on_1 = json.loads(run(["git", "show", f"{ref}:metrics/metrics.json"], clones["gatherer"]).stdout)
    assert read(clones["worker2"], "metrics.json") == made_on_1

    missing = run([BENCH, "grid", "gather", "--git-remote", "origin", "-S", "embedding=random,glove"],
                  clones["gatherer"], check=False)
    assert missing.returncode == 2 and "1 of 2 configurations are not on origin" in missing.stderr
    assert "embedding=glove" in missing.stderr and "Traceback" not in missing.stderr
