"""Queue the runs of one configuration that are not made yet, over seeds, without starting them:
a run is known by its whole configuration and seed, as `embedding-bench answer` knows its runs,
so a bench script run again queues nothing twice. Prints the names of the runs queued.

    python bench/queue_missing.py --seeds 1,2,3 -S embedding=bert -S bert.finetune=true
"""

import argparse
import sys

from embedding_bench import params
from embedding_bench.answer import plan, queue
from embedding_bench.answer.cli import read_runs
from embedding_bench.cli import stage_main
from embedding_bench.compare.runs import config_id


@stage_main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-S", dest="overrides", action="append", default=[], help="key=value, as dvc exp run -S")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    args = ap.parse_args()
    written = params.as_written()
    runs = []
    for seed in (int(s) for s in args.seeds.split(",")):
        overrides = (*args.overrides, f"seed={seed}")
        config = config_id(plan.applied(written, overrides), "cnn")
        runs.append(plan.Run("bench", "", seed, overrides, config, plan.run_name("bench", "", seed, config)))
    made = queue.done(runs, read_runs()[1])
    for run in queue.submit([r for r in runs if r not in made], queue.queue_status()):
        print(run.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
