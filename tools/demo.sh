#!/usr/bin/env bash
# The end-to-end demo: generate a day of market data, ingest it, and read it back, timing each step.
# Usage: tools/demo.sh PATH/TO/strata   (./strata.sh demo builds and calls this)
set -euo pipefail
STRATA=${1:?usage: tools/demo.sh PATH/TO/strata}
WORK=${DEMO_DIR:-$(pwd)/demo-data}
ROOT=$WORK/db
SYMBOLS=${DEMO_SYMBOLS:-8}
TRADES=${DEMO_TRADES:-2000000}
QUOTES=${DEMO_QUOTES:-3000000}
DATE=${DEMO_DATE:-2026-03-02}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
timed() {  # runs a command and prints how long it took
  local start=$EPOCHREALTIME
  "$@"
  awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "   (%.2f s)\n", e - s }'
}

rm -rf "$WORK"
mkdir -p "$WORK"
export STRATA_ROOT=$ROOT

step "generate $TRADES trades and $QUOTES quotes for $SYMBOLS symbols on $DATE"
timed "$STRATA" gen trades --symbols "$SYMBOLS" --rows "$TRADES" --date "$DATE" --seed 7 --out "$WORK/trades.csv"
timed "$STRATA" gen quotes --symbols "$SYMBOLS" --rows "$QUOTES" --date "$DATE" --seed 7 --out "$WORK/quotes.csv"
head -3 "$WORK/trades.csv"

step "create the database and its tables"
timed "$STRATA" init --fsync interval=10
"$STRATA" table create trades --template trades --dedup-key trade_id
"$STRATA" table create quotes --template quotes

step "ingest (write-ahead log + hot tier)"
timed "$STRATA" ingest trades "$WORK/trades.csv"
timed "$STRATA" ingest quotes "$WORK/quotes.csv"

step "stats (a new process: it replays the write-ahead log)"
timed "$STRATA" stats

step "latest quote per symbol"
timed "$STRATA" latest quotes --format table

step "one hour of AAPL trades, 14:30-15:30 UTC (first 10 rows and the count)"
timed "$STRATA" query trades --symbol AAPL --from "${DATE}T14:30:00Z" --to "${DATE}T15:30:00Z" --format table --limit 10
rows=$("$STRATA" query trades --symbol AAPL --from "${DATE}T14:30:00Z" --to "${DATE}T15:30:00Z" --format csv | tail -n +2 | wc -l)
echo "   AAPL trades in that hour: $rows"

step "done: the database is in $ROOT"
du -sh "$ROOT"
