#!/usr/bin/env bash
# Builds strata's libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded time.
#   tools/fuzz.sh SECONDS_EACH [TARGET...]      TARGET: parquet csv wal safetensors sql ilp pgwire (default all)
#
# The fuzzers are CMake targets of the sanitizer tree (${STRATA_ASAN_DIR:-build-asan}, the one
# ./strata.sh test builds), configured here with STRATA_FUZZ=ON: cmake/strata_fuzz.cmake says what
# each links.
#
#   parquet      the Parquet reader on any bytes      src/parquet/fuzz/parquet_reader_fuzzer.cc
#   csv          the CSV parser (CsvReader)           src/csv/fuzz/csv_reader_fuzzer.cc
#   wal          WAL recovery (ReadWal) and record    src/wal/fuzz/wal_fuzzer.cc
#                decoding (ParseRowsRecord, DecodeBatch)
#   safetensors  the safetensors header parser        src/artifacts/fuzz/safetensors_fuzzer.cc
#   sql          the SQL lexer, parser and printer    src/sql/fuzz/sql_parser_fuzzer.cc
#                (parse -> print -> parse round trip)
#   ilp          the InfluxDB line protocol parser    src/ilp/fuzz/ilp_fuzzer.cc
#                (parse -> write -> parse round trip)
#   pgwire       PostgreSQL wire protocol decoders    src/pgwire/fuzz/pgwire_message_fuzzer.cc
#                (startup packets, Bind bodies, parameter values, error positions)
#
# Seeds: the parquet-testing files for parquet; for the others, inputs the fuzzer itself writes
# with the real writers (STRATA_FUZZ_WRITE_SEEDS, see each fuzzer's header); plus each
# src/<module>/fuzz/regressions/ that exists, and the corpus kept from earlier runs in
# ${STRATA_CACHE:-~/.cache/strata}/fuzz/corpus-<target>.
# A crash leaves its input as crash-*/leak-*/timeout-* in .../fuzz/<target>/ and fails the
# script; copy it into src/<module>/fuzz/regressions/ and add a unit test that replays it.
# Exit status: 0 clean, 1 a crash (or another fuzzer failure), 2 bad arguments, 3 a fuzzer did
# not build.
set -euo pipefail
seconds="${1:?usage: tools/fuzz.sh SECONDS_EACH [parquet|csv|wal|safetensors|sql|ilp|pgwire...]}"
shift
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS_EACH must be a whole number >= 1 (libFuzzer reads 0 as no limit)" >&2; exit 2; }
targets=("$@")
((${#targets[@]})) || targets=(parquet csv wal safetensors sql ilp pgwire)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${STRATA_CACHE:-$HOME/.cache/strata}/fuzz"
shared="${STRATA_SHARED_DIR:-$root/../shared}"
tree="${STRATA_ASAN_DIR:-$root/build-asan}"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is required" >&2; exit 1; }

# Per target: the fuzzer source (its module's regressions/ are beside it).
declare -A fuzzer
fuzzer[parquet]=src/parquet/fuzz/parquet_reader_fuzzer.cc
fuzzer[csv]=src/csv/fuzz/csv_reader_fuzzer.cc
fuzzer[wal]=src/wal/fuzz/wal_fuzzer.cc
fuzzer[safetensors]=src/artifacts/fuzz/safetensors_fuzzer.cc
fuzzer[sql]=src/sql/fuzz/sql_parser_fuzzer.cc
fuzzer[ilp]=src/ilp/fuzz/ilp_fuzzer.cc
fuzzer[pgwire]=src/pgwire/fuzz/pgwire_message_fuzzer.cc

build_targets=()
for t in "${targets[@]}"; do
  [[ -n "${fuzzer[$t]:-}" ]] || { echo "fuzz.sh: unknown target '$t' (parquet, csv, wal, safetensors, sql, ilp, pgwire)" >&2; exit 2; }
  build_targets+=(--target "strata_${t}_fuzzer")
done
mkdir -p "$work"
# A tree configured with another compiler cannot switch (CMake fixes it at configure time).
if [[ -f "$tree/CMakeCache.txt" ]] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$tree/CMakeCache.txt"; then
  rm -rf "$tree"
fi
{ cmake -S "$root" -B "$tree" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON \
    -DSTRATA_FUZZ=ON -DSTRATA_BENCH=OFF -DSTRATA_UNITY_BUILD=ON >/dev/null &&
  cmake --build "$tree" -j "$(nproc)" "${build_targets[@]}" >&2; } ||
  { echo "fuzz.sh: building the fuzzers in $tree failed" >&2; exit 3; }

# One fuzzer per core at a time: each is one process on one core, and the CI waits for the slowest.
fuzz_one() {  # target: writes its seeds, then fuzzes; its output goes to $work/<target>.log
  local t=$1 corpus="$work/corpus-$1" run_dir="$work/$1" regressions
  mkdir -p "$corpus" "$run_dir"
  local seeds=("$corpus")
  if [[ "$t" == parquet ]]; then
    [[ -d "$shared/data/parquet-testing/data" ]] && seeds+=("$shared/data/parquet-testing/data")
    [[ -d "$shared/data/parquet-testing/bad_data" ]] && seeds+=("$shared/data/parquet-testing/bad_data")
  else
    rm -rf "$work/seeds-$t"
    STRATA_FUZZ_WRITE_SEEDS="$work/seeds-$t" "$tree/strata_${t}_fuzzer" >/dev/null 2>&1 ||
      { echo "fuzz.sh: the $t fuzzer could not write its seeds"; return 1; }
    seeds+=("$work/seeds-$t")
  fi
  regressions="$root/$(dirname "$(dirname "${fuzzer[$t]}")")/fuzz/regressions"
  [[ -d "$regressions" ]] && seeds+=("$regressions")
  echo "fuzz.sh: $t for $seconds s"
  (cd "$run_dir" && "$tree/strata_${t}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -timeout=10 \
    -print_final_stats=1 "${seeds[@]}" 2>&1) ||
    { echo "fuzz.sh: the $t fuzzer failed; its input is in $run_dir"; return 1; }
}

declare -A pid_of
failed=0
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= $(nproc))); do wait -n || true; done
  fuzz_one "$t" >"$work/$t.log" 2>&1 &
  pid_of[$t]=$!
done
for t in "${targets[@]}"; do
  wait "${pid_of[$t]}" || failed=1
  cat "$work/$t.log" >&2  # in target order, whole: the logs of parallel runs do not interleave
done
exit "$failed"
