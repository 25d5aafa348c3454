#!/usr/bin/env bash
# Crash soak: a writer appends (two tables, two threads, fsync=always unless STRATA_SOAK_FSYNC
# says otherwise: kill -9 must lose no acknowledged row under any policy), flushes, flushes one
# table and migrates to cold without pause; each round it is killed with SIGKILL at a random
# moment (0-2.5 s after it started, so some kills land in open and recovery), then the database
# is reopened as a writer and checked: every row of every acknowledged batch (Append returned
# OK) is there exactly once with its values, no row that was never appended is there, and
# `strata verify` is clean. See tools/soak/soak_driver.cc for the exact promise checked.
#
#   tools/soak.sh ROUNDS [ROUNDS_PER_DATABASE=20]
#
# Not part of the test command (it runs for an hour for 1,000 rounds); results are in
# RELIABILITY.md. A fresh database is started every ROUNDS_PER_DATABASE rounds so a round's
# check stays short. On the first failure it stops, keeps the database and the writer's log in
# $STRATA_SOAK_DIR/failed-round-N and exits 1.
# Environment: STRATA_BUILD_DIR (default ./build), STRATA_SOAK_DIR (default /tmp/strata-soak),
# STRATA_SOAK_SEED (default: the time), STRATA_SOAK_MAX_KILL_MS (default 2500), STRATA_SOAK_FSYNC
# (always, interval=N or none; default always).
set -euo pipefail
rounds=${1:?usage: tools/soak.sh ROUNDS [ROUNDS_PER_DATABASE]}
per_db=${2:-20}
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root_dir/build}"
work="${STRATA_SOAK_DIR:-/tmp/strata-soak}"
seed=${STRATA_SOAK_SEED:-$(date +%s)}
max_kill_ms=${STRATA_SOAK_MAX_KILL_MS:-2500}
export STRATA_SOAK_FSYNC=${STRATA_SOAK_FSYNC:-always}
RANDOM=$seed

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target strata strata_soak >/dev/null
rm -rf "$work" && mkdir -p "$work/bin"
# Copies, so that rebuilding the tree during a long soak does not change what it runs.
cp "$build/strata" "$build/strata_soak" "$work/bin/"
strata="$work/bin/strata"
driver="$work/bin/strata_soak"
start=$SECONDS
total_acked_batches=0 total_acked_rows=0 total_unacked=0 total_partial=0 kills_in_open=0
declare -A runs=()  # runs_<kind>_<status> summed over the databases
db="" log="" summary=""
fail() {  # message
  echo "soak: round $round FAILED: $1" >&2
  local keep="$work/failed-round-$round"
  mv "$db" "$keep/" 2>/dev/null || { mkdir -p "$keep" && cp -a "$db" "$keep/"; }
  cp "$log" "$keep/" 2>/dev/null || true
  echo "soak: the database and the writer's log are in $keep (seed $seed)" >&2
  exit 1
}
count_appends() {  # the writer's "A" lines so far; 0 before its log exists
  local n=0
  [[ -f "$log" ]] && n=$(grep -c "^A " "$log" || true)
  echo "${n:-0}"
}
add_summary() {  # the previous database's last check line
  [[ -n "$summary" ]] || return 0
  local v
  for kv in $summary; do
    v=${kv#*=}
    case "$kv" in
      acked_batches=*) total_acked_batches=$((total_acked_batches + v)) ;;
      acked_rows=*) total_acked_rows=$((total_acked_rows + v)) ;;
      unacked_rows_present=*) total_unacked=$((total_unacked + v)) ;;
      partial_batches=*) total_partial=$((total_partial + v)) ;;
      runs_*) runs[${kv%%=*}]=$((${runs[${kv%%=*}]:-0} + v)) ;;
    esac
  done
}

for ((round = 1; round <= rounds; round++)); do
  if (((round - 1) % per_db == 0)); then
    add_summary
    summary=""
    rm -rf "$db"
    db="$work/db-$round"
    log="$work/log-$round"
    rm -f "$log"
    "$strata" init --root "$db" --fsync "$STRATA_SOAK_FSYNC" >/dev/null
    for t in t1 t2; do
      "$strata" table create "$t" --root "$db" --schema 'ts:timestamp,symbol:symbol,id:i64,v:f64' >/dev/null
    done
  fi
  appends_before=$(count_appends)
  "$driver" write "$db" "$log" $((round * 10000000)) $((seed + round)) 2>"$work/writer.err" &
  pid=$!
  kill_ms=$(((RANDOM * 32768 + RANDOM) % max_kill_ms))
  sleep "$(printf '%d.%03d' $((kill_ms / 1000)) $((kill_ms % 1000)))"
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || true
    fail "the writer stopped by itself: $(cat "$work/writer.err")"
  fi
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  (($(count_appends) > appends_before)) || kills_in_open=$((kills_in_open + 1))
  if ! summary=$("$driver" check "$db" "$log" 2>"$work/check.err" | tr '\n' ' '); then
    fail "check: $summary $(head -c 2000 "$work/check.err")"
  fi
  if ! "$strata" verify --root "$db" >"$work/verify.out" 2>&1; then
    fail "strata verify: $(head -c 2000 "$work/verify.out")"
  fi
  if ((round % 10 == 0 || round == rounds)); then
    echo "soak: round $round/$rounds $((SECONDS - start)) s; this database: $summary"
  fi
done
add_summary
echo "soak: $rounds rounds, fsync=$STRATA_SOAK_FSYNC, in $((SECONDS - start)) s (seed $seed): acknowledged $total_acked_batches batches," \
  "$total_acked_rows rows; lost 0, duplicated 0, unknown 0, altered 0; rows of unacknowledged batches" \
  "present: $total_unacked; partial batches: $total_partial; kills before the first append: $kills_in_open"
if ((${#runs[@]})); then
  echo "soak: catalog runs (interrupted = by a kill): $(for k in "${!runs[@]}"; do echo "${k#runs_}=${runs[$k]}"; done | sort | tr '\n' ' ')"
fi
