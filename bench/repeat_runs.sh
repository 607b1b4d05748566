#!/usr/bin/env bash
# Bit-for-bit reproducibility on this machine: the embedded sample's train stage run N times on
# the same inputs, in a clone of this repository; prints how many runs gave each (model, training
# metrics) pair of sha256 prefixes. One line means every run was byte-identical. Run it with
# nothing else computing: two processes each using both cores slow each other several-fold.
#   bash bench/repeat_runs.sh [N] [WORKDIR]     (default 20 runs, /tmp/repeat-runs)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-20}
WORK=${2:-/tmp/repeat-runs}
export PATH="$ROOT/.venv/bin:$PATH"
rm -rf "$WORK" && git clone -q "$ROOT" "$WORK" && cd "$WORK"
dvc repro -q train >"$WORK/inputs.log" 2>&1 || { tail -20 "$WORK/inputs.log"; exit 1; }  # the inputs, once
for _ in $(seq "$N"); do
  dvc repro -q -f -s train >/dev/null 2>&1
  sha256sum models/model.safetensors metrics/train/metrics.json | cut -c1-16 | paste -sd' '
done | sort | uniq -c
python -c "from embedding_bench import devices; print(devices.cpu_name())"
git log -1 --format='commit %h'
