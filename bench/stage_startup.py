"""Start-up cost of the pipeline's stage processes: the seconds a fresh interpreter takes to
import each stage module (torch, transformers, gensim, nltk, scikit-learn ... as each imports
them), for this checkout and another one side by side, rounds interleaved, medians printed.
The total weighs each module by the stage instances `dvc stage list` names (a `foreach` stage
runs once per preprocessing variant): what one `dvc repro` from nothing pays before any work.
A module that defers an import to the step that needs it pays it there instead, so --repro
also times `dvc repro --force` on the sample (every stage run, its work included) in each
checkout, interleaved.

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/stage_startup.py --against /tmp/before [--rounds 5] [--repro 2]

Without --against it measures this checkout only.
"""

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]


def arguments() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--against", type=Path, help="another checkout of this repository (e.g. a git worktree)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repro", type=int, default=0, help="rounds of `dvc repro --force` in each checkout")
    return ap.parse_args()


def stage_instances(repo: Path) -> collections.Counter:
    """{stage module: how many stage instances run it}, from `dvc stage list` and dvc.yaml."""
    stages = YAML(typ="safe").load((repo / "dvc.yaml").read_text())["stages"]
    names = subprocess.run([str(Path(sys.executable).with_name("dvc")), "stage", "list", "--name-only"],
                           cwd=repo, capture_output=True, text=True, check=True).stdout.split()
    modules = collections.Counter()
    for name in names:
        entry = stages[name.split("@")[0]]
        cmd = entry.get("cmd") or entry["do"]["cmd"]
        modules[re.search(r"python -m stages\.(\w+)", cmd).group(1)] += 1
    return modules


def seconds(repo: Path, argv: list[str]) -> float:
    # the stages' `python` is this interpreter, as when the venv is active
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed in {repo}:\n{done.stderr[-3000:]}")
    return elapsed


def import_seconds(repo: Path, module: str) -> float:
    return seconds(repo, [sys.executable, "-c", f"import stages.{module}"])


def print_repro(repos: dict[str, Path], rounds: int) -> None:
    dvc = str(Path(sys.executable).with_name("dvc"))
    for repo in repos.values():  # the first run fills the cache and downloads: not timed
        seconds(repo, [dvc, "repro"])
    times = {label: [] for label in repos}
    for _ in range(rounds):
        for label, repo in repos.items():
            times[label].append(seconds(repo, [dvc, "repro", "--force"]))
    row = " ".join(f"{statistics.median(v):13.1f}s" for v in times.values())
    ratio = (f"   x{statistics.median(times['--against']) / statistics.median(times['this checkout']):.2f}"
             if len(repos) > 1 else "")
    print(f"{'repro --force':17s} {row}{ratio}   (runs: " +
          "; ".join(f"{label} " + ", ".join(f"{t:.1f}" for t in v) for label, v in times.items()) + ")")


def main(args: argparse.Namespace) -> None:
    repos = {"this checkout": ROOT, **({"--against": args.against.resolve()} if args.against else {})}
    counts = stage_instances(ROOT)
    times = {(label, m): [] for label in repos for m in counts}
    for _ in range(args.rounds):  # interleaved: a machine's speed drifts over minutes
        for m in counts:
            for label, repo in repos.items():
                times[label, m].append(import_seconds(repo, m))
    median = {key: statistics.median(v) for key, v in times.items()}
    print(f"{'stage module':12s} {'runs':>4s} " + " ".join(f"{label:>14s}" for label in repos) +
          ("   ratio" if args.against else ""))
    for m, n in sorted(counts.items()):
        row = " ".join(f"{median[label, m]:13.2f}s" for label in repos)
        ratio = f"   x{median['--against', m] / median['this checkout', m]:.2f}" if args.against else ""
        print(f"{m:12s} {n:4d} {row}{ratio}")
    total = {label: sum(n * median[label, m] for m, n in counts.items()) for label in repos}
    row = " ".join(f"{total[label]:13.1f}s" for label in repos)
    ratio = f"   x{total['--against'] / total['this checkout']:.2f}" if args.against else ""
    print(f"{'one repro':12s} {sum(counts.values()):4d} {row}{ratio}")
    if args.repro:
        print_repro(repos, args.repro)


if __name__ == "__main__":
    main(arguments())
