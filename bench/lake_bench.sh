#!/usr/bin/env bash
# The lake benchmarks of issue 5 (reads across the tiers vs DuckDB on the same Parquet files) and
# the migration throughput of issue 4 (warm -> cold, local disk and a local S3 server).
#
# Usage: bench/lake_bench.sh BUILD_DIR        (bench/run.sh calls it when BENCH_LAKE=1)
#
# Builds a lake of LAKE_DAYS generated trading days (trades and quotes, LAKE_SYMBOLS symbols):
# every day but the last is ingested and flushed to warm, the oldest days are migrated to cold,
# the last LAKE_WARM_DAYS flushed days stay warm and the last day ("today") stays in the hot tier.
# Then it times the queries of issue 5 with `strata query --repeat N` (median in one process,
# start-up excluded) and DuckDB (@duckdb/node-api, tools/interop/lake_bench.mjs: the same query
# repeated in one connection) on the same warm/cold files, the whole-process ("cold start") times
# of both, and peak RSS of 1-day .. whole-range scans; it checks that both answer the same
# (counts, sums) and fails loudly when they don't.
#
# Environment (defaults in brackets):
#   LAKE_TRADES_PER_DAY [1000000]  trades per day over all symbols (issue 5 says ~10M at full scale)
#   LAKE_QUOTES_PER_DAY [2 x trades]
#   LAKE_SYMBOLS [10]  LAKE_DAYS [20]  LAKE_WARM_DAYS [3]  LAKE_START [2026-03-02]  LAKE_SYMBOL [AAPL]
#   LAKE_RUNS [5]          repetitions of each warm (in-process) timing; the median is reported
#   LAKE_COLD_RUNS [3]     repetitions of each whole-process timing
#   LAKE_S3_DAYS [5]       days flushed into a second database whose cold tier is on a local s3rver
#                          and migrated there (0: skip the S3 part)
#   LAKE_DIR [/tmp/strata-lake-bench]  work directory (the lake, CSVs, outputs)
#   LAKE_REUSE [0]         1: reuse the lake a previous run built at the same scale (only the
#                          queries run again, e.g. after a change to the read path)
#   LAKE_STRATA [BUILD_DIR/strata]  the strata binary to measure
#   LAKE_PARTS ["query sql memory"]  which timings run: `query` (the `strata query` CLI forms of
#                          issue 5), `sql` (the SQL forms of issue 21: in-process through
#                          BUILD_DIR/bench/sql_lake_bench (needs -DSTRATA_BENCH=ON) and whole
#                          `strata sql` processes, DuckDB beside each), `memory` (peak RSS of
#                          whole-range daily bars, `strata query --bars 1d` and SQL)
#   LAKE_SQL_BENCH [BUILD_DIR/bench/sql_lake_bench]  the in-process SQL timer
#   LAKE_STRATA_TUNABLES [unset]  GLIBC_TUNABLES for the timed strata queries only, e.g.
#                          glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967295
#                          (keeps freed buffers in the heap: shows what page faults of fresh
#                          memory cost on this VM; BENCHMARKS.md reports both)
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/lake_bench.sh BUILD_DIR}" && pwd)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STRATA=${LAKE_STRATA:-$BUILD/strata}
TPD=${LAKE_TRADES_PER_DAY:-1000000}
QPD=${LAKE_QUOTES_PER_DAY:-$((2 * TPD))}
NSYM=${LAKE_SYMBOLS:-10}
NDAYS=${LAKE_DAYS:-20}
NWARM=${LAKE_WARM_DAYS:-3}
START=${LAKE_START:-2026-03-02}
SYM=${LAKE_SYMBOL:-AAPL}
RUNS=${LAKE_RUNS:-5}
COLD_RUNS=${LAKE_COLD_RUNS:-3}
S3_DAYS=${LAKE_S3_DAYS:-5}
WORK=${LAKE_DIR:-/tmp/strata-lake-bench}
REUSE=${LAKE_REUSE:-0}
ROOT=$WORK/lake
OUT=$WORK/out
SCALE="trades_per_day=$TPD quotes_per_day=$QPD symbols=$NSYM days=$NDAYS warm_days=$NWARM start=$START"

[[ -x "$STRATA" ]] || { echo "lake_bench: no strata binary at $STRATA" >&2; exit 1; }
(( NDAYS >= NWARM + 2 )) || { echo "lake_bench: LAKE_DAYS must exceed LAKE_WARM_DAYS + 1" >&2; exit 1; }
NPM_DIR=$(bash "$here/tools/interop/setup.sh") || { echo "lake_bench: DuckDB from npm unavailable (tools/interop/setup.sh)" >&2; exit 1; }
# A copy of its own: the npm directory is shared, and another checkout's bench may copy its
# version there while this one runs.
DUCK_JS=lake_bench.$$.mjs
cp "$here/tools/interop/lake_bench.mjs" "$NPM_DIR/$DUCK_JS"
trap 'rm -f "$NPM_DIR/$DUCK_JS"' EXIT
duck() { (cd "$NPM_DIR" && node "$DUCK_JS" "$@"); }

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (e - s) * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
s() { "$STRATA" --root "$ROOT" "$@"; }
# The strata queries that are timed (GLIBC_TUNABLES only when LAKE_STRATA_TUNABLES is set).
sq() {
  if [[ -n "${LAKE_STRATA_TUNABLES:-}" ]]; then
    GLIBC_TUNABLES=$LAKE_STRATA_TUNABLES "$STRATA" --root "$ROOT" query "$@"
  else
    "$STRATA" --root "$ROOT" query "$@"
  fi
}

