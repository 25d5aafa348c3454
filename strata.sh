#!/usr/bin/env bash
# strata's one entry point for people and CI. See ./strata.sh help.
set -euo pipefail
cd "$(dirname "$0")"
ROOT_DIR=$(pwd)
BUILD_DIR=${STRATA_BUILD_DIR:-$ROOT_DIR/build}
ASAN_DIR=${STRATA_ASAN_DIR:-$ROOT_DIR/build-asan}
TSAN_DIR=${STRATA_TSAN_DIR:-$ROOT_DIR/build-tsan}
JOBS=${STRATA_JOBS:-$(nproc)}

usage() {
  cat <<'USAGE'
usage: ./strata.sh COMMAND

  demo     install what is missing, build the strata binary alone (no tests), and show the whole
           product on generated market data, each step timed and checked (tools/demo.sh):
           gen -> ingest -> flush to warm -> migrate to cold -> one query over hot, warm and cold
           -> bars -> as-of join -> SQL (ASOF JOIN, SAMPLE BY, LATEST ON, EXPLAIN) -> order book now
           and as of a past time -> verify -> two model versions stored with dedup -> backup and
           restore -> add a column, point-in-time restore past a bad write -> strata serve with curl
           (line protocol in, SQL out) and psql (PG wire)
  test     install what is missing; build and run every test under AddressSanitizer +
           UndefinedBehaviorSanitizer (clang), then the Python package's pytest suite and the demo
           (small data) on that sanitized tree; check that GCC (the compiler of `build` and `demo`)
           accepts every product source, warnings as errors (tools/gcc_check.sh); run the threaded
           tests again under ThreadSanitizer; then fuzz the Parquet reader, the CSV parser, WAL
           recovery, the safetensors header, the SQL parser, the ILP parser and the PG wire
           decoders for 60 s in all (STRATA_FUZZ_SECONDS). GCC's check and the ThreadSanitizer
           build run beside the sanitized tests, at the lowest priority. The release tree's tests:
           `build`, then `ctest --test-dir build`
  build    install what is missing and build the release tree (./build/strata and every test; the
           benchmarks build with `bench`);
           `./strata.sh build TARGET...` builds only those CMake targets (strata, strata_wal_test)
  bench    build and run the benchmarks, peers included (see BENCHMARKS.md)
  python   build the Python package (python/: the engine as the extension strata._core, pybind11)
           and install it into ./.venv, a venv of Debian's /usr/bin/python3 that sees Debian's
           NumPy, pandas and Optuna: then `. .venv/bin/activate; python -c "import strata"`
  pytest   `python`, then the package's pytest suite (python/tests; also run by `test`)
  format   clang-format every C++ file in place
  help     this text

Environment: STRATA_BUILD_DIR, STRATA_ASAN_DIR, STRATA_TSAN_DIR, STRATA_JOBS; for the demo DEMO_DIR
(its work directory, default ./demo-data), DEMO_ROWS (trades per day, default 1000000), DEMO_MODEL_MB.
USAGE
}

setup() { bash tools/setup.sh "$@"; }

