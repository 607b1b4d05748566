"""A grid of experiments split over several machines, with DVC doing the sharing.

    embedding-bench grid run --worker 1/2 --git-remote origin -S 'embedding=random,word2vec' -S 'seed=1,2'
    embedding-bench grid gather --git-remote origin -S 'embedding=random,word2vec' -S 'seed=1,2' [--out ... --pair A B]
    embedding-bench grid push-cache [--dvc-remote NAME]     # after any `dvc repro`: share its run cache

Each worker is a clone of the same commit. `grid` expands the `-S` options exactly as
`dvc exp run --queue` does (choices `a,b`, `range(1,4)`, ...; DVC's own parser), sorts the
configurations, and `run` runs those of its share (the i-th of every N) with `dvc exp run --temp`
(the workspace stays as committed). Each experiment is named after its params, so the same
configuration always gets the same name: a re-run, or a second worker given the same share,
restores it from DVC's run cache and replaces the experiment instead of adding a duplicate.
With `--git-remote`, the worker first pulls the run cache from the DVC remote, runs with
`--pull` (a stage any machine ran before with the same inputs is restored, not recomputed) and
at the end pushes its experiments to the git remote, their outputs and the run cache to the DVC
remote (`dvc exp push --run-cache`), and the outputs the run cache refers to (below).

Why that last push: since DVC 3, `dvc push --run-cache` sends the run records only, not the
outputs they point to (a maintainer says so in treeverse/dvc#10472), and restoring a stage needs
every one of its outputs in the cache, the git-tracked metrics and plots (`cache: false`)
included: DVC keeps a copy of those in the local cache only. So another machine could never
restore `train` or `evaluate`; it retrained. `push_run_cache_outputs` pushes exactly those
objects, and `dvc exp run --pull` / `dvc repro --pull` fetch them when they restore a stage.

`gather` pulls the grid's experiments (with their outputs: the per-text predictions the paired
test reads), fails naming the ones no worker pushed, and prints the leaderboard of
`embedding-bench compare` over them.
"""

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

from embedding_bench.cli import stage_main
from embedding_bench.compare import cli as compare
from embedding_bench.errors import UserError

PARAMS_FILE = "params.yaml"


def expand(overrides):
    """Every configuration of a grid given as `dvc exp run -S` options, each a sorted list of
    single-valued overrides, in a fixed order (independent of the order of the options)."""
    from dvc.exceptions import InvalidArgumentError
    from hydra.errors import OverrideParseException
    from dvc.utils.cli_parse import to_path_overrides
    from dvc.utils.hydra import get_hydra_sweeps

    if not overrides:
        raise UserError("give the grid as -S options, e.g. -S 'embedding=random,word2vec' -S 'seed=1,2'")
    try:
        sweeps = get_hydra_sweeps(to_path_overrides(overrides))
    except (InvalidArgumentError, OverrideParseException) as e:
        reason = str(e).strip().splitlines()[0]
        raise UserError(f"-S {' '.join(overrides)}: not a grid DVC can read ({reason})") from None
    configs = {tuple(sorted(o if path == PARAMS_FILE else f"{path}:{o}" for path, found in sweep.items()
                            for o in found))
               for sweep in sweeps}
    return sorted(configs)


