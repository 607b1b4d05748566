#!/usr/bin/env bash
# The pairs an earlier leaderboard called "significant over texts, not over seeds", judged again
# with the one verdict over seeds and texts (`embedding-bench compare --pair`), on SemEval E-c in
# the workdir of bench/semeval_answer.sh (its runs are reused). Seeds 1-3 of word2vec and frozen
# MiniLM on `light` come from `embedding-bench answer --families word2vec,bert_frozen --variants
# light --seeds 1,2,3` (its answer: WORKDIR/results/answer-light); queued beside them where not
# made yet (bench/queue_missing.py), seeds 1-3 each: word2vec + LCA 0.2, and frozen MiniLM under at
# least one label per tweet (a re-evaluation: the CNNs come from DVC's run cache); with FINETUNE=1
# also the fine-tuned MiniLM CNN head with and without LCA 0.2 (six fine-tunes, run one at a time:
# two at once on 2 cores contend for them; about 9 minutes each on 2 cores with avx512_bf16).
#   [FINETUNE=1] bash bench/semeval_rejudge.sh [SEMEVAL_DIR] [WORKDIR]
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-answer
source "$(dirname "$0")/semeval_common.sh"
in_answer_workdir
start=$(date +%s)
missing() { python "$ROOT/bench/queue_missing.py" --seeds 1,2,3 "$@"; }
missing -S embedding=word2vec -S preprocessing=light -S train.lca_weight=0.2
missing -S embedding=bert -S preprocessing=light -S evaluate.at_least_one=true
embedding-bench answer --families word2vec,bert_frozen --variants light --seeds 1,2,3 --jobs 2 \
  --out results/answer-light
if [ "${FINETUNE:-0}" = 1 ]; then
  # one fine-tune at a time: the answer's two workers go first (a stopping worker still takes a
  # task queued meanwhile, and a worker started beside it under its name exits at once)
  dvc queue stop >/dev/null 2>&1 || true
  until dvc queue status 2>/dev/null | grep 'Worker status: 0 active, 0 idle' >/dev/null; do sleep 5; done
  for seed in 1 2 3; do  # interleaved, so that a cut-short run still has both sides
    missing --seeds $seed -S embedding=bert -S preprocessing=light -S bert.finetune=true
    missing --seeds $seed -S embedding=bert -S preprocessing=light -S bert.finetune=true -S train.lca_weight=0.2
  done
fi
dvc queue start --jobs 1 >/dev/null
# no grep -q: it closes the pipe early and, under pipefail, the loop would end at once
while dvc queue status 2>/dev/null | grep -E ' (Queued|Running)$' >/dev/null; do sleep 30; done
echo "semeval_rejudge.sh: runs done in $(( ($(date +%s) - start) / 60 )) min on $(nproc) cores"
pairs "embedding=word2vec,preprocessing=light,train.lca_weight=0.2 embedding=word2vec,preprocessing=light,train.lca_weight=0.0" \
      "embedding=bert,mode=frozen,preprocessing=light,rule=0.5+top1 embedding=bert,mode=frozen,preprocessing=light,rule=0.5"
if [ "${FINETUNE:-0}" = 1 ]; then
  pairs "mode=finetune,train.lca_weight=0.2 mode=finetune,train.lca_weight=0.0"
fi
