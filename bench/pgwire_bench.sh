#!/usr/bin/env bash
# PostgreSQL wire protocol (issue 21): PGW_ROWS trades into a pandas DataFrame through psycopg2 on
# loopback (`pd.read_sql("SELECT * FROM trades", conn)`), from strata's listener and from a
# PostgreSQL 15 cluster serving the same rows from a table, in the same run (median of PGW_RUNS
# after one warm-up each); and the time to the first row of a point query (symbol and ts
# equality; PostgreSQL has an index on (symbol, ts)), p50/p99 of 300. Then point queries/s over
# node-postgres (bench/pgwire_point.mjs): a named prepared statement, an unnamed one and plain SQL
# text, against both servers (skipped when the npm peer `pg` is not installed).
#
# Usage: bench/pgwire_bench.sh BUILD_DIR   (configured with -DSTRATA_BENCH=ON; builds pgwire_bench)
# Environment: PGW_ROWS [1000000] PGW_RUNS [5] PGW_DIR [/tmp/strata-pgw-bench]
#              PGW_POINT_QUERIES [2000] PGW_POINT_ROUNDS [5] STRATA_NPM_DIR [~/.cache/strata/npm]
#              PGW_SKIP_FRAME=1: only the point queries
# PostgreSQL runs as the `postgres` user when this script runs as root (initdb refuses root).
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/pgwire_bench.sh BUILD_DIR}" && pwd)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS=${PGW_ROWS:-1000000}
RUNS=${PGW_RUNS:-5}
WORK=${PGW_DIR:-/tmp/strata-pgw-bench}
PGBIN=/usr/lib/postgresql/15/bin
STRATA_PORT=${PGW_STRATA_PORT:-18812}
PG_PORT=${PGW_PG_PORT:-15432}
mkdir -p "$WORK"
cmake --build "$BUILD" --target pgwire_bench >&2

as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ ! -d "$WORK/pg" ]]; then
  mkdir -p "$WORK/pg" "$WORK/pgsock"
  [[ $(id -u) == 0 ]] && chown postgres "$WORK/pg" "$WORK/pgsock"
  as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust >/dev/null
fi
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK/pgsock -c shared_buffers=256MB -c fsync=off" start >&2
trap 'as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >&2 || true; exec 3>&- || true' EXIT

# strata's listener, in its own process; stdin held open through fd 3.
coproc STRATA { "$BUILD/bench/pgwire_bench" "$WORK/strata" "$STRATA_PORT" "$ROWS"; }
read -r ready <&"${STRATA[0]}"
[[ "$ready" == ready ]] || { echo "pgwire_bench did not start" >&2; exit 1; }
exec 3>&"${STRATA[1]}"

PGW_SKIP_FRAME=${PGW_SKIP_FRAME:-0} /usr/bin/python3 "$here/bench/pgwire_bench.py" "$STRATA_PORT" "$PG_PORT" "$WORK/pgsock" "$RUNS"
NPM=${STRATA_NPM_DIR:-${STRATA_CACHE:-$HOME/.cache/strata}/npm}
if [[ -d "$NPM/node_modules/pg" ]]; then
  # PostgreSQL gets strata's rows from pgwire_bench.py (its first run on a cluster).
  cp "$here/bench/pgwire_point.mjs" "$NPM/pgwire_point.mjs"
  # The server's own pid (the coproc's shell may have forked it rather than exec'd it).
  spid=$(pgrep -n -P "$STRATA_PID" -x pgwire_bench || echo "$STRATA_PID")
  (cd "$NPM" && node pgwire_point.mjs "$STRATA_PORT" "$PG_PORT" "$WORK/pgsock" "$spid")
else
  echo "node-postgres missing in $NPM: point queries/s skipped (tools/interop/setup.sh)" >&2
fi
