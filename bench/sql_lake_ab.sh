#!/usr/bin/env bash
# Before/after of the SQL engine on a lake of bench/lake_bench.sh: two sql_lake_bench binaries
# (e.g. main's and a branch's) run the same queries on the same lake, alternating, ROUNDS rounds of
# RUNS runs each; one JSON line per query and run of a binary ({"bin":"old"|"new","round":N,...},
# the rest as sql_lake_bench prints it). Compare the medians of median_ms and cpu_ms per bin.
#
# Usage: bench/sql_lake_ab.sh OLD_SQL_LAKE_BENCH NEW_SQL_LAKE_BENCH LAKE_ROOT [DAY [SYMBOL]]
#   LAKE_ROOT: the lake's database (LAKE_DIR/lake); DAY [2026-03-05]: a cold day of the default
#   lake; the point query's timestamp is the first trade of SYMBOL [AAPL] at DAY 15:00 or later.
# Environment: ROUNDS [3] RUNS [9]
set -euo pipefail
OLD=${1:?usage: bench/sql_lake_ab.sh OLD NEW LAKE_ROOT [DAY [SYMBOL]]}
NEW=${2:?}
ROOT=${3:?}
D=${4:-2026-03-05}
SYM=${5:-AAPL}
N=$(date -u -d "$D + 1 day" +%F)
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-9}
W="symbol = '$SYM' AND ts >= TIMESTAMP '$D 00:00:00' AND ts < TIMESTAMP '$N 00:00:00'"
OHLCV="first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close, sum(size) AS volume, count(*) AS n"
# Its epoch ns in two parts (the fingerprint's sums are doubles: exact below 2^53).
read -r PT_S PT_NS < <("$NEW" "$ROOT" 0 "p=SELECT CAST((epoch_ns(ts) - epoch_ns(ts) % 1000000000) / 1000000000 AS BIGINT) AS s, epoch_ns(ts) % 1000000000 AS ns FROM trades WHERE symbol = '$SYM' AND ts >= TIMESTAMP '$D 15:00:00' LIMIT 1" |
  sed -nE 's/.*"c0":([0-9]+),"c1":([0-9]+).*/\1 \2/p')
PT="$(date -u -d "@$PT_S" '+%F %T').$(printf '%09d' "$PT_NS")"
Q=(
  "sample_1m=SELECT ts, $OHLCV FROM trades WHERE $W SAMPLE BY 1m"
  "bars_1m=SELECT time_bucket(INTERVAL '1 minute', ts) AS t, symbol, $OHLCV FROM trades WHERE $W GROUP BY t, symbol"
  "hash_1m=SELECT ts, $OHLCV, avg(size) AS a FROM trades WHERE $W SAMPLE BY 1m"
  "hour=SELECT count(*) AS n, avg(price) AS avg_price FROM trades WHERE symbol = '$SYM' AND ts >= TIMESTAMP '$D 15:00:00' AND ts < TIMESTAMP '$D 16:00:00'"
  "point=SELECT * FROM trades WHERE symbol = '$SYM' AND ts = TIMESTAMP '$PT'"
  "group_day=SELECT symbol, count(*) AS n, sum(size) AS volume, avg(price) AS avg_price, min(price) AS low, max(price) AS high, sum(price * size) AS notional FROM trades WHERE ts >= TIMESTAMP '$D 00:00:00' AND ts < TIMESTAMP '$N 00:00:00' GROUP BY symbol"
)
for ((round = 1; round <= ROUNDS; round++)); do
  for which in old new; do
    bin=$OLD
    [[ $which == new ]] && bin=$NEW
    "$bin" "$ROOT" "$RUNS" "${Q[@]}" | sed "s/^{/{\"bin\":\"$which\",\"round\":$round,/"
  done
done
