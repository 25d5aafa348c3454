#!/usr/bin/env bash
# Builds strata's libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded time.
#   tools/fuzz.sh SECONDS_EACH [TARGET...]      TARGET: parquet csv wal safetensors sql ilp pgwire (default all)
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
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is required" >&2; exit 1; }

# Per target: the fuzzer source, then the sources it links (whole module directories or files).
declare -A fuzzer deps
fuzzer[parquet]=src/parquet/fuzz/parquet_reader_fuzzer.cc
deps[parquet]="src/parquet src/codec src/io src/core"
fuzzer[csv]=src/csv/fuzz/csv_reader_fuzzer.cc
deps[csv]="src/csv src/io src/core"
fuzzer[wal]=src/wal/fuzz/wal_fuzzer.cc
deps[wal]="src/wal src/db/wal_record.cc src/codec src/io src/core"
fuzzer[safetensors]=src/artifacts/fuzz/safetensors_fuzzer.cc
deps[safetensors]="src/artifacts/safetensors.cc src/io src/core"
fuzzer[sql]=src/sql/fuzz/sql_parser_fuzzer.cc
# Not src/sql/binder.cc: the binder needs the engine (src/query and below); the fuzzer is the parser.
deps[sql]="src/sql/ast.cc src/sql/lexer.cc src/sql/literal.cc src/sql/parser.cc src/sql/parser_expr.cc src/sql/printer.cc src/io src/core"
fuzzer[ilp]=src/ilp/fuzz/ilp_fuzzer.cc
deps[ilp]="src/ilp/parser.cc"
fuzzer[pgwire]=src/pgwire/fuzz/pgwire_message_fuzzer.cc
deps[pgwire]="src/pgwire/protocol.cc src/io src/core"

obj_dir="$work/obj"
rm -rf "$obj_dir" && mkdir -p "$obj_dir"
obj_of() { echo "$obj_dir/$(basename "$(dirname "$1")")_$(basename "$1" .cc).o"; }
# A whole module directory compiles as one translation unit (its headers parsed once, as the CMake
# unity build does): the fuzz build took about 210 s of CPU one file at a time.
unity_of() {  # module directory (relative) -> its generated unity source
  local u="$obj_dir/unity_${1//\//_}.cc" f
  if [[ ! -f "$u" ]]; then
    for f in "$root/$1"/*.cc; do [[ "$f" == *_test.cc ]] || echo "#include \"$f\""; done >"$u"
  fi
  echo "$u"
}
sources_of() {  # target -> every source it links, fuzzer first
  echo "$root/${fuzzer[$1]}"
  local d
  for d in ${deps[$1]}; do
    if [[ "$d" == *.cc ]]; then
      echo "$root/$d"
    else
      unity_of "$d"
    fi
  done
}

all_sources=()
for t in "${targets[@]}"; do
  [[ -n "${fuzzer[$t]:-}" ]] || { echo "fuzz.sh: unknown target '$t' (parquet, csv, wal, safetensors, sql, ilp, pgwire)" >&2; exit 2; }
  mapfile -t -O "${#all_sources[@]}" all_sources < <(sources_of "$t")
done
mapfile -t all_sources < <(printf '%s\n' "${all_sources[@]}" | sort -u)

export FUZZ_CXX="clang++"
command -v ccache >/dev/null && FUZZ_CXX="ccache clang++"
export FUZZ_CXXFLAGS="-std=c++20 -O1 -gline-tables-only -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -I$root/src -I$root/include"
export FUZZ_OBJ_DIR="$obj_dir"
# One object per source, compiled in parallel (one clang call would use one core for minutes).
printf '%s\0' "${all_sources[@]}" |
  xargs -0 -P "$(nproc)" -n 1 sh -c \
    '$FUZZ_CXX $FUZZ_CXXFLAGS -c "$0" -o "$FUZZ_OBJ_DIR/$(basename "$(dirname "$0")")_$(basename "$0" .cc).o"' ||
  { echo "fuzz.sh: compiling the fuzzers failed" >&2; exit 3; }
for t in "${targets[@]}"; do
  objs=()
  while read -r src; do objs+=("$(obj_of "$src")"); done < <(sources_of "$t")
  # src/io hashes files with OpenSSL (libcrypto).
  clang++ -fsanitize=fuzzer,address,undefined "${objs[@]}" -lzstd -lsnappy -llz4 -lz -lcrypto -o "$work/${t}_fuzzer" ||
    { echo "fuzz.sh: linking the $t fuzzer failed" >&2; exit 3; }
done

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
    STRATA_FUZZ_WRITE_SEEDS="$work/seeds-$t" "$work/${t}_fuzzer" >/dev/null 2>&1 ||
      { echo "fuzz.sh: the $t fuzzer could not write its seeds"; return 1; }
    seeds+=("$work/seeds-$t")
  fi
  regressions="$root/$(dirname "$(dirname "${fuzzer[$t]}")")/fuzz/regressions"
  [[ -d "$regressions" ]] && seeds+=("$regressions")
  echo "fuzz.sh: $t for $seconds s"
  (cd "$run_dir" && "$work/${t}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -timeout=10 \
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