# LAKE_DAYS weekdays from LAKE_START.
DAYS=()
d=$START
while (( ${#DAYS[@]} < NDAYS )); do
  [[ $(date -u -d "$d" +%u) -le 5 ]] && DAYS+=("$d")
  d=$(date -u -d "$d + 1 day" +%F)
done
HOT_DAY=${DAYS[NDAYS - 1]}
FIRST_WARM=${DAYS[NDAYS - 1 - NWARM]}
NCOLD=$((NDAYS - 1 - NWARM))
QDAY=${DAYS[NCOLD / 2]}          # a cold day in the middle of the cold range
WDAY=${DAYS[NDAYS - 2]}          # the last warm day
next_day() { date -u -d "$1 + 1 day" +%F; }

echo "== lake bench (issues 4 and 5): $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== scale: $SCALE${LAKE_STRATA_TUNABLES:+; strata queries with GLIBC_TUNABLES=$LAKE_STRATA_TUNABLES}"
echo "== days: cold ${DAYS[0]}..${DAYS[NCOLD - 1]} ($NCOLD), warm $FIRST_WARM..${DAYS[NDAYS - 2]} ($NWARM), hot $HOT_DAY"

# ---------------------------------------------------------------------------------------------
# Build the lake: gen -> ingest -> flush (per day) -> migrate the cold days. Issue 4's flush and
# migration throughput come out of this.
gen_day() {  # index day dir
  local i=$1 day=$2 dir=$3
  "$STRATA" gen trades --symbols "$NSYM" --rows "$TPD" --date "$day" --seed $((1000 + i)) --out "$dir/trades_$day.csv" >/dev/null
  "$STRATA" gen quotes --symbols "$NSYM" --rows "$QPD" --date "$day" --seed $((1000 + i)) --out "$dir/quotes_$day.csv" >/dev/null
}
flush_timed() {  # root log: runs strata flush, appends "rows seconds_inside wall_seconds" to log
  local t0=$EPOCHREALTIME line
  line=$("$STRATA" --root "$1" flush)
  local wall
  wall=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }')
  echo "$line" | sed -E 's/^flushed ([0-9,]+) rows.*took ([0-9.]+) s.*/\1 \2/' | tr -d , | awk -v w="$wall" '{ print $1, $2, w }' >>"$2"
}
migrate_timed() {  # root log [migrate args...]: appends "rows_in rows_out seconds_inside wall_seconds"
  local root=$1 log=$2
  shift 2
  local t0=$EPOCHREALTIME line
  line=$("$STRATA" --root "$root" migrate --no-policy -q "$@" | grep '^migrated')
  echo "$line"
  local wall
  wall=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }')
  echo "$line" | sed -E 's/^migrated: ([0-9,]+) rows in .* -> ([0-9,]+) rows in .*took ([0-9.]+) s.*/\1 \2 \3/' | tr -d , |
    awk -v w="$wall" '{ print $1, $2, $3, w }' >>"$log"
}
report_flush() {  # log label
  awk -v l="$2" '{ r += $1; t += $2; w += $3 } END {
    printf "%s: %d rows in %.2f s inside flush (%.2f M rows/s), %.2f s whole processes (%.2f M rows/s)\n", l, r, t, r / t / 1e6, w, r / w / 1e6 }' "$1"
}
report_migrate() {  # log label
  awk -v l="$2" '{ r += $1; o += $2; t += $3; w += $4 } END {
    printf "%s: %d rows in (%d out) in %.2f s inside migrate (%.3f M rows/s), %.2f s whole process (%.3f M rows/s)\n", l, r, o, t, r / t / 1e6, w, r / w / 1e6 }' "$1"
}

stamp="$WORK/lake.complete"
if [[ "$REUSE" == 1 && -f "$stamp" && "$(cat "$stamp")" == "$SCALE" ]]; then
  echo "== reusing the lake in $ROOT (LAKE_REUSE=1); setup results of the run that built it:"
  cat "$WORK/setup_results.txt"
