#!/usr/bin/env bash
# The best configuration on SemEval-2018 E-c, from a fresh clone: the ensemble of MiniLM fine-tuned
# with both heads, seeds 1-3 each: the comparison's Kim CNN head and SpanEmo's label-aware input
# and head with its label-correlation loss (bert.head=label_tokens, train.lca_weight=0.2). Per
# tweet the mean of the six runs' probabilities, then one threshold for every label, the one with
# the best Jaccard on validation (evaluate.threshold=tuned_global). Prints the leaderboard: each
# head's seeds under 0.5 and tuned_global (the second from DVC's run cache: no training), their
# own ensembles, and the joint ensemble under tuned_global, 0.5+top1, 0.5 and tuned
# (`embedding-bench compare --ensemble`).
#   bash bench/semeval_best.sh [SEMEVAL_DIR] [WORKDIR]
# OPTIONS=1 adds, 3 seeds each, every option on its own against the comparison's default head:
# label tokens without LCA, LCA on the CNN head, layer-wise learning-rate decay 0.9, and the
# mean of the last 4 layers; and their paired tests against the CNN head.
# Time: 35:27 at commit 7dab598 on 2 cores with AMX (a fine-tune 4-7 minutes, by-length batches
# of up to 2,048 word pieces; a tuned_global re-evaluation runs no model, under half a minute;
# docs/benchmarks.md "Prediction and whole runs"); 56:13 at ef3c88a on a slow hour of the same
# machine (its bfloat16 GEMM rate well below that day's); 45:11 at 8c6d693 on 2 cores of an AMD
# EPYC with avx512_bf16 (a fine-tune 6-8 minutes); 43:51 at 0107d1f with 32 texts a batch;
# 62:41 at 0e11c43, where evaluate and probe ran the model again; with random batches,
# before bert.finetune_batching: by_length, a fine-tune took 18-21 minutes alone on 2 AVX2-only
# cores and 11-12 with avx512_bf16, about 2 h for the script. OPTIONS=1 adds 15 fine-tunes.
# Minutes on a GPU (`device: auto` uses one).
set -euo pipefail
DEFAULT_WORK=/tmp/semeval-best
source "$(dirname "$0")/semeval_common.sh"
FT="embedding=bert,bert.finetune=true"
RECIPE="$FT,bert.head=label_tokens,train.lca_weight=0.2"
rm -rf "$WORK"
run --config "$FT" --config "$RECIPE" --config "$FT,evaluate.threshold=tuned_global" \
    --config "$RECIPE,evaluate.threshold=tuned_global" --seeds 1 2 3
(cd "$WORK" && embedding-bench compare --out results/best --ensemble "mode=finetune,rule=tuned_global" \
   --ensemble "mode=finetune,rule=0.5+top1" --ensemble "mode=finetune,rule=0.5" --ensemble "mode=finetune,rule=tuned")
if [ "${OPTIONS:-0}" = 1 ]; then
  run --config "$FT,bert.head=label_tokens" --config "$FT,train.lca_weight=0.2" \
      --config "$FT,bert.layer_decay=0.9" --config "$FT,bert.last_n=4" --seeds 1 2 3
  cd "$WORK"
  embedding-bench compare --out results/options
  # each option alone against the CNN head (every other option at its default)
  DEFAULTS="bert.head=cnn,train.lca_weight=0.0,bert.layer_decay=1.0,bert.last_n=1"
  for option in "bert.head=label_tokens,train.lca_weight=0.2" "bert.head=label_tokens,train.lca_weight=0.0" \
                "bert.head=cnn,train.lca_weight=0.2" "bert.head=cnn,bert.layer_decay=0.9" "bert.head=cnn,bert.last_n=4"; do
    pairs "mode=finetune,rule=0.5,$option mode=finetune,rule=0.5,$DEFAULTS"
  done
fi
