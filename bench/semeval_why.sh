#!/usr/bin/env bash
# The "why", worked on SemEval E-c: frozen MiniLM CNN with `light` vs `full` preprocessing and a
# word2vec CNN with `light` (seed 1 each), then the paired test of bert-light vs bert-full with its
# why-section (disagreements by slice and label, examples), and the probes of every run.
#   bash bench/semeval_why.sh [SEMEVAL_DIR] [WORKDIR]
# About 15 minutes on 2 AVX2-only CPU cores. Charts: WORKDIR/results/why.html (offline).
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-why
source "$(dirname "$0")/semeval_common.sh"
rm -rf "$WORK"
run --config embedding=bert,preprocessing=light --config embedding=bert,preprocessing=full \
    --config embedding=word2vec,preprocessing=light --seeds 1
cd "$WORK"
embedding-bench compare --out results/why \
  --pair embedding=bert,preprocessing=light embedding=bert,preprocessing=full
python - <<'PY'
# each run's probes and slices: flip rate per perturbation, slice Jaccard
import json, subprocess
from embedding_bench.compare.runs import experiments
records = experiments(json.loads(subprocess.run(["dvc", "exp", "show", "--json"],
                                                        capture_output=True, text=True, check=True).stdout))
for r in records:
    probes = (r["metrics"].get("metrics/probes.json") or {}).get("perturbations")
    slices = r["metrics"].get("metrics/slices.json") or {}
    if probes:
        p = r["params"]
        print(f"\n{p['embedding']}-{p['preprocessing']} (test Jaccard "
              f"{r['metrics']['metrics/metrics.json']['test']['jaccard']:.4f})")
        print("  flip rate: " + ", ".join(f"{k} {v['flip_rate']:.1%} (inputs changed "
                                          f"{v['inputs_changed']})" for k, v in probes.items()))
        print("  slice Jaccard: " + ", ".join(f"{k} {v['test']['jaccard']:.4f} (n={v['texts']})"
                                             for k, v in slices.items() if "test" in v))
PY