else
  rm -rf "$WORK"
  mkdir -p "$WORK/csv" "$OUT"
  setup_t0=$EPOCHREALTIME
  s init --fsync interval=10 >/dev/null
  s table create trades --template trades >/dev/null
  s table create quotes --template quotes >/dev/null
  # Flushes happen where the script says (one per day, never inside an ingest), whatever the scale:
  # the rows trigger above a day's rows (the default 8 M would flush during a 10 M-trade ingest).
  flush_rows=$((4 * (TPD > QPD ? TPD : QPD)))
  s table set-policy trades --flush-rows "$flush_rows" >/dev/null
  s table set-policy quotes --flush-rows "$flush_rows" >/dev/null
  : >"$WORK/flush.log"
  gen_s=0 ingest_s=0
  for i in "${!DAYS[@]}"; do
    day=${DAYS[i]}
    t0=$EPOCHREALTIME
    gen_day "$i" "$day" "$WORK/csv"
    gen_s=$(awk -v a="$gen_s" -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { print a + e - s }')
    t0=$EPOCHREALTIME
    s ingest trades "$WORK/csv/trades_$day.csv" -q
    s ingest quotes "$WORK/csv/quotes_$day.csv" -q
    ingest_s=$(awk -v a="$ingest_s" -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { print a + e - s }')
    [[ "$day" != "$HOT_DAY" ]] && flush_timed "$ROOT" "$WORK/flush.log"
    (( i < S3_DAYS )) || rm -f "$WORK/csv/trades_$day.csv" "$WORK/csv/quotes_$day.csv"
    echo "  day $((i + 1))/$NDAYS $day: ingested$([[ "$day" != "$HOT_DAY" ]] && echo ", flushed" || echo " (stays hot)")"
  done
  : >"$WORK/migrate_local.log"
  echo "  migrating the days before $FIRST_WARM to cold (local disk)"
  migrate_timed "$ROOT" "$WORK/migrate_local.log" --before "$FIRST_WARM"
  {
    echo "setup: gen $(printf %.1f "$gen_s") s, ingest $(printf %.1f "$ingest_s") s (whole processes), total $(awk -v s="$setup_t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }') s"
    report_flush "$WORK/flush.log" "FLUSH (hot -> warm, $((NDAYS - 1)) flushes of one day of trades + quotes)"
    report_migrate "$WORK/migrate_local.log" "MIGRATE local disk ($NCOLD days of trades + quotes, one call)"
  } >"$WORK/setup_results.txt"

  if (( S3_DAYS > 0 )); then
    S3DIR=$WORK/s3
    trap 'bash "$here/tools/s3/server.sh" stop "$S3DIR" || true; rm -f "$NPM_DIR/$DUCK_JS"' EXIT
    endpoint=$(bash "$here/tools/s3/server.sh" start "$S3DIR" 0)
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_ENDPOINT_URL_S3=$endpoint
    curl -sf -X PUT "$endpoint/lakebench" >/dev/null
    S3ROOT=$WORK/lake_s3
    "$STRATA" --root "$S3ROOT" init --fsync interval=10 --cold s3://lakebench/strata >/dev/null
    "$STRATA" --root "$S3ROOT" table create trades --template trades >/dev/null
    "$STRATA" --root "$S3ROOT" table create quotes --template quotes >/dev/null
    "$STRATA" --root "$S3ROOT" table set-policy trades --flush-rows "$flush_rows" >/dev/null
    "$STRATA" --root "$S3ROOT" table set-policy quotes --flush-rows "$flush_rows" >/dev/null
    : >"$WORK/flush_s3.log"
    for ((i = 0; i < S3_DAYS && i < NDAYS; i++)); do
      day=${DAYS[i]}
      "$STRATA" --root "$S3ROOT" ingest trades "$WORK/csv/trades_$day.csv" -q
      "$STRATA" --root "$S3ROOT" ingest quotes "$WORK/csv/quotes_$day.csv" -q
      flush_timed "$S3ROOT" "$WORK/flush_s3.log"
      rm -f "$WORK/csv/trades_$day.csv" "$WORK/csv/quotes_$day.csv"
    done
    : >"$WORK/migrate_s3.log"
    echo "  migrating $S3_DAYS days to the S3 cold tier at $endpoint"
    migrate_timed "$S3ROOT" "$WORK/migrate_s3.log" --all
    bash "$here/tools/s3/server.sh" stop "$S3DIR"
    trap 'rm -f "$NPM_DIR/$DUCK_JS"' EXIT
    report_migrate "$WORK/migrate_s3.log" "MIGRATE local s3rver ($S3_DAYS days of trades + quotes, one call)" >>"$WORK/setup_results.txt"
    rm -rf "$S3ROOT" "$S3DIR"
  fi
  rm -rf "$WORK/csv"
  echo "$SCALE" >"$stamp"
  cat "$WORK/setup_results.txt"
fi
mkdir -p "$OUT"
echo "-- lake: $(du -sh "$ROOT/warm" | cut -f1) warm, $(du -sh "$ROOT/cold" | cut -f1) cold, $(find "$ROOT/warm" "$ROOT/cold" -name '*.parquet' | wc -l) Parquet files"
s stats 2>/dev/null | sed 's/^/   /' || true

# ---------------------------------------------------------------------------------------------
# Queries. Each: strata's arguments, DuckDB's spec entry, the target ratio.
iso() { echo "${1}T${2}Z"; }
Q1C=(trades -s "$SYM" --from "$(iso "$QDAY" 15:00:00)" --to "$(iso "$QDAY" 16:00:00)" --columns "ts,price")
Q1W=(trades -s "$SYM" --from "$(iso "$WDAY" 15:00:00)" --to "$(iso "$WDAY" 16:00:00)" --columns "ts,price")
Q2=(trades -s "$SYM" --from "$(iso "$QDAY" 00:00:00)" --to "$(iso "$(next_day "$QDAY")" 00:00:00)" --bars 1m)
Q3=(trades --from "$(iso "${DAYS[0]}" 00:00:00)" --to "$(iso "$HOT_DAY" 00:00:00)" --columns size)
Q4=(trades -s "$SYM" --from "$(iso "$QDAY" 00:00:00)" --to "$(iso "$(next_day "$QDAY")" 00:00:00)" --asof quotes --tolerance 1h)
spec() {  # q1_from q1_to scan_from scan_to
  printf '{"symbol":"%s","q1":{"from":"%s","to":"%s"},"q2":{"from":"%s","to":"%s"},"q3":{"from":"%s","to":"%s"},"q4":{"from":"%s","to":"%s","tolerance_s":3600},"scan":{"from":"%s","to":"%s"}}' \
    "$SYM" "$1" "$2" "$(iso "$QDAY" 00:00:00)" "$(iso "$(next_day "$QDAY")" 00:00:00)" \
    "$(iso "${DAYS[0]}" 00:00:00)" "$(iso "$HOT_DAY" 00:00:00)" \
    "$(iso "$QDAY" 00:00:00)" "$(iso "$(next_day "$QDAY")" 00:00:00)" "$3" "$4"
}
SPEC_C=$(spec "$(iso "$QDAY" 15:00:00)" "$(iso "$QDAY" 16:00:00)" "$(iso "${DAYS[0]}" 00:00:00)" "$(iso "$HOT_DAY" 00:00:00)")
SPEC_W=$(spec "$(iso "$WDAY" 15:00:00)" "$(iso "$WDAY" 16:00:00)" "$(iso "${DAYS[0]}" 00:00:00)" "$(iso "$HOT_DAY" 00:00:00)")

part() { [[ " ${LAKE_PARTS:-query sql memory} " == *" $1 "* ]]; }
duck_field() {  # file query threads field
  grep "\"query\":\"$2\",\"threads\":$3," "$1" | head -1 | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const o=JSON.parse(s);const v='$4'.split('.').reduce((a,k)=>a[k],o);console.log(typeof v==='object'?JSON.stringify(v):v)})"
}
FAIL=0
declare -A OURS_MS OURS_MIN DUCK1_MS DUCKD_MS OURS_COLD DUCK_COLD AGREE

