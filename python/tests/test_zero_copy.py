"""Numeric columns are handed to NumPy without copying the engine's buffers."""

import gc

import numpy as np

from strata import _core
from conftest import trades_frame


def owner_batch(arr):
    """The strata._core.Batch at the end of an array's .base chain, or None."""
    b = arr
    while b is not None:
        if isinstance(b, _core.Batch):
            return b
        b = getattr(b, "base", None)
    return None


def test_numeric_columns_view_the_batch(db):
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(1000))
    df = db.read("trades")
    for col in ("price", "size", "trade_id"):
        arr = df[col].to_numpy()
        assert owner_batch(arr) is not None, col  # a view, not a copy
    # The same buffer through the DataFrame and a second access: no copy was made on the way.
    a1 = df["price"].to_numpy()
    a2 = df["price"].to_numpy()
    assert np.shares_memory(a1, a2)
    batch = owner_batch(a1)
    i = [f[0] for f in batch.fields()].index("price")
    assert np.shares_memory(a1, batch.values(i))
    # The index views the same batch's ts buffer.
    assert np.shares_memory(df.index.asi8, batch.values([f[0] for f in batch.fields()].index("ts")))


def test_array_keeps_the_batch_alive_and_later_writes_do_not_change_it(db):
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(100))
    df = db.read("trades", columns=["ts", "price"])
    price = df["price"].to_numpy()
    expected = price.copy()
    del df
    gc.collect()
    # The batch lives as long as the array; later appends and a flush do not touch it.
    db.write("trades", trades_frame(100, symbol="AAPL", start="2026-03-02T13:00:00Z"))
    db.flush()
    junk = [np.full(10_000, 7.0) for _ in range(50)]  # reuse of freed memory would show here
    np.testing.assert_array_equal(price, expected)
    assert owner_batch(price) is not None
    del junk


def test_read_numpy_views(db):
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(10))
    arrays = db.read_numpy("trades")
    assert owner_batch(arrays["price"]) is not None
    assert owner_batch(arrays["ts"]) is not None


def test_large_multi_file_read_views_one_buffer_that_outlives_the_database(tmp_path):
    """Rows of several warm files are concatenated once, into fresh buffers large enough for the
    huge-page path (PrepareFreshBuffer: >= 4 MiB a column); the arrays view them, hold exact
    values, and stay valid after the frame is deleted and the database closed."""
    import os

    import pandas as pd

    import strata

    per_symbol = 30_000 if os.environ.get("STRATA_SANITIZED") else 240_000
    symbols = ["AAA", "BBB", "CCC"]
    frames = [trades_frame(per_symbol, symbol=s) for s in symbols]
    for k, f in enumerate(frames):
        f["price"] = f["price"] + k * 1000.0
        f["trade_id"] = f["trade_id"] + k * per_symbol
    with strata.open(tmp_path / "db", fsync="none") as db:
        db.create_table("trades", template="trades")
        for f in frames:
            db.write("trades", f)
        db.flush()  # one warm file per symbol: the read drains several batches
        df = db.read("trades")
        arrays = db.read_numpy("trades", columns=["ts", "price", "size", "trade_id"])
    expected = pd.concat(frames, ignore_index=True)
    price = df["price"].to_numpy()
    size = df["size"].to_numpy()
    ts = df.index.asi8
    for arr in (price, size, ts, arrays["price"], arrays["trade_id"]):
        assert owner_batch(arr) is not None
    assert np.shares_memory(ts, owner_batch(price).values(0))
    del df
    gc.collect()
    junk = [np.full(100_000, -1.0) for _ in range(20)]  # freed memory reused would show here
    np.testing.assert_array_equal(price, expected["price"].to_numpy())
    np.testing.assert_array_equal(size, expected["size"].to_numpy())
    np.testing.assert_array_equal(ts, pd.DatetimeIndex(expected["ts"]).asi8)
    np.testing.assert_array_equal(arrays["trade_id"], expected["trade_id"].to_numpy())
    np.testing.assert_array_equal(arrays["ts"].view(np.int64), pd.DatetimeIndex(expected["ts"]).asi8)
    del junk


def test_symbol_is_a_categorical_of_codes_with_exact_values(db):
    import pandas as pd

    db.create_table("trades", template="trades")
    for s in ("MSFT", "AAPL", "IBM"):
        db.write("trades", trades_frame(50, symbol=s))
    df = db.read("trades")
    sym = df["symbol"]
    assert isinstance(sym.dtype, pd.CategoricalDtype)
    assert list(sym.cat.categories) == ["AAPL", "IBM", "MSFT"]
    assert list(sym.astype(str)) == ["AAPL"] * 50 + ["IBM"] * 50 + ["MSFT"] * 50
