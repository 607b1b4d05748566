"""Scale and memory: the pipeline's stages on 100k synthetic tweets, each stage's peak RSS.

    .venv/bin/python bench/scale.py [--texts 100000] [--bert] [--workdir /tmp/scale-work]

Generates N tweets with the sample's generator, then runs the real stage commands in a scratch
project: ingest, split, preprocess (light), embed (word2vec); with --bert also the contextual
features of all N texts (MiniLM) and one epoch of CNN training streaming them from disk.
Prints seconds and peak resident memory (RSS) per stage.
"""

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "data/raw/sample"))
import generate  # noqa: E402  (the sample's generator)


def run_stage(workdir, module, *args):
    """Run `python -m stages.<module>`; return (seconds, peak RSS in MiB) of that process alone."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", f"stages.{module}", *args], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        sys.exit(f"stages.{module} failed:\n{output[-3000:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--bert", action="store_true", help="also contextual features and training")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/scale-work"))
    args = ap.parse_args()
    work = args.workdir
    (work / "raw").mkdir(parents=True, exist_ok=True)
    with open(work / "raw/tweets.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"] + generate.LABELS)
        writer.writerows(generate.generate(args.texts, seed=7))
    yaml = YAML()
    params = yaml.load(ROOT / "params.yaml")
    params["ingest"]["path"] = str(work / "raw")
    params["preprocessing"] = "light"
    params["embedding"] = "word2vec"
    params["train"]["max_epochs"] = 1
    yaml.dump(params, work / "params.yaml")
    steps = [("ingest", "--out", "ingested", "--report", "m/ingest.json"),
             ("split", "--ingested", "ingested", "--out", "split", "--report", "m/split.json"),
             ("preprocess", "--variant", "light", "--split", "split", "--out", "pre",
              "--report", "m/pre.json"),
             ("embed", "--data", "pre", "--downloads", "dl", "--out", "features",
              "--report", "m/embed.json")]
    print(f"{args.texts} synthetic tweets, {os.cpu_count()} cores")
    print(f"{'stage':28s} {'seconds':>8s} {'peak RSS MiB':>13s}")
    for module, *stage_args in steps:
        seconds, rss = run_stage(work, module, *stage_args)
        print(f"{module:28s} {seconds:8.1f} {rss:13.0f}", flush=True)
    if args.bert:
        params["embedding"] = "bert"
        yaml.dump(params, work / "params.yaml")
        for module, *stage_args in [
                ("features", "--data", "pre", "--out", "contextual", "--report", "m/features.json"),
                ("train", "--data", "pre", "--features", "features", "--contextual", "contextual",
                 "--out", "models", "--live", "m/train")]:
            seconds, rss = run_stage(work, module, *stage_args)
            print(f"{module + ' (bert)':28s} {seconds:8.1f} {rss:13.0f}", flush=True)
        size = sum(p.stat().st_size for p in (work / "contextual").glob("*.npy"))
        print(f"stored features: {size / 2**30:.2f} GiB (float16) on disk")


if __name__ == "__main__":
    main()
