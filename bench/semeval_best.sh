#!/usr/bin/env bash
# The best configuration on SemEval-2018 E-c, from a fresh clone: MiniLM fine-tuned with SpanEmo's
# label-aware input and head (bert.head=label_tokens) and its label-correlation loss
# (train.lca_weight=0.2), seeds 1-3, each under threshold 0.5 and tuned thresholds (a rule change
# re-runs only `evaluate`), then the leaderboard with the ensemble of the three seeds.
#   bash bench/semeval_best.sh [SEMEVAL_DIR] [WORKDIR]
# OPTIONS=1 adds, 3 seeds each, every option on its own against the comparison's default head:
# the Kim CNN head, label tokens without LCA, LCA on the CNN head, layer-wise learning-rate decay
# 0.9, and the mean of the last 4 layers; and their paired tests against the CNN head.
# Time, measured on 2 AVX2-only CPU cores: one fine-tune (5 epochs over 6,154 tweets) about 33
# minutes, so about 2 hours for the three seeds and both rules; OPTIONS=1 about 8 hours more.
# Minutes on a GPU (`device: auto` uses one).
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-best
source "$(dirname "$0")/semeval_common.sh"
FT="embedding=bert,bert.finetune=true"
BEST="$FT,bert.head=label_tokens,train.lca_weight=0.2"
rm -rf "$WORK"
run --config "$BEST" --config "$BEST,evaluate.threshold=tuned" --seeds 1 2 3
if [ "${OPTIONS:-0}" = 1 ]; then
  run --config "$FT" --config "$FT,bert.head=label_tokens" --config "$FT,train.lca_weight=0.2" \
      --config "$FT,bert.layer_decay=0.9" --config "$FT,bert.last_n=4" --seeds 1 2 3
fi
cd "$WORK"
embedding-bench compare --out results/best
if [ "${OPTIONS:-0}" = 1 ]; then
  # each option alone against the CNN head (every other option at its default)
  DEFAULTS="bert.head=cnn,train.lca_weight=0.0,bert.layer_decay=1.0,bert.last_n=1"
  for option in "bert.head=label_tokens,train.lca_weight=0.2" "bert.head=label_tokens,train.lca_weight=0.0" \
                "bert.head=cnn,train.lca_weight=0.2" "bert.head=cnn,bert.layer_decay=0.9" "bert.head=cnn,bert.last_n=4"; do
    pairs "mode=finetune,rule=0.5,$option mode=finetune,rule=0.5,$DEFAULTS"
  done
fi
