#!/usr/bin/env bash
# Installs the Parquet peers used by strata's interop tests (DuckDB, parquet-wasm + apache-arrow,
# hyparquet, icebird for the Iceberg tables) and the local S3 server of the object-store tests (s3rver, run by tools/s3/server.sh)
# into ${STRATA_CACHE:-$HOME/.cache/strata}/npm, outside the source tree.
# Idempotent: does nothing when the installed set matches package.json. Prints the directory
# to use as NODE_PATH's parent. Fails loudly when node or npm is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${STRATA_CACHE:-$HOME/.cache/strata}/npm"

command -v node >/dev/null || { echo "setup.sh: node is not installed (apt-get install nodejs npm)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup.sh: npm is not installed (apt-get install npm)" >&2; exit 1; }

mkdir -p "$cache"
stamp="$cache/.installed-$(sha256sum "$here/package.json" | cut -c1-16)"
if [[ -f "$stamp" && -d "$cache/node_modules/@duckdb/node-api" && -x "$cache/node_modules/.bin/s3rver" && -d "$cache/node_modules/pg" && -d "$cache/node_modules/@influxdata/influxdb-client" && -d "$cache/node_modules/icebird" ]]; then
  echo "$cache"
  exit 0
fi
cp "$here/package.json" "$cache/package.json"
(cd "$cache" && npm install --no-audit --no-fund --loglevel=error >&2)
# Check that every peer loads before declaring success.
(cd "$cache" && node --input-type=module -e '
  await import("@duckdb/node-api"); await import("apache-arrow"); await import("hyparquet");
  await import("hyparquet-compressors"); await import("hyparquet-writer");
  await import("parquet-wasm/node");
  await import("@questdb/nodejs-client");
  await import("@influxdata/influxdb-client");
  await import("pg");
  await import("icebird");
') >&2
rm -f "$cache"/.installed-*
touch "$stamp"
echo "$cache"
