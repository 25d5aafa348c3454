"""The Python package against pandas' own readers on the same rows (issue 17).

    ./strata.sh python && .venv/bin/python bench/python_bench.py [--rows 10000000] [--runs 3]

One day of generated trades (6 columns: ts, symbol, price, size, trade_id, exchange) over 10
symbols. Measures:
  - db.write of the DataFrame (fsync=interval=10), rows/s;
  - db.read of the whole day into a DataFrame, from the warm tier (Parquet, after a flush),
    in MB/s of column data (8 bytes per numeric value, the symbol and exchange bytes);
  - the peers on the same rows: pandas.read_hdf of a PyTables file (format="table", the
    queryable layout, and format="fixed"), and pandas.read_csv of the CSV; and the floor:
    numpy.fromfile of the same column bytes (ts, price, size, trade_id as raw int64/float64
    files, the symbol and exchange as int8 codes), i.e. the cost of only reading the bytes into
    fresh arrays (pyarrow and DuckDB are not installable here);
  - db.models.tensors() of a cached --model-mb model (256 float32 tensors in a safetensors
    file), the median of --tensor-runs calls after a first load that fills the RAM cache.
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


def write_safetensors(path: str, mb: int, tensors: int = 256) -> int:
    """A safetensors file of `tensors` float32 tensors, `mb` MiB of data in all; returns its size."""
    import json
    import struct

    per = (mb << 20) // tensors // 4  # floats per tensor
    rows = 1024
    cols = per // rows
    header, offset = {}, 0
    for i in range(tensors):
        n = rows * cols * 4
        header[f"layer.{i}.weight"] = {"dtype": "F32", "shape": [rows, cols], "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    rng = np.random.default_rng(11)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for i in range(tensors):
            rng.random(rows * cols, dtype=np.float32).tofile(f)
    return os.path.getsize(path)


def bench_tensors(work: str, mb: int, runs: int) -> None:
    path = os.path.join(work, "model.safetensors")
    size = write_safetensors(path, mb)
    root = os.path.join(work, "models-db")
    shutil.rmtree(root, ignore_errors=True)
    with strata.open(root) as db:
        t0 = time.perf_counter()
        db.models.put("net", path)
        print(f"== model of {size / 2**30:.2f} GiB: models.put {time.perf_counter() - t0:.2f} s")
        os.remove(path)
        t0 = time.perf_counter()
        first = db.models.tensors("net")
        print(f"models.tensors, first call (load into the RAM cache): {time.perf_counter() - t0:.3f} s, "
              f"{len(first)} tensors")
        del first
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = db.models.tensors("net")
            times.append(time.perf_counter() - t0)
            del out
        times.sort()
        print(f"models.tensors, cached: median {statistics.median(times) * 1e3:.3f} ms "
              f"(min {times[0] * 1e3:.3f}, p90 {times[int(len(times) * 0.9)] * 1e3:.3f}) of {runs} calls")
        t0 = time.perf_counter()
        mv = db.models.get("net")
        print(f"models.get, cached (memoryview): {(time.perf_counter() - t0) * 1e3:.3f} ms, {mv.nbytes / 2**30:.2f} GiB")
        del mv
    shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_PY_ROWS", 10_000_000)))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--no-csv", action="store_true", help="skip the CSV peer (slow to write)")
    ap.add_argument("--no-hdf", action="store_true", help="skip the PyTables peers")
    ap.add_argument("--model-mb", type=int, default=1024, help="size of the model of the tensors bench (0: skip)")
    ap.add_argument("--tensor-runs", type=int, default=101)
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

    # The floor: the same column bytes read back by numpy.fromfile into fresh arrays.
    raw = {}
    for name in ("ts", "price", "size", "trade_id"):
        raw[name] = os.path.join(work, f"{name}.bin")
        values = pd.DatetimeIndex(df[name]).asi8 if name == "ts" else np.asarray(df[name])
        values.tofile(raw[name])
    for name in ("symbol", "exchange"):
        raw[name] = os.path.join(work, f"{name}.bin")
        np.asarray(df[name].cat.codes, dtype=np.int8).tofile(raw[name])
    sec_f, _ = timed(lambda: {k: np.fromfile(v, dtype=np.int8 if k in ("symbol", "exchange") else np.int64)
                             for k, v in raw.items()}, args.runs, "fromfile")
    print(f"numpy.fromfile of the same column bytes (floor): median {sec_f:.3f} s, "
          f"{args.rows * 34 / sec_f / 1e6:.0f} MB/s of file bytes; strata db.read takes {sec / sec_f:.1f}x as long")
    for p in raw.values():
        os.remove(p)

    if args.model_mb:
        bench_tensors(work, args.model_mb, args.tensor_runs)

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