if part query; then
echo
echo "== DuckDB warm (in-process, $RUNS runs after one unmeasured run, one connection)"
duck warm "$ROOT" "$SPEC_C" "$RUNS" | tee "$OUT/duck_warm_cold.jsonl"
duck warm "$ROOT" "$SPEC_W" "$RUNS" q1 | tee "$OUT/duck_warm_warm.jsonl"
fi

run_query() {  # name duck_file duck_query spec check_kind strata-args...
  local name=$1 dfile=$2 dq=$3 sp=$4 kind=$5
  shift 5
  local out="$OUT/ours_$name.parquet" err
  # 2 x RUNS + 1 runs: the last one also writes the result to Parquet (for the answer check), a
  # single slow run that moves the median by at most one rank.
  err=$(sq "$@" --repeat $((2 * RUNS + 1)) --out "$out" --explain 2>&1 >/dev/null)
  echo "$err" | grep -v '^wrote ' >"$OUT/explain_$name.txt"
  OURS_MS[$name]=$(echo "$err" | sed -nE 's/^query: median ([0-9.]+) ms.*/\1/p')
  OURS_MIN[$name]=$(echo "$err" | sed -nE 's/^query: median .*\(min ([0-9.]+) ms.*/\1/p')
  [[ -n "${OURS_MS[$name]}" ]] || { echo "strata query failed: $err" >&2; exit 1; }
  DUCK1_MS[$name]=$(duck_field "$dfile" "$dq" 1 median_ms)
  DUCKD_MS[$name]=$(duck_field "$dfile" "$dq" '"default"' median_ms)
  local ours_answer duck_answer
  ours_answer=$(duck check "$out" "$kind")
  duck_answer=$(duck_field "$dfile" "$dq" 1 answer)
  if AGREE[$name]=$(duck compare "$ours_answer" "$duck_answer"); then :; else FAIL=1; fi
  echo "$name: ours ${OURS_MS[$name]} ms (min ${OURS_MIN[$name]}), DuckDB ${DUCK1_MS[$name]} ms (1 thread) / ${DUCKD_MS[$name]} ms (default threads); answers ${AGREE[$name]} $ours_answer"
  # Whole processes: `strata query` (open, WAL replay of the hot day, query, write the result)
  # and `node lake_bench.mjs once` (node + DuckDB start-up, query).
  local t0 tours=() tduck=()
  for ((r = 0; r < COLD_RUNS; r++)); do
    t0=$EPOCHREALTIME
    sq "$@" --out "$out" 2>/dev/null
    tours+=("$(ms_since "$t0")")
    t0=$EPOCHREALTIME
    duck once "$ROOT" "$sp" "$dq" >/dev/null
    tduck+=("$(ms_since "$t0")")
  done
  OURS_COLD[$name]=$(printf '%s\n' "${tours[@]}" | median)
  DUCK_COLD[$name]=$(printf '%s\n' "${tduck[@]}" | median)
  echo "$name: whole process ours ${OURS_COLD[$name]} ms, DuckDB ${DUCK_COLD[$name]} ms (medians of $COLD_RUNS)"
}

