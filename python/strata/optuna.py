"""Optuna on strata: :class:`StrataStorage`, an implementation of Optuna's
``optuna.storages.BaseStorage`` backed by the C++ trial store (the database's catalog), so that

    import optuna, strata.optuna
    storage = strata.optuna.StrataStorage("./strata-data")
    study = optuna.create_study(storage=storage, study_name="search", directions=["maximize", "minimize"])
    study.optimize(objective, n_trials=100)

keeps every trial in strata, where ``db.studies.get("search").front()`` gives the exact Pareto
front (the same trials as ``study.best_trials``) and ``strata trials ...`` reads them.

Several worker processes may share one study: each opens its own handle on the catalog (SQLite in
WAL mode; a trial's number comes from a transaction, so numbers are unique and gap-free), and
none takes the database's writer lock, so they also run beside a process that has the database
open for writing. A storage object passed to a child process (fork or pickle) reopens its handle
there. See src/trials/README.md ("Optuna") for the design.

Mapping: an Optuna study is a strata study whose objectives are named ``value`` (one objective) or
``values_0``, ``values_1``, ... (or the names it was created with in strata); trial ids are
``study_id << 32 | number``. Params are stored twice: readable (the external value, in the trial's
params, as strata and its CLI show them) and exact (Optuna's internal value and distribution, in
the trial's distributions column), which is what this storage reads back.

Differences from Optuna's own storages: strata refuses infinite objective values and NaN or
infinite intermediate values (InvalidArgument; Optuna marks NaN objective values failed before
they reach the storage); study names follow strata's rule (a letter or _, then letters, digits,
``_ - .``; Optuna's generated ``no-name-<uuid>`` names qualify); a param keeps its type (float,
int, categorical) across the study's trials.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import os
import sys
import time
import uuid
from typing import Any, Callable, Container, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    check_distribution_compatibility,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
    json_to_distribution,
)
from optuna.storages import BaseStorage
from optuna.storages._base import DEFAULT_STUDY_NAME_PREFIX
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.study import StudyDirection
from optuna.study._frozen import FrozenStudy
from optuna.trial import FrozenTrial, TrialState

from . import _core
from ._errors import Busy, InvalidArgument, NotFound

__all__ = ["StrataStorage", "StudyNotFound"]

_T = TypeVar("_T")

_TO_STRATA = {
    TrialState.WAITING: "waiting",
    TrialState.RUNNING: "running",
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "failed",
}
_FROM_STRATA = {v: k for k, v in _TO_STRATA.items()}
_FINISHED = ("complete", "pruned", "failed")
# strata keeps finite values only; Optuna allows an objective value of +-inf. Such a value is
# stored as +-DBL_MAX (same order on the front) and, exactly, in this trial system attribute,
# which get_trial reads back and hides.
_EXACT_VALUES = "strata:exact_values"
# The first distribution of each param of a study, as a study system attribute (hidden): later
# trials must use a compatible one, as with Optuna's own storages.
_DISTRIBUTION = "strata:distribution:"
# The time (s since the epoch) of a running trial's last heartbeat, a trial system attribute.
_HEARTBEAT = "strata:heartbeat"

# Handles inherited through fork: never used or closed in the child (closing an SQLite connection
# the parent still uses is undefined), only kept alive.
_inherited: List[Any] = []


def _storable(values: Optional[Sequence[float]]) -> Tuple[List[float], Optional[List[str]]]:
    vals = [float(v) for v in (values or [])]
    if all(math.isfinite(v) or math.isnan(v) for v in vals):
        return vals, None  # NaN goes on to the engine, which refuses it by name
    return [math.copysign(sys.float_info.max, v) if math.isinf(v) else v for v in vals], [repr(v) for v in vals]


class StudyNotFound(NotFound, KeyError):
    """No such study (or trial): a :class:`strata.NotFound` that is also the ``KeyError`` Optuna's
    storage interface promises. ``str()`` is the engine's message."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _ns(t: Optional[datetime.datetime]) -> Optional[int]:
    return None if t is None else int(round(t.timestamp() * 1e9))


def _datetime(ns: Optional[int]) -> Optional[datetime.datetime]:
    # Optuna's own storages keep naive local datetimes (datetime.now()).
    return None if ns is None else datetime.datetime.fromtimestamp(ns / 1e9)