def name(config):
    """A stable experiment name for a configuration: readable, a valid git ref, unique (the
    digest tells apart configurations that read alike once reduced to safe characters)."""
    text = "_".join(config)
    readable = re.sub(r"-?_-?", "_", re.sub(r"[^A-Za-z0-9._]+", "-", text)).strip("-._")[:60]
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def parse_worker(spec):
    match = re.fullmatch(r"(\d+)/(\d+)", spec or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UserError(f"--worker {spec!r}: give i/N with 1 <= i <= N, e.g. --worker 1/4")
    return int(match[1]), int(match[2])


def share(configs, worker, workers):
    """The configurations of worker i of N: every N-th, starting at the i-th."""
    return configs[worker - 1::workers]


def dvc(*args, capture=False, check=True):
    """Run a dvc command; its output goes to the user unless captured. Fails as a UserError."""
    cmd = ["dvc", *args]
    print("$ " + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, capture_output=capture, text=True)
    if check and result.returncode:
        detail = f": {result.stderr.strip()}" if capture else ""
        raise UserError(f"`{' '.join(cmd)}` failed (exit {result.returncode}){detail}")
    return result.stdout if capture else result.returncode


def experiment_names(git_remote=None):
    """Names of the experiments of HEAD, here or on a git remote."""
    return set(dvc("exp", "list", "--name-only", *([git_remote] if git_remote else []),
                   capture=True).split())


def push_run_cache_outputs(remote=None):
    """Push to the DVC remote every object the local run cache's records refer to (what
    `dvc push --run-cache` leaves behind); returns how many were sent."""
    from dvc.repo import Repo

    with Repo() as repo:
        runs = Path(repo.cache.legacy.path) / "runs"  # runs/<key[:2]>/<key>/<value>
        records = [(p.parent.name, p.name) for p in runs.glob("*/*/*") if p.is_file()]
        sent = 0
        for objects in repo.stage_cache.get_used_objs(records).values():
            result = repo.cloud.push(objects, remote=remote)
            if result.failed:
                raise UserError(f"could not push {len(result.failed)} run-cache outputs to the "
                                f"DVC remote {remote or '(default)'}")
            sent += len(result.transferred)
    return sent


def _run_grid(args):
    configs = share(expand(args.set_param), *parse_worker(args.worker))
    print(f"worker {args.worker}: {len(configs)} configuration(s)")
    remote = ["-r", args.dvc_remote] if args.dvc_remote else []
    pull = []
    if args.git_remote:  # the run records of every machine so far (and the baseline's outputs)
        if dvc("fetch", "--run-cache", *remote, check=False):
            print("note: some outputs of the baseline are not on the DVC remote; what needs "
                  "them is restored from the run cache or rebuilt")
        pull = ["--pull"]
    existing = experiment_names()
    names = [name(config) for config in configs]
    for config, exp_name in zip(configs, names):
        if exp_name in existing:  # replaced, not duplicated: the run cache makes it cheap
            dvc("exp", "remove", exp_name)
        dvc("exp", "run", "--temp", *pull, "-n", exp_name, *[a for o in config for a in ("-S", o)])
    if args.git_remote and names:
        dvc("exp", "push", "--force", "--run-cache", *remote, args.git_remote, *names)
        print(f"pushed {push_run_cache_outputs(args.dvc_remote)} run-cache outputs")
    return names


def _gather(args):
    configs = expand(args.set_param)
    names = [name(config) for config in configs]
    remote = ["-r", args.dvc_remote] if args.dvc_remote else []
    available = experiment_names(args.git_remote)
    missing = [(n, c) for n, c in zip(names, configs) if n not in available]
    if missing:
        lines = "\n".join(f"  {n}  ({' '.join(c)})" for n, c in missing)
        raise UserError(f"{len(missing)} of {len(names)} configurations are not on {args.git_remote} "
                        f"(their worker failed or did not push):\n{lines}")
    dvc("exp", "pull", "--force", *remote, args.git_remote, *names)
    compare_args = ["--out", str(args.out)] if args.out else []
    compare_args += ["--pair", *args.pair] if args.pair else []
    return compare.main(compare_args, prog="embedding-bench compare")


def _arguments(ap, gather):
    ap.add_argument("-S", "--set-param", action="append", default=[], metavar="KEY=VALUES",
                    help="a grid axis, as for `dvc exp run --queue -S` (repeat for each axis)")
    ap.add_argument("--git-remote", required=gather, metavar="REMOTE",
                    help="git remote (name or URL) the experiments are " + ("pulled from" if gather else "pushed to"))
    ap.add_argument("--dvc-remote", metavar="NAME", help="DVC remote (default: the repository's)")
    if gather:
        ap.add_argument("--out", help="write OUT.md and OUT.html (as `embedding-bench compare`)")
        ap.add_argument("--pair", nargs=2, metavar=("A", "B"), help="as `embedding-bench compare --pair`")
    else:
        ap.add_argument("--worker", default="1/1", metavar="i/N", help="run the i-th of N shares (default 1/1)")
    ap.set_defaults(action=_gather if gather else _run_grid)


def _push_cache(args):
    dvc("push", "--run-cache", *(["-r", args.dvc_remote] if args.dvc_remote else []))
    print(f"pushed {push_run_cache_outputs(args.dvc_remote)} run-cache outputs")


@stage_main
def main(argv=None, prog=None):
    ap = argparse.ArgumentParser(prog=prog, description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    commands = ap.add_subparsers(required=True, metavar="{run,gather,push-cache}")
    _arguments(commands.add_parser("run", help="run this worker's share of the grid, push it"), False)
    _arguments(commands.add_parser("gather", help="pull every configuration, the leaderboard"), True)
    push = commands.add_parser("push-cache", help="push the run cache with the outputs it refers to")
    push.add_argument("--dvc-remote", metavar="NAME", help="DVC remote (default: the repository's)")
    push.set_defaults(action=_push_cache)
    args = ap.parse_args(argv)
    args.action(args)


if __name__ == "__main__":
    sys.exit(main())
