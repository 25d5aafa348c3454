"""strata for Python: the tiered time-series and model store, as pandas DataFrames and NumPy
arrays. Built on the C++ engine (the extension module ``strata._core``), not on the CLI.

    import strata
    with strata.open("./strata-data") as db:
        db.create_table("trades", template="trades")
        db.write("trades", df)                      # a DataFrame with ts (or a DatetimeIndex) and symbol
        df = db.read("trades", symbols=["AAPL"], start="2026-03-02T14:00", end="2026-03-02T15:00")

Every error is a :class:`strata.Error` subclass carrying the engine's message. The GIL is
released while the engine reads, writes, flushes and loads, so threads read in parallel.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import (
    Aborted,
    AlreadyExists,
    Busy,
    Corruption,
    Error,
    Internal,
    InvalidArgument,
    IOError,
    NoSpace,
    NotFound,
    Unsupported,
)
from ._trials import Studies, Study
from ._frame import batch_to_frame, batch_to_numpy, columns_for_append, duration_ns, to_ns

__version__ = "0.1.0"

__all__ = [
    "open",
    "Database",
    "Table",
    "Schema",
    "Field",
    "Models",
    "Studies",
    "Study",
    "Error",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "Corruption",
    "IOError",
    "NoSpace",
    "Unsupported",
    "Busy",
    "Aborted",
    "Internal",
    "COLUMN_TYPES",
]

#: The column types of a schema (an f32 column reads back as float64 arrays holding its floats;
#: timestamp[us] and timestamp[ms] columns read as datetime64[ns]).
COLUMN_TYPES = ("timestamp", "symbol", "i32", "i64", "f64", "f32", "string", "bool")

TimeLike = Union[str, int, "pd.Timestamp", "np.datetime64", Any, None]


class Field(NamedTuple):
    """One column of a table: its name, type (one of :data:`COLUMN_TYPES`) and whether it may hold nulls."""

    name: str
    type: str
    nullable: bool = False


class Schema:
    """A table's columns, in order. ``str(schema)`` is the spec text the CLI takes
    (``"ts:timestamp,symbol:symbol,price:f64,note:string?"``)."""

    def __init__(self, fields: Iterable[Union[Field, Tuple[str, str], Tuple[str, str, bool]]]):
        self.fields: Tuple[Field, ...] = tuple(Field(*f) for f in fields)

    @classmethod
    def parse(cls, spec: str) -> "Schema":
        """A schema from spec text; InvalidArgument names what is wrong."""
        canonical = _core.parse_schema(spec)
        out = []
        for item in canonical.split(","):
            name, typ = item.split(":", 1)
            out.append(Field(name, typ.rstrip("?"), typ.endswith("?")))
        return cls(out)

    @classmethod
    def template(cls, name: str) -> "Schema":
        """A built-in template: ``trades``, ``quotes`` or ``bars``."""
        return cls.parse(_core.template_schema(name))

    @property
    def names(self) -> List[str]:
        return [f.name for f in self.fields]

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __getitem__(self, key: Union[int, str]) -> Field:
        if isinstance(key, str):
            for f in self.fields:
                if f.name == key:
                    return f
            raise KeyError(key)
        return self.fields[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.fields == other.fields

    def __str__(self) -> str:
        return ",".join(f"{f.name}:{f.type}{'?' if f.nullable else ''}" for f in self.fields)

    def __repr__(self) -> str:
        return f"Schema({str(self)!r})"


def _schema_spec(schema: Any) -> str:
    if isinstance(schema, Schema):
        return str(schema)
    if isinstance(schema, str):
        return schema
    if isinstance(schema, Mapping):
        return ",".join(f"{k}:{v}" for k, v in schema.items())
    if isinstance(schema, (list, tuple)):
        return str(Schema(schema))
    raise InvalidArgument(f"schema: expected a spec str, a Schema, a dict or a list of (name, type), got {type(schema).__name__}")


class Table(NamedTuple):
    """A table's definition: name, :class:`Schema` and dedup key (a column name or None)."""

    name: str
    schema: Schema
    dedup_key: Optional[str]


def _table(t: Tuple[str, list, Optional[str]]) -> Table:
    return Table(t[0], Schema(t[1]), t[2])


