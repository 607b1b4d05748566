"""Run configurations x seeds of the pipeline and print test metrics as mean ± std.

    .venv/bin/python bench/experiments.py --config preprocessing=light --config preprocessing=full --seeds 1 2 3
    .venv/bin/python bench/experiments.py --semeval ../shared/datasets/semeval2018-ec \
        --config embedding=random --config embedding=word2vec --seeds 1 2 3

Works in a clone of this repository (default /tmp/bench-work, reused so that DVC's cache keeps
ingest/split/preprocess), runs one `dvc exp run` per configuration and seed. With --semeval, the
clone's params point at SemEval-2018 Task 1 E-c by absolute path (nothing is copied): train.tsv
for training, dev.tsv as the test split. Afterwards, `embedding-bench compare` in the workdir
makes the leaderboard of every run (--keep adds runs to an earlier invocation's).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
INGEST = {"files": {"train": "train.tsv", "test": "dev.tsv"}, "format": "tsv", "quoting": "none",
          "id_column": "ID", "text_column": "Tweet"}
SHOWN = ("jaccard", "f1_micro", "f1_macro")


def sh(cmd, cwd):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(cmd, cwd=cwd, env=env, shell=True, text=True, capture_output=True)
    if result.returncode:
        sys.exit(f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(workdir, semeval, keep):
    if not (workdir / ".git").exists():
        sh(f"git clone -q {ROOT} {workdir}", ROOT)
    elif keep:  # add runs to the same commit's experiments, so one leaderboard shows them all
        return
    sh("git fetch -q origin && git reset -q --hard origin/HEAD", workdir)
    if semeval:
        yaml = YAML()
        params = yaml.load(workdir / "params.yaml")
        params["dataset"] = "semeval2018-ec"
        params["ingest"].update(INGEST, path=str(semeval.resolve()))
        yaml.dump(params, workdir / "params.yaml")
        sh("git -c user.name=bench -c user.email=bench@localhost commit -qam 'SemEval E-c params'",
           workdir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--semeval", type=Path, help="the semeval2018-ec folder (default: the sample)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench-work"))
    ap.add_argument("--config", action="append", default=[],
                    help="a configuration: comma-separated key=value params (repeatable)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[42])
    ap.add_argument("--out", type=Path, help="write all results as JSON here")
    ap.add_argument("--prepare-only", action="store_true",
                    help="only make the workdir (a clone with the SemEval params committed)")
    ap.add_argument("--keep", action="store_true",
                    help="reuse an existing workdir's commit as it is (default: reset it to this "
                         "repository's HEAD, which starts a new set of experiments)")
    args = ap.parse_args()
    prepare(args.workdir, args.semeval, args.keep)
    if args.prepare_only:
        return
    results = {}
    for config in args.config or [""]:
        sets = " ".join(f"-S '{kv}'" for kv in config.split(",") if kv)
        runs = []
        for seed in args.seeds:
            # `dvc exp run` leaves its params in the workspace: start each run from the commit's.
            # HEAD, not the index: an interrupted `dvc exp run` leaves its params staged, and the
            # next run would silently inherit them (a killed LCA run once made the next one LCA too)
            sh("git checkout HEAD -- params.yaml", args.workdir)
            sh(f"dvc exp run {sets} -S seed={seed}", args.workdir)
            runs.append(json.loads((args.workdir / "metrics/metrics.json").read_text())["test"])
        results[config or "defaults"] = runs
        stats = "  ".join(f"{k} {statistics.mean(r[k] for r in runs):.4f} ± "
                          f"{statistics.pstdev(r[k] for r in runs):.4f}" for k in SHOWN)
        print(f"{config or 'defaults':50s} n={len(runs)}  {stats}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
