"""strata.optuna.StrataStorage with real Optuna (Debian's python3-optuna): optimize in one and in
several processes, multi-objective fronts, pruning, enqueued trials, errors."""

import multiprocessing
import os
import threading

import pytest

optuna = pytest.importorskip("optuna")

import strata  # noqa: E402
from strata.optuna import StrataStorage, StudyNotFound  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def quadratic(trial):
    x = trial.suggest_float("x", -4, 4)
    n = trial.suggest_int("n", 1, 5)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    trial.set_user_attr("kind_len", len(kind))
    return (x - 1) ** 2 + n + (0.5 if kind == "b" else 0.0)


def two_objectives(trial):
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_int("y", 0, 4)
    if y == 4 and x > 0.9:
        raise ValueError("failed on purpose")
    return round(x, 1), float(y) - round(x, 1)  # rounded: ties on the front


def test_single_process_optimize(tmp_path):
    storage = StrataStorage(tmp_path / "db")  # creates the database
    study = optuna.create_study(storage=storage, study_name="q", direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=1, n_startup_trials=5))
    study.optimize(quadratic, n_trials=20)
    trials = study.trials
    assert [t.number for t in trials] == list(range(20))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    best = min(trials, key=lambda t: t.value)
    assert study.best_trial.number == best.number and study.best_value == best.value
    assert study.best_params == best.params
    assert set(best.params) == {"x", "n", "kind"} and isinstance(best.params["n"], int)
    # The same trials through strata's own API.
    with strata.open(tmp_path / "db") as db:
        s = db.studies.get("q")
        assert s.objectives == [("value", "minimize")]
        df = s.trials()
        assert list(df.index) == list(range(20))
        assert list(df["values_value"]) == [t.value for t in trials]
        assert list(df["params_x"]) == [t.params["x"] for t in trials]
        assert list(df["params_kind"]) == [t.params["kind"] for t in trials]
        assert list(df["user_attrs_kind_len"]) == [t.user_attrs["kind_len"] for t in trials]
        assert s.param_types == {"kind": "categorical", "n": "int", "x": "float"}
        assert list(s.front().index) == sorted(t.number for t in trials if t.value == best.value)