def _object(text: str) -> Dict[str, Any]:
    return {} if not text or text == "{}" else json.loads(text)


def _readable(value: Any, distribution: BaseDistribution) -> Any:
    """The param as strata's params column keeps it: a float, an int or a string (one type per
    distribution, so a param keeps its type across trials)."""
    if isinstance(distribution, FloatDistribution):
        return float(value)
    if isinstance(distribution, IntDistribution):
        return int(value)
    if isinstance(distribution, CategoricalDistribution):
        choices = distribution.choices
        if all(isinstance(c, str) for c in choices):
            return value
        if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in choices):
            return float(value)
        return json.dumps(value)
    return json.dumps(value, default=str)


class StrataStorage(BaseStorage, BaseHeartbeat):
    """Optuna's storage interface on strata's trial store (the catalog of the database at a root).

    ``db_or_root``: a :class:`strata.Database` (its root is used) or a path. A path without a
    database creates one. Pass the same root to every worker (``optuna.load_study(study_name=...,
    storage=StrataStorage(root))``); they share studies through the catalog's transactions.

    Errors: an unknown study or trial is :class:`StudyNotFound` (a ``KeyError`` and a
    ``strata.NotFound``); changing a finished trial is ``RuntimeError`` as Optuna specifies;
    refused input (an infinite value, a param changing type) is ``strata.InvalidArgument``.

    Heartbeats (as Optuna's ``RDBStorage``): with ``heartbeat_interval`` (seconds) each running
    trial records the time every interval (a trial system attribute), and a worker starting a trial
    first fails the running trials whose last heartbeat is older than ``grace_period`` (default
    twice the interval; wall clock of the machines, which must agree), then calls
    ``failed_trial_callback(study, trial)`` for each (e.g. ``optuna.storages.RetryFailedTrialCallback``).
    """

    def __init__(
        self,
        db_or_root: Any,
        heartbeat_interval: Optional[float] = None,
        grace_period: Optional[float] = None,
        failed_trial_callback: Optional[Callable[["optuna.Study", FrozenTrial], None]] = None,
    ):
        if heartbeat_interval is not None and heartbeat_interval <= 0:
            raise ValueError("heartbeat_interval must be > 0")
        if grace_period is not None and grace_period <= 0:
            raise ValueError("grace_period must be > 0")
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.failed_trial_callback = failed_trial_callback
        from . import Database

        root = db_or_root.root if isinstance(db_or_root, Database) else os.fspath(db_or_root)
        self._root = os.path.abspath(root)
        self._pid = -1
        self._handle: Optional[Any] = None
        self._names: Dict[int, str] = {}
        self._distributions: Dict[str, BaseDistribution] = {}
        # Finished trials never change (the store refuses it), so this process keeps them: per
        # study, number -> FrozenTrial, and the watermark below which every trial is finished
        # and kept. get_all_trials then reads only the rows from the watermark on (samplers call
        # it for every trial), as Optuna's own _CachedStorage does for RDBStorage.
        self._finished: Dict[int, Dict[int, FrozenTrial]] = {}
        self._watermark: Dict[int, int] = {}
        self._study_distributions: Dict[int, Dict[str, BaseDistribution]] = {}
        self._store()  # fail early: a bad root is an error here, not at the first trial

    # ---- plumbing ----

    @property
    def root(self) -> str:
        return self._root

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        state["_handle"] = None
        state["_pid"] = -1
        state["_finished"], state["_watermark"], state["_study_distributions"] = {}, {}, {}
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _store(self) -> Any:
        if self._handle is not None and self._pid == os.getpid():
            return self._handle
        if self._handle is not None:
            _inherited.append(self._handle)  # the parent's: keep it, never touch it
            self._handle = None
        try:
            handle = _core.TrialStore(self._root, False)
        except NotFound:
            # No database yet: create it (its writer lock only for the moment it takes).
            from . import open as _open

            try:
                _open(self._root).close()
            except Busy:
                pass  # another process is creating it or has it open: it exists now
            handle = _core.TrialStore(self._root, False)
        self._handle, self._pid = handle, os.getpid()
        return handle

    def close(self) -> None:
        """Closes this process's handle (reopened if the storage is used again)."""
        if self._handle is not None and self._pid == os.getpid():
            self._handle.close()
        self._handle = None

    def _call(self, fn: Callable[[Any], _T]) -> _T:
        try:
            return fn(self._store())
        except NotFound as e:
            raise StudyNotFound(str(e)) from None
        except InvalidArgument as e:
            msg = str(e)
            if any(f"is already {s}" in msg for s in _FINISHED):
                raise RuntimeError(msg) from None
            raise

    def _name(self, study_id: int) -> str:
        name = self._names.get(study_id)
        if name is None:
            if not isinstance(study_id, int) or study_id < 0:
                raise StudyNotFound(f"no study with id {study_id!r}")
            name = self._call(lambda s: s.get_study_by_id(study_id))["name"]
            self._names[study_id] = name
        return name

    @staticmethod
    def _split(trial_id: int) -> Tuple[int, int]:
        if not isinstance(trial_id, int) or trial_id < 0:
            raise StudyNotFound(f"no trial with id {trial_id!r}")
        return trial_id >> 32, trial_id & 0xFFFFFFFF

    def _trial_ref(self, trial_id: int) -> Tuple[str, int, int]:
        study_id, number = self._split(trial_id)
        return self._name(study_id), number, study_id

    def _distribution(self, text: str) -> BaseDistribution:
        d = self._distributions.get(text)
        if d is None:
            d = json_to_distribution(text)
            self._distributions[text] = d
        return d

    def _frozen(self, study_id: int, d: Dict[str, Any]) -> FrozenTrial:
        params: Dict[str, Any] = {}
        distributions: Dict[str, BaseDistribution] = {}
        for name, entry in _object(d["distributions_json"]).items():
            dist = self._distribution(entry["distribution"])
            distributions[name] = dist
            params[name] = dist.to_external_repr(entry["internal"])
        values = list(d["values"]) or None
        system_attrs = _object(d["system_attrs_json"])
        exact = system_attrs.pop(_EXACT_VALUES, None)
        if exact is not None and values is not None:
            values = [float(v) for v in exact]
        state = _FROM_STRATA[d["state"]]
        return FrozenTrial(
            number=d["number"],
            state=state,
            value=None,
            values=values,
            datetime_start=None if state == TrialState.WAITING else _datetime(d["started_at_ns"]),
            datetime_complete=_datetime(d["finished_at_ns"]),
            params=params,
            distributions=distributions,
            user_attrs=_object(d["user_attrs_json"]),
            system_attrs=system_attrs,
            intermediate_values={int(k): v for k, v in d["intermediate"].items()},
            trial_id=(study_id << 32) | d["number"],
        )

    # ---- studies ----

    def create_new_study(self, directions: Sequence[StudyDirection], study_name: Optional[str] = None) -> int:
        name = study_name or DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        dirs = [("maximize" if d == StudyDirection.MAXIMIZE else "minimize") for d in directions]
        if any(d == StudyDirection.NOT_SET for d in directions):
            raise ValueError("every direction must be minimize or maximize")
        names = ["value"] if len(dirs) == 1 else [f"values_{i}" for i in range(len(dirs))]
        from ._errors import AlreadyExists

        try:
            info = self._store().create_study(name, list(zip(names, dirs)), [], "{}")
        except AlreadyExists as e:
            raise optuna.exceptions.DuplicatedStudyError(str(e)) from None
        self._names[info["id"]] = name
        return info["id"]

    def delete_study(self, study_id: int) -> None:
        name = self._name(study_id)
        self._call(lambda s: s.delete_study(name))
        self._names.pop(study_id, None)
        self._finished.pop(study_id, None)
        self._watermark.pop(study_id, None)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        name = self._name(study_id)
        self._call(lambda s: s.set_study_attr(name, "user", key, json.dumps(value)))

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        name = self._name(study_id)
        self._call(lambda s: s.set_study_attr(name, "system", key, json.dumps(value)))

    def get_study_id_from_name(self, study_name: str) -> int:
        info = self._call(lambda s: s.get_study(study_name))
        self._names[info["id"]] = study_name
        return info["id"]

    def get_study_name_from_id(self, study_id: int) -> str:
        return self._name(study_id)

    def _info(self, study_id: int) -> Dict[str, Any]:
        return self._call(lambda s: s.get_study_by_id(study_id))

    @staticmethod
    def _directions(info: Dict[str, Any]) -> List[StudyDirection]:
        return [StudyDirection.MAXIMIZE if d == "maximize" else StudyDirection.MINIMIZE for _, d in info["objectives"]]

    def get_study_directions(self, study_id: int) -> List[StudyDirection]:
        return self._directions(self._info(study_id))

    def get_study_user_attrs(self, study_id: int) -> Dict[str, Any]:
        return json.loads(self._info(study_id)["user_attrs_json"] or "{}")

    @staticmethod
    def _visible(attrs_json: str) -> Dict[str, Any]:
        return {k: v for k, v in _object(attrs_json).items() if not k.startswith("strata:")}

    def get_study_system_attrs(self, study_id: int) -> Dict[str, Any]:
        return self._visible(self._info(study_id)["system_attrs_json"])

    def get_all_studies(self) -> List[FrozenStudy]:
        out = []
        for info in self._call(lambda s: s.list_studies()):
            dirs = self._directions(info)
            out.append(
                FrozenStudy(
                    study_name=info["name"],
                    direction=None,
                    user_attrs=json.loads(info["user_attrs_json"] or "{}"),
                    system_attrs=self._visible(info["system_attrs_json"]),
                    study_id=info["id"],
                    directions=dirs,
                )
            )
        return out

    # ---- trials ----

    def create_new_trial(self, study_id: int, template_trial: Optional[FrozenTrial] = None) -> int:
        name = self._name(study_id)
        t: Dict[str, Any] = {"state": "running", "values": []}
        if template_trial is not None:
            tt = template_trial
            params, dists = {}, {}
            for pname, dist in tt.distributions.items():
                params[pname] = _readable(tt.params[pname], dist)
                dists[pname] = {
                    "distribution": distribution_to_json(dist),
                    "internal": float(dist.to_internal_repr(tt.params[pname])),
                }
            values, exact = _storable(tt.values)
            system_attrs = dict(tt.system_attrs)
            if exact is not None:
                system_attrs[_EXACT_VALUES] = exact
            t = {
                "state": _TO_STRATA[tt.state],
                "values": values,
                "params_json": json.dumps(params),
                "distributions_json": json.dumps(dists),
                "intermediate": {int(k): float(v) for k, v in tt.intermediate_values.items()},
                "user_attrs_json": json.dumps(tt.user_attrs),
                "system_attrs_json": json.dumps(system_attrs),
                "started_at_ns": _ns(tt.datetime_start),
                "finished_at_ns": _ns(tt.datetime_complete),
            }
        number = self._call(lambda s: s.add_trials(name, [t]))[0]
        return (study_id << 32) | number

    def set_trial_param(
        self, trial_id: int, param_name: str, param_value_internal: float, distribution: BaseDistribution
    ) -> None:
        name, number, study_id = self._trial_ref(trial_id)
        self._check_distribution(study_id, name, param_name, distribution)
        value = _readable(distribution.to_external_repr(param_value_internal), distribution)
        entry = {"distribution": distribution_to_json(distribution), "internal": float(param_value_internal)}
        self._call(lambda s: s.set_trial_param(name, number, param_name, json.dumps(value), json.dumps(entry)))

    def _check_distribution(self, study_id: int, name: str, param: str, distribution: BaseDistribution) -> None:
        known = self._study_distributions.setdefault(study_id, {})
        first = known.get(param)
        if first is None:
            text = _object(self._info(study_id)["system_attrs_json"]).get(_DISTRIBUTION + param)
            if text is None:
                key, value = _DISTRIBUTION + param, json.dumps(distribution_to_json(distribution))
                self._call(lambda s: s.set_study_attr(name, "system", key, value))
                known[param] = distribution
                return
            first = known[param] = self._distribution(text)
        check_distribution_compatibility(first, distribution)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        name = self._name(study_id)
        self._call(lambda s: s.get_trial(name, trial_number))  # KeyError when it does not exist
        return (study_id << 32) | trial_number

    def get_trial_number_from_id(self, trial_id: int) -> int:
        name, number, _ = self._trial_ref(trial_id)
        self._call(lambda s: s.get_trial(name, number))
        return number

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Optional[Sequence[float]] = None
    ) -> bool:
        name, number, _ = self._trial_ref(trial_id)
        vals, exact = _storable(values)
        if exact is not None:
            self._call(lambda s: s.set_trial_attr(name, number, "system", _EXACT_VALUES, json.dumps(exact)))
        return bool(self._call(lambda s: s.set_trial_state(name, number, _TO_STRATA[state], vals)))

    def set_trial_intermediate_value(self, trial_id: int, step: int, intermediate_value: float) -> None:
        name, number, _ = self._trial_ref(trial_id)
        self._call(lambda s: s.report_intermediate(name, number, int(step), float(intermediate_value)))

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        name, number, _ = self._trial_ref(trial_id)
        self._call(lambda s: s.set_trial_attr(name, number, "user", key, json.dumps(value)))

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        name, number, _ = self._trial_ref(trial_id)
        self._call(lambda s: s.set_trial_attr(name, number, "system", key, json.dumps(value)))

    # ---- heartbeats (optuna.storages._heartbeat.BaseHeartbeat) ----

    def record_heartbeat(self, trial_id: int) -> None:
        self.set_trial_system_attr(trial_id, _HEARTBEAT, time.time())

    def _get_stale_trial_ids(self, study_id: int) -> List[int]:
        if self.heartbeat_interval is None:
            return []
        grace = self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval
        now = time.time()
        return [
            t._trial_id
            for t in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
            if _HEARTBEAT in t.system_attrs and now - float(t.system_attrs[_HEARTBEAT]) > grace
        ]

    def get_heartbeat_interval(self) -> Optional[float]:
        return self.heartbeat_interval

    def get_failed_trial_callback(self) -> Optional[Callable[["optuna.Study", FrozenTrial], None]]:
        return self.failed_trial_callback

    def get_trial(self, trial_id: int) -> FrozenTrial:
        name, number, study_id = self._trial_ref(trial_id)
        kept = self._finished.get(study_id, {}).get(number)
        if kept is not None:
            return kept
        return self._frozen(study_id, self._call(lambda s: s.get_trial(name, number)))

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Optional[Container[TrialState]] = None,
    ) -> List[FrozenTrial]:
        name = self._name(study_id)
        if states is not None and isinstance(states, (tuple, list, set, frozenset)) and len(states) == 1:
            only = next(iter(states))
            if not only.is_finished():  # waiting or running: few rows, filtered by the store
                rows = self._call(lambda s: s.list_trials(name, _TO_STRATA[only], 0))
                trials = [self._frozen(study_id, d) for d in rows]
                return copy.deepcopy(trials) if deepcopy else trials
        kept = self._finished.setdefault(study_id, {})
        mark = self._watermark.get(study_id, 0)
        rows = self._call(lambda s: s.list_trials(name, None, mark))
        trials = [kept[n] for n in range(mark)]
        for d in rows:
            t = kept.get(d["number"])
            if t is None:
                t = self._frozen(study_id, d)
                if d["state"] in _FINISHED:
                    kept[d["number"]] = t
            trials.append(t)
        while mark in kept:
            mark += 1
        self._watermark[study_id] = mark
        if states is not None:
            trials = [t for t in trials if t.state in states]
        return copy.deepcopy(trials) if deepcopy else trials

    def get_n_trials(self, study_id: int, state: Optional[Union[Tuple[TrialState, ...], TrialState]] = None) -> int:
        name = self._name(study_id)
        counts = self._call(lambda s: s.count_by_state(name))
        if state is None:
            return sum(counts.values())
        wanted = (state,) if isinstance(state, TrialState) else tuple(state)
        return sum(counts.get(_TO_STRATA[s], 0) for s in wanted)

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        """The best complete trial of a single-objective study: the first (by number) of strata's
        kept front over its objective, an index read instead of a scan of every trial (a study
        made in strata with constraints: Optuna's scan, which ignores them)."""
        name = self._name(study_id)
        info = self._info(study_id)
        if len(info["objectives"]) > 1:
            raise RuntimeError("Best trial can be obtained only for single-objective optimization.")
        if info["constraints"]:
            # strata's front leaves infeasible trials out; Optuna's best trial does not.
            return super().get_best_trial(study_id)
        front = self._call(lambda s: s.front(name, [], 1))
        if not front:
            raise ValueError("No trials are completed yet.")
        return self._frozen(study_id, front[0])

    def front_numbers(self, study_id: int, objectives: Optional[Sequence[str]] = None) -> List[int]:
        """The numbers of the trials on strata's exact Pareto front of the study (what
        ``study.best_trials`` holds), by number."""
        name = self._name(study_id)
        return [d["number"] for d in self._call(lambda s: s.front(name, list(objectives or []), 1))]
