"""Opening, closing, tables, schemas and the error classes."""

import pytest

import strata
from strata import _core


def test_open_creates_and_reopens(tmp_path):
    root = tmp_path / "db"
    with strata.open(root) as db:
        assert not db.closed
        assert db.root == str(root)
        db.create_table("trades", template="trades")
    assert db.closed
    with strata.open(root, read_only=True) as ro:
        assert ro.read_only
        assert ro.tables() == ["trades"]


def test_read_only_open_of_missing_database_is_not_found(tmp_path):
    with pytest.raises(strata.NotFound) as e:
        strata.open(tmp_path / "nothing", read_only=True)
    assert "nothing" in str(e.value)


def test_writer_without_create_is_not_found(tmp_path):
    with pytest.raises(strata.NotFound):
        strata.open(tmp_path / "nothing", create=False)


def test_closed_database_raises_invalid_argument(db):
    db.close()
    db.close()  # idempotent
    with pytest.raises(strata.InvalidArgument, match="closed"):
        db.tables()
    with pytest.raises(strata.InvalidArgument, match="closed"):
        db.read("trades")
    with pytest.raises(ValueError):  # InvalidArgument is a ValueError too
        db.stats()


def test_create_table_template_schema_dedup(db):
    t = db.create_table("trades", template="trades", dedup_key="trade_id")
    assert t.name == "trades"
    assert t.dedup_key == "trade_id"
    assert t.schema.names == ["ts", "symbol", "price", "size", "trade_id", "exchange"]
    assert t.schema["price"] == strata.Field("price", "f64", False)
    assert str(t.schema) == _core.template_schema("trades")

    db.create_table("feat", schema="ts:timestamp,symbol:symbol,x:f64,n:i32?,flag:bool,note:string?")
    db.create_table("feat2", schema={"ts": "timestamp", "symbol": "symbol", "y": "i64?"})
    db.create_table("feat3", schema=[("ts", "timestamp"), ("symbol", "symbol"), ("b", "bool", True)])
    assert sorted(db.tables()) == ["feat", "feat2", "feat3", "trades"]
    s = db.table("feat").schema
    assert [(f.name, f.type, f.nullable) for f in s] == [
        ("ts", "timestamp", False), ("symbol", "symbol", False), ("x", "f64", False),
        ("n", "i32", True), ("flag", "bool", False), ("note", "string", True)]
    assert db.table("feat2").schema["y"].nullable
    assert db.table("feat3").schema["b"] == strata.Field("b", "bool", True)
    assert strata.Schema.parse(str(s)) == s


def test_create_table_errors(db):
    db.create_table("trades", template="trades")
    with pytest.raises(strata.AlreadyExists, match="trades"):
        db.create_table("trades", template="trades")
    with pytest.raises(strata.InvalidArgument):
        db.create_table("x", template="trades", schema="ts:timestamp")
    with pytest.raises(strata.InvalidArgument):
        db.create_table("bad", schema="ts:timestamp,price:f64")  # no symbol column
    with pytest.raises(strata.InvalidArgument):
        db.create_table("bad", schema="ts:timestamp,symbol:symbol,x:float128")
    with pytest.raises(strata.NotFound):
        db.create_table("bad", template="no_such_template")
    with pytest.raises(strata.NotFound, match="nope"):
        db.table("nope")


def test_every_status_code_maps_to_its_class():
    expected = {
        "InvalidArgument": strata.InvalidArgument, "NotFound": strata.NotFound,
        "AlreadyExists": strata.AlreadyExists, "Corruption": strata.Corruption,
        "IOError": strata.IOError, "NoSpace": strata.NoSpace, "Unsupported": strata.Unsupported,
        "Busy": strata.Busy, "Aborted": strata.Aborted, "Internal": strata.Internal,
    }
    assert sorted(_core._status_code_names()) == sorted(expected)
    for name, cls in expected.items():
        with pytest.raises(cls) as e:
            _core._raise_status(name, f"message of {name}")
        assert isinstance(e.value, strata.Error)
        assert str(e.value) == f"message of {name}"
    assert issubclass(strata.NoSpace, strata.IOError)
    assert issubclass(strata.IOError, OSError)


def test_help_teaches():
    assert "DatetimeIndex" in strata.Database.read.__doc__
    assert "dtypes" in strata.Database.write.__doc__.lower()


def test_a_second_writer_process_is_busy(tmp_path):
    import subprocess
    import sys

    root = tmp_path / "db"
    with strata.open(root) as db:
        db.create_table("trades", template="trades")
        code = (
            "import strata\n"
            "try:\n"
            f"    strata.open({str(root)!r})\n"
            "except strata.Busy as e:\n"
            "    print('BUSY', e)\n"
            f"print(strata.open({str(root)!r}, read_only=True).tables())\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("BUSY"), out.stdout
        assert "['trades']" in out.stdout  # readers are welcome beside the writer
