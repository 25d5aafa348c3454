"""flush / migrate / verify / stats, and reads across the hot, warm and cold tiers."""

import pandas as pd
import pytest

import strata
from conftest import trades_frame


def test_reads_across_hot_warm_and_cold(db):
    db.create_table("trades", template="trades")
    cold = trades_frame(30, start="2026-01-05T14:00:00Z")
    warm = trades_frame(20, start="2026-02-03T14:00:00Z")
    hot = trades_frame(10, start="2026-03-02T14:00:00Z")
    db.write("trades", cold)
    r = db.flush()
    assert r["rows_out"] == 30 and r["files_out"] >= 1
    m = db.migrate(all=True)
    assert m["rows_out"] == 30
    db.write("trades", warm)
    assert db.flush("trades")["rows_out"] == 20
    db.write("trades", hot)

    stats = db.stats()
    tiers = stats["tables"]["trades"]["tiers"]
    assert tiers["cold"]["rows"] == 30 and tiers["warm"]["rows"] == 20 and tiers["hot"]["rows"] == 10
    assert stats["fsync"] == "none"

    everything = db.read("trades")
    expected = pd.concat([cold, warm, hot]).set_index("ts")
    assert len(everything) == 60
    assert (everything.index == expected.index).all()
    assert everything["price"].tolist() == expected["price"].tolist()
    assert len(db.read("trades", tiers=["cold"])) == 30
    assert len(db.read("trades", tiers=["warm"])) == 20
    assert len(db.read("trades", tiers=["hot"])) == 10
    assert len(db.read("trades", tiers=["hot", "cold"])) == 40

    report = db.verify()
    assert report["ok"] and report["files_checked"] >= 2 and report["problems"] == []


def test_verify_finds_a_damaged_file(db, tmp_path):
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(50))
    db.flush()
    parts = list((tmp_path / "db" / "warm").rglob("*.parquet"))
    assert parts
    data = bytearray(parts[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    parts[0].write_bytes(bytes(data))
    report = db.verify()
    assert not report["ok"]
    assert report["problems"][0]["kind"] == "corrupt"


def test_flush_of_unknown_table_and_read_only_writes(db, tmp_path):
    db.create_table("trades", template="trades")
    with pytest.raises(strata.NotFound):
        db.flush("nope")
    db.write("trades", trades_frame(5))
    db.close()
    with strata.open(tmp_path / "db", read_only=True) as ro:
        assert len(ro.read("trades")) == 5  # a reader sees the writer's acknowledged rows
        with pytest.raises(strata.Error):
            ro.write("trades", trades_frame(5))


def test_latest_bars_asof(db):
    db.create_table("trades", template="trades")
    db.create_table("quotes", template="quotes")
    t = trades_frame(120, step_ns=1_000_000_000)  # one trade a second, 2 minutes
    db.write("trades", t)
    q = pd.DataFrame({
        "ts": t["ts"] - pd.Timedelta("1ms"),
        "symbol": "AAPL",
        "bid": t["price"] - 0.01,
        "ask": t["price"] + 0.01,
        "bid_size": 1,
        "ask_size": 2,
    })
    db.write("quotes", q)
    last = db.latest("trades")
    assert len(last) == 1 and last["trade_id"].iloc[0] == t["trade_id"].iloc[-1]
    bars = db.bars("trades", "AAPL", "1m")
    assert len(bars) == 2
    assert bars["open"].iloc[0] == t["price"].iloc[0]
    assert bars["volume"].sum() == t["size"].sum()
    joined = db.asof("trades", "quotes", symbols="AAPL", tolerance="10ms")
    assert len(joined) == 120
    assert (joined["bid"].to_numpy() == (t["price"] - 0.01).to_numpy()).all()
