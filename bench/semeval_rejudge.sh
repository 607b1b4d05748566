#!/usr/bin/env bash
# The pairs an earlier leaderboard called "significant over texts, not over seeds", judged again
# with the one verdict over seeds and texts (`embedding-bench compare --pair`), on SemEval E-c in
# the workdir of bench/semeval_answer.sh (its runs are reused: word2vec and frozen MiniLM on
# `light`, seeds 1-3). Adds, seeds 1-3 each: word2vec + LCA 0.2; frozen MiniLM under at least one
# label per tweet; and with FINETUNE=1 the fine-tuned MiniLM CNN head with and without LCA 0.2
# (six fine-tunes: about 70 minutes on 2 cores with avx512_bf16).
#   [FINETUNE=1] bash bench/semeval_rejudge.sh [SEMEVAL_DIR] [WORKDIR]
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-answer
source "$(dirname "$0")/semeval_common.sh"
[ -d "$WORK/.git" ] || { echo "run bench/semeval_answer.sh first (its workdir: $WORK)"; exit 1; }
run --config embedding=word2vec,preprocessing=light,train.lca_weight=0.2 \
    --config embedding=bert,preprocessing=light,evaluate.at_least_one=true --seeds 1 2 3
if [ "${FINETUNE:-0}" = 1 ]; then
  run --config embedding=bert,preprocessing=light,bert.finetune=true \
      --config embedding=bert,preprocessing=light,bert.finetune=true,train.lca_weight=0.2 --seeds 1 2 3
fi
cd "$WORK"
pairs "embedding=word2vec,preprocessing=light,train.lca_weight=0.2 embedding=word2vec,preprocessing=light,train.lca_weight=0.0" \
      "embedding=bert,mode=frozen,preprocessing=light,rule=0.5+top1 embedding=bert,mode=frozen,preprocessing=light,rule=0.5"
if [ "${FINETUNE:-0}" = 1 ]; then
  pairs "mode=finetune,train.lca_weight=0.2 mode=finetune,train.lca_weight=0.0"
fi