if part query; then
echo
echo "== strata query --repeat $((2 * RUNS + 1)) (median in one process) beside DuckDB; whole-process times"
run_query q1_cold "$OUT/duck_warm_cold.jsonl" q1 "$SPEC_C" q1 "${Q1C[@]}"
run_query q1_warm "$OUT/duck_warm_warm.jsonl" q1 "$SPEC_W" q1 "${Q1W[@]}"
run_query q2 "$OUT/duck_warm_cold.jsonl" q2 "$SPEC_C" q2 "${Q2[@]}"
run_query q3 "$OUT/duck_warm_cold.jsonl" q3 "$SPEC_C" q3 "${Q3[@]}"
run_query q4 "$OUT/duck_warm_cold.jsonl" q4 "$SPEC_C" q4 "${Q4[@]}"
q4_rows=$(duck_field "$OUT/duck_warm_cold.jsonl" q4 1 answer.rows)
q3_rows=$(duck_field "$OUT/duck_warm_cold.jsonl" q3 1 answer.rows)
fi
# ---------------------------------------------------------------------------------------------
# The SQL forms (issue 21): a list of named queries, strata's SQL and DuckDB's beside it ({trades}
# and {quotes} in DuckDB's stand for the lake's tables, read as read_parquet with
# hive_partitioning). strata in-process (bench/sql_lake_bench.cc: sql::RunSql on a database
# opened once, RUNS runs after one unmeasured run) and as whole `strata sql` processes; DuckDB
# in-process (one connection, 1 thread and its default) and as whole node processes. Both
# answers are fingerprinted (rows, and the sum of each numeric column) and must agree.
# To add a query: sql_query NAME TARGET_RATIO "LABEL" "STRATA SQL" "DUCKDB SQL".
SQL_BENCH=${LAKE_SQL_BENCH:-$BUILD/bench/sql_lake_bench}
SQL_NAMES=()
declare -A SQL_TARGET SQL_LABEL SQL_OURS SQL_DUCK
sql_query() {  # name target label strata_sql duck_sql
  SQL_NAMES+=("$1")
  SQL_TARGET[$1]=$2
  SQL_LABEL[$1]=$3
  SQL_OURS[$1]=$4
  SQL_DUCK[$1]=$5
}
sts() { echo "TIMESTAMP '$1 ${2:-00:00:00}'"; }     # strata: ts is TIMESTAMP (ns)
dts() { echo "TIMESTAMP_NS '$1 ${2:-00:00:00}'"; }  # DuckDB: our ts reads as TIMESTAMP_NS
QNEXT=$(next_day "$QDAY")
bars_ours() {  # interval where
  echo "SELECT time_bucket(INTERVAL '$1', ts) AS t, symbol, first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close, sum(size) AS volume, count(*) AS n FROM trades WHERE $2 GROUP BY t, symbol"
}
bars_duck() {  # interval where
  echo "SELECT time_bucket(INTERVAL '$1', CAST(ts AS TIMESTAMP)) AS t, symbol, arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close, sum(size) AS volume, count(*) AS n FROM {trades} WHERE $2 GROUP BY ALL"
}
sql_query hour 0.5 "1 h of $SYM (cold day $QDAY): count(*), avg(price)" \
  "SELECT count(*) AS n, avg(price) AS avg_price FROM trades WHERE symbol = '$SYM' AND ts >= $(sts "$QDAY" 15:00:00) AND ts < $(sts "$QDAY" 16:00:00)" \
  "SELECT count(*) AS n, avg(price) AS avg_price FROM {trades} WHERE symbol = '$SYM' AND ts >= $(dts "$QDAY" 15:00:00) AND ts < $(dts "$QDAY" 16:00:00)"
sql_query hour_warm 0.5 "1 h of $SYM (warm day $WDAY): count(*), avg(price)" \
  "SELECT count(*) AS n, avg(price) AS avg_price FROM trades WHERE symbol = '$SYM' AND ts >= $(sts "$WDAY" 15:00:00) AND ts < $(sts "$WDAY" 16:00:00)" \
  "SELECT count(*) AS n, avg(price) AS avg_price FROM {trades} WHERE symbol = '$SYM' AND ts >= $(dts "$WDAY" 15:00:00) AND ts < $(dts "$WDAY" 16:00:00)"
sql_query bars_1m 0.5 "time_bucket 1 min OHLCV, $SYM, day $QDAY" \
  "$(bars_ours '1 minute' "symbol = '$SYM' AND ts >= $(sts "$QDAY") AND ts < $(sts "$QNEXT")")" \
  "$(bars_duck '1 minute' "symbol = '$SYM' AND ts >= $(dts "$QDAY") AND ts < $(dts "$QNEXT")")"
sql_query sample_1m 0.5 "SAMPLE BY 1m OHLCV, $SYM, day $QDAY" \
  "SELECT ts, first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close, sum(size) AS volume, count(*) AS n FROM trades WHERE symbol = '$SYM' AND ts >= $(sts "$QDAY") AND ts < $(sts "$QNEXT") SAMPLE BY 1m" \
  "SELECT time_bucket(INTERVAL '1 minute', CAST(ts AS TIMESTAMP)) AS t, arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close, sum(size) AS volume, count(*) AS n FROM {trades} WHERE symbol = '$SYM' AND ts >= $(dts "$QDAY") AND ts < $(dts "$QNEXT") GROUP BY ALL"
sql_query sum_all 1.0 "sum(size), every symbol, ${DAYS[0]}..${DAYS[NDAYS - 2]}" \
  "SELECT count(*) AS n, sum(size) AS volume FROM trades WHERE ts >= $(sts "${DAYS[0]}") AND ts < $(sts "$HOT_DAY")" \
  "SELECT count(*) AS n, sum(size) AS volume FROM {trades} WHERE ts >= $(dts "${DAYS[0]}") AND ts < $(dts "$HOT_DAY")"
sql_query group_day 1.0 "GROUP BY symbol, day $QDAY, 6 aggregates" \
  "SELECT symbol, count(*) AS n, sum(size) AS volume, avg(price) AS avg_price, min(price) AS low, max(price) AS high, sum(price * size) AS notional FROM trades WHERE ts >= $(sts "$QDAY") AND ts < $(sts "$QNEXT") GROUP BY symbol" \
  "SELECT symbol, count(*) AS n, sum(size) AS volume, avg(price) AS avg_price, min(price) AS low, max(price) AS high, sum(price * size) AS notional FROM {trades} WHERE ts >= $(dts "$QDAY") AND ts < $(dts "$QNEXT") GROUP BY symbol"
sql_query daybars_all 1.0 "daily bars of every symbol, ${DAYS[0]}..${DAYS[NDAYS - 2]}" \
  "$(bars_ours '1 day' "ts >= $(sts "${DAYS[0]}") AND ts < $(sts "$HOT_DAY")")" \
  "$(bars_duck '1 day' "ts >= $(dts "${DAYS[0]}") AND ts < $(dts "$HOT_DAY")")"
