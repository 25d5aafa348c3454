"""db.sql and the model store (db.models)."""

import json
import struct

import numpy as np
import pytest

import strata
from conftest import trades_frame


def test_sql(db):
    db.create_table("trades", template="trades")
    db.write("trades", trades_frame(10))
    db.write("trades", trades_frame(5, symbol="MSFT"))
    df = db.sql("SELECT symbol, count(*) AS n, sum(size) AS volume FROM trades GROUP BY symbol ORDER BY symbol")
    assert df["symbol"].astype(str).tolist() == ["AAPL", "MSFT"]
    assert df["n"].tolist() == [10, 5]
    assert df["volume"].tolist() == [550, 150]
    rows = db.sql("SELECT ts, price FROM trades WHERE symbol = 'AAPL' ORDER BY ts LIMIT 3")
    assert str(rows["ts"].dtype) == "datetime64[ns, UTC]" and len(rows) == 3
    assert db.sql("SHOW TABLES")["name"].tolist() == ["trades"]
    with pytest.raises(strata.InvalidArgument, match="line 1"):
        db.sql("SELEC 1")


def safetensors_bytes(tensors):
    """A safetensors file of {name: (dtype name, np.ndarray)}."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        data = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def test_models_put_get_tensors(db, tmp_path):
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    h = np.array([1.5, -2.0, 0.25], dtype=np.float16)
    bf = (np.array([1.0, -3.5], dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    blob = safetensors_bytes({"w": ("F32", w), "h": ("F16", h), "bf": ("BF16", bf)})
    r = db.models.put("net", blob, meta={"framework": "numpy"}, metrics={"loss": 0.5})
    assert r["version"] == 1 and r["size"] == len(blob)
    path = tmp_path / "v2.safetensors"
    path.write_bytes(blob)
    assert db.models.put("net", path)["version"] == 2

    view = db.models.get("net@1")
    assert isinstance(view, memoryview) and view.readonly
    assert bytes(view) == blob
    with pytest.raises(TypeError):
        view[0] = 1

    t = db.models.tensors("net")
    np.testing.assert_array_equal(t["w"], w)
    np.testing.assert_array_equal(t["h"], h)
    assert t["bf"].dtype == np.uint16
    assert not t["w"].flags.writeable
    # Views of the cached model: the tensors share the bytes get() returns.
    again = np.frombuffer(db.models.get("net"), dtype=np.uint8)
    assert np.shares_memory(t["w"], again)
    f32 = db.models.tensors("net", names=["bf"], bf16="float32")
    assert list(f32) == ["bf"] and f32["bf"].tolist() == [1.0, -3.5]
    with pytest.raises(strata.NotFound, match="nope"):
        db.models.tensors("net", names=["nope"])

    show = db.models.show("net@1")
    assert show["meta"] == {"framework": "numpy"} and show["metrics"] == {"loss": 0.5}
    assert [m["name"] for m in db.models.list()] == ["net"]
    assert [v["version"] for v in db.models.list("net")] == [1, 2]
    db.models.promote("net@2", "production")
    assert db.models.show("net@production")["version"] == 2
    d = db.models.diff("net@1", "net@2")
    assert d["new_bytes"] == 0 and d["shared_bytes"] == len(blob)
    with pytest.raises(strata.NotFound):
        db.models.get("missing")


def test_models_tensors_by_name_reads_only_their_chunks(tmp_path):
    # Three 1 MiB tensors of random bytes (no dedup): many 64 KiB chunks each.
    rng = np.random.default_rng(7)
    parts = {n: rng.standard_normal(1 << 18).astype(np.float32) for n in ("a", "b", "c")}
    bf = (rng.standard_normal(8).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    blob = safetensors_bytes({**{n: ("F32", v) for n, v in parts.items()}, "bf": ("BF16", bf)})
    with strata.open(tmp_path / "db", fsync="none") as d:
        d.models.put("big", blob)
    with strata.open(tmp_path / "db", fsync="none") as d:  # a fresh store: nothing in its RAM cache
        loaded = d.models._store.load_tensors("big", ["b"])
        assert loaded.partial and loaded.size == len(blob)
        # The header's chunk and b's chunks (plus at most one neighbour each side), not a and c.
        assert len(parts["b"]) * 4 <= loaded.bytes_read < len(parts["b"]) * 4 + 4 * (256 << 10)
        assert len(memoryview(loaded)) == 0  # no whole bytes to expose (the rest is undefined)
        t = d.models.tensors("big", names=["b", "bf"], bf16="float32")
        assert list(t) == ["b", "bf"]
        np.testing.assert_array_equal(t["b"], parts["b"])
        np.testing.assert_array_equal(t["bf"], (bf.astype(np.uint32) << 16).view(np.float32))
        assert not t["b"].flags.writeable
        with pytest.raises(strata.NotFound, match="zz"):
            d.models.tensors("big", names=["zz"])
        # A partial load is not cached; a whole load is, and names then view the cached bytes.
        whole = d.models.tensors("big")
        np.testing.assert_array_equal(whole["c"], parts["c"])
        cached = d.models._store.load_tensors("big", ["c"])
        assert not cached.partial and cached.bytes_read == 0 and cached.tier == "ram"
        assert np.shares_memory(d.models.tensors("big", names="c")["c"], whole["c"])


def test_cached_tensor_headers_follow_the_bytes_of_each_load(tmp_path):
    """Repeated tensors() calls reuse the parsed header (by the model's SHA-256): every call still
    views its own load's bytes, models with different contents get their own layout, and the
    same content under another name gets the same values."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.arange(6, dtype=np.int64) * -3
    blob1 = safetensors_bytes({"a": ("F32", a), "b": ("I64", b)})
    blob2 = safetensors_bytes({"b": ("I64", b[::-1].copy()), "a": ("F32", a.T.copy())})
    with strata.open(tmp_path / "db") as d:
        d.models.put("one", blob1)
        d.models.put("two", blob2)
        d.models.put("same", blob1)
        for _ in range(3):
            t1 = d.models.tensors("one")
            t2 = d.models.tensors("two")
            t3 = d.models.tensors("same", names=["b"])
            np.testing.assert_array_equal(t1["a"], a)
            np.testing.assert_array_equal(t1["b"], b)
            np.testing.assert_array_equal(t2["a"], a.T)
            np.testing.assert_array_equal(t2["b"], b[::-1])
            np.testing.assert_array_equal(t3["b"], b)
            assert list(t3) == ["b"]
            mv = d.models.get("one")
            assert np.shares_memory(t1["a"], np.frombuffer(mv, dtype=np.uint8))
            assert not t1["a"].flags.writeable
