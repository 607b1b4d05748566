import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEMEVAL = ROOT.parent / "shared" / "datasets" / "semeval2018-ec"
BIN = Path(sys.executable).parent

# SemEval E-c sits beside the checkout in CI and on developer machines; a user's clone may lack it.
# In CI (CI=true) a missing copy fails the test instead of skipping it.
needs_semeval = pytest.mark.skipif(not SEMEVAL.is_dir() and not os.environ.get("CI"),
                                   reason=f"{SEMEVAL} not present")


def ingest_cfg(path, **overrides):
    """Ingest params as params.yaml has them, for a dataset folder `path`."""
    cfg = {"path": str(path), "files": {"all": "data.csv"}, "format": "auto", "quoting": "minimal",
           "encoding": "utf-8", "id_column": "id", "text_column": "text",
           "labels": {"layout": "wide", "columns": [], "column": "labels", "separator": ",",
                      "names_file": None},
           "on_bad_rows": "drop"}
    for key, value in overrides.items():
        if key == "labels":
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


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


@pytest.fixture
def repo_copy(tmp_path):
    """A git+DVC copy of this repository's tracked files (no data outputs, no DVC cache)."""
    dest = tmp_path / "repo"
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
    run("git init -q && git add -A && git commit -qm copy", dest)  # as a clone: one commit
    return dest