sql_query asof_day 0.2 "ASOF JOIN, $SYM, day $QDAY: each trade with the quote in force" \
  "SELECT count(*) AS n, sum(t.price) AS px, sum(q.bid) AS bid, sum(q.ask) AS ask FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol AND t.ts >= q.ts WHERE t.symbol = '$SYM' AND t.ts >= $(sts "$QDAY") AND t.ts < $(sts "$QNEXT")" \
  "SELECT count(*) AS n, sum(t.price) AS px, sum(q.bid) AS bid, sum(q.ask) AS ask FROM (SELECT ts, symbol, price FROM {trades} WHERE symbol = '$SYM' AND ts >= $(dts "$QDAY") AND ts < $(dts "$QNEXT")) t ASOF JOIN (SELECT ts, symbol, bid, ask FROM {quotes} WHERE symbol = '$SYM' AND ts < $(dts "$QNEXT")) q ON t.symbol = q.symbol AND t.ts >= q.ts"
# LATEST ON: strata over the whole table (the hot day's last rows: Database::Latest per symbol);
# DuckDB has no hot day to read, so its figure is the same question over the flushed files (the
# answers agree on the rows: one per symbol). The target is absolute: <= 1 ms.
sql_query latest ms:1 "LATEST ON ts PARTITION BY symbol (strata: whole table; DuckDB: flushed days)" \
  "SELECT symbol FROM trades LATEST ON ts PARTITION BY symbol" \
  "SELECT arg_max(symbol, ts) AS symbol FROM {trades} GROUP BY symbol"
# count / min / max over the flushed days: whole files answered from their statistics.
sql_query stats_all 1.0 "count(*), min/max(price), max(size), every symbol, ${DAYS[0]}..${DAYS[NDAYS - 2]}" \
  "SELECT count(*) AS n, min(price) AS lo, max(price) AS hi, max(size) AS big FROM trades WHERE ts >= $(sts "${DAYS[0]}") AND ts < $(sts "$HOT_DAY")" \
  "SELECT count(*) AS n, min(price) AS lo, max(price) AS hi, max(size) AS big FROM {trades} WHERE ts >= $(dts "${DAYS[0]}") AND ts < $(dts "$HOT_DAY")"
# Queries of other areas are added here (sql_query NAME ...).
[[ -n "${LAKE_SQL_EXTRA:-}" && -f "$LAKE_SQL_EXTRA" ]] && source "$LAKE_SQL_EXTRA"
SQL_SELECT=${LAKE_SQL_QUERIES:-${SQL_NAMES[*]}}