def test_multi_objective_best_trials_equal_strata_front(tmp_path):
    storage = StrataStorage(tmp_path / "db")
    study = optuna.create_study(storage=storage, study_name="mo", directions=["maximize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=3))
    study.optimize(two_objectives, n_trials=60, catch=(ValueError,))
    states = {t.state for t in study.trials}
    assert optuna.trial.TrialState.FAIL in states  # some failed on purpose
    best = sorted(t.number for t in study.best_trials)
    assert best == storage.front_numbers(study._study_id)
    with strata.open(tmp_path / "db", read_only=True) as db:
        assert list(db.studies.get("mo").front().index) == best
    # Optuna's own in-memory storage given the same trial values picks the same front.
    mem = optuna.create_study(directions=["maximize", "minimize"])
    for t in study.trials:
        mem.add_trial(t)
    assert sorted(t.number for t in mem.best_trials) == best


# 3 workers x 100 = the 300 trials; fewer in the sanitizer tree.
PER_WORKER = 20 if os.environ.get("STRATA_SANITIZED") else 100


def _worker(root, name, n, seed, out):
    storage = StrataStorage(root)
    study = optuna.load_study(study_name=name, storage=storage,
                              sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(_pruned_or_failed, n_trials=n, catch=(ValueError,))
    out.put(os.getpid())


def _pruned_or_failed(trial):
    x = trial.suggest_float("x", 0, 10)
    k = trial.suggest_categorical("k", ["a", "b", "c"])
    if x > 9:
        raise optuna.TrialPruned()  # Optuna 3.1 has no report() for several objectives: pruned by hand
    if x < 1:
        raise ValueError("fails on purpose")
    return round(x, 1), round(10 - x, 1) + (0.5 if k == "c" else 0.0)


def test_worker_processes_share_one_study(tmp_path):
    root = str(tmp_path / "db")
    # The database stays open for writing in this process (its writer lock held) the whole time:
    # the workers use only the catalog.
    with strata.open(root) as db:
        storage = StrataStorage(db)
        optuna.create_study(storage=storage, study_name="par", directions=["minimize", "minimize"])
        ctx = multiprocessing.get_context("fork")
        out = ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(root, "par", PER_WORKER, seed, out)) for seed in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        assert len({out.get(timeout=5) for _ in procs}) == 3
        study = optuna.load_study(study_name="par", storage=storage)
        trials = study.trials
        n = 3 * PER_WORKER
        assert sorted(t.number for t in trials) == list(range(n))  # unique, gap-free, all stored
        assert len({t._trial_id for t in trials}) == n
        states = {t.state for t in trials}
        TS = optuna.trial.TrialState
        assert TS.RUNNING not in states and {TS.COMPLETE, TS.PRUNED, TS.FAIL} <= states
        s = db.studies.get("par")
        assert sum(s.counts().values()) == n
        # Optuna's in-memory storage given the same trials picks the same front.
        mem = optuna.create_study(directions=["minimize", "minimize"])
        for t in trials:
            mem.add_trial(t)
        assert sorted(t.number for t in mem.best_trials) == list(s.front().index)
        assert sorted(t.number for t in study.best_trials) == list(s.front().index)


def test_pruning_keeps_intermediate_values(tmp_path):
    storage = StrataStorage(tmp_path / "db")
    study = optuna.create_study(storage=storage, study_name="p", direction="minimize",
                                pruner=optuna.pruners.ThresholdPruner(upper=5.0),
                                sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        x = trial.suggest_float("x", 0, 10)
        for step in range(4):
            trial.report(x + step, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x

    study.optimize(objective, n_trials=25)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert pruned and done
    for t in pruned:
        last = max(t.intermediate_values)
        assert t.intermediate_values[last] > 5.0
        assert t.intermediate_values == {s: t.params["x"] + s for s in range(last + 1)}
    for t in done:
        assert t.intermediate_values == {s: t.params["x"] + s for s in range(4)}
    with strata.open(tmp_path / "db") as db:
        s = db.studies.get("p")
        assert s.trial(pruned[0].number)["intermediate"] == pruned[0].intermediate_values
        assert s.counts() == {"complete": len(done), "pruned": len(pruned)}


def _load_and_report(root, out):
    study = optuna.load_study(study_name="shared", storage=StrataStorage(root))
    out.put((study.best_trial.number, study.best_value, len(study.trials), study.user_attrs,
             study.directions[0].name))


def test_load_study_from_another_process(tmp_path):
    root = str(tmp_path / "db")
    storage = StrataStorage(root)
    study = optuna.create_study(storage=storage, study_name="shared", direction="maximize")
    study.set_user_attr("owner", "me")
    for v in (1.0, 3.0, 2.0):
        study.add_trial(optuna.trial.create_trial(params={"v": v}, distributions={
            "v": optuna.distributions.FloatDistribution(0, 5)}, value=v))
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter, nothing inherited
    out = ctx.Queue()
    p = ctx.Process(target=_load_and_report, args=(root, out))
    p.start()
    got = out.get(timeout=60)
    p.join(60)
    assert got == (1, 3.0, 3, {"owner": "me"}, "MAXIMIZE")


def test_enqueued_trials_run_first(tmp_path):
    study = optuna.create_study(storage=StrataStorage(tmp_path / "db"), study_name="e")
    study.enqueue_trial({"x": 0.25})
    assert study.trials[0].state == optuna.trial.TrialState.WAITING
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=3)
    assert study.trials[0].params == {"x": 0.25}
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3


def test_study_and_trial_attributes(tmp_path):
    storage = StrataStorage(tmp_path / "db")
    sid = storage.create_new_study([optuna.study.StudyDirection.MINIMIZE], "attrs")
    storage.set_study_user_attr(sid, "a", [1, "x"])
    storage.set_study_system_attr(sid, "b", {"k": None})
    assert storage.get_study_user_attrs(sid) == {"a": [1, "x"]}
    assert storage.get_study_system_attrs(sid) == {"b": {"k": None}}
    [frozen] = storage.get_all_studies()
    assert (frozen.study_name, frozen._study_id, frozen.user_attrs) == ("attrs", sid, {"a": [1, "x"]})
    tid = storage.create_new_trial(sid)
    dist = optuna.distributions.CategoricalDistribution([None, True, 3])
    storage.set_trial_param(tid, "c", 1, dist)
    storage.set_trial_system_attr(tid, "s", 5)
    storage.set_trial_user_attr(tid, "u", "v")
    storage.set_trial_intermediate_value(tid, 2, 0.5)
    t = storage.get_trial(tid)
    assert (t.params, t.system_attrs, t.user_attrs, t.intermediate_values) == ({"c": True}, {"s": 5}, {"u": "v"},
                                                                                {2: 0.5})
    assert storage.get_trial_param(tid, "c") == 1
    assert storage.get_trial_id_from_study_id_trial_number(sid, 0) == tid
    assert storage.get_trial_number_from_id(tid) == 0
    assert storage.set_trial_state_values(tid, optuna.trial.TrialState.RUNNING) is False  # already running
    assert storage.set_trial_state_values(tid, optuna.trial.TrialState.COMPLETE, [1.5]) is True
    assert storage.get_n_trials(sid) == 1
    assert storage.get_n_trials(sid, (optuna.trial.TrialState.COMPLETE,)) == 1
    assert storage.get_best_trial(sid).number == 0
    # A finished trial does not change.
    for call in (lambda: storage.set_trial_user_attr(tid, "u", "w"),
                 lambda: storage.set_trial_param(tid, "d", 0.5, optuna.distributions.FloatDistribution(0, 1)),
                 lambda: storage.set_trial_state_values(tid, optuna.trial.TrialState.FAIL),
                 lambda: storage.set_trial_intermediate_value(tid, 3, 1.0)):
        with pytest.raises(RuntimeError, match="already complete"):
            call()
    storage.delete_study(sid)
    with pytest.raises(KeyError):
        storage.get_study_name_from_id(sid)


def test_infinite_values_round_trip(tmp_path):
    storage = StrataStorage(tmp_path / "db")
    study = optuna.create_study(storage=storage, study_name="inf", directions=["minimize", "maximize"])
    values = iter([(1.0, float("inf")), (float("-inf"), 0.0), (2.0, 3.0)])
    study.optimize(lambda t: next(values), n_trials=3)
    assert [t.values for t in study.trials] == [[1.0, float("inf")], [float("-inf"), 0.0], [2.0, 3.0]]
    assert all(not any(k.startswith("strata:") for k in t.system_attrs) for t in study.trials)  # hidden
    assert sorted(t.number for t in study.best_trials) == storage.front_numbers(study._study_id) == [0, 1]


def test_bad_input_errors(tmp_path):
    storage = StrataStorage(tmp_path / "db")
    with pytest.raises(KeyError) as e:
        optuna.load_study(study_name="missing", storage=storage)
    assert isinstance(e.value, StudyNotFound) and isinstance(e.value, strata.NotFound)
    assert "no study 'missing'" in str(e.value)
    optuna.create_study(storage=storage, study_name="dup")
    assert optuna.create_study(storage=storage).study_name.startswith("no-name-")  # Optuna's generated name
    with pytest.raises(optuna.exceptions.DuplicatedStudyError, match="already exists"):
        optuna.create_study(storage=storage, study_name="dup")
    assert optuna.create_study(storage=storage, study_name="dup", load_if_exists=True).study_name == "dup"
    with pytest.raises(strata.InvalidArgument, match="study name"):
        optuna.create_study(storage=storage, study_name="has space")
    with pytest.raises(KeyError):
        storage.get_trial(12345 << 32)
    with pytest.raises(KeyError):
        storage.get_trial((storage.get_study_id_from_name("dup") << 32) | 7)
    with pytest.raises(ValueError, match="study name"):
        optuna.create_study(storage=storage, study_name="x" * 200)
    # A database that is not there, read-only media aside, is created; a file in the way is an error.
    (tmp_path / "file").write_text("x")
    with pytest.raises(strata.Error):
        StrataStorage(tmp_path / "file")


def test_study_made_in_strata_loads_in_optuna(tmp_path):
    with strata.open(tmp_path / "db") as db:
        s = db.studies.create("made", [("sharpe", "maximize")], constraints=["turnover<=3"])
        s.add_trials([{"values": [5.0], "user_attrs": {"turnover": 9}}, {"values": [4.0], "user_attrs": {"turnover": 1}}])
        study = optuna.load_study(study_name="made", storage=StrataStorage(db))
        assert study.direction == optuna.study.StudyDirection.MAXIMIZE
        assert [t.user_attrs["turnover"] for t in study.trials] == [9, 1]
        assert study.best_trial.number == 0  # Optuna knows no constraints
        assert list(s.front().index) == [1]  # strata's front honours them


def test_cached_finished_trials_see_other_writers(tmp_path):
    """Finished trials are kept per storage; trials other handles add or finish still show."""
    a, b = StrataStorage(tmp_path / "db"), StrataStorage(tmp_path / "db")
    sid = a.create_new_study([optuna.study.StudyDirection.MINIMIZE], "c")
    t0 = a.create_new_trial(sid)
    a.set_trial_state_values(t0, optuna.trial.TrialState.COMPLETE, [1.0])
    t1 = a.create_new_trial(sid)  # running: the watermark stops here
    t2 = a.create_new_trial(sid)
    a.set_trial_state_values(t2, optuna.trial.TrialState.COMPLETE, [2.0])
    TS = optuna.trial.TrialState
    assert [t.state for t in a.get_all_trials(sid, deepcopy=False)] == [TS.COMPLETE, TS.RUNNING, TS.COMPLETE]
    b.set_trial_state_values(t1, TS.PRUNED)  # another handle (process) finishes it
    b.create_new_trial(sid)
    got = a.get_all_trials(sid, deepcopy=False)
    assert [t.state for t in got] == [TS.COMPLETE, TS.PRUNED, TS.COMPLETE, TS.RUNNING]
    assert [t.number for t in a.get_all_trials(sid, states=(TS.COMPLETE,))] == [0, 2]
    assert [t.number for t in a.get_all_trials(sid, states=(TS.RUNNING,))] == [3]
    assert a.get_trial(t1).state == TS.PRUNED


def test_threads_share_one_storage(tmp_path):
    """study.optimize(n_jobs=3): Optuna's threads share one StrataStorage (one catalog handle)."""
    study = optuna.create_study(storage=StrataStorage(tmp_path / "db"), study_name="t",
                                sampler=optuna.samplers.RandomSampler(seed=5))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=30, n_jobs=3)
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(30))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert study.best_value == min(t.value for t in trials)


def test_a_param_keeps_a_compatible_distribution(tmp_path):
    storage = StrataStorage(tmp_path / "db")
    study = optuna.create_study(storage=storage, study_name="d")
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical("c", ["a", "b"])), n_trials=2)
    other = StrataStorage(tmp_path / "db")  # another process's view: the check is in the store
    again = optuna.load_study(study_name="d", storage=other)
    for objective in (lambda t: t.suggest_int("x", 0, 3), lambda t: len(t.suggest_categorical("c", ["a", "z"]))):
        trial = again.ask()
        with pytest.raises(ValueError):
            objective(trial)
    assert other.get_study_system_attrs(again._study_id) == {}  # the kept distributions are hidden
    trial = again.ask()
    assert 0 <= trial.suggest_float("x", 0, 5) <= 5  # same kind, other bounds: compatible


