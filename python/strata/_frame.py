"""Columns between pandas and the engine: DataFrames checked and split into the arrays
``_core.Database.append`` takes, and engine batches assembled into DataFrames without copying
their numeric columns."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from . import _core
from ._errors import InvalidArgument

_INT_RANGE = {"i64": (-(2**63), 2**63 - 1), "i32": (-(2**31), 2**31 - 1)}


def to_ns(value: Any, what: str) -> Optional[int]:
    """A time bound as int ns since the epoch (UTC): None, int ns, ISO-8601 text, or a
    datetime / pandas.Timestamp / numpy.datetime64 (tz-naive means UTC)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise InvalidArgument(f"{what}: expected a time, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return _core.parse_timestamp(value)
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64, pd.Timestamp)):
        ts = pd.Timestamp(value)
        if ts is pd.NaT:
            raise InvalidArgument(f"{what}: NaT is not a time")
        if ts.tzinfo is None:
            ts = ts.tz_localize("UTC")
        return int(ts.tz_convert("UTC").value)
    raise InvalidArgument(f"{what}: expected a time (str, int ns, datetime, pandas.Timestamp), got {type(value).__name__}")


def duration_ns(value: Any, what: str) -> Optional[int]:
    """A duration as int ns: None, int ns, text ('500ms', '1m'), or a timedelta."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return _core.parse_duration(value)
    if isinstance(value, (_dt.timedelta, pd.Timedelta, np.timedelta64)):
        return int(pd.Timedelta(value).value)
    raise InvalidArgument(f"{what}: expected a duration ('1m', int ns, timedelta), got {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# DataFrame -> columns for _core.Database.append


def _timestamps(values: Any, what: str) -> np.ndarray:
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.DatetimeTZDtype):
        idx = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
    elif dtype is not None and np.issubdtype(dtype, np.datetime64):
        idx = pd.DatetimeIndex(values)
    else:
        raise InvalidArgument(
            f"{what}: {dtype} cannot go into timestamp; expected datetime64[ns] (tz-naive is UTC) or "
            "a tz-aware datetime64 (use pandas.to_datetime)"
        )
    if idx.hasnans:
        row = int(np.flatnonzero(idx.isna())[0]) + 1
        raise InvalidArgument(f"{what}: NaT at row {row}; every row needs a time")
    return np.ascontiguousarray(idx.asi8, dtype=np.int64)


def _strings(series: pd.Series, name: str) -> Any:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = [c for c in dtype.categories]
        if any(not isinstance(c, str) for c in cats):
            raise InvalidArgument(f"column '{name}': categories must be str")
        # pandas' codes as they are (int8 for up to 127 categories): the engine reads any width.
        return (cats, np.ascontiguousarray(series.cat.codes.to_numpy()))
    if dtype == object or isinstance(dtype, pd.StringDtype):
        values = series.to_numpy(dtype=object, na_value=None)
        return values
    raise InvalidArgument(f"column '{name}': {dtype} cannot go into a string column; expected str values (object, string or category dtype)")


def _numeric(series: pd.Series, name: str, typ: str, nullable: bool) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(values, validity or None) for an i64/i32/f64/bool column, with clear dtype errors."""
    dtype = series.dtype
    mask = None  # True = valid
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(series.array, "_mask"):
        # pandas' masked arrays: Int64, Int32, Float64, boolean, ...
        valid = ~np.asarray(series.isna())
        mask = valid if not valid.all() else None
        base = series.array._data
        dtype = base.dtype
        values = base
    elif isinstance(dtype, pd.api.extensions.ExtensionDtype):
        raise InvalidArgument(f"column '{name}': {dtype} cannot go into {typ}")
    else:
        values = series.to_numpy()
    kind = np.dtype(dtype).kind
    if typ in ("i64", "i32"):
        if kind == "b":
            raise InvalidArgument(f"column '{name}': bool cannot go into {typ}; use astype('int64')")
        if kind == "f":
            nan = np.isnan(values)
            if nan.any():
                if not nullable:
                    raise InvalidArgument(
                        f"column '{name}': {dtype} with NaN cannot go into {typ}; use Int64 or fill"
                    )
                valid = ~nan if mask is None else (mask & ~nan)
                mask = valid
                values = np.where(nan, 0, values)
            if not np.all(np.isfinite(values)) or np.any(values != np.floor(values)):
                raise InvalidArgument(f"column '{name}': {dtype} with fractional or infinite values cannot go into {typ}")
        elif kind not in "iu":
            raise InvalidArgument(f"column '{name}': {dtype} cannot go into {typ}")
        lo, hi = _INT_RANGE[typ]
        width = 8 if typ == "i64" else 4
        itemsize = np.dtype(dtype).itemsize
        # Signed integers no wider than the column, and narrower unsigned ones, always fit: no
        # min/max passes over the column (cProfile of a 2 M-row write: 0.08 s in reductions).
        fits = (kind == "i" and itemsize <= width) or (kind == "u" and itemsize < width)
        if len(values) and kind in "iuf" and not fits:
            vmin, vmax = values.min(), values.max()
            if int(vmin) < lo or int(vmax) > hi:
                bad = vmin if int(vmin) < lo else vmax
                raise InvalidArgument(f"column '{name}': value {bad} does not fit {typ}")
        out = np.ascontiguousarray(values, dtype=np.int64 if typ == "i64" else np.int32)
    elif typ in ("f64", "f32"):
        if kind not in "fiu":
            raise InvalidArgument(f"column '{name}': {dtype} cannot go into {typ}")
        if typ == "f32":  # stored as the nearest float, as NumPy's astype(float32) does
            values = np.asarray(values, dtype=np.float64).astype(np.float32)
        out = np.ascontiguousarray(values, dtype=np.float64)
    elif typ == "bool":
        if kind != "b":
            raise InvalidArgument(f"column '{name}': {dtype} cannot go into bool; expected bool values")
        out = np.ascontiguousarray(values, dtype=np.bool_)
    else:  # pragma: no cover - the schema has no other numeric types
        raise InvalidArgument(f"column '{name}': unknown type {typ}")
    return out, mask