configure() {  # dir, extra cmake args...
  local dir=$1
  shift
  # A tree configured with another compiler cannot switch (CMake fixes it at configure time): start
  # it afresh. The default compiler is the system's c++ (GCC); earlier checkouts built the sanitizer
  # trees with it.
  local want=c++ arg cached
  for arg in "$@"; do [[ "$arg" == -DCMAKE_CXX_COMPILER=* ]] && want=${arg#-DCMAKE_CXX_COMPILER=}; done
  cached=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$dir/CMakeCache.txt" 2>/dev/null || true)
  local want_clang=no cached_clang=no
  [[ "$want" == clang++ ]] && want_clang=yes
  [[ "$(basename "${cached:-none}")" == clang++* ]] && cached_clang=yes
  if [[ -n "$cached" && "$want_clang" != "$cached_clang" ]]; then
    echo "strata.sh: $dir was configured with $cached; configuring it afresh with $want"
    rm -rf "$dir"
  fi
  # Every time, not only for a new tree: an option the command needs (STRATA_PYTHON in the
  # sanitizer tree) reaches a tree an older checkout configured. Unchanged, it takes a second.
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
}

configure_and_build() {  # dir, extra cmake args...
  configure "$@"
  cmake --build "$1" -j "$JOBS"
}

# The sanitizer trees (ASan + UBSan, TSan) build with clang and lld: clang 14 compiles them in about
# half GCC 12's time and its sanitized binaries start several times faster (CMakeLists.txt), which
# the end-to-end tests, starting the strata binary hundreds of times, feel most.
SANITIZER_CMAKE_ARGS=(-DCMAKE_CXX_COMPILER=clang++)

BUILD_EXTRA_ARGS=()
# The Python extension (python/) in the release tree: STRATA_PYTHON=ON compiles every library as
# position-independent code, which a shared object needs; one tree then serves the C++ tests, the
# binary and the package, so the test command compiles the engine once, not twice.
PYTHON_CMAKE_ARGS=(-DSTRATA_PYTHON=ON -DPython_EXECUTABLE=/usr/bin/python3)

build() {  # [TARGET...]: only these CMake targets (default: everything, tests included)
  setup
  # The benchmarks build with `./strata.sh bench` (they are not tests; the test command stays
  # inside its time budget without them).
  configure "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_UNITY_BUILD=ON -DSTRATA_BENCH=OFF \
    "${BUILD_EXTRA_ARGS[@]}"
  local targets=() t
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j "$JOBS" "${targets[@]}"
}

# The Python package: the extension strata._core, built in the release tree (switched to
# STRATA_PYTHON=ON if it was configured without), installed by copying the package into the venv's
# site-packages (no pip: there is no network to fetch a build backend from, nothing to resolve).
python_package() {
  setup --python
  if ! grep -q '^STRATA_PYTHON:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_UNITY_BUILD=ON \
      "${PYTHON_CMAKE_ARGS[@]}" >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j "$JOBS" --target strata_python
  install_python_package "$BUILD_DIR" .venv
}

# install_python_package TREE VENV [ENV...]: the package and TREE's extension into VENV (created
# from Debian's interpreter if missing); python runs under `env ENV...` (the sanitized extension
# needs its runtime preloaded).
install_python_package() {
  local tree=$1 venv=$2 site
  shift 2
  if [[ ! -x "$venv/bin/python" ]]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv"
  fi
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  rm -rf "$site/strata"
  mkdir -p "$site/strata"
  cp python/strata/*.py python/strata/*.pyi python/strata/py.typed "$site/strata/"
  cp "$tree"/python/strata/_core*.so "$site/strata/"
  env "$@" "$venv/bin/python" -c 'import strata; print("strata", strata.__version__, "installed in", strata.__path__[0])'
}

# The pytest suite of the package (python/tests), against the installed package.
python_tests() {
  python_package
  # From the repository root: python/ on sys.path would shadow the installed package.
  .venv/bin/python -m pytest -q -p no:cacheprovider python/tests
}

# "[3m05s]": time since this script started, for the phases of a long run.
elapsed() { printf '[%dm%02ds]' $((SECONDS / 60)) $((SECONDS % 60)); }

# The test command runs the suite once, under AddressSanitizer + UndefinedBehaviorSanitizer (the
# run that checks the most), the Python package's tests and the demo on that same sanitized tree
# (its extension and binary), and checks that GCC, the compiler users build the product with,
# accepts every product source with warnings as errors (tools/gcc_check.sh: GCC's front end, no
# code generated). The release tree builds with `./strata.sh build` (then `ctest --test-dir build`).
# Why not a release build too: on the 2-core CI machine a GCC -O3 build of the engine cost 5 of the
# test command's minutes only to run the pytest suite and the demo (19 s), and a second run of the
# suite 10 more (BENCHMARKS.md, "CI time").
# start_beside NAME LOG COMMAND...: COMMAND in the background, output to LOG, in its own process
# group so that the command's exit (a failing test) stops it and everything it started.
declare -A BESIDE_PID BESIDE_LOG
start_beside() {
  local name=$1 log=$2
  shift 2
  mkdir -p "$(dirname "$log")"
  set -m
  "$@" >"$log" 2>&1 &
  BESIDE_PID[$name]=$!
  set +m
  BESIDE_LOG[$name]=$log
  trap 'for p in "${BESIDE_PID[@]}"; do kill -- "-$p" 2>/dev/null || true; done' EXIT
}

# wait_beside NAME WHAT: waits for start_beside's NAME; on failure shows its log and exits.
wait_beside() {
  local name=$1 what=$2
  if ! wait "${BESIDE_PID[$name]}"; then
    tail -n 60 "${BESIDE_LOG[$name]}" >&2
    echo "strata.sh: $what failed (log: ${BESIDE_LOG[$name]})" >&2
    exit 1
  fi
  unset "BESIDE_PID[$name]"
}

run_tests() {
  setup --test
  setup --python
  echo "== $(elapsed) installing the interop peers and clients (DuckDB, parquet-wasm, hyparquet, s3rver, ...) from npm"
  bash tools/interop/setup.sh >/dev/null
  echo "== $(elapsed) clang's thread-safety analysis of the annotated sources (tools/thread_safety.sh)"
  bash tools/thread_safety.sh
  echo "== $(elapsed) every test, under AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
  configure_and_build "$ASAN_DIR" "${SANITIZER_CMAKE_ARGS[@]}" -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON -DSTRATA_FUZZ=ON -DSTRATA_BENCH=OFF -DSTRATA_UNITY_BUILD=ON \
    "${PYTHON_CMAKE_ARGS[@]}"
  # Builds of fixed work run beside the tests at the lowest priority, on the CPU the tests leave
  # idle while they wait on fsync, on the processes they start and on the Node peers: in this tree
  # the Python extension and the fuzzers (neither is in its default target), and beside it GCC's
  # check of every product source (tools/gcc_check.sh) and the ThreadSanitizer tree. The tests keep
  # the cores first (nice 19 weighs 15 against their 1,024); what is left of a build when the tests
  # end runs alone, and the command waits for each where it needs it (BENCHMARKS.md, "CI time").
  start_beside asan_extras "$ASAN_DIR/beside_tests_asan.log" \
    nice -n 19 cmake --build "$ASAN_DIR" -j "$JOBS" --target strata_python strata_fuzzers
  configure "$TSAN_DIR" "${SANITIZER_CMAKE_ARGS[@]}" -DCMAKE_BUILD_TYPE=Debug -DSTRATA_TSAN=ON -DSTRATA_BENCH=OFF -DSTRATA_UNITY_BUILD=ON
  start_beside gcc_and_tsan "$ASAN_DIR/beside_tests_gcc_tsan.log" bash -c "
    nice -n 19 bash tools/gcc_check.sh '$BUILD_DIR-gcc-check' &&
      nice -n 19 cmake --build '$TSAN_DIR' -j $JOBS --target strata_tsan_tests"
  # Two tests per core: the end-to-end tests wait on fsync, on the binaries they start and on the
  # Node peers part of their time (six of the longest alone: 203 s at -j2, 164 s at -j4 on 2 cores).
  # The whole suite keeps both cores busy either way (520 s at -j4 in the CI run of 20:54Z, 515 s at
  # -j2 before, with fewer tests): the gain is in the tail, where few tests are left.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    STRATA_SANITIZED=1 ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$((2 * JOBS))" --timeout 900 \
    --exclude-regex '^e2e_demo$'  # the demo runs below, as users run it (tools/demo.sh)
  echo "== $(elapsed) the Python package and its pytest suite (python/), on the sanitized extension"
  wait_beside asan_extras "the sanitized Python extension or the fuzzers"
  # Python itself is not instrumented: the sanitizers' runtime is preloaded for the extension, and
  # leak checking is off (the interpreter keeps its objects at exit by design).
  local python_env=("LD_PRELOAD=$(clang++ -print-file-name=libclang_rt.asan-x86_64.so)"
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 STRATA_SANITIZED=1)
  install_python_package "$ASAN_DIR" "$ASAN_DIR/venv" "${python_env[@]}"
  # From the repository root: python/ on sys.path would shadow the installed package.
  env "${python_env[@]}" "$ASAN_DIR/venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
  echo "== $(elapsed) the demo on small data, on the sanitized binary (tools/demo.sh)"
  DEMO_DIR="$ASAN_DIR/demo_test" DEMO_ROWS=3000 DEMO_SYMBOLS=3 DEMO_MODEL_MB=8 \
    bash tools/demo.sh "$ASAN_DIR/strata" >"$ASAN_DIR/demo_test.log" 2>&1 ||
    {
      tail -n 40 "$ASAN_DIR/demo_test.log" >&2
      echo "strata.sh: the demo failed on the sanitized binary (log: $ASAN_DIR/demo_test.log)" >&2
      exit 1
    }
  echo "== $(elapsed) GCC (the compiler of ./strata.sh build and demo) accepts every product source, warnings as errors" \
    "(tools/gcc_check.sh), and the ThreadSanitizer tree is built: both started beside the tests above"
  wait_beside gcc_and_tsan "GCC's check or the ThreadSanitizer build"
  grep '^gcc_check.sh: ' "$ASAN_DIR/beside_tests_gcc_tsan.log" || true
  echo "== $(elapsed) threaded tests under ThreadSanitizer (only those; cmake/strata_tsan.cmake)"
  ctest --test-dir "$TSAN_DIR" -L tsan --output-on-failure -j "$JOBS" --timeout 900
  local fuzz_each=$((${STRATA_FUZZ_SECONDS:-60} / 7))
  ((fuzz_each >= 1)) || fuzz_each=1  # libFuzzer reads -max_total_time=0 as "no limit"
  echo "== $(elapsed) fuzzing the Parquet reader, the CSV parser, WAL recovery, the safetensors header, the SQL parser, the ILP parser and the PG wire decoders," \
    "$fuzz_each s each (libFuzzer + ASan + UBSan)"
  local fuzz_rc=0
  bash tools/fuzz.sh "$fuzz_each" 2>"$ASAN_DIR/fuzz.log" || fuzz_rc=$?
  if ((fuzz_rc != 0)); then
    tail -n 60 "$ASAN_DIR/fuzz.log" >&2
    if ((fuzz_rc == 3)); then
      echo "strata.sh: a fuzzer did not build (see above)" >&2
    else
      echo "strata.sh: a fuzzer found a crash; its input is in ~/.cache/strata/fuzz/<target> (see tools/fuzz.sh)" >&2
    fi
    exit 1
  fi
  grep -E '^fuzz.sh: |stat::number_of_executed_units' "$ASAN_DIR/fuzz.log" || true
  echo "== $(elapsed) every test passed"
}

demo() {
  build strata  # the demo runs the binary only: no test is compiled
  echo "== $(elapsed) built $BUILD_DIR/strata"
  bash tools/demo.sh "$BUILD_DIR/strata"
}

bench() {
  setup --bench
  # Always (re)configured: a tree the test command configured has the benchmarks off.
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_UNITY_BUILD=ON -DSTRATA_BENCH=ON >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
  bash bench/run.sh "$BUILD_DIR"
}

format() {
  git ls-files '*.cc' '*.h' | xargs clang-format -i
}

case "${1:-help}" in
  demo) demo ;;
  test) run_tests ;;
  build) build "${@:2}" ;;
  bench) bench ;;
  python) python_package ;;
  pytest) python_tests ;;
  format) format ;;
  help | -h | --help) usage ;;
  *)
    echo "strata.sh: unknown command '$1'" >&2
    usage >&2
    exit 2
    ;;
esac
