#!/usr/bin/env bash
# The answer on SemEval-2018 E-c: a clone of this repository with the SemEval params committed
# (train.tsv for training, dev.tsv as the test split, by absolute path), then
# `embedding-bench answer --jobs 2` there (the default preset: every family available offline,
# random, word2vec, fastText, GloVe, the frozen MiniLM CNN and its pooled probe, x raw, light,
# full x seeds 1-3 = 54 runs), timed. Options after the two folders go to
# `embedding-bench answer` (e.g. --quick, --full, --finetune).
#   bash bench/semeval_answer.sh [SEMEVAL_DIR] [WORKDIR] [answer options]
# The answer: WORKDIR/results/answer/answer.md, .html, .json. Run again to resume a killed run.
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-answer
source "$(dirname "$0")/semeval_common.sh"
if [ ! -d "$WORK/.git" ]; then
  python "$ROOT/bench/experiments.py" --semeval "$SEMEVAL" --workdir "$WORK" --prepare-only
fi
cd "$WORK"
start=$(date +%s)
embedding-bench answer --jobs 2 --out results/answer "${@:3}"
echo "semeval_answer.sh: $(( ($(date +%s) - start) / 60 )) min on $(nproc) cores"
