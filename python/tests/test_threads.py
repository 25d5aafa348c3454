"""Reads from several Python threads while a writer thread appends (the GIL is released inside
the engine, so these run in parallel)."""

import threading

import numpy as np
import pandas as pd

from conftest import trades_frame


def test_readers_and_a_writer(db):
    db.create_table("trades", template="trades", dedup_key="trade_id")
    batches, rows = 40, 500
    errors = []
    done = threading.Event()

    def writer():
        try:
            for k in range(batches):
                df = trades_frame(rows, start=pd.Timestamp("2026-03-02T14:00:00Z") + pd.Timedelta(seconds=k))
                df["trade_id"] += k * rows
                db.write("trades", df)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    seen = []

    def reader():
        try:
            last = 0
            while not done.is_set():
                df = db.read("trades", columns=["ts", "trade_id", "price"])
                n = len(df)
                assert n % rows == 0 and n >= last  # whole appends only, never fewer rows
                assert df.index.is_monotonic_increasing
                assert df["trade_id"].is_unique
                last = n
            seen.append(last)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    final = db.read("trades")
    assert len(final) == batches * rows
    assert np.array_equal(np.sort(final["trade_id"].to_numpy()), np.arange(batches * rows) + 1000)


def test_close_while_other_threads_read(tmp_path):
    import strata

    db = strata.open(tmp_path / "db", fsync="none")
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(2000))
    outcomes = []

    def reader():
        for _ in range(200):
            try:
                db.read("trades")
            except strata.InvalidArgument as e:
                outcomes.append(str(e))
                return
        outcomes.append("finished")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    db.close()
    for t in threads:
        t.join()
    assert len(outcomes) == 3
    assert all(o == "finished" or "closed" in o for o in outcomes)


def test_engine_calls_run_without_the_gil(db):
    from strata import _core

    before = _core._engine_calls_with_gil()
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(100))
    db.read("trades")
    db.flush()
    db.sql("SELECT count(*) FROM trades")
    assert _core._engine_calls_with_gil() == before == 0