def _die_in_trial(root, name):
    study = optuna.load_study(study_name=name, storage=StrataStorage(root, heartbeat_interval=1))

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        # Optuna's heartbeat thread records the first beat concurrently: wait for it to land.
        while "strata:heartbeat" not in study._storage.get_trial(trial._trial_id).system_attrs:
            threading.Event().wait(0.01)
        os._exit(3)  # the worker dies mid-trial: its trial stays RUNNING, its heartbeats stop

    study.optimize(objective, n_trials=1)


def test_heartbeat_stale_trial_is_failed_by_the_next_worker(tmp_path):
    root = str(tmp_path / "db")
    failed = []
    storage = StrataStorage(root, heartbeat_interval=1, grace_period=0.001,
                            failed_trial_callback=lambda study, trial: failed.append(trial.number))
    study = optuna.create_study(study_name="hb", storage=storage)
    assert storage.get_heartbeat_interval() == 1
    p = multiprocessing.get_context("fork").Process(target=_die_in_trial, args=(root, "hb"))
    p.start()
    p.join()
    assert p.exitcode == 3
    running = study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    assert [t.number for t in running] == [0]
    assert "strata:heartbeat" in running[0].system_attrs
    # Within the grace period, or without heartbeats, the trial is not stale.
    assert StrataStorage(root, heartbeat_interval=1, grace_period=3600)._get_stale_trial_ids(study._study_id) == []
    assert StrataStorage(root)._get_stale_trial_ids(study._study_id) == []
    # The next worker fails it before its own trial, and the callback sees it.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    states = [t.state for t in study.trials]
    assert states == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.COMPLETE]
    assert failed == [0]
    with pytest.raises(ValueError):
        StrataStorage(root, heartbeat_interval=0)