def columns_for_append(
    table: str, fields: Sequence[Tuple[str, str, bool]], df: pd.DataFrame, symbol: Optional[str]
) -> Tuple[List[Any], List[Optional[np.ndarray]], int]:
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"write expects a pandas DataFrame, got {type(df).__name__}")
    rows = len(df)
    names = {f[0] for f in fields}
    ts_name = next(f[0] for f in fields if f[1] == "timestamp")
    sym_name = next(f[0] for f in fields if f[1] == "symbol")
    if df.columns.has_duplicates:
        dup = df.columns[df.columns.duplicated()][0]
        raise InvalidArgument(f"column '{dup}' appears twice")
    unknown = [str(c) for c in df.columns if c not in names]
    if unknown:
        raise InvalidArgument(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)} for table '{table}' "
            f"(its columns: {', '.join(f[0] for f in fields)})"
        )
    columns: List[Any] = []
    masks: List[Optional[np.ndarray]] = []
    if rows == 0:  # nothing to check the dtypes of (an empty frame's columns are often float64)
        return columns, masks, 0
    for name, typ, nullable in fields:
        mask = None
        if typ == "timestamp":
            if name in df.columns:
                values = _timestamps(df[name], f"column '{name}'")
            elif isinstance(df.index, pd.DatetimeIndex):
                values = _timestamps(df.index, f"the DatetimeIndex ('{name}')")
            else:
                raise InvalidArgument(
                    f"missing '{name}': give a '{name}' column or a DatetimeIndex (table '{table}')"
                )
        elif typ == "symbol":
            if name in df.columns:
                if symbol is not None:
                    raise InvalidArgument(f"symbol={symbol!r} given and the frame has a '{name}' column; use one")
                values = _strings(df[name], name)
            elif symbol is not None:
                if not isinstance(symbol, str):
                    raise InvalidArgument(f"symbol= must be a str, got {type(symbol).__name__}")
                values = symbol
            else:
                raise InvalidArgument(
                    f"missing '{name}': give a '{name}' column or symbol='...' for a single-symbol frame"
                )
        elif name not in df.columns:
            if not nullable:
                raise InvalidArgument(f"missing column '{name}' ({typ}) of table '{table}'")
            values = np.zeros(rows, dtype={"i64": np.int64, "i32": np.int32, "f64": np.float64, "f32": np.float64, "bool": np.bool_}.get(typ, object))
            if typ == "string":
                values = [None] * rows
            mask = np.zeros(rows, dtype=np.bool_)
        elif typ == "string":
            values = _strings(df[name], name)
        else:
            values, mask = _numeric(df[name], name, typ, nullable)
        if mask is not None and not nullable:
            missing = int((~mask).sum())
            raise InvalidArgument(
                f"column '{name}' has {missing} null value(s) but is not nullable in table '{table}'"
            )
        if typ in ("string", "symbol") and not nullable and not isinstance(values, (str, tuple)):
            nulls = [i for i, v in enumerate(values) if v is None]
            if nulls:
                raise InvalidArgument(
                    f"column '{name}' has {len(nulls)} null value(s) (first at row {nulls[0] + 1}) "
                    f"but is not nullable in table '{table}'"
                )
        columns.append(values)
        masks.append(mask)
    _ = ts_name, sym_name
    return columns, masks, rows


