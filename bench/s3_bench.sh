#!/usr/bin/env bash
# Object store benchmark: starts a local s3rver (tools/s3/server.sh) in a temporary directory,
# runs BUILD_DIR/bench/s3_bench against it and against the local-directory store, stops it.
# Usage: bench/s3_bench.sh BUILD_DIR [--mib N] [--reads N]
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/s3_bench.sh BUILD_DIR [--mib N] [--reads N]}" && pwd)
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=$(mktemp -d /tmp/strata-s3-bench.XXXXXX)
trap 'bash "$here/tools/s3/server.sh" stop "$work/s3"; rm -rf "$work"' EXIT
endpoint=$(bash "$here/tools/s3/server.sh" start "$work/s3" 0)
echo "== s3_bench: local store vs s3rver at $endpoint ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
"$BUILD/bench/s3_bench" --endpoint "$endpoint" --dir "$work" "$@"
