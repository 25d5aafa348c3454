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
# Throughput is in uncompressed column bytes (sum of the chunks' total_uncompressed_size), over
# wall time and over CPU time (user + sys; on a shared machine the CPU time is the fair measure).
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

strata_run() {  # extra args; prints "wall_s cpu_s" (user + sys) of the whole process
  rm -rf "$WORK/db"
  "$STRATA" --root "$WORK/db" init --fsync none >/dev/null
  "$STRATA" --root "$WORK/db" table create trades --template trades >/dev/null
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.txt" "$STRATA" --root "$WORK/db" ingest trades "$FILE" -q "$@"
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$WORK/time.txt"
}
mbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }
for mode in checked single; do
  extra=(); [[ $mode == single ]] && extra=(--single-pass)
  for i in $(seq "$RUNS"); do strata_run "${extra[@]}"; done >"$WORK/strata_$mode.txt"
  w=$(cut -d' ' -f1 <"$WORK/strata_$mode.txt" | median)
  c=$(cut -d' ' -f2 <"$WORK/strata_$mode.txt" | median)
  echo "strata ingest ($mode): median wall $w s ($(mbps "$w") MB/s), cpu $c s ($(mbps "$c") MB/s)  [wall cpu: $(tr '\n' ';' <"$WORK/strata_$mode.txt")]"
done
rm -rf "$WORK/db"

(cd "$NPM_DIR" && node ingest_duckdb.mjs "$FILE" "$WORK/duck.duckdb" "$RUNS") >"$WORK/duck.txt"
field_median() { python3 -c 'import json,sys; [print(eval(sys.argv[2], {}, json.loads(l))) for l in open(sys.argv[1])]' "$WORK/duck.txt" "$1" | median; }
ins=$(field_median insert_s)
ins_cpu=$(field_median insert_cpu_s)
both=$(field_median "insert_s + checkpoint_s")
both_cpu=$(field_median "insert_cpu_s + checkpoint_cpu_s")
echo "duckdb INSERT (threads=1): median wall $ins s ($(mbps "$ins") MB/s), cpu $ins_cpu s ($(mbps "$ins_cpu") MB/s); INSERT + CHECKPOINT wall $both s, cpu $both_cpu s"
for mode in checked single; do
  w=$(cut -d' ' -f1 <"$WORK/strata_$mode.txt" | median)
  c=$(cut -d' ' -f2 <"$WORK/strata_$mode.txt" | median)
  echo "ratio strata ($mode) / duckdb INSERT: wall $(awk -v a="$w" -v b="$ins" 'BEGIN { printf "%.2f", a / b }'), cpu $(awk -v a="$c" -v b="$ins_cpu" 'BEGIN { printf "%.2f", a / b }'); vs INSERT + CHECKPOINT cpu $(awk -v a="$c" -v b="$both_cpu" 'BEGIN { printf "%.2f", a / b }')"
done

echo "== in process (bench/ingest_parquet_bench, median of repetitions)"
STRATA_BENCH_PARQUET=$FILE STRATA_BENCH_DIR=$WORK "$BUILD/bench/ingest_parquet_bench" \
  --benchmark_repetitions="$RUNS" --benchmark_report_aggregates_only=true 2>&1 | grep -E "median|^BM_|Benchmark" || true
rm -rf "$WORK"