# ---------------------------------------------------------------------------------------------
# Batch -> DataFrame / dict of arrays


def _utc_times(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """datetime64[ns] values (UTC) as a tz-aware array, without copying them."""
    return pd.arrays.DatetimeArray(values, dtype=pd.DatetimeTZDtype("ns", "UTC"), copy=False)


def _column(batch: Any, i: int, typ: str, as_categorical: bool) -> Any:
    valid = batch.validity(i)
    if typ == "symbol" and as_categorical:
        cats, codes = batch.dictionary(i)
        return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
    if typ in ("symbol", "string"):
        return batch.strings(i)
    values = batch.values(i)
    if typ == "timestamp":
        if valid is not None:
            values = values.copy()
            values[~valid] = np.datetime64("NaT")
        return _utc_times(values)
    if valid is None:
        return values
    mask = ~valid
    if typ in ("i64", "i32"):
        return pd.arrays.IntegerArray(values, mask)
    if typ in ("f64", "f32"):
        return pd.arrays.FloatingArray(values, mask)
    return pd.arrays.BooleanArray(values, mask)


def _assemble(names: List[str], arrays: List[Any], index: pd.Index) -> pd.DataFrame:
    """A DataFrame with one block per column, so that NumPy columns stay views of the engine's
    buffers whatever the pandas version (some versions' constructors consolidate same-dtype
    columns into one copied block; Debian 12's 1.5 keeps them apart with copy=False). pandas
    may still consolidate later, on its own, for some operations (e.g. a frame-wide reduction):
    arrays handed out before stay valid views of the batch."""
    try:
        from pandas.core.internals import BlockManager, make_block
        from pandas.core.internals.blocks import ensure_block_shape

        blocks = [make_block(ensure_block_shape(a, 2), placement=[i], ndim=2) for i, a in enumerate(arrays)]
        mgr = BlockManager(blocks, [pd.Index(names, dtype=object), index])
        if hasattr(pd.DataFrame, "_from_mgr"):  # pandas >= 2.1
            return pd.DataFrame._from_mgr(mgr, axes=mgr.axes)
        return pd.DataFrame(mgr)
    except Exception:  # pragma: no cover - another pandas' internals: a correct frame, maybe copied
        return pd.DataFrame(dict(zip(names, arrays)), index=index, copy=False)


def batch_to_frame(batch: Any, index: Optional[str] = "ts") -> pd.DataFrame:
    """A DataFrame of an engine batch: `index` (a timestamp column; when there is none of that
    name, the first timestamp column) becomes a UTC DatetimeIndex;
    symbol columns are Categoricals; numeric columns view the batch's buffers."""
    fields = batch.fields()
    if index is not None and not any(f[0] == index and f[1] == "timestamp" for f in fields):
        # A table whose timestamp column has another name: its (first) timestamp column.
        index = next((f[0] for f in fields if f[1] == "timestamp"), None)
    names: List[str] = []
    arrays: List[Any] = []
    idx: Optional[pd.Index] = None
    for i, (name, typ, _nullable) in enumerate(fields):
        col = _column(batch, i, typ, as_categorical=True)
        if index is not None and name == index and typ == "timestamp" and idx is None:
            idx = pd.DatetimeIndex(col, name=name, copy=False)
            continue
        names.append(name)
        arrays.append(col)
    if idx is None:
        idx = pd.RangeIndex(batch.num_rows)
    return _assemble(names, arrays, idx)


def batch_to_numpy(batch: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for i, (name, typ, _nullable) in enumerate(batch.fields()):
        if typ in ("symbol", "string"):
            out[name] = batch.strings(i)
            continue
        values = batch.values(i)
        valid = batch.validity(i)
        out[name] = values if valid is None else np.ma.MaskedArray(values, mask=~valid)
    return out
