import numpy as np
import pandas as pd
import pytest

import strata


@pytest.fixture
def db(tmp_path):
    with strata.open(tmp_path / "db", fsync="none") as d:
        yield d


def trades_frame(n=5, symbol="AAPL", start="2026-03-02T14:00:00Z", step_ns=1_000_000):
    """n trades of one symbol, distinct ns times, every column of the trades template."""
    ts = pd.Timestamp(start).value + np.arange(n, dtype=np.int64) * step_ns + 7  # odd ns on purpose
    return pd.DataFrame(
        {
            "ts": pd.to_datetime(ts, utc=True),
            "symbol": [symbol] * n,
            "price": 100.0 + np.arange(n) * 0.25,
            "size": np.arange(1, n + 1, dtype=np.int64) * 10,
            "trade_id": np.arange(n, dtype=np.int64) + 1000,
            "exchange": ["X" if i % 2 else "Q" for i in range(n)],
        }
    )
