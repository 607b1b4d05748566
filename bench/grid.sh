#!/usr/bin/env bash
# The DVC-native grid, queued and run two at a time, then the leaderboard and a paired test.
#   bash bench/grid.sh [WORKDIR]     (default /tmp/grid-work; a clone of this repository)
# Every queued run happens in a temporary copy of the repository, so it can only use what git
# or DVC tracks (the sample is in git; another dataset must be given by absolute path).
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/grid-work}
export PATH="$ROOT/.venv/bin:$PATH"
rm -rf "$WORK" && git clone -q "$ROOT" "$WORK" && cd "$WORK"
dvc exp run --queue -S 'embedding=random,word2vec' -S 'preprocessing=light,full' -S 'seed=range(1,3)'
dvc queue start -j 2
while dvc queue status | grep -E 'Queued|Running' >/dev/null; do sleep 10; done  # no -q: it would cut the pipe
dvc queue status
embedding-bench compare --out results/leaderboard \
  --pair embedding=word2vec,preprocessing=light embedding=word2vec,preprocessing=full
