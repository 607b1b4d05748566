#!/usr/bin/env bash
# fastText (subwords, static) and the pooled MiniLM probe (MTEB's protocol: mean-pooled features,
# logistic regression) beside word2vec, GloVe and the frozen MiniLM CNN on SemEval E-c, `light`,
# seeds 1-3, in the workdir of bench/semeval_answer.sh (its runs are reused):
# `embedding-bench answer` over these five families (its answer: WORKDIR/results/answer-families),
# then the one verdict over seeds and texts (`embedding-bench compare --pair`, threshold 0.5 as
# every run evaluates) for fastText against word2vec and against GloVe, and the pooled probe
# against the MiniLM CNN.
#   bash bench/semeval_families.sh [SEMEVAL_DIR] [WORKDIR]
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-answer
source "$(dirname "$0")/semeval_common.sh"
in_answer_workdir
start=$(date +%s)
embedding-bench answer --families word2vec,fasttext,glove,bert_frozen,bert_pooled --variants light \
  --seeds 1,2,3 --jobs 2 --out results/answer-families
echo "semeval_families.sh: runs and answer in $(( ($(date +%s) - start) / 60 )) min on $(nproc) cores"
light="preprocessing=light,rule=0.5"
fasttext="embedding=fasttext,fasttext.bucket=2000000,$light"  # the default's buckets
pairs "$fasttext embedding=word2vec,$light,train.lca_weight=0.0" \
      "$fasttext embedding=glove,mode=non_static,$light" \
      "embedding=bert,mode=pooled,$light embedding=bert,mode=frozen,$light"
