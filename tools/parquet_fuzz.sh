#!/usr/bin/env bash
# Builds the Parquet reader's libFuzzer target (clang, ASan + UBSan) and runs it for a bounded
# time, seeded with the parquet-testing files and the saved regressions.
#   tools/parquet_fuzz.sh [SECONDS=60]
# A crash leaves its input as crash-*/leak-*/timeout-* in the work directory and fails the
# script; copy the input into src/parquet/fuzz/regressions/ so the unit tests replay it.
# Exit status: 0 clean, 1 a crash (or another fuzzer failure), 3 the fuzzer did not build.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${STRATA_CACHE:-$HOME/.cache/strata}/fuzz"
shared="${STRATA_SHARED_DIR:-$root/../shared}"
mkdir -p "$work/corpus"
command -v clang++ >/dev/null || { echo "parquet_fuzz.sh: clang++ is required" >&2; exit 1; }

sources=()
for dir in src/parquet src/codec src/io src/core; do
  for f in "$root/$dir"/*.cc; do
    [[ "$f" == *_test.cc ]] || sources+=("$f")
  done
done
bin="$work/parquet_reader_fuzzer"
export FUZZ_CXXFLAGS="-std=c++20 -O1 -gline-tables-only -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -I$root/src -I$root/include"
export FUZZ_OBJ_DIR="$work/obj"
rm -rf "$FUZZ_OBJ_DIR" && mkdir -p "$FUZZ_OBJ_DIR"
# One object per source, compiled in parallel (one clang call would use one core for minutes).
printf '%s\0' "$root/src/parquet/fuzz/parquet_reader_fuzzer.cc" "${sources[@]}" |
  xargs -0 -P "$(nproc)" -n 1 sh -c \
    'clang++ $FUZZ_CXXFLAGS -c "$0" -o "$FUZZ_OBJ_DIR/$(basename "$(dirname "$0")")_$(basename "$0" .cc).o"' ||
  { echo "parquet_fuzz.sh: compiling the fuzzer failed" >&2; exit 3; }
# src/io hashes files with OpenSSL (libcrypto).
clang++ -fsanitize=fuzzer,address,undefined "$FUZZ_OBJ_DIR"/*.o -lzstd -lsnappy -llz4 -lz -lcrypto -o "$bin" ||
  { echo "parquet_fuzz.sh: linking the fuzzer failed" >&2; exit 3; }

seeds=("$work/corpus" "$root/src/parquet/fuzz/regressions")
[[ -d "$shared/data/parquet-testing/data" ]] && seeds+=("$shared/data/parquet-testing/data")
[[ -d "$shared/data/parquet-testing/bad_data" ]] && seeds+=("$shared/data/parquet-testing/bad_data")
cd "$work"
"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -timeout=10 -print_final_stats=1 "${seeds[@]}"
