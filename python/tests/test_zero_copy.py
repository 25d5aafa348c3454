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
