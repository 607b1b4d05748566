import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from embedding_bench.params import check
from embedding_bench.training import FitOptions

ROOT = Path(__file__).resolve().parents[1]
SEMEVAL = ROOT.parent / "shared" / "datasets" / "semeval2018-ec"
BIN = Path(sys.executable).parent

# SemEval E-c sits beside the checkout in CI and on developer machines; a user's clone may lack it.
# In CI (CI=true) a missing copy fails the test instead of skipping it.
needs_semeval = pytest.mark.skipif(not SEMEVAL.is_dir() and not os.environ.get("CI"),
                                   reason=f"{SEMEVAL} not present")


def repository_params(**dotted):
    """The repository's params.yaml as written, with dotted overrides (`bert__layer=2` for
    `bert.layer`): the one place the tests take params from."""
    params = YAML(typ="safe").load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    for key, value in dotted.items():
        *parents, last = key.split("__")
        node = params
        for part in parents:
            node = node[part]
        node[last] = value
    return params


def make_params(**dotted):
    """repository_params(**dotted) validated: the Params a stage would get."""
    return check(repository_params(**dotted))


def ingest_cfg(path, **overrides):
    """The ingest params of params.yaml for a dataset folder `path` holding data.csv, with
    overrides (`labels` merged into the labels section), validated as the stages get them."""
    params = repository_params()
    cfg = {**params["ingest"], "path": str(path), "files": {"all": "data.csv"}}
    for key, value in overrides.items():
        cfg[key] = {**cfg[key], **value} if key == "labels" else value
    return check({**params, "ingest": cfg}).ingest  # a UserError as params.load() would raise


def bert_cfg(model, **overrides):
    """The bert params of params.yaml for `model` (a folder or `package`), with overrides."""
    params = repository_params()
    return check({**params, "bert": {**params["bert"], "model": str(model), **overrides}}).bert


def glove_cfg(source, **overrides):
    """The glove params of params.yaml for `source`, with overrides."""
    params = repository_params()
    return check({**params, "glove": {**params["glove"], "source": str(source), **overrides}}).glove


def fit_options(**overrides):
    """The train params of params.yaml as fit() gets them (training.FitOptions), with overrides."""
    return dataclasses.replace(FitOptions.of(check(repository_params()).train), **overrides)


def stage_env():
    """Environment for DVC and the stages: this interpreter's python first on PATH."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t", DVC_NO_ANALYTICS="1")
    return env


def run(cmd, cwd, check=True):
    result = subprocess.run(cmd, cwd=cwd, env=stage_env(), capture_output=True, text=True,
                            shell=isinstance(cmd, str))
    if check and result.returncode != 0:
        raise AssertionError(f"{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def copy_repository(dest):
    """A git+DVC copy of this repository's tracked files (no data outputs, no DVC cache, no
    dvc.lock or metrics: a new project's first clone), as one commit."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    for name in ["dvc.lock"] + [str(p.relative_to(ROOT)) for p in (ROOT / "metrics").rglob("*")
                                if p.is_file()]:
        (dest / name).unlink(missing_ok=True)  # start from nothing, as a fresh clone of a new project
    run("git init -q && git add -A && git commit -qm copy", dest)
    return dest


@pytest.fixture
def repo_copy(tmp_path):
    """copy_repository into this test's folder."""
    return copy_repository(tmp_path / "repo")


def shrink(repo, rows=300):
    """Fewer texts and epochs, so the whole pipeline runs in about a minute."""
    sample = repo / "data/raw/sample/tweets.csv"
    sample.write_text("".join(sample.read_text(encoding="utf-8").splitlines(True)[:rows + 1]),
                      encoding="utf-8")
    yaml = YAML()
    params = yaml.load(repo / "params.yaml")
    params["train"].update(max_epochs=5, optimizer="adam", lr=0.005, batch_size=16)
    params["word2vec"]["epochs"] = 3
    yaml.dump(params, repo / "params.yaml")


@pytest.fixture(scope="session")
def pipeline_base(tmp_path_factory):
    """One `dvc repro` of the shrunk sample (300 texts) for the whole test run, made once and
    shared by every xdist worker (under a file lock): a committed git+DVC repository with its
    dvc.lock, metrics and DVC cache, and the output of that first run ({"repo", "repro"})."""
    # this test run's folder: under xdist each worker has its own basetemp inside it
    base_temp = tmp_path_factory.getbasetemp()
    shared = base_temp.parent if os.environ.get("PYTEST_XDIST_WORKER") else base_temp
    base, done = shared / "pipeline-base", shared / "pipeline-base.json"
    with open(shared / "pipeline-base.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(base, ignore_errors=True)
            copy_repository(base)
            shrink(base)
            run("git commit -qam 'a small sample'", base)
            result = run([str(BIN / "dvc"), "repro"], base)
            run("git add -A && git commit -qm 'first run'", base)
            done.write_text(json.dumps({"repro": result.stdout, "stderr": result.stderr}))
    return {"repo": base, **json.loads(done.read_text())}


@pytest.fixture
def pipeline_repo(pipeline_base, tmp_path):
    """A clone of the shared first run, its data restored from a copy of its DVC cache (hard
    links): each test experiments on its own, from where every stage has already run once."""
    dest = tmp_path / "repo"
    run(["git", "clone", "-q", str(pipeline_base["repo"]), str(dest)], tmp_path)
    run(["cp", "-al", str(pipeline_base["repo"] / ".dvc" / "cache"), str(dest / ".dvc" / "cache")], tmp_path)
    run([str(BIN / "dvc"), "checkout", "-q"], dest)
    return dest


# seconds each end-to-end test took on 2 cores (`--durations`), to share them between two workers
SLOW_SECONDS = {"test_two_workers_and_a_gatherer_share_through_real_remotes": 100,
                "test_repro_exp_run_and_metrics_diff": 107, "test_variant_defined_only_in_params_with_glove_multichannel": 61,
                "test_bert_frozen_deterministic_interruptible_and_finetuned_reusing_upstream": 131,
                "test_quick_answer_reuses_runs_queues_the_rest_and_resumes_after_a_kill": 77}


def pytest_collection_modifyitems(items):
    """The end-to-end tests at the head of both halves of the list, shared by their measured
    time: xdist's worksteal scheduler gives the first worker the first half and the second the
    rest, each run from its head, and steals from a queue's tail. So both workers start on
    end-to-end tests (the first needing the shared run builds it while the other runs the grid,
    which needs none), and the unit tests fill the gaps at the end instead of running first
    while the end-to-end tests queue behind one another on one worker."""
    slow = sorted((i for i in items if i.get_closest_marker("slow")),
                  key=lambda i: -SLOW_SECONDS.get(i.originalname, 60))
    fast = [i for i in items if i.get_closest_marker("slow") is None]
    lanes = ([], [])  # the longest first into the shorter lane; the grid's lane starts with it
    for item in slow:
        lane = min(lanes, key=lambda lane: sum(SLOW_SECONDS.get(i.originalname, 60) for i in lane))
        lane.append(item)
    for lane in lanes:
        lane.sort(key=lambda i: "grid" not in i.nodeid)
    first = max(0, len(items) // 2 - len(lanes[0]))
    items[:] = lanes[0] + fast[:first] + lanes[1] + fast[first:]
