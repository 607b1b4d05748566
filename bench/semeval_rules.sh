#!/usr/bin/env bash
# Does the decision rule decide the comparison? Frozen MiniLM and GloVe (non_static) CNNs on
# SemEval E-c, light, seeds 1-3, under each rule (threshold 0.5 / tuned, with and without
# evaluate.at_least_one), then the leaderboard and paired tests against the TF-IDF baseline.
#   bash bench/semeval_rules.sh [SEMEVAL_DIR] [WORKDIR]
# A rule change re-runs only `evaluate` (the run cache restores the trained model). About 30
# minutes on 2 AVX2-only CPU cores shared with a test run.
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-rules
source "$(dirname "$0")/semeval_common.sh"
rm -rf "$WORK"
for config in embedding=bert embedding=glove,cnn.mode=non_static; do
  run --config "$config" --config "$config,evaluate.threshold=tuned" \
      --config "$config,evaluate.at_least_one=true" \
      --config "$config,evaluate.threshold=tuned,evaluate.at_least_one=true" --seeds 1 2 3
done
cd "$WORK"
embedding-bench compare --out results/leaderboard
pairs "embedding=bert,rule=0.5 embedding=tf-idf,rule=0.5" \
      "embedding=bert,rule=0.5+top1 embedding=tf-idf,rule=0.5+top1" \
      "embedding=glove,rule=0.5 embedding=tf-idf,rule=0.5" \
      "embedding=glove,rule=0.5+top1 embedding=tf-idf,rule=0.5+top1" \
      "embedding=bert,rule=0.5+top1 embedding=bert,rule=0.5"
