"""db.windows: walk-forward folds (the engine's WalkForwardFolds) as (train_df, test_df) reads."""
import numpy as np
import pandas as pd
import pytest

import strata
from conftest import trades_frame

HOUR = 3_600_000_000_000
DAY = 24 * HOUR


@pytest.fixture
def ten_days(db):
    db.create_table("trades", template="trades")
    frames = [trades_frame(n=240, symbol=s, start="2026-03-01T00:00:00Z", step_ns=HOUR) for s in ("AAPL", "MSFT")]
    src = pd.concat(frames, ignore_index=True)
    db.write("trades", src)
    return src


def _rows(src, lo, hi):
    t = src["ts"].astype("int64")
    return src[(t >= lo) & (t < hi)]


def test_windows_yield_train_then_test_of_each_fold(db, ten_days):
    start = pd.Timestamp("2026-03-01T00:00:00Z")
    end = start + pd.Timedelta(days=10)
    folds = list(db.windows("trades", start, end, train="2d", test="1d", step="1d"))
    # Fold k: train [start + k d, start + (k+2) d), test the day after; the last test ends at `end`.
    assert len(folds) == 8
    for k, (train, test) in enumerate(folds):
        lo = start.value + k * DAY
        for df, a, b in ((train, lo, lo + 2 * DAY), (test, lo + 2 * DAY, lo + 3 * DAY)):
            want = _rows(ten_days, a, b)
            assert len(df) == len(want) > 0
            assert df.index.min().value >= a and df.index.max().value < b
            assert sorted(df["trade_id"].tolist()) == sorted(want["trade_id"].tolist())
            assert set(df["symbol"].astype(str)) == {"AAPL", "MSFT"}


def test_windows_match_the_engine_folds_and_pass_filters(db, ten_days):
    lo = strata._core.parse_timestamp("2026-03-02")
    hi = strata._core.parse_timestamp("2026-03-09T12:00:00")
    folds = strata._core.walk_forward_folds(lo, hi, 3 * DAY, DAY // 2, 2 * DAY)
    assert [f[0] for f in folds] == list(range(lo, hi - 3 * DAY - DAY // 2 + 1, 2 * DAY))
    got = list(db.windows("trades", "2026-03-02", "2026-03-09T12:00:00", train=3 * DAY, test="12h",
                          step=pd.Timedelta(days=2), symbols="MSFT", columns=["ts", "price"], where="price > 120"))
    assert len(got) == len(folds)
    for (train, test), (a, b, c, d) in zip(got, folds):
        assert list(train.columns) == ["price"]
        msft = ten_days[(ten_days["symbol"] == "MSFT") & (ten_days["price"] > 120)]
        assert np.array_equal(train["price"].to_numpy(), _rows(msft, a, b)["price"].to_numpy())
        assert np.array_equal(test["price"].to_numpy(), _rows(msft, c, d)["price"].to_numpy())


def test_windows_none_fit_and_bad_lengths(db, ten_days):
    assert list(db.windows("trades", "2026-03-01", "2026-03-03", train="2d", test="1d", step="1d")) == []
    with pytest.raises(strata.InvalidArgument, match="> 0"):
        list(db.windows("trades", "2026-03-01", "2026-03-10", train="2d", test="1d", step=0))
    with pytest.raises(strata.InvalidArgument, match="before"):
        list(db.windows("trades", "2026-03-10", "2026-03-01", train="2d", test="1d", step="1d"))
    with pytest.raises(strata.NotFound):
        list(db.windows("nope", "2026-03-01", "2026-03-10", train="2d", test="1d", step="1d"))
