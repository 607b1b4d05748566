#!/usr/bin/env bash
# The SemEval E-c leaderboard in the README, made the way a user would: `dvc exp run` per
# configuration and seed (bench/experiments.py, in a clone), then `embedding-bench compare`.
#   bash bench/semeval_leaderboard.sh [SEMEVAL_DIR] [WORKDIR]
# Every embedding with light preprocessing, 3 seeds, thresholds 0.5 and tuned, each with and
# without evaluate.at_least_one (a rule change re-runs only `evaluate`: DVC's run cache restores
# the trained model); raw and full for word2vec, GloVe and BERT. About 35 minutes on 2 CPU cores (a run takes 30-60 s, a tuned-threshold re-run 10 s);
# FINETUNE=1 adds fine-tuned BERT, 3 seeds (7-9 minutes each).
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-leaderboard
source "$(dirname "$0")/semeval_common.sh"
rm -rf "$WORK"
for config in embedding=random embedding=word2vec embedding=glove,cnn.mode=static \
              embedding=glove,cnn.mode=non_static embedding=glove,cnn.mode=multichannel embedding=bert; do
  run --config "$config" --config "$config,evaluate.threshold=tuned" \
      --config "$config,evaluate.at_least_one=true" \
      --config "$config,evaluate.threshold=tuned,evaluate.at_least_one=true" --seeds 1 2 3
done
for variant in raw full; do
  run --config "embedding=word2vec,preprocessing=$variant" \
      --config "embedding=glove,cnn.mode=non_static,preprocessing=$variant" \
      --config "embedding=bert,preprocessing=$variant" --seeds 1 2 3
done
if [ "${FINETUNE:-0}" = 1 ]; then run --config embedding=bert,bert.finetune=true --seeds 1 2 3; fi
cd "$WORK"
embedding-bench compare --out results/leaderboard
# the original question: word2vec vs BERT, under full and under light preprocessing; and whether
# the decision rule decides the BERT vs TF-IDF comparison
pairs "embedding=bert,preprocessing=full,mode=frozen,rule=0.5 embedding=word2vec,preprocessing=full,rule=0.5" \
      "embedding=bert,preprocessing=light,mode=frozen,rule=0.5 embedding=word2vec,preprocessing=light,rule=0.5" \
      "embedding=bert,preprocessing=light,mode=frozen,rule=0.5 embedding=bert,preprocessing=full,mode=frozen,rule=0.5" \
      "embedding=glove,preprocessing=light,mode=non_static,rule=0.5 embedding=random,preprocessing=light,rule=0.5" \
      "embedding=bert,preprocessing=light,mode=frozen,rule=0.5 embedding=tf-idf,preprocessing=light,rule=0.5" \
      "embedding=bert,preprocessing=light,mode=frozen,rule=0.5+top1 embedding=tf-idf,preprocessing=light,rule=0.5+top1"
