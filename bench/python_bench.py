"""The Python package against pandas' own readers on the same rows (issue 17).

    ./strata.sh python && .venv/bin/python bench/python_bench.py [--rows 10000000] [--runs 3]

One day of generated trades (6 columns: ts, symbol, price, size, trade_id, exchange) over 10
symbols. Measures:
  - db.write of the DataFrame (fsync=interval=10), rows/s;
  - db.read of the whole day into a DataFrame, from the warm tier (Parquet, after a flush),
    in MB/s of column data (8 bytes per numeric value, the symbol and exchange bytes);
  - the peers on the same rows: pandas.read_hdf of a PyTables file (format="table", the
    queryable layout, and format="fixed"), and pandas.read_csv of the CSV.
Medians of --runs; the machine is shared, so compare the ratios of one run.
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time

import numpy as np
import pandas as pd

import strata


def make_trades(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    symbols = np.array(["AAPL", "AMZN", "GOOG", "IBM", "META", "MSFT", "NFLX", "NVDA", "ORCL", "TSLA"], dtype=object)
    day = pd.Timestamp("2026-03-02T00:00:00Z").value
    ts = np.sort(rng.integers(day, day + 86_400 * 10**9, rows))
    return pd.DataFrame({
        "ts": pd.to_datetime(ts, utc=True),
        "symbol": pd.Categorical.from_codes(rng.integers(0, len(symbols), rows), categories=symbols),
        "price": np.round(100 + rng.standard_normal(rows).cumsum() * 0.01, 2),
        "size": rng.integers(1, 1000, rows),
        "trade_id": np.arange(rows, dtype=np.int64),
        "exchange": pd.Categorical.from_codes(rng.integers(0, 4, rows), categories=["XNAS", "ARCX", "BATS", "IEXG"]),
    })


def column_bytes(df: pd.DataFrame) -> int:
    n = len(df)
    sym = df["symbol"].astype(str).str.len().sum() if n else 0
    exch = df["exchange"].astype(str).str.len().sum() if n else 0
    return n * 8 * 4 + int(sym) + int(exch)  # ts, price, size, trade_id + the strings


CPU = {}


def timed(fn, runs, label=None):
    """Median wall seconds of `runs` calls (and the median CPU seconds of this process, threads
    included, into CPU[label]: the fairer figure on a shared machine)."""
    times, cpus = [], []
    out = None
    for _ in range(runs):
        out = None
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if label:
        CPU[label] = statistics.median(cpus)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_PY_ROWS", 10_000_000)))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--no-csv", action="store_true", help="skip the CSV peer (slow to write)")
    ap.add_argument("--no-hdf", action="store_true", help="skip the PyTables peers")
    args = ap.parse_args()
    work = args.dir or tempfile.mkdtemp(prefix="strata-pybench-")
    os.makedirs(work, exist_ok=True)
    print(f"== {args.rows:,} trades, one day, 10 symbols; work dir {work}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    df = make_trades(args.rows)
    nbytes = column_bytes(df)
    print(f"column data: {nbytes / 1e6:.0f} MB")

    root = os.path.join(work, "db")
    shutil.rmtree(root, ignore_errors=True)
    with strata.open(root, fsync="interval=10") as db:
        db.create_table("trades", template="trades")
        c0, t0 = time.process_time(), time.perf_counter()
        db.write("trades", df)
        w, wc = time.perf_counter() - t0, time.process_time() - c0
        print(f"db.write: {w:.2f} s, {args.rows / w / 1e6:.2f} M rows/s (fsync=interval=10, one call); "
              f"CPU {wc:.2f} s = {args.rows / wc / 1e6:.2f} M rows per CPU-second")
        t0 = time.perf_counter()
        db.flush()
        print(f"db.flush to warm Parquet: {time.perf_counter() - t0:.2f} s")
    with strata.open(root, read_only=True) as db:
        sec, out = timed(lambda: db.read("trades"), args.runs, "read")
        assert len(out) == args.rows
        print(f"strata db.read (warm): median {sec:.3f} s, {nbytes / sec / 1e6:.0f} MB/s; "
              f"CPU {CPU['read']:.3f} s")
        sec_np, _ = timed(lambda: db.read_numpy("trades", columns=["ts", "price", "size", "trade_id"]), args.runs)
        print(f"strata db.read_numpy, 4 numeric columns: median {sec_np:.3f} s, {args.rows * 32 / sec_np / 1e6:.0f} MB/s")
        del out

    plain = df.assign(symbol=df["symbol"].astype(str), exchange=df["exchange"].astype(str))
    for fmt in () if args.no_hdf else ("table", "fixed"):
        h5 = os.path.join(work, f"trades_{fmt}.h5")
        t0 = time.perf_counter()
        plain.to_hdf(h5, key="trades", mode="w", format=fmt)
        print(f"to_hdf format={fmt}: {time.perf_counter() - t0:.1f} s, {os.path.getsize(h5) / 1e6:.0f} MB")
        sec_h, out = timed(lambda: pd.read_hdf(h5, "trades"), args.runs, fmt)
        assert len(out) == args.rows
        del out
        print(f"pandas.read_hdf format={fmt}: median {sec_h:.3f} s, {nbytes / sec_h / 1e6:.0f} MB/s, CPU {CPU[fmt]:.3f} s; "
              f"strata is {sec_h / sec:.2f}x as fast (CPU: {CPU[fmt] / CPU['read']:.2f}x)")
    if not args.no_csv:
        csv = os.path.join(work, "trades.csv")
        t0 = time.perf_counter()
        plain.assign(ts=plain["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).to_csv(csv, index=False)
        print(f"to_csv: {time.perf_counter() - t0:.1f} s, {os.path.getsize(csv) / 1e6:.0f} MB")
        sec_c, out = timed(lambda: pd.read_csv(csv, parse_dates=["ts"]), 1, "csv")
        assert len(out) == args.rows
        del out
        print(f"pandas.read_csv (parse_dates=ts): {sec_c:.3f} s (1 run), {nbytes / sec_c / 1e6:.0f} MB/s, CPU {CPU['csv']:.3f} s; "
              f"strata is {sec_c / sec:.1f}x as fast (CPU: {CPU['csv'] / CPU['read']:.1f}x)")
    if not args.dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
