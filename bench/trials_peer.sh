#!/usr/bin/env bash
# strata's 2-objective Pareto front against Optuna's (study.best_trials, python3-optuna) on the same
# trials, in memory and in Optuna's SQLite RDB storage; and the whole `strata trials front` process.
# Usage: bench/trials_peer.sh BUILD_DIR [N]     (N trials, default 100000; RDB load is slow)
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/trials_peer.sh BUILD_DIR [N]}" && pwd)
N=${2:-100000}
WORK=${BENCH_DIR:-/tmp/strata-trials-peer}
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK"
"$BUILD/bench/trials_bench" --workloads insert --trials "$N" --dir "$WORK"
ROOT="$WORK/insert"
"$BUILD/strata" --root "$ROOT" trials list bench --format csv > "$WORK/trials.csv"
for i in 1 2 3 4 5; do
  s=$EPOCHREALTIME
  "$BUILD/strata" --root "$ROOT" trials front bench --objectives sharpe,drawdown --format json > "$WORK/front2.json"
  e=$EPOCHREALTIME
  s3=$EPOCHREALTIME
  "$BUILD/strata" --root "$ROOT" trials front bench --format json > "$WORK/front3.json"
  e3=$EPOCHREALTIME
  awk -v a="$s" -v b="$e" -v c="$s3" -v d="$e3" -v n="$N" \
    'BEGIN { printf "strata_front_process n=%d d2_seconds=%.4f d3_kept_seconds=%.4f\n", n, b - a, d - c }'
done
echo "strata front (2 objectives) numbers: $(python3 -c 'import json,sys; print(sorted(json.loads(l)["number"] for l in open(sys.argv[1])))' "$WORK/front2.json")"
/usr/bin/python3 "$HERE/trials_optuna.py" "$WORK/trials.csv" memory
/usr/bin/python3 "$HERE/trials_optuna.py" "$WORK/trials.csv" "sqlite:///$WORK/optuna.db"
# Optuna through strata.optuna.StrataStorage (needs the package: ./strata.sh python): best_trials on
# the same trials, and 3 worker processes x 300 trials, StrataStorage against Optuna's SQLite RDB.
VENV_PY="$HERE/../.venv/bin/python"
if [[ -x "$VENV_PY" ]]; then
  "$VENV_PY" "$HERE/trials_optuna.py" "$WORK/trials.csv" "strata:$WORK/optuna-strata"
  for i in 1 2 3; do
    "$VENV_PY" "$HERE/trials_optuna.py" optimize "strata:$WORK/optimize-strata-$i" 3 300
    "$VENV_PY" "$HERE/trials_optuna.py" optimize "sqlite:///$WORK/optimize-$i.db" 3 300
  done
else
  echo "no ./.venv (run ./strata.sh python): StrataStorage not measured"
fi
