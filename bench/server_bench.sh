#!/usr/bin/env bash
# `strata serve` benchmarks (issue 19): /exp streaming of a whole table as CSV (MB/s, the server
# formatting and sending, curl receiving into /dev/null), and the latency of one hour of one symbol
# through HTTP /v1/query (p50/p90/p99 over SB_QUERIES requests on one kept-alive connection,
# curl's time_total per transfer).
#
# Usage: bench/server_bench.sh BUILD_DIR
# Environment: SB_ROWS [10000000] trades rows, SB_SYMBOLS [10], SB_QUERIES [300], SB_RUNS [3]
#   (/exp runs; the median is reported), SB_DIR [/tmp/strata-server-bench].
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/server_bench.sh BUILD_DIR}" && pwd)
STRATA=$BUILD/strata
ROWS=${SB_ROWS:-10000000}
NSYM=${SB_SYMBOLS:-10}
QUERIES=${SB_QUERIES:-300}
RUNS=${SB_RUNS:-3}
DIR=${SB_DIR:-/tmp/strata-server-bench}

rm -rf "$DIR" && mkdir -p "$DIR"
DB=$DIR/db
S() { "$STRATA" --root "$DB" "$@"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
pct() { sort -g | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100); if (i<1) i=1; print a[i]}'; }

S init --fsync none >/dev/null
S table create trades --template trades >/dev/null
S gen trades --symbols "$NSYM" --rows "$ROWS" --date 2026-03-02 --seed 7 --out "$DIR/t.csv" >/dev/null
S ingest -q trades "$DIR/t.csv" >/dev/null
S flush >/dev/null
rm -f "$DIR/t.csv"
SYM=$(S query trades --columns symbol --limit 1 --format csv | tail -1)

S serve --http 127.0.0.1:0 --ready-min-free-mb 0 --maintain-every 0 >"$DIR/serve.out" 2>"$DIR/serve.err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/.*listening on //p' "$DIR/serve.out" | head -1)

echo "rows=$ROWS symbols=$NSYM server=$URL"
# /exp: the whole table as CSV.
for ((r = 0; r < RUNS; r++)); do
  curl -s -G -o /dev/null -w '%{size_download} %{time_total}\n' --data-urlencode "query=SELECT * FROM trades" "$URL/exp"
done >"$DIR/exp.txt"
bytes=$(head -1 "$DIR/exp.txt" | cut -d' ' -f1)
secs=$(cut -d' ' -f2 "$DIR/exp.txt" | median)
echo "exp_csv: $bytes bytes, median $secs s over $RUNS runs = $(echo "$bytes / $secs / 1000000" | bc -l | xargs printf '%.0f') MB/s ($(echo "$ROWS / $secs / 1000000" | bc -l | xargs printf '%.2f') M rows/s)"

# /v1/query: one hour of one symbol, QUERIES times on one connection (curl reuses it).
args=()
for ((q = 0; q < QUERIES; q++)); do
  h=$((14 + q % 6))
  args+=(-o /dev/null "$URL/v1/query?table=trades&symbol=$SYM&from=2026-03-02T$(printf %02d $h):00&to=2026-03-02T$(printf %02d $((h + 1))):00&format=csv")
done
curl -s -w '%{time_total} %{size_download}\n' "${args[@]}" >"$DIR/q.txt"
awk '{print $1 * 1000}' "$DIR/q.txt" >"$DIR/q_ms.txt"
echo "query_1h_1sym: p50 $(pct 50 <"$DIR/q_ms.txt") ms, p90 $(pct 90 <"$DIR/q_ms.txt") ms, p99 $(pct 99 <"$DIR/q_ms.txt") ms over $QUERIES requests, median $(cut -d' ' -f2 "$DIR/q.txt" | median) bytes each"
