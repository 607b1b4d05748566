#!/usr/bin/env bash
# The README's multi-machine grid, on one machine: a bare git repository as the git remote, a
# folder as the DVC remote, two clones as workers (each runs its share of a 2 x 2 grid and
# pushes), and a third clone that gathers the leaderboard with a paired test.
#   bash bench/grid_machines.sh [WORKDIR]     (default /tmp/grid-machines)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/grid-machines}
export PATH="$ROOT/.venv/bin:$PATH"
GRID=(-S 'embedding=random,word2vec' -S 'seed=1,2')
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
git init -q --bare origin.git
git clone -q "$ROOT" project && cd project
dvc remote add -d shared "$WORK/dvc-remote"
git commit -qam "grid: a DVC remote" && git push -q "$WORK/origin.git" HEAD:main
# the commit's own outputs (its results count as one more run) go to the remote too, from this
# checkout's DVC cache, as `dvc push` after `dvc repro` would
dvc config --local cache.dir "$ROOT/.dvc/cache"
dvc push -q || echo "note: this checkout's DVC cache lacks some outputs of HEAD (run 'make repro' first)"
dvc config --local --unset cache.dir
cd "$WORK"
for i in 1 2; do git clone -q -b main origin.git "worker$i"; done
git clone -q -b main origin.git gatherer
SECONDS=0
(cd worker1 && embedding-bench grid run --worker 1/2 --git-remote origin "${GRID[@]}")
(cd worker2 && embedding-bench grid run --worker 2/2 --git-remote origin "${GRID[@]}")
echo "workers: ${SECONDS}s"
(cd gatherer && embedding-bench grid gather --git-remote origin "${GRID[@]}" --out results/leaderboard \
   --pair embedding=random embedding=word2vec)
