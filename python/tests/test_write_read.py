"""db.write and db.read: round trips of every column type, nulls, time zones, edge sizes, and
clear errors for bad input."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import strata
from conftest import trades_frame

ALL_TYPES = "ts:timestamp,symbol:symbol,i:i64,j:i32,x:f64,b:bool,s:string"
ALL_NULLABLE = "ts:timestamp,symbol:symbol,i:i64?,j:i32?,x:f64?,b:bool?,s:string?"


def test_round_trip_trades(db):
    db.create_table("trades", template="trades")
    df = trades_frame(50)
    assert db.write("trades", df) is None
    out = db.read("trades")
    assert isinstance(out.index, pd.DatetimeIndex)
    assert out.index.name == "ts"
    assert str(out.index.dtype) == "datetime64[ns, UTC]"
    assert (out.index.asi8 == df["ts"].values.astype(np.int64)).all()  # every ns kept
    assert isinstance(out["symbol"].dtype, pd.CategoricalDtype)
    assert list(out.columns) == ["symbol", "price", "size", "trade_id", "exchange"]
    expected = df.set_index("ts")
    pd.testing.assert_series_equal(out["price"], expected["price"])
    pd.testing.assert_series_equal(out["size"], expected["size"])
    assert out["exchange"].tolist() == expected["exchange"].tolist()
    assert out["symbol"].astype(str).tolist() == ["AAPL"] * 50


def test_f32_and_coarse_timestamps(db):
    # f32 stores the nearest float (read back as float64 holding it, nulls as pandas NA);
    # a timestamp[us] column takes whole microseconds and refuses finer ones.
    db.create_table("f", schema="ts:timestamp[us],symbol:symbol,x:f32,y:f32?")
    n = 5
    ts = pd.date_range("2026-03-02", periods=n, freq="1ms")
    x = np.array([0.1, 1.5, -2.25, 1e30, 3.0], dtype=np.float64)
    df = pd.DataFrame({"ts": ts, "symbol": ["S"] * n, "x": x,
                       "y": pd.array([0.1, None, 2.0, None, 4.0], dtype="Float64")})
    db.write("f", df)
    out = db.read("f")
    assert (out["x"].to_numpy() == x.astype(np.float32).astype(np.float64)).all()
    assert out["x"].iloc[0] != 0.1  # the nearest float, not the double
    assert out["y"].isna().tolist() == [False, True, False, True, False]
    assert (out.index.asi8 == ts.asi8).all()
    fine = df.iloc[:1].copy()
    fine["ts"] = pd.Timestamp("2026-03-03 00:00:00.000000001")
    with pytest.raises(strata.Error):
        db.write("f", fine)


def test_round_trip_every_type(db):
    db.create_table("t", schema=ALL_TYPES)
    n = 7
    df = pd.DataFrame({
        "ts": pd.date_range("2026-03-02", periods=n, freq="1s"),
        "symbol": ["S"] * n,
        "i": np.array([-(2**63), -1, 0, 1, 2**40, 2**62, 2**63 - 1], dtype=np.int64),
        "j": np.array([-(2**31), -1, 0, 1, 5, 2**20, 2**31 - 1], dtype=np.int32),
        "x": [-1.5, 0.0, np.inf, -np.inf, 1e300, 2.5, np.nan],
        "b": [True, False, True, True, False, False, True],
        "s": ["", "a", "héllo", "日本", "x" * 1000, "comma,quote\"", "\n"],
    })
    db.write("t", df)
    out = db.read("t")
    assert out["i"].dtype == np.int64 and out["i"].tolist() == df["i"].tolist()
    assert out["j"].dtype == np.int32 and out["j"].tolist() == df["j"].tolist()
    assert out["x"].dtype == np.float64
    np.testing.assert_array_equal(out["x"].to_numpy(), df["x"].to_numpy())  # NaN stays NaN
    assert out["b"].dtype == np.bool_ and out["b"].tolist() == df["b"].tolist()
    assert out["s"].tolist() == df["s"].tolist()
    assert (out.index.tz_convert(None) == df["ts"]).all()


def test_nulls_round_trip_as_pandas_nullable_types(db):
    db.create_table("t", schema=ALL_NULLABLE)
    df = pd.DataFrame({
        "ts": pd.date_range("2026-03-02", periods=4, freq="1min", tz="UTC"),
        "symbol": ["S"] * 4,
        "i": pd.array([1, None, 3, None], dtype="Int64"),
        "j": pd.array([None, 2, 3, 4], dtype="Int32"),
        "x": pd.array([1.5, None, np.nan, 4.0], dtype="Float64"),
        "b": pd.array([True, None, False, True], dtype="boolean"),
        "s": ["a", None, "c", None],
    })
    db.write("t", df)
    out = db.read("t")
    assert str(out["i"].dtype) == "Int64" and out["i"].isna().tolist() == [False, True, False, True]
    assert out["i"].dropna().tolist() == [1, 3]
    assert str(out["j"].dtype) == "Int32" and out["j"].isna().tolist() == [True, False, False, False]
    assert str(out["x"].dtype) == "Float64"
    assert out["x"].isna().sum() >= 1 and out["x"].iloc[0] == 1.5 and out["x"].iloc[3] == 4.0
    assert str(out["b"].dtype) == "boolean" and out["b"].isna().tolist() == [False, True, False, False]
    assert out["s"].tolist() == ["a", None, "c", None]


def test_nullable_float_nan_becomes_null_in_nullable_int_and_missing_columns_are_null(db):
    db.create_table("t", schema="ts:timestamp,symbol:symbol,i:i64?,s:string?")
    df = pd.DataFrame({"i": [1.0, np.nan, 3.0]}, index=pd.date_range("2026-03-02", periods=3, freq="1s"))
    db.write("t", df, symbol="Z")
    out = db.read("t")
    assert out["i"].isna().tolist() == [False, True, False]
    assert out["s"].tolist() == [None, None, None]  # a nullable column may be left out


def test_time_zones(db):
    db.create_table("trades", template="trades")
    base = trades_frame(3)
    naive = base.assign(ts=base["ts"].dt.tz_convert(None))  # tz-naive = UTC
    ny = base.assign(ts=base["ts"].dt.tz_convert("America/New_York"), symbol="NY")
    db.write("trades", naive)
    db.write("trades", ny)
    out = db.read("trades")
    a = out[out["symbol"] == "AAPL"].index
    b = out[out["symbol"] == "NY"].index
    assert (a.asi8 == b.asi8).all()  # the same instants
    assert (a.asi8 == base["ts"].values.astype(np.int64)).all()
    # Bounds in several forms, all meaning the same instant.
    t1 = base["ts"].iloc[1]
    for start in (t1, t1.tz_convert("Asia/Tokyo"), t1.tz_convert(None), t1.value, t1.isoformat(),
                  t1.to_datetime64(), dt.datetime(2026, 3, 2, 14, 0, 0, 1000, tzinfo=dt.timezone.utc)):
        got = db.read("trades", symbols="AAPL", start=start)
        assert len(got) == 2, start


def test_datetime_index_and_symbol_argument(db):
    db.create_table("trades", template="trades")
    df = trades_frame(4).set_index("ts").drop(columns="symbol")
    db.write("trades", df, symbol="MSFT")
    out = db.read("trades", symbols=["MSFT"])
    assert len(out) == 4 and set(out["symbol"]) == {"MSFT"}


def test_empty_frame_and_one_row(db):
    db.create_table("trades", template="trades")
    assert db.write("trades", trades_frame(0)) is None
    assert db.write("trades", trades_frame(0), count_duplicates=True) == 0
    empty = db.read("trades")
    assert len(empty) == 0
    assert str(empty.index.dtype) == "datetime64[ns, UTC]"
    assert list(empty.columns) == ["symbol", "price", "size", "trade_id", "exchange"]
    db.write("trades", trades_frame(1))
    one = db.read("trades")
    assert len(one) == 1 and one["price"].iloc[0] == 100.0


def test_unsorted_rows_are_accepted_and_read_sorted(db):
    db.create_table("trades", template="trades")
    df = trades_frame(20).sample(frac=1.0, random_state=3)
    db.write("trades", df)
    out = db.read("trades")
    assert out.index.is_monotonic_increasing
    assert sorted(out["trade_id"].tolist()) == sorted(df["trade_id"].tolist())


def test_read_filters(db):
    db.create_table("trades", template="trades")
    for sym in ("AAPL", "MSFT", "IBM"):
        db.write("trades", trades_frame(10, symbol=sym))
    out = db.read("trades")
    assert list(out["symbol"].cat.categories) == ["AAPL", "IBM", "MSFT"]
    assert out["symbol"].astype(str).tolist() == ["AAPL"] * 10 + ["IBM"] * 10 + ["MSFT"] * 10
    assert len(db.read("trades", symbols=["MSFT", "IBM"])) == 20
    sub = db.read("trades", symbols="AAPL", columns=["ts", "price"])
    assert list(sub.columns) == ["price"] and len(sub) == 10
    big = db.read("trades", where="size >= 50 and exchange = 'X'")
    assert len(big) > 0 and (big["size"] >= 50).all() and (big["exchange"] == "X").all()
    t0 = pd.Timestamp("2026-03-02T14:00:00Z")
    window = db.read("trades", start=t0 + pd.Timedelta("2ms"), end=t0 + pd.Timedelta("5ms"))
    assert len(window) == 3 * 3
    assert len(db.read("trades", limit=4)) == 4
    assert len(db.read("trades", symbols="NOPE")) == 0
    arrays = db.read_numpy("trades", symbols="IBM")
    assert arrays["ts"].dtype == np.dtype("M8[ns]") and arrays["price"].dtype == np.float64
    assert list(arrays["symbol"]) == ["IBM"] * 10


def test_read_errors(db):
    db.create_table("trades", template="trades")
    with pytest.raises(strata.NotFound, match="nope"):
        db.read("nope")
    with pytest.raises(strata.InvalidArgument, match="bogus"):
        db.read("trades", columns=["bogus"])
    with pytest.raises(strata.InvalidArgument):
        db.read("trades", where="size >>> 3")
    with pytest.raises(strata.InvalidArgument):
        db.read("trades", start="not a time")
    with pytest.raises(strata.InvalidArgument):
        db.read("trades", tiers=["lukewarm"])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda df: df.assign(size=df["size"].astype(float).where(df.index != 2)),
         "column 'size': float64 with NaN cannot go into i64; use Int64 or fill"),
        (lambda df: df.assign(size=df["size"] + 0.5), "column 'size': float64 with fractional"),
        (lambda df: df.assign(price=df["exchange"]), "column 'price': object cannot go into f64"),
        (lambda df: df.assign(size=df["size"] > 3), "column 'size': bool cannot go into i64"),
        (lambda df: df.drop(columns="ts"), "missing 'ts': give a 'ts' column or a DatetimeIndex"),
        (lambda df: df.drop(columns="symbol"), "missing 'symbol'"),
        (lambda df: df.assign(venue="X"), "unknown column(s) 'venue' for table 'trades'"),
        (lambda df: df.drop(columns="price"), "missing column 'price' (f64) of table 'trades'"),
        (lambda df: df.assign(ts=df["ts"].astype(np.int64)), "column 'ts': int64 cannot go into timestamp"),
        (lambda df: df.assign(ts=df["ts"].where(df.index != 1)), "column 'ts': NaT at row 2"),
        (lambda df: df.assign(exchange=[None] + ["X"] * (len(df) - 1)), "column 'exchange' has 1 null"),
        (lambda df: df.assign(exchange=np.arange(len(df))), "column 'exchange': int64 cannot go into a string column"),
        (lambda df: df.assign(size=pd.array([None] + [1] * (len(df) - 1), dtype="Int64")),
         "column 'size' has 1 null value(s) but is not nullable"),
    ],
)
def test_bad_input_is_a_clear_error(db, change, message):
    db.create_table("trades", template="trades")
    with pytest.raises(strata.InvalidArgument) as e:
        db.write("trades", change(trades_frame(5)))
    assert message in str(e.value)
    assert len(db.read("trades")) == 0  # nothing was written


def test_int32_range_and_bad_symbol_and_not_a_frame(db):
    db.create_table("t", schema="ts:timestamp,symbol:symbol,j:i32")
    df = pd.DataFrame({"j": np.array([2**31], dtype=np.int64)}, index=pd.DatetimeIndex([pd.Timestamp("2026-01-01")]))
    with pytest.raises(strata.InvalidArgument, match="does not fit i32"):
        db.write("t", df, symbol="A")
    with pytest.raises(strata.InvalidArgument, match="symbol"):
        db.write("t", df.assign(j=np.int64(1)), symbol="")  # the engine's own check
    with pytest.raises(strata.InvalidArgument, match="DataFrame"):
        db.write("t", {"j": [1]})
    with pytest.raises(strata.NotFound):
        db.write("nope", df, symbol="A")


def test_categorical_and_string_dtype_inputs(db):
    db.create_table("trades", template="trades")
    df = trades_frame(6)
    df["symbol"] = pd.Categorical(["B", "A", "B", "A", "C", "C"])
    df["exchange"] = df["exchange"].astype("string")
    db.write("trades", df)
    out = db.read("trades")
    assert out["symbol"].value_counts().to_dict() == {"A": 2, "B": 2, "C": 2}
    assert sorted(out["exchange"].tolist()) == sorted(df["exchange"].tolist())


def test_dedup_key_counts_duplicates(db):
    db.create_table("trades", template="trades", dedup_key="trade_id")
    df = trades_frame(10)
    assert db.write("trades", df, count_duplicates=True) == 0
    assert db.write("trades", df.iloc[:4], count_duplicates=True) == 4
    db.write("trades", df.iloc[:2])  # not counted, still dropped by reads
    assert len(db.read("trades")) == 10


def test_iter_batches_streams_the_same_rows(db):
    db.create_table("trades", template="trades")
    for sym in ("AAPL", "MSFT"):
        db.write("trades", trades_frame(300, symbol=sym))
    db.flush()
    db.write("trades", trades_frame(50, symbol="AAPL", start="2026-03-03T14:00:00Z"))
    frames = list(db.iter_batches("trades", columns=["ts", "symbol", "trade_id"]))
    assert len(frames) >= 2
    streamed = pd.concat([f.assign(symbol=f["symbol"].astype(str)) for f in frames])
    whole = db.read("trades", columns=["ts", "symbol", "trade_id"])
    assert streamed["trade_id"].tolist() == whole["trade_id"].tolist()
    assert (streamed.index == whole.index).all()


def test_iter_batches_ends_when_the_database_closes(tmp_path):
    db = strata.open(tmp_path / "db", fsync="none")
    db.create_table("trades", template="trades")
    for sym in ("A", "B", "C"):
        db.write("trades", trades_frame(10, symbol=sym))
    it = db.iter_batches("trades")
    first = next(it)
    assert len(first) == 10
    db.close()
    with pytest.raises(strata.InvalidArgument, match="closed"):
        next(it)


def test_low_cardinality_strings_share_objects_and_stay_correct(db):
    db.create_table("trades", template="trades")
    df = trades_frame(1000)
    df["exchange"] = [("X", "Q", "héllo")[i % 3] for i in range(1000)]
    db.write("trades", df)
    out = db.read("trades")["exchange"].tolist()
    assert out == df["exchange"].tolist()


def test_a_timestamp_column_of_another_name(db):
    db.create_table("ev", schema="time:timestamp,sym:symbol,v:f64")
    df = pd.DataFrame({"time": pd.date_range("2026-03-02", periods=3, freq="1s", tz="UTC"), "sym": "A", "v": [1.0, 2.0, 3.0]})
    db.write("ev", df)
    out = db.read("ev")
    assert out.index.name == "time" and list(out.columns) == ["sym", "v"]
    assert (out.index == df["time"]).all()
    db.write("ev", df.set_index("time").drop(columns="sym"), symbol="B")  # the DatetimeIndex fills 'time'
    assert len(db.read("ev", symbols="B")) == 3


def test_large_write_is_chunked_and_a_bad_value_in_a_later_chunk_appends_nothing(db):
    db.create_table("trades", template="trades")
    n = 150_000  # three chunks of the extension's 65,536 rows
    df = trades_frame(n, step_ns=1000)
    db.write("trades", df)
    out = db.read("trades", columns=["ts", "trade_id"])
    assert len(out) == n and (out["trade_id"].to_numpy() == df["trade_id"].to_numpy()).all()
    bad = trades_frame(n, symbol="MSFT", step_ns=1000)
    bad.loc[140_000, "exchange"] = "\udcff"  # a lone surrogate: not valid UTF-8 text
    with pytest.raises(Exception):
        db.write("trades", bad)
    bad2 = trades_frame(n, symbol="MSFT", step_ns=1000)
    bad2["symbol"] = ["MSFT"] * 140_000 + [""] * (n - 140_000)  # an empty symbol, in the third chunk
    with pytest.raises(strata.InvalidArgument, match="rows 131073..150000"):
        db.write("trades", bad2)
    assert db.symbols("trades") == ["AAPL"]  # nothing of either bad frame was appended


def test_integer_widths_checked_only_where_they_can_overflow(db):
    """uint64 past 2**63-1 cannot go into i64 (checked); uint32 and int64 always fit i64 and
    int32 fits i32 (no range pass), and their values arrive exact."""
    db.create_table("t", schema="ts:timestamp,symbol:symbol,n:i64,j:i32")
    idx = pd.DatetimeIndex(pd.to_datetime([1, 2, 3], unit="s"))
    big = pd.DataFrame({"n": np.array([1, 2, 2**63], dtype=np.uint64), "j": np.int32([1, 2, 3])}, index=idx)
    with pytest.raises(strata.InvalidArgument, match="does not fit i64"):
        db.write("t", big, symbol="A")
    ok = pd.DataFrame(
        {"n": np.array([0, 2**32 - 1, 7], dtype=np.uint32), "j": np.array([-(2**31), 0, 2**31 - 1], dtype=np.int32)},
        index=idx,
    )
    db.write("t", ok, symbol="A")
    wide = pd.DataFrame({"n": np.array([-(2**63), 0, 2**63 - 1], dtype=np.int64), "j": np.int8([1, 2, 3])}, index=idx)
    db.write("t", wide, symbol="B")
    back = db.read("t")
    assert back["n"].tolist() == [0, 2**32 - 1, 7, -(2**63), 0, 2**63 - 1]
    assert back["j"].tolist() == [-(2**31), 0, 2**31 - 1, 1, 2, 3]
