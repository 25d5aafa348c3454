#!/usr/bin/env bash
# Runs strata's benchmarks and the peers they are compared with, on this machine, in one go.
# Usage: bench/run.sh BUILD_DIR      (./strata.sh bench calls it; BENCH_LAKE=1 adds bench/lake_bench.sh)
# Results go to stdout; BENCHMARKS.md records them with the machine and the exact command.
set -euo pipefail
BUILD=${1:?usage: bench/run.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
RUNS=${BENCH_RUNS:-5}
WORK=${BENCH_DIR:-/tmp/strata-bench}
ROWS=${BENCH_CSV_ROWS:-5000000}
rm -rf "$WORK"
mkdir -p "$WORK"
chmod 755 "$WORK"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.4f", e - s }'; }

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

echo
echo "== db_bench (in-process append, latest, hot memory), $RUNS runs"
for i in $(seq "$RUNS"); do "$BUILD/bench/db_bench" --dir "$WORK/db_bench"; done | tee "$WORK/db_bench.txt"
for w in append_interval append_always; do
  m=$(grep "^$w " "$WORK/db_bench.txt" | awk '{ for (i = 1; i <= NF; i++) if ($(i + 1) == "rows/s") print $i }' | median)
  p50=$(grep "^$w " "$WORK/db_bench.txt" | sed -E 's/.*p50=([0-9.]+).*/\1/' | median)
  p99=$(grep "^$w " "$WORK/db_bench.txt" | sed -E 's/.*p99=([0-9.]+).*/\1/' | median)
  echo "MEDIAN $w: $m rows/s, ack p50 $p50 us, p99 $p99 us"
done
echo "MEDIAN latest: $(grep '^latest ' "$WORK/db_bench.txt" | sed -E 's/.*median ([0-9.]+) ns.*/\1/' | median) ns/lookup"
echo "MEDIAN hot_memory ratio: $(grep '^hot_memory ' "$WORK/db_bench.txt" | sed -E 's/.*ratio=([0-9.]+).*/\1/' | median)"

echo
echo "== Parquet (issue 3): 10M generated trades, write/read one core, DuckDB on the same files"
STRATA_BENCH_DIR="$WORK" "$BUILD/bench/parquet_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true |
  grep -E "^Benchmark|_median"
if NPM_DIR=$(bash "$(dirname "$0")/../tools/interop/setup.sh" 2>/dev/null); then
  cp "$(dirname "$0")/../tools/interop/duckdb_bench.mjs" "$NPM_DIR/duckdb_bench.mjs"
  echo "-- DuckDB scanning our SNAPPY file (sum/count over every column; in-process, start-up excluded)"
  (cd "$NPM_DIR" && node duckdb_bench.mjs "$WORK/strata_bench_snappy.parquet" "$RUNS" scan)
  echo "-- sizes: ours (ZSTD, strongest encodings) vs DuckDB's ZSTD files of the same rows"
  (cd "$NPM_DIR" && node duckdb_bench.mjs "$WORK/strata_bench_zstd_strongest.parquet" 1 sizes)
else
  echo "DuckDB from npm not available (tools/interop/setup.sh); skipping the Parquet peer"
fi

echo
echo "== ILP ingest (issue 19): parser, writer, TCP listener with 2 and 4 connections (fsync=interval=10)"
"$BUILD/bench/ilp_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true || echo "ilp bench failed"

echo
echo "== Live subscriptions (issue 19): ack-to-subscriber latency at 100 k rows/s over a WebSocket; ingest with a stalled subscriber"
"$BUILD/bench/subscribe_bench" --dir "$WORK/subscribe" || echo "subscribe bench failed"
echo "== Iceberg metadata (issue 16): manifest encoding vs Avro C, what the Iceberg commit adds to a flush"
STRATA_BENCH_DIR="$WORK" "$BUILD/bench/iceberg_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true ||
  echo "iceberg bench failed"

echo
echo "== Object store (issue 4): the S3 store on a local s3rver vs the local-directory store"
bash "$(dirname "$0")/s3_bench.sh" "$BUILD" || echo "s3 bench failed (is s3rver installed? tools/interop/setup.sh)"

if [[ "${BENCH_LAKE:-0}" == 1 ]]; then
  echo
  echo "== Lake (issues 4, 5): reads vs DuckDB on the same warm/cold files, migration throughput (bench/lake_bench.sh)"
  LAKE_DIR="$WORK/lake" bash "$(dirname "$0")/lake_bench.sh" "$BUILD" || echo "lake bench failed"
else
  echo
  echo "== Lake (issues 4, 5): skipped (long); BENCH_LAKE=1 runs bench/lake_bench.sh (LAKE_* settings in its header)"
fi

echo
echo "== CSV ingest: strata ingest vs PostgreSQL COPY of the same file ($ROWS trades)"
"$BUILD/strata" gen trades --symbols 10 --rows "$ROWS" --date 2026-03-02 --seed 3 --out "$WORK/trades.csv"
chmod 644 "$WORK/trades.csv"
CSV_BYTES=$(stat -c %s "$WORK/trades.csv")
cat "$WORK/trades.csv" >/dev/null  # into the page cache for both
: >"$WORK/strata_ingest.txt"
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/db"
  "$BUILD/strata" --root "$WORK/db" init --fsync interval=10 >/dev/null
  "$BUILD/strata" --root "$WORK/db" table create trades --template trades >/dev/null
  # Wall time, and CPU time (user + system) of the process: on a shared 2-core machine the CPU
  # time is what "MB/s on one core" means, and it is far less noisy than the wall clock.
  TIMEFORMAT='%R %U %S'
  { time "$BUILD/strata" --root "$WORK/db" ingest trades "$WORK/trades.csv" -q; } 2>>"$WORK/strata_ingest.txt"
done
STRATA_S=$(awk '{ print $1 }' "$WORK/strata_ingest.txt" | median)
STRATA_CPU=$(awk '{ print $2 + $3 }' "$WORK/strata_ingest.txt" | median)
echo "strata ingest: median $STRATA_S s wall ($(awk -v b="$CSV_BYTES" -v s="$STRATA_S" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }')), median $STRATA_CPU s CPU ($(awk -v b="$CSV_BYTES" -v s="$STRATA_CPU" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }') per core)"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$PG_BIN" ]]; then
  echo "PostgreSQL not installed (tools/setup.sh --bench installs it); skipping the peer"
  exit 0
fi
PGDATA=$WORK/pg
PGPORT=${BENCH_PG_PORT:-54329}
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$PGDATA"
[[ $(id -u) -eq 0 ]] && chown postgres "$PGDATA"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1" -l "$PGDATA/log" -w start >/dev/null
trap 'as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true' EXIT
PSQL=("$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
: >"$WORK/pg_copy.txt"
for i in $(seq "$RUNS"); do
  "${PSQL[@]}" -c "DROP TABLE IF EXISTS trades; CREATE TABLE trades (ts timestamptz NOT NULL, symbol text NOT NULL, price float8, size bigint, trade_id bigint, exchange text)"
  s=$(now)
  "${PSQL[@]}" -c "COPY trades FROM '$WORK/trades.csv' WITH (FORMAT csv, HEADER true)"
  e=$(now)
  elapsed "$s" "$e" >>"$WORK/pg_copy.txt"
  echo >>"$WORK/pg_copy.txt"
done
PG_S=$(median <"$WORK/pg_copy.txt")
echo "PostgreSQL COPY: median $PG_S s ($(awk -v b="$CSV_BYTES" -v s="$PG_S" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'))"
echo "RATIO strata/postgres time: $(awk -v a="$STRATA_S" -v b="$PG_S" 'BEGIN { printf "%.3f", a / b }')"
