#!/usr/bin/env bash
# Installs the Debian packages strata needs to build, test and benchmark.
# Idempotent: runs `apt-get update` once, and only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libsqlite3-dev libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev
  libssl-dev libcurl4-openssl-dev libtinyxml2-dev
  libcli11-dev nlohmann-json3-dev
  libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format libedit-dev curl
  libhdf5-dev
)
# Avro C: the Iceberg module's tests read the manifests back with it (src/iceberg/README.md).
PACKAGES+=(libavro-dev)
# Peers used only by benchmarks.
BENCH_PACKAGES=(postgresql hyperfine python3-optuna python3-tables)
# restic: the peer of the backup benchmark (bench/backup_bench.sh), backup and restore time and bytes.
BENCH_PACKAGES+=(restic)
# The test command builds its sanitizer trees (ASan + UBSan, TSan) with clang and links them with
# lld (./strata.sh: about half GCC's compile time), and fuzzes the parsers for a bounded time
# (clang's libFuzzer, tools/fuzz.sh); libclang-rt-14-dev holds clang's sanitizer runtimes.
TEST_PACKAGES=(clang lld libclang-rt-14-dev prometheus)
# The PostgreSQL wire protocol tests run real clients: psql, psycopg2 with pandas (and node-postgres
# from npm, tools/interop/setup.sh).
TEST_PACKAGES+=(postgresql-client-15 python3-psycopg2 python3-pandas)
# HDF5 export/ingest is checked against h5py and pandas.read_hdf / to_hdf, which need PyTables
# (python3-tables, in PYTHON_PACKAGES below) (tests/hdf5_cli_test.cc).
TEST_PACKAGES+=(python3-h5py python3-tables)

# The Python package (python/, ./strata.sh python): pybind11, NumPy, pandas and venv from Debian; its
# pytest suite; Optuna (StrataStorage) and PyTables (pandas.read_hdf, a benchmark peer).
PYTHON_PACKAGES=(pybind11-dev python3-pybind11 python3-numpy python3-pandas python3-venv python3-pytest
  python3-optuna python3-tables)

want=("${PACKAGES[@]}")
if [[ "${1:-}" == "--python" ]]; then want+=("${PYTHON_PACKAGES[@]}"); fi
if [[ "${1:-}" == "--bench" ]]; then want+=("${BENCH_PACKAGES[@]}"); fi
if [[ "${1:-}" == "--test" ]]; then
  want+=("${TEST_PACKAGES[@]}" "${PYTHON_PACKAGES[@]}")
  # The Parquet interop tests run DuckDB, parquet-wasm and hyparquet under Node.js (from npm).
  if ! command -v node >/dev/null; then want+=(nodejs npm); fi
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "strata setup: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