json_q() { node -e 'console.log(JSON.stringify(process.argv.slice(1).map((x, i, a) => i % 2 ? null : { name: x, sql: a[i + 1] }).filter(Boolean)))' "$@"; }
field() {  # jsonl name threads(or -) field
  node -e '
    const [file, name, threads, key] = process.argv.slice(1);
    const lines = require("fs").readFileSync(file, "utf8").split("\n").filter(Boolean).map(JSON.parse);
    const o = lines.find((l) => l.query === name && (threads === "-" || String(l.threads) === threads));
    const v = o === undefined ? undefined : key.split(".").reduce((a, k) => (a === undefined ? a : a[k]), o);
    console.log(v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : v);' "$1" "$2" "$3" "$4"
}
declare -A SQL_MS SQL_MIN SQL_D1 SQL_DD SQL_CLI SQL_DCLI SQL_AGREE SQL_CPU SQL_D1CPU SQL_DDCPU
if part sql; then
  echo
  echo "== SQL (issue 21): strata in-process ($SQL_BENCH, $RUNS runs after one unmeasured) beside DuckDB"
  args=() dargs=()
  for n in $SQL_SELECT; do
    args+=("$n=${SQL_OURS[$n]}")
    dargs+=("$n" "${SQL_DUCK[$n]}")
  done
  : >"$OUT/sql_ours.jsonl"
  if [[ -x "$SQL_BENCH" ]]; then
    "$SQL_BENCH" "$ROOT" "$RUNS" "${args[@]}" | tee "$OUT/sql_ours.jsonl" || true
  else
    echo "   (no $SQL_BENCH: configure with -DSTRATA_BENCH=ON and build sql_lake_bench; in-process times skipped)"
  fi
  duck sql "$ROOT" "$RUNS" "$(json_q "${dargs[@]}")" | tee "$OUT/sql_duck.jsonl"
  for n in $SQL_SELECT; do
    SQL_MS[$n]=$(field "$OUT/sql_ours.jsonl" "$n" - median_ms)
    SQL_MIN[$n]=$(field "$OUT/sql_ours.jsonl" "$n" - min_ms)
    SQL_D1[$n]=$(field "$OUT/sql_duck.jsonl" "$n" 1 median_ms)
    SQL_DD[$n]=$(field "$OUT/sql_duck.jsonl" "$n" default median_ms)
    SQL_CPU[$n]=$(field "$OUT/sql_ours.jsonl" "$n" - cpu_ms)
    SQL_D1CPU[$n]=$(field "$OUT/sql_duck.jsonl" "$n" 1 cpu_ms)
    SQL_DDCPU[$n]=$(field "$OUT/sql_duck.jsonl" "$n" default cpu_ms)
    err=$(field "$OUT/sql_ours.jsonl" "$n" - error)
    ours=$(field "$OUT/sql_ours.jsonl" "$n" - answer)
    theirs=$(field "$OUT/sql_duck.jsonl" "$n" 1 answer)
    if [[ -n "$err" ]]; then
      SQL_AGREE[$n]="strata: $err"
    elif [[ -z "$ours" ]]; then
      SQL_AGREE[$n]="not timed in-process"
    elif SQL_AGREE[$n]=$(duck compare "$ours" "$theirs"); then
      :
    else
      FAIL=1
    fi
    # Whole processes: `strata sql` (open, WAL replay of the hot day, query, CSV to /dev/null) and
    # node + DuckDB (start-up, query).
    tours=() tduck=()
    for ((r = 0; r < COLD_RUNS; r++)); do
      t0=$EPOCHREALTIME
      if "$STRATA" --root "$ROOT" sql "${SQL_OURS[$n]}" --format csv >/dev/null 2>&1; then tours+=("$(ms_since "$t0")"); fi
      t0=$EPOCHREALTIME
      duck sql "$ROOT" 0 "$(json_q "$n" "${SQL_DUCK[$n]}")" >/dev/null
      tduck+=("$(ms_since "$t0")")
    done
    SQL_CLI[$n]=$( ((${#tours[@]})) && printf '%s\n' "${tours[@]}" | median || echo failed)
    SQL_DCLI[$n]=$(printf '%s\n' "${tduck[@]}" | median)
    echo "$n: ours ${SQL_MS[$n]:-?} ms in-process, ${SQL_CLI[$n]} ms whole process; DuckDB ${SQL_D1[$n]} ms (1 thread) / ${SQL_DD[$n]} ms (default), ${SQL_DCLI[$n]} ms whole process; answers ${SQL_AGREE[$n]}"
  done
fi
# ---------------------------------------------------------------------------------------------
# Peak memory: daily bars over every symbol for 1, 5 and all flushed days (warm + cold), and all
# days including the hot one; max RSS of the whole process. DuckDB beside it on the same files.
MEM_ROWS=()
part memory && echo && echo "== peak memory (max RSS) of whole-range scans: strata query trades --bars 1d (every symbol)"
part memory &&
for n in $(printf '%s\n' 1 5 $((NDAYS - 1)) "$NDAYS" | sort -nu); do
  (( n <= NDAYS )) || continue
  from=$(iso "${DAYS[0]}" 00:00:00)
  if (( n == NDAYS )); then to=$(iso "$(next_day "$HOT_DAY")" 00:00:00); else to=$(iso "${DAYS[n]}" 00:00:00); fi
  /usr/bin/time -f '%e %M' -o "$OUT/rss_ours_$n.txt" "$STRATA" --root "$ROOT" query trades --from "$from" --to "$to" --bars 1d --out "$OUT/scan_$n.parquet" 2>/dev/null
  read -r ours_s ours_kb <"$OUT/rss_ours_$n.txt"
  ours_answer=$(duck check "$OUT/scan_$n.parquet" scan)
  rows=$(echo "$ours_answer" | sed -E 's/.*"trades":([0-9]+).*/\1/')
  line="$n days ($rows trades): ours $((ours_kb / 1024)) MiB max RSS, ${ours_s} s"
  if (( n < NDAYS )); then
    sp=$(spec "$from" "$to" "$from" "$to")
    /usr/bin/time -f '%e %M' -o "$OUT/rss_duck_$n.txt" bash -c "cd '$NPM_DIR' && node '$DUCK_JS' once '$ROOT' '$sp' scan" >"$OUT/duck_scan_$n.json"
    read -r duck_s duck_kb <"$OUT/rss_duck_$n.txt"
    duck_answer=$(node -e "console.log(JSON.stringify(JSON.parse(require('fs').readFileSync('$OUT/duck_scan_$n.json','utf8')).answer))")
    agree=$(duck compare "$ours_answer" "$duck_answer") || FAIL=1
    line+="; DuckDB (node process) $((duck_kb / 1024)) MiB, ${duck_s} s; answers $agree"
  else
    line+=" (includes the hot day; DuckDB cannot read it)"
  fi
  echo "$line"
  MEM_ROWS+=("$line")
done
# The same through SQL, in-process timer (one query, no unmeasured run) beside DuckDB's process.
if part memory && [[ -x "$SQL_BENCH" ]]; then
  for n in $(printf '%s\n' 1 5 $((NDAYS - 1)) | sort -nu); do
    (( n < NDAYS )) || continue
    from=${DAYS[0]} to=${DAYS[n]}
    /usr/bin/time -f '%e %M' -o "$OUT/rss_sql_ours_$n.txt" "$SQL_BENCH" "$ROOT" 0 \
      "daybars=$(bars_ours '1 day' "ts >= $(sts "$from") AND ts < $(sts "$to")")" >"$OUT/sql_mem_ours_$n.jsonl" || true
    /usr/bin/time -f '%e %M' -o "$OUT/rss_sql_duck_$n.txt" bash -c 'cd "$1" && node "$4" sql "$2" 0 "$3"' _ "$NPM_DIR" "$ROOT" \
      "$(json_q daybars "$(bars_duck '1 day' "ts >= $(dts "$from") AND ts < $(dts "$to")")")" "$DUCK_JS" >"$OUT/sql_mem_duck_$n.jsonl"
    read -r ours_s ours_kb <"$OUT/rss_sql_ours_$n.txt"
    read -r duck_s duck_kb <"$OUT/rss_sql_duck_$n.txt"
    agree=$(duck compare "$(field "$OUT/sql_mem_ours_$n.jsonl" daybars - answer)" "$(field "$OUT/sql_mem_duck_$n.jsonl" daybars - answer)") || FAIL=1
    line="SQL daily bars, $n days: ours $((ours_kb / 1024)) MiB max RSS, ${ours_s} s (sql_lake_bench process); DuckDB (node process) $((duck_kb / 1024)) MiB, ${duck_s} s; ratio $(ratio "$ours_kb" "$duck_kb")x (target <= 1.5x); answers $agree"
    echo "$line"
    MEM_ROWS+=("$line")
  done
fi

# ---------------------------------------------------------------------------------------------
echo
echo "== summary ($SCALE; in-process: strata $((2 * RUNS + 1)) runs, DuckDB $RUNS runs + 1 unmeasured; $COLD_RUNS whole-process runs)"
ROWS_OUT=()
row() {  # name label target_ratio extra_check_desc extra_ok
  local n=$1 r1 rd met
  r1=$(ratio "${OURS_MS[$n]}" "${DUCK1_MS[$n]}")
  rd=$(ratio "${OURS_MS[$n]}" "${DUCKD_MS[$n]}")
  if le "$(awk -v a="$r1" -v b="$rd" 'BEGIN { print (a > b) ? a : b }')" "$3" && [[ "$5" == yes ]]; then met=yes; else met=no; fi
  ROWS_OUT+=("| $2 | ${OURS_MS[$n]} ms (min ${OURS_MIN[$n]}) | ${DUCK1_MS[$n]} ms | ${DUCKD_MS[$n]} ms | ${r1}× / ${rd}× | ≤ $3× $4 | $met | ${OURS_COLD[$n]} ms | ${DUCK_COLD[$n]} ms | ${AGREE[$n]} |")
}
abs5() { le "${OURS_MS[$1]}" 5 && echo yes || echo no; }
if part query; then
row q1_cold "1 h of $SYM (cold day $QDAY), count + avg(price)" 0.5 "and < 5 ms" "$(abs5 q1_cold)"
row q1_warm "1 h of $SYM (warm day $WDAY), count + avg(price)" 0.5 "and < 5 ms" "$(abs5 q1_warm)"
row q2 "1-min bars, $SYM, day $QDAY" 1.0 "" yes
row q3 "sum(size), all symbols, ${DAYS[0]}..${DAYS[NDAYS - 2]} ($q3_rows trades)" 1.0 "" yes
q4_rate=$(awk -v r="$q4_rows" -v m="${OURS_MS[q4]}" 'BEGIN { printf "%.2f", r / (m / 1000) / 1e6 }')
# The as-of operator alone (its self time in --explain of the last run; scans excluded).
q4_join_ms=$(sed -nE 's/^  asof .* self ([0-9.]+) ms.*/\1/p' "$OUT/explain_q4.txt" | head -1)
Q4_NOTE="q4: the as-of operator alone took ${q4_join_ms:-?} ms of the last run: $(awk -v r="$q4_rows" -v m="${q4_join_ms:-0}" 'BEGIN { if (m > 0) printf "%.1f", r / (m / 1000) / 1e6; else print "?" }') M left rows/s (explain: $OUT/explain_q4.txt)"
row q4 "as-of join $SYM trades -> quotes, day $QDAY ($q4_rows left rows; ours $q4_rate M rows/s)" 1.0 "and ≥ 5 M left rows/s" \
  "$(le 5 "$q4_rate" && echo yes || echo no)"
fi
if part sql; then
  echo
  echo "SQL (issue 21; in-process: strata $RUNS runs, DuckDB $RUNS, each after one unmeasured run; $COLD_RUNS whole-process runs):"
  echo "(wall ms, then CPU ms of the process over the run in brackets: user + system, every thread; on a loaded machine the CPU is the steadier measure)"
  echo "| query | strata in-process (median) | DuckDB 1 thread | DuckDB default ($(nproc)) | ratio vs the faster DuckDB (CPU ratio) | target | met? | strata sql process | DuckDB node process | answers |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for n in $SQL_SELECT; do
    best=$(awk -v a="${SQL_D1[$n]:-0}" -v b="${SQL_DD[$n]:-0}" 'BEGIN { print (a < b) ? a : b }')
    r=$(ratio "${SQL_MS[$n]:-0}" "$best")
    best_cpu=$(awk -v a="${SQL_D1CPU[$n]:-0}" -v b="${SQL_DDCPU[$n]:-0}" 'BEGIN { print (a < b) ? a : b }')
    rc=$(ratio "${SQL_CPU[$n]:-0}" "$best_cpu")
    t=${SQL_TARGET[$n]}
    if [[ $t == ms:* ]]; then  # an absolute target: the in-process median
      if [[ -n "${SQL_MS[$n]}" ]] && le "${SQL_MS[$n]}" "${t#ms:}"; then met=yes; else met=no; fi
      t="${t#ms:} ms"
    else
      if [[ -n "${SQL_MS[$n]}" ]] && le "$r" "$t"; then met=yes; else met=no; fi
      t="${t}×"
    fi
    echo "| ${SQL_LABEL[$n]} | ${SQL_MS[$n]:-–} ms [${SQL_CPU[$n]:-–}] (min ${SQL_MIN[$n]:-–}) | ${SQL_D1[$n]} ms [${SQL_D1CPU[$n]:-–}] | ${SQL_DD[$n]} ms [${SQL_DDCPU[$n]:-–}] | ${r}× (${rc}×) | ≤ $t | $met | ${SQL_CLI[$n]} ms | ${SQL_DCLI[$n]} ms | ${SQL_AGREE[$n]} |"
  done
fi
if part query; then
echo "| query | strata warm (median) | DuckDB warm, 1 thread | DuckDB warm, default threads ($(nproc)) | ratio vs 1 thread / default | target (vs the faster DuckDB) | met? | strata whole process | DuckDB whole process | answers |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for r in "${ROWS_OUT[@]}"; do echo "$r"; done
echo "$Q4_NOTE"
fi
for l in "${MEM_ROWS[@]}"; do echo "MEMORY $l"; done
cat "$WORK/setup_results.txt"
echo "explain of the last run of each query (stage times; what the scan read): $OUT/explain_*.txt"
if (( FAIL )); then
  echo "lake_bench: strata and DuckDB gave DIFFERENT answers (see above): the timings compare different work" >&2
  exit 1
fi