def _str_list(value: Union[None, str, Sequence[str]], what: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out = list(value)
    if any(not isinstance(v, str) for v in out):
        raise InvalidArgument(f"{what}: expected str or a list of str")
    return out


class Models:
    """The database's model store (``db.models``): versioned, deduplicated model files; loads
    come from a RAM cache and are handed out without copying."""

    def __init__(self, root: str):
        self._store = _core.ModelStore(root)

    def put(
        self,
        name: str,
        path_or_bytes: Union[str, os.PathLike, bytes, bytearray, memoryview],
        meta: Optional[Mapping[str, Any]] = None,
        metrics: Optional[Mapping[str, Any]] = None,
        version: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Stores a new version of model ``name`` from a file path or bytes; returns its version,
        size, sha256 and how many chunks/bytes were new (the rest deduplicated)."""
        data = os.fspath(path_or_bytes) if isinstance(path_or_bytes, os.PathLike) else path_or_bytes
        return self._store.put(name, data, json.dumps(dict(meta or {})), json.dumps(dict(metrics or {})), version)

    def get(self, ref: str) -> memoryview:
        """The bytes of ``ref`` ("name", "name@3", "name@production") as a read-only memoryview of
        the cached model (zero-copy: the memoryview keeps the cache's buffer alive)."""
        return memoryview(self._store.load(ref))

    def tensors(self, ref: str, names: Optional[Sequence[str]] = None, bf16: str = "uint16") -> Dict[str, np.ndarray]:
        """The tensors of a safetensors model as read-only NumPy arrays viewing the cached bytes
        (no copy). ``names`` picks tensors (NotFound for a missing one). NumPy has no bfloat16:
        BF16 tensors come as their uint16 bits (``bf16="uint16"``) or, on request, converted to
        float32 (``bf16="float32"``, a copy). With ``names`` and a version not in the RAM cache,
        only the chunks holding the safetensors header and the named tensors are read (a partial
        load, not cached); without ``names`` the whole model is loaded and cached."""
        if bf16 not in ("uint16", "float32"):
            raise InvalidArgument("bf16 must be 'uint16' or 'float32'")
        if names is None:
            loaded = self._store.load(ref)
            out = loaded.tensors(None)
        else:
            picked = _str_list(names, "names")
            loaded = self._store.load_tensors(ref, picked)
            out = loaded.tensors(picked)
        if bf16 == "float32":
            header_dtypes = _safetensors_dtypes(memoryview(loaded.header()))
            for k, v in out.items():
                if header_dtypes.get(k) == "BF16":
                    out[k] = (v.astype(np.uint32) << 16).view(np.float32)
        return out

    def show(self, ref: str) -> Dict[str, Any]:
        """The version ``ref`` names: version, size, sha256, meta, metrics, stage, aliases."""
        d = self._store.show(ref)
        d["meta"] = json.loads(d["meta"] or "{}")
        d["metrics"] = json.loads(d["metrics"] or "{}")
        return d

    def list(self, name: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every model (name, versions, latest, bytes), or the versions of model ``name``."""
        return self._store.list(name or "")

    def promote(self, ref: str, stage: str) -> None:
        """Sets the stage of a version: staging, production (moves the production alias) or archived."""
        self._store.promote(ref, stage)

    def diff(self, a: str, b: str) -> Dict[str, int]:
        """How many bytes and chunks of version ``b`` are shared with ``a`` and how many are new."""
        return self._store.diff(a, b)


def _safetensors_dtypes(buf: memoryview) -> Dict[str, str]:
    n = int.from_bytes(buf[:8], "little")
    header = json.loads(bytes(buf[8 : 8 + n]))
    return {k: v["dtype"] for k, v in header.items() if k != "__metadata__"}


class Database:
    """An open strata database (see :func:`strata.open`). Usable from many threads; ``close()``
    waits for calls in flight, and later calls raise InvalidArgument. A context manager."""

    def __init__(self, core: Any):
        self._db = core
        self._models: Optional[Models] = None
        self._studies: Optional[Studies] = None

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        """Closes the database (idempotent): acknowledged rows are durable, the write lock released."""
        self._models = None
        if self._studies is not None:
            self._studies.close()
            self._studies = None
        self._db.close()

    @property
    def closed(self) -> bool:
        return self._db.closed

    @property
    def root(self) -> str:
        return self._db.root

    @property
    def read_only(self) -> bool:
        return self._db.read_only

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<strata.Database {self.root!r}{' closed' if self.closed else ''}>"

    # -- tables --------------------------------------------------------------------------------
    def create_table(
        self,
        name: str,
        template: Optional[str] = None,
        schema: Union[None, str, Schema, Mapping[str, str], Sequence[Any]] = None,
        dedup_key: Optional[str] = None,
    ) -> Table:
        """Creates a table from a built-in ``template`` ("trades", "quotes", "bars") or a
        ``schema`` (spec text "ts:timestamp,symbol:symbol,price:f64,note:string?", a Schema, a
        dict name -> type, or a list of (name, type[, nullable])). Every table has one timestamp
        and one symbol column. ``dedup_key`` names a column: rows with the same (symbol, ts, key)
        are one row. AlreadyExists if the table exists."""
        if (template is None) == (schema is None):
            raise InvalidArgument("create_table: give exactly one of template= or schema=")
        spec = _core.template_schema(template) if template is not None else _schema_spec(schema)
        self._db.create_table(name, spec, dedup_key)
        return self.table(name)

    def tables(self) -> List[str]:
        """The names of the tables."""
        return [t[0] for t in self._db.list_tables()]

    def table(self, name: str) -> Table:
        """A table's definition (``.schema``, ``.dedup_key``); NotFound if there is none."""
        return _table(self._db.get_table(name))

    def symbols(self, table: str) -> List[str]:
        """The symbols that have rows in ``table``."""
        return self._db.symbols(table)

    # -- writing -------------------------------------------------------------------------------
    def write(self, table: str, df: pd.DataFrame, symbol: Optional[str] = None,
              count_duplicates: bool = False) -> Optional[int]:
        """Appends the rows of ``df`` to ``table`` and returns once they are durable as the fsync
        policy says. Times come from a ``ts`` column or the DatetimeIndex (tz-naive is UTC,
        tz-aware is converted); the symbol from a ``symbol`` column (str, category) or
        ``symbol=`` for a single-symbol frame. Columns are matched by name; a nullable column may
        be missing (all null). Dtypes are checked: integers into i64/i32 (pandas Int64 for
        nulls), floats into f64, bool into bool, str into string. Row order does not matter.
        With ``count_duplicates=True`` it returns how many of the rows every read will drop as
        duplicates of rows stored before them (same symbol, ts and dedup key; this costs a scan
        of the rows' time range), else None."""
        fields = self._db.get_table(table)[1]
        columns, masks, rows = columns_for_append(table, fields, df, symbol)
        if rows == 0:
            return 0 if count_duplicates else None
        return self._db.append(table, columns, masks, rows, count_duplicates)

    # -- reading -------------------------------------------------------------------------------
    def _query(self, table: str, symbols: Any, start: TimeLike, end: TimeLike, columns: Any, where: Optional[str],
               tiers: Any, **kw: Any) -> Any:
        cols = _str_list(columns, "columns")
        return self._db.query(
            table,
            symbols=_str_list(symbols, "symbols"),
            from_ts=to_ns(start, "start"),
            to_ts=to_ns(end, "end"),
            columns=cols,
            where=where or "",
            tiers=_str_list(tiers, "tiers"),
            **kw,
        )

    def read(
        self,
        table: str,
        symbols: Union[None, str, Sequence[str]] = None,
        start: TimeLike = None,
        end: TimeLike = None,
        columns: Optional[Sequence[str]] = None,
        where: Optional[str] = None,
        tiers: Optional[Sequence[str]] = None,
        limit: Optional[int] = None,
    ) -> pd.DataFrame:
        """Rows of ``table`` as a DataFrame indexed by ``ts`` (a DatetimeIndex, ns, UTC).

        ``symbols``: one or several (default all); ``start`` (inclusive) and ``end`` (exclusive):
        ISO-8601 text, int ns, datetime or pandas.Timestamp (tz-naive is UTC); ``columns``: which
        columns, in order (``ts`` is always the index when selected or when no columns are given);
        ``where``: a filter in the CLI's ``--where`` language (``"size >= 100 and exchange in
        ('X', 'Y')"``); ``tiers``: "hot", "warm", "cold" (default all). Rows come symbol by symbol
        (alphabetically), by time within a symbol, from whichever tiers hold them.

        ``symbol`` is a pandas Categorical; numeric columns are NumPy views of the buffers the
        engine filled (no copy; their ``.base`` chain ends at a ``strata._core.Batch``), nullable
        columns with nulls come as pandas Int64 / Int32 / Float64 / boolean."""
        cols = _str_list(columns, "columns")
        batch = self._query(table, symbols, start, end, cols, where, tiers, limit=limit)
        return batch_to_frame(batch, index="ts")

    def read_numpy(
        self,
        table: str,
        symbols: Union[None, str, Sequence[str]] = None,
        start: TimeLike = None,
        end: TimeLike = None,
        columns: Optional[Sequence[str]] = None,
        where: Optional[str] = None,
        tiers: Optional[Sequence[str]] = None,
        limit: Optional[int] = None,
    ) -> Dict[str, np.ndarray]:
        """Like :meth:`read`, as a dict column name -> NumPy array (views of the engine's buffers;
        ``ts`` as datetime64[ns] UTC, strings as object arrays, nulls as masked arrays)."""
        return batch_to_numpy(self._query(table, symbols, start, end, columns, where, tiers, limit=limit))

    def iter_batches(
        self,
        table: str,
        symbols: Union[None, str, Sequence[str]] = None,
        start: TimeLike = None,
        end: TimeLike = None,
        columns: Optional[Sequence[str]] = None,
        where: Optional[str] = None,
        tiers: Optional[Sequence[str]] = None,
    ) -> Iterator[pd.DataFrame]:
        """Like :meth:`read`, streamed: DataFrames of at most a row group (or a hot chunk) each,
        for ranges larger than memory. The engine's memory stays around one row group per open
        file. Closing the database ends the stream (the next step raises InvalidArgument)."""
        stream = self._query(table, symbols, start, end, columns, where, tiers, stream=True)
        while True:
            batch = stream.next()
            if batch is None:
                return
            yield batch_to_frame(batch, index="ts")

    def windows(
        self,
        table: str,
        start: TimeLike,
        end: TimeLike,
        train: Union[str, int, Any],
        test: Union[str, int, Any],
        step: Union[str, int, Any],
        symbols: Union[None, str, Sequence[str]] = None,
        columns: Optional[Sequence[str]] = None,
        where: Optional[str] = None,
    ) -> Iterator[Tuple[pd.DataFrame, pd.DataFrame]]:
        """Walk-forward folds of ``table``: yields ``(train_df, test_df)`` pairs, each a :meth:`read`
        of one range. Fold k (from 0) trains on ``[start + k*step, start + k*step + train)`` and tests
        on the ``test`` length right after it; folds whose test range would end after ``end`` are
        not made (none when ``train + test`` is longer than the range). The folds are the engine's
        (``WalkForwardFolds``, the same as ``strata windows``); lengths are durations ("20d", "6h",
        int ns, timedelta). ``symbols``, ``columns`` and ``where`` apply to every read. Each fold is
        read when the iteration reaches it, so only one fold is in memory at a time."""
        lo, hi = to_ns(start, "start"), to_ns(end, "end")
        if lo is None or hi is None:
            raise InvalidArgument("windows: start and end are required")
        folds = _core.walk_forward_folds(lo, hi, duration_ns(train, "train"), duration_ns(test, "test"),
                                         duration_ns(step, "step"))
        cols = _str_list(columns, "columns")
        for train_from, train_to, test_from, test_to in folds:
            yield (batch_to_frame(self._query(table, symbols, train_from, train_to, cols, where, None), index="ts"),
                   batch_to_frame(self._query(table, symbols, test_from, test_to, cols, where, None), index="ts"))

    def bars(self, table: str, symbol: Union[str, Sequence[str]], interval: Union[str, int], start: TimeLike = None,
             end: TimeLike = None, where: Optional[str] = None) -> pd.DataFrame:
        """OHLCV bars of ``interval`` ("1m", "5m", "1h", 1 s .. 1 day) from trades or bars, indexed by bar start."""
        batch = self._query(table, symbol, start, end, None, where, None, bar_interval_ns=duration_ns(interval, "interval"))
        return batch_to_frame(batch, index="ts")

    def asof(self, left: str, right: str, symbols: Union[None, str, Sequence[str]] = None, start: TimeLike = None,
             end: TimeLike = None, tolerance: Any = None, direction: str = "prev",
             columns: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Each row of ``left`` with the row of ``right`` (same symbol) prevailing at its time:
        the last at or before it (``direction="prev"``) or the first at or after (``"next"``),
        no further than ``tolerance`` ("1s"). Right columns whose names clash get ``right_``."""
        batch = self._query(left, symbols, start, end, columns, None, None, asof=right,
                            tolerance_ns=duration_ns(tolerance, "tolerance"), direction=direction)
        return batch_to_frame(batch, index="ts")

    def latest(self, table: str, symbols: Union[None, str, Sequence[str]] = None) -> pd.DataFrame:
        """The latest row of each symbol (or of the given ones: NotFound for one without rows)."""
        return batch_to_frame(self._db.latest(table, _str_list(symbols, "symbols")), index="ts")

    def sql(self, query: str) -> pd.DataFrame:
        """Runs one SQL statement (DuckDB's dialect with QuestDB's SAMPLE BY / LATEST ON; see
        src/sql/README.md) and returns its result as a DataFrame (a RangeIndex; timestamps as UTC)."""
        return batch_to_frame(self._db.sql(query), index=None)

    # -- tiers and maintenance -----------------------------------------------------------------
    def flush(self, table: Optional[str] = None) -> Dict[str, Any]:
        """Writes the hot rows (of every table, or one) to warm Parquet files; returns what it did."""
        return self._db.flush(table or "")

    def migrate(self, table: Optional[str] = None, before: TimeLike = None, all: bool = False,
                apply_policy: bool = True) -> Dict[str, Any]:
        """Moves warm files to the cold tier: those older than ``before``, every one (``all``), and
        what the tables' policies select (``apply_policy``)."""
        return self._db.migrate(table or "", to_ns(before, "before"), all, apply_policy)

    def verify(self, tier: Optional[str] = None) -> Dict[str, Any]:
        """Re-reads every warm/cold file (size, SHA-256, valid Parquet with the recorded rows);
        ``ok`` is False and ``problems`` lists missing, corrupt and orphan files otherwise."""
        return self._db.verify(tier or "")

    def stats(self) -> Dict[str, Any]:
        """Rows, bytes, series and files per table and tier; WAL size and LSNs; fsync policy."""
        return self._db.stats()

    def sync(self) -> None:
        """Makes every acknowledged row durable now (fsync), whatever the policy."""
        self._db.sync()

    @property
    def models(self) -> Models:
        """The model store of this database (opened on first use)."""
        if self.closed:
            raise InvalidArgument(f"the database at {self.root} is closed")
        if self._models is None:
            self._models = Models(self.root)
        return self._models

    @property
    def studies(self) -> Studies:
        """The studies and trials of this database (opened on first use; read-only with the
        database). Optuna on the same store: :class:`strata.optuna.StrataStorage`."""
        if self.closed:
            raise InvalidArgument(f"the database at {self.root} is closed")
        if self._studies is None:
            self._studies = Studies(self.root, self.read_only)
        return self._studies


def open(root: Union[str, os.PathLike], read_only: bool = False, create: bool = True,
         fsync: Optional[str] = None) -> Database:  # noqa: A001 - strata.open, like io.open
    """Opens the database at ``root``. A writer (``read_only=False``) creates it when missing
    (``create=True``); one process at a time may write (Busy otherwise), any number read.
    ``fsync``: "always", "interval=<ms>" or "none" for this process (default: the database's,
    "interval=10" for a new one). Use as a context manager to close it."""
    return Database(_core.Database(os.fspath(root), read_only, create, fsync or ""))
