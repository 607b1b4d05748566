# Sourced by the SemEval bench scripts, after they set DEFAULT_WORK: --help prints the caller's
# header; arguments [SEMEVAL_DIR] [WORKDIR]; the venv first on PATH; run() adds one
# bench/experiments.py invocation's runs to the workdir's experiments.
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEMEVAL=$(cd "${1:-$ROOT/../shared/datasets/semeval2018-ec}" && pwd)
WORK=${2:-$DEFAULT_WORK}
export PATH="$ROOT/.venv/bin:$PATH"
run() { python "$ROOT/bench/experiments.py" --semeval "$SEMEVAL" --workdir "$WORK" --keep "$@"; }
# in_answer_workdir: cd into the workdir bench/semeval_answer.sh made (its runs are reused)
in_answer_workdir() {
  [ -d "$WORK/.git" ] || { echo "run bench/semeval_answer.sh first (its workdir: $WORK)"; exit 1; }
  cd "$WORK"
}
# pairs "A B" ...: the paired test of each pair of configurations, in the workdir
# (one that fails says why and the others still run)
pairs() {
  for pair in "$@"; do
    if out=$(embedding-bench compare --pair $pair 2>&1); then grep -A4 '^A = ' <<<"$out"
    else echo "compare --pair $pair: $(tail -1 <<<"$out")"; fi
  done
}
