#!/usr/bin/env bash
# ILP ingest of `strata serve` (TCP and HTTP, fsync=interval=10) against PostgreSQL 15 COPY FROM
# STDIN and Redis 7 pipelined XADD on the same rows, each server started here on loopback in a
# temporary directory (Debian packages postgresql-15, redis-server). See bench/ilp_peers_bench.py.
# Usage: bench/ilp_peers_bench.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v psql >/dev/null || { echo "ilp_peers_bench: psql missing (apt-get install postgresql-15)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "ilp_peers_bench: redis-server missing (apt-get install redis-server)" >&2; exit 1; }
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || { echo "ilp_peers_bench: PostgreSQL 15 missing" >&2; exit 1; }
exec python3 "$here/ilp_peers_bench.py" "${1:?usage: bench/ilp_peers_bench.sh BUILD_DIR}"
