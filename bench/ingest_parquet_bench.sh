#!/usr/bin/env bash
# Parquet ingest throughput (issue 16): `strata ingest TABLE FILE.parquet` against DuckDB's
# `INSERT INTO t SELECT * FROM read_parquet(FILE)` on the same file, in the same run.
#
# Usage: bench/ingest_parquet_bench.sh BUILD_DIR   (BUILD_DIR configured with -DSTRATA_BENCH=ON)
#
# DuckDB writes PQ_ROWS generated trades (PQ_SYMBOLS symbols, ns timestamps, snappy, its default
# row groups) to one file, "a vendor dump". Then, PQ_RUNS times each (medians reported):
#   - strata, whole process: fresh database (fsync none), `strata ingest trades FILE` (the default,
#     checked first, then appended) and with --single-pass;
#   - DuckDB (@duckdb/node-api, bench/ingest_duckdb.mjs, threads = 1): INSERT into a fresh on-disk
#     database, and the CHECKPOINT after it;
#   - bench/ingest_parquet_bench (in process): decode only, + conversions and checks, + appends.
# Throughput is in uncompressed column bytes (sum of the chunks' total_uncompressed_size).
# Environment: PQ_ROWS [10000000] PQ_SYMBOLS [10] PQ_RUNS [5] PQ_DIR [/tmp/strata-pq-bench]
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/ingest_parquet_bench.sh BUILD_DIR}" && pwd)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS=${PQ_ROWS:-10000000}
NSYM=${PQ_SYMBOLS:-10}
RUNS=${PQ_RUNS:-5}
WORK=${PQ_DIR:-/tmp/strata-pq-bench}
STRATA=$BUILD/strata
rm -rf "$WORK"
mkdir -p "$WORK"
NPM_DIR=$(bash "$here/tools/interop/setup.sh") || { echo "ingest_parquet_bench: DuckDB from npm unavailable" >&2; exit 1; }
cp "$here/bench/ingest_duckdb.mjs" "$here/tools/interop/query_duckdb.mjs" "$here/tools/interop/canon.mjs" "$NPM_DIR/"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
secs_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.4f", e - s }'; }
duck_sql() {
  printf '[{"name":"q","sql":%s}]' "$(printf '%s' "$1" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" >"$WORK/spec.json"
  (cd "$NPM_DIR" && node query_duckdb.mjs "$WORK/spec.json")
}

FILE=$WORK/trades.parquet
duck_sql "COPY (SELECT make_timestamp_ns(1772461800000000000 + i * 2340017 + (i * 7919) % 1000) AS ts,
                       'SYM' || (hash(i) % $NSYM)::BIGINT AS symbol,
                       round(100 + (hash(i * 3) % 10000) / 100.0, 2)::DOUBLE AS price,
                       (100 * (1 + hash(i * 5) % 20))::BIGINT AS size,
                       (1000000 + i)::BIGINT AS trade_id,
                       ['XNAS', 'XNYS', 'ARCX', 'BATS', 'IEXG'][1 + (hash(i * 7) % 5)::BIGINT] AS exchange
                FROM range($ROWS) r(i)) TO '$FILE' (FORMAT parquet)" >/dev/null
BYTES=$(duck_sql "SELECT sum(total_uncompressed_size) FROM parquet_metadata('$FILE')" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["rows"][0][0])')
FILE_BYTES=$(stat -c %s "$FILE")
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== input: $ROWS rows, $NSYM symbols, file $FILE_BYTES bytes (DuckDB, snappy), $BYTES uncompressed column bytes"

strata_run() {  # extra args; prints seconds of the whole process
  rm -rf "$WORK/db"
  "$STRATA" --root "$WORK/db" init --fsync none >/dev/null
  "$STRATA" --root "$WORK/db" table create trades --template trades >/dev/null
  local s=$EPOCHREALTIME
  "$STRATA" --root "$WORK/db" ingest trades "$FILE" -q "$@"
  secs_since "$s"
}
for mode in checked single; do
  extra=(); [[ $mode == single ]] && extra=(--single-pass)
  for i in $(seq "$RUNS"); do strata_run "${extra[@]}"; echo; done >"$WORK/strata_$mode.txt"
  m=$(median <"$WORK/strata_$mode.txt")
  echo "strata ingest ($mode): median $m s, $(awk -v b="$BYTES" -v s="$m" 'BEGIN { printf "%.0f", b / s / 1e6 }') MB/s  [runs: $(tr '\n' ' ' <"$WORK/strata_$mode.txt")]"
done
rm -rf "$WORK/db"

(cd "$NPM_DIR" && node ingest_duckdb.mjs "$FILE" "$WORK/duck.duckdb" "$RUNS") >"$WORK/duck.txt"
ins=$(python3 -c 'import json,sys; [print(json.loads(l)["insert_s"]) for l in open(sys.argv[1])]' "$WORK/duck.txt" | median)
both=$(python3 -c 'import json,sys; [print(json.loads(l)["insert_s"] + json.loads(l)["checkpoint_s"]) for l in open(sys.argv[1])]' "$WORK/duck.txt" | median)
echo "duckdb INSERT (threads=1): median $ins s, $(awk -v b="$BYTES" -v s="$ins" 'BEGIN { printf "%.0f", b / s / 1e6 }') MB/s; INSERT + CHECKPOINT median $both s"
for mode in checked single; do
  m=$(median <"$WORK/strata_$mode.txt")
  echo "ratio strata ($mode) / duckdb INSERT time: $(awk -v a="$m" -v b="$ins" 'BEGIN { printf "%.2f", a / b }'); vs INSERT + CHECKPOINT: $(awk -v a="$m" -v b="$both" 'BEGIN { printf "%.2f", a / b }')"
done

echo "== in process (bench/ingest_parquet_bench, median of repetitions)"
STRATA_BENCH_PARQUET=$FILE STRATA_BENCH_DIR=$WORK "$BUILD/bench/ingest_parquet_bench" \
  --benchmark_repetitions="$RUNS" --benchmark_report_aggregates_only=true 2>&1 | grep -E "median|^BM_|Benchmark" || true
rm -rf "$WORK"
