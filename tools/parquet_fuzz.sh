#!/usr/bin/env bash
# The Parquet reader's fuzzer alone: tools/parquet_fuzz.sh [SECONDS=60]. See tools/fuzz.sh.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/fuzz.sh" "${1:-60}" parquet
