"""Studies and trials (``db.studies``): the C++ trial store (src/trials) with its exact Pareto
fronts, as pandas DataFrames. Optuna's storage on top of the same store is :mod:`strata.optuna`."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _core
from ._errors import InvalidArgument

#: Trial states, as the engine names them.
TRIAL_STATES = ("waiting", "running", "complete", "pruned", "failed")

ObjectiveSpec = Union[str, Tuple[str, str]]


def _objective(spec: ObjectiveSpec) -> Tuple[str, str]:
    if isinstance(spec, str):
        name, sep, direction = spec.rpartition(":")
        if not sep:
            raise InvalidArgument(f"objective {spec!r} must be 'NAME:min', 'NAME:max' or a (name, direction) pair")
        return name, direction
    name, direction = spec
    return str(name), str(direction)


def _json_object(value: Optional[Mapping[str, Any]], what: str) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{what} must be a mapping, got {type(value).__name__}")
    return json.dumps(dict(value), allow_nan=False)


def _time(ns: Optional[int]) -> Optional[pd.Timestamp]:
    return None if ns is None else pd.Timestamp(ns, unit="ns", tz="UTC")


class Study:
    """One study of the trial store: named objectives (each minimised or maximised),
    constraints, metadata, and its trials. Get one with ``db.studies.create/get``."""

    def __init__(self, store: Any, info: Dict[str, Any]):
        self._store = store
        self._info = info

    def _refresh(self) -> Dict[str, Any]:
        self._info = self._store.get_study(self.name)
        return self._info

    @property
    def name(self) -> str:
        return self._info["name"]

    @property
    def id(self) -> int:
        """The study's id in the catalog (never reused, also after a delete)."""
        return self._info["id"]

    @property
    def objectives(self) -> List[Tuple[str, str]]:
        """``[(name, "maximize" | "minimize"), ...]`` in the study's order."""
        return [tuple(o) for o in self._info["objectives"]]  # type: ignore[misc]

    @property
    def constraints(self) -> List[str]:
        """``["turnover<=3", ...]``: a trial is feasible when each holds for its user attribute
        (or param) of that name; only complete feasible trials can be on a front."""
        return list(self._info["constraints"])

    @property
    def metadata(self) -> Dict[str, Any]:
        return json.loads(self._info["metadata_json"] or "{}")

    @property
    def user_attrs(self) -> Dict[str, Any]:
        """The study's user attributes (set with :meth:`set_user_attr`; Optuna's study user attrs)."""
        return json.loads(self._refresh()["user_attrs_json"] or "{}")

    @property
    def param_types(self) -> Dict[str, str]:
        """Each param's type ("float", "int", "categorical"), fixed by the first trial using it."""
        return dict(self._refresh()["param_types"])

    def __len__(self) -> int:
        """How many trials the study has (every state)."""
        return int(self._refresh()["trial_count"])

    def __repr__(self) -> str:
        objs = ", ".join(f"{n}:{'max' if d == 'maximize' else 'min'}" for n, d in self.objectives)
        return f"<strata.Study {self.name!r} ({objs})>"

    def set_user_attr(self, key: str, value: Any) -> None:
        """Sets user attribute ``key`` of the study (any JSON value)."""
        self._store.set_study_attr(self.name, "user", key, json.dumps(value))

    def _input(
        self,
        params: Optional[Mapping[str, Any]],
        values: Union[None, Sequence[float], Mapping[str, float]],
        state: str,
        user_attrs: Optional[Mapping[str, Any]],
        intermediate: Optional[Mapping[int, float]],
        worker: str,
    ) -> Dict[str, Any]:
        if values is None:
            vals: List[float] = []
        elif isinstance(values, Mapping):
            names = [n for n, _ in self.objectives]
            unknown = sorted(set(values) - set(names))
            if unknown:
                raise InvalidArgument(f"study {self.name!r} has no objective {unknown[0]!r} (its objectives: {names})")
            missing = [n for n in names if n not in values]
            if missing:
                raise InvalidArgument(f"study {self.name!r}: no value for objective {missing[0]!r}")
            vals = [float(values[n]) for n in names]
        else:
            vals = [float(v) for v in values]
        try:
            params_json = json.dumps(dict(params or {}), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise InvalidArgument(f"study {self.name!r}: params must be numbers and strings: {e}") from None
        return {
            "state": state,
            "params_json": params_json,
            "values": vals,
            "intermediate": {int(k): float(v) for k, v in (intermediate or {}).items()},
            "user_attrs_json": _json_object(user_attrs, "user_attrs"),
            "worker": worker,
        }

    def add_trial(
        self,
        params: Optional[Mapping[str, Any]] = None,
        values: Union[None, Sequence[float], Mapping[str, float]] = None,
        state: str = "complete",
        user_attrs: Optional[Mapping[str, Any]] = None,
        intermediate: Optional[Mapping[int, float]] = None,
        worker: str = "",
    ) -> int:
        """Adds one trial and returns its number (per study, from 0, unique and gap-free across
        processes). ``values``: one per objective, in order, or a mapping objective -> value
        (required when ``state`` is "complete"; NaN and infinities are refused). ``params``:
        numbers and strings (float, int, categorical; a param's type is fixed by its first use).
        ``state``: "complete", "running", "pruned", "failed" or "waiting"."""
        return self.add_trials([dict(params=params, values=values, state=state, user_attrs=user_attrs,
                                     intermediate=intermediate, worker=worker)])[0]

    def add_trials(self, trials: Iterable[Mapping[str, Any]]) -> List[int]:
        """Adds many trials in one transaction (all or none); each a mapping with the keyword
        arguments of :meth:`add_trial`. Returns their numbers, consecutive."""
        batch = []
        for t in trials:
            t = dict(t)
            batch.append(self._input(t.get("params"), t.get("values"), t.get("state", "complete"),
                                     t.get("user_attrs"), t.get("intermediate"), t.get("worker", "")))
        return list(self._store.add_trials(self.name, batch))

    def finish(self, number: int, state: str = "complete", values: Optional[Sequence[float]] = None) -> None:
        """Finishes running trial ``number`` as complete (``values`` required), pruned or failed."""
        self._store.set_trial_state(self.name, number, state, [float(v) for v in (values or [])])

    def report(self, number: int, step: int, value: float) -> None:
        """Records the intermediate value of running trial ``number`` at ``step``."""
        self._store.report_intermediate(self.name, number, step, float(value))

    def trial(self, number: int) -> Dict[str, Any]:
        """Trial ``number`` as a dict: number, state, params, values, intermediate, user_attrs,
        worker, started, finished."""
        return self._trial_dict(self._store.get_trial(self.name, number))

    def _trial_dict(self, d: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "number": d["number"],
            "state": d["state"],
            "params": json.loads(d["params_json"] or "{}"),
            "values": list(d["values"]) or None,
            "intermediate": dict(d["intermediate"]),
            "user_attrs": json.loads(d["user_attrs_json"] or "{}"),
            "worker": d["worker"],
            "started": _time(d["started_at_ns"]),
            "finished": _time(d["finished_at_ns"]),
        }

    def _frame(self, rows: List[Dict[str, Any]]) -> pd.DataFrame:
        names = [n for n, _ in self.objectives]
        data: Dict[str, List[Any]] = {"number": [], "state": []}
        for n in names:
            data[f"values_{n}"] = []
        params: Dict[str, List[Any]] = {}
        attrs: Dict[str, List[Any]] = {}
        started, finished, workers = [], [], []
        for i, d in enumerate(rows):
            data["number"].append(d["number"])
            data["state"].append(d["state"])
            vals = list(d["values"])
            for k, n in enumerate(names):
                data[f"values_{n}"].append(vals[k] if k < len(vals) else float("nan"))
            for src, dest in ((d["params_json"], params), (d["user_attrs_json"], attrs)):
                for k, v in json.loads(src or "{}").items():
                    dest.setdefault(k, [None] * i).append(v)
                for col in dest.values():
                    if len(col) < i + 1:
                        col.append(None)
            started.append(d["started_at_ns"] if d["state"] != "waiting" else None)
            finished.append(d["finished_at_ns"])
            workers.append(d["worker"])
        for k in sorted(params):
            data[f"params_{k}"] = params[k]
        for k in sorted(attrs):
            data[f"user_attrs_{k}"] = attrs[k]
        data["datetime_start"] = started
        data["datetime_complete"] = finished
        data["worker"] = workers
        df = pd.DataFrame(data)
        for col in ("datetime_start", "datetime_complete"):
            df[col] = pd.to_datetime(df[col], unit="ns", utc=True)
        df["state"] = pd.Categorical(df["state"], categories=list(TRIAL_STATES))
        return df.set_index("number")

    def trials(self, state: Optional[str] = None) -> pd.DataFrame:
        """The study's trials (of one ``state`` when given) as a DataFrame indexed by number:
        state (Categorical), ``values_<objective>`` (NaN where a trial has none),
        ``params_<name>``, ``user_attrs_<key>``, datetime_start/datetime_complete (UTC), worker."""
        return self._frame(self._store.list_trials(self.name, state))

    def front(self, objectives: Optional[Sequence[str]] = None, rank: int = 1) -> pd.DataFrame:
        """The exact Pareto front over ``objectives`` (names; default all of the study's), each in
        its direction, among complete feasible trials, as :meth:`trials`' DataFrame (by number).
        Duplicates of a front point are all on it. The front over all objectives is kept up to
        date by the engine as trials complete (a read of its rows); a subset is computed
        (O(n log n) for 2 and 3 objectives). ``rank=k``: the k-th non-dominated front instead."""
        return self._frame(self._store.front(self.name, list(objectives or []), rank))

    def counts(self) -> Dict[str, int]:
        """How many trials are in each state."""
        return dict(self._store.count_by_state(self.name))


class Studies:
    """The database's studies (``db.studies``), stored in its catalog. Works beside a writer:
    it opens only the catalog (SQLite, WAL mode), not the database's writer lock, so several
    processes may add trials to one study at once."""

    def __init__(self, root: str, read_only: bool = False):
        self._store = _core.TrialStore(root, read_only)

    def close(self) -> None:
        self._store.close()

    def create(
        self,
        name: str,
        objectives: Sequence[ObjectiveSpec],
        constraints: Sequence[str] = (),
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> Study:
        """Creates study ``name``. ``objectives``: ``[("sharpe", "maximize"), ("drawdown",
        "minimize")]`` (also "max"/"min", or "sharpe:max" strings). ``constraints``:
        ``["turnover<=3", "trades>=100"]``. ``metadata``: a JSON-able mapping. AlreadyExists if the
        name is taken; InvalidArgument for a bad name or objective."""
        if isinstance(objectives, (str, tuple)):
            objectives = [objectives]  # type: ignore[list-item]
        objs = [_objective(o) for o in objectives]
        info = self._store.create_study(name, objs, [str(c) for c in constraints], _json_object(metadata, "metadata"))
        return Study(self._store, info)

    def get(self, name: str) -> Study:
        """Study ``name``; NotFound naming it."""
        return Study(self._store, self._store.get_study(name))

    def list(self) -> List[Study]:
        """Every study, by name."""
        return [Study(self._store, i) for i in self._store.list_studies()]

    def names(self) -> List[str]:
        return [i["name"] for i in self._store.list_studies()]

    def delete(self, name: str) -> None:
        """Deletes study ``name`` and its trials."""
        self._store.delete_study(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def __getitem__(self, name: str) -> Study:
        return self.get(name)

