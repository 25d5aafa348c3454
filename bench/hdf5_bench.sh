#!/usr/bin/env bash
# HDF5 export and ingest throughput (issue 16) against the Python peers writing and reading the
# same arrays: h5py (one dataset per column, the same chunking and filters as `--layout columns`)
# and pandas/PyTables (`to_hdf(format="table", data_columns=True)`, what `--layout pandas` writes).
#
# Usage: bench/hdf5_bench.sh BUILD_DIR
# Environment: HDF5_ROWS [2000000] trades (trades template, 10 symbols), HDF5_RUNS [3] (medians),
#              HDF5_DIR [/tmp/strata-hdf5-bench]
#
# MB/s are of the table's uncompressed column data (8 bytes per ts/price/size/trade_id, the
# string bytes of symbol and exchange), the same bytes for every row of the table below. strata's
# times are whole `strata export` / `strata ingest` processes (start-up and the query or WAL
# included); the peers' are the write/read calls alone (Python start-up and building the arrays
# excluded), so the comparison favours the peers.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/hdf5_bench.sh BUILD_DIR}" && pwd)
STRATA="$BUILD/strata"
ROWS=${HDF5_ROWS:-2000000}
RUNS=${HDF5_RUNS:-3}
DIR=${HDF5_DIR:-/tmp/strata-hdf5-bench}
PY=/usr/bin/python3
rm -rf "$DIR" && mkdir -p "$DIR"
db="$DIR/db"
"$STRATA" --root "$db" init --fsync none >/dev/null
"$STRATA" --root "$db" table create trades --template trades >/dev/null
"$STRATA" gen trades --rows "$ROWS" --symbols 10 --out "$DIR/trades.csv" >/dev/null
"$STRATA" --root "$db" ingest trades "$DIR/trades.csv" >/dev/null
"$STRATA" --root "$db" flush >/dev/null
# Uncompressed column bytes: 4 x 8-byte columns plus the string bytes.
mb=$($PY - "$DIR/trades.csv" <<'PY'
import csv, sys
n = s = 0
with open(sys.argv[1]) as f:
    r = csv.reader(f); next(r)
    for row in r:
        n += 1; s += len(row[1].encode()) + len(row[5].encode())
print(f"{(n * 32 + s) / 1e6:.3f}")
PY
)
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
report() { printf "%-44s %8.3f s  %8.1f MB/s\n" "$1" "$2" "$(echo "$mb / $2" | bc -l)"; }

echo "rows $ROWS, column data $mb MB, medians of $RUNS runs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for layout in pandas columns; do
  t=$(for i in $(seq "$RUNS"); do secs "$STRATA" --root "$db" export trades "$DIR/s_$layout.h5" --layout "$layout"; done | median)
  report "strata export --layout $layout" "$t"
  t=$(for i in $(seq "$RUNS"); do
        rm -rf "$DIR/in" && "$STRATA" --root "$DIR/in" init --fsync none >/dev/null &&
        "$STRATA" --root "$DIR/in" table create trades --template trades >/dev/null &&
        secs "$STRATA" --root "$DIR/in" ingest trades "$DIR/s_$layout.h5" --dataset /trades
      done | median)
  report "strata ingest ($layout file)" "$t"
  ls -l "$DIR/s_$layout.h5" | awk '{printf "  file size %.1f MB\n", $5 / 1e6}'
done

# The peers, on the same rows (read from strata's columns export, so the arrays are identical).
$PY - "$DIR" "$RUNS" "$mb" <<'PY'
import sys, time, statistics, h5py, numpy as np, pandas as pd, warnings
d, runs, mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
warnings.simplefilter("ignore")
with h5py.File(f"{d}/s_columns.h5") as f:
    g = f["trades"]
    cols = {k: (g[k].asstr()[:] if g[k].dtype == object else g[k][:])
            for k in ["ts", "symbol", "price", "size", "trade_id", "exchange"]}
def timed(fn):
    t = []
    for _ in range(runs):
        s = time.perf_counter(); fn(); t.append(time.perf_counter() - s)
    return statistics.median(t)
def report(name, t): print(f"{name:44s} {t:8.3f} s  {mb / t:8.1f} MB/s")
def h5py_write():
    with h5py.File(f"{d}/p_h5py.h5", "w") as f:
        g = f.create_group("trades")
        for k, v in cols.items():
            dt = h5py.string_dtype() if v.dtype == object else v.dtype
            g.create_dataset(k, data=v, dtype=dt, chunks=(65536,), shuffle=True, compression="gzip",
                             compression_opts=4, maxshape=(None,))
def h5py_read():
    with h5py.File(f"{d}/p_h5py.h5") as f:
        g = f["trades"]
        return {k: (g[k].asstr()[:] if g[k].dtype == object else g[k][:]) for k in g}
df = pd.DataFrame({"ts": cols["ts"].astype("datetime64[ns]"), **{k: v for k, v in cols.items() if k != "ts"}})
def pandas_write():
    df.to_hdf(f"{d}/p_pandas.h5", key="trades", format="table", data_columns=True, index=False, mode="w",
              complevel=4, complib="zlib")
report("h5py write (columns, gzip 4 + shuffle)", timed(h5py_write))
report("h5py read (columns)", timed(h5py_read))
report("pandas to_hdf (table, zlib 4)", timed(pandas_write))
report("pandas read_hdf (strata's pandas export)", timed(lambda: pd.read_hdf(f"{d}/s_pandas.h5", "trades")))
PY
