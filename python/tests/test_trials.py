"""Studies and trials (db.studies): the C++ trial store and its exact Pareto fronts, as DataFrames."""

import math
import random

import numpy as np
import pytest

import strata


def brute_front(points, directions):
    """Numbers of the non-dominated points (every point compared with every other)."""
    sign = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    out = []
    for i, (ni, p) in enumerate(points):
        a = sign * np.array(p)
        dominated = False
        for j, (nj, q) in enumerate(points):
            b = sign * np.array(q)
            if j != i and np.all(b <= a) and np.any(b < a):
                dominated = True
                break
        if not dominated:
            out.append(ni)
    return sorted(out)


def test_create_get_list_delete(db):
    s = db.studies.create("search", [("sharpe", "maximize"), ("drawdown", "min")], constraints=["turnover<=3"],
                          metadata={"universe": "sp500"})
    assert s.objectives == [("sharpe", "maximize"), ("drawdown", "minimize")]
    assert s.constraints == ["turnover<=3"]
    assert s.metadata == {"universe": "sp500"}
    db.studies.create("a", ["x:min"])
    assert [x.name for x in db.studies.list()] == ["a", "search"]
    assert "search" in db.studies and "nope" not in db.studies
    assert db.studies.get("search").id == s.id
    with pytest.raises(strata.AlreadyExists, match="already exists"):
        db.studies.create("search", ["x:min"])
    with pytest.raises(strata.NotFound, match="no study 'nope'"):
        db.studies.get("nope")
    with pytest.raises(strata.InvalidArgument, match="direction"):
        db.studies.create("b", [("x", "sideways")])
    with pytest.raises(strata.InvalidArgument):
        db.studies.create("bad name", ["x:min"])
    db.studies.delete("a")
    assert db.studies.names() == ["search"]


def test_add_trials_and_frame(db):
    s = db.studies.create("s", [("sharpe", "maximize"), ("drawdown", "minimize")])
    n0 = s.add_trial(params={"lr": 0.01, "layers": 3, "opt": "adam"}, values=[1.5, 0.2], user_attrs={"turnover": 2})
    n1 = s.add_trial(params={"lr": 0.1, "layers": 4, "opt": "sgd"}, values={"drawdown": 0.1, "sharpe": 1.0},
                     worker="w1")
    n2 = s.add_trial(state="running", params={"lr": 1e-5})
    assert (n0, n1, n2) == (0, 1, 2)
    s.report(n2, 1, 0.5)
    s.finish(n2, "pruned")
    df = s.trials()
    assert list(df.index) == [0, 1, 2]
    assert list(df["state"]) == ["complete", "complete", "pruned"]
    assert df.loc[1, "values_sharpe"] == 1.0 and df.loc[1, "values_drawdown"] == 0.1
    assert math.isnan(df.loc[2, "values_sharpe"])
    assert list(df["params_opt"]) == ["adam", "sgd", None]
    assert df.loc[0, "user_attrs_turnover"] == 2
    assert df.loc[1, "worker"] == "w1"
    assert str(df["datetime_start"].dt.tz) == "UTC"
    assert s.trial(2)["intermediate"] == {1: 0.5}
    assert s.param_types == {"layers": "int", "lr": "float", "opt": "categorical"}
    assert s.counts() == {"complete": 2, "pruned": 1}
    assert len(s) == 3
    assert list(s.trials(state="pruned").index) == [2]


def test_bad_trials_are_refused(db):
    s = db.studies.create("s", ["a:min", "b:max"])
    with pytest.raises(strata.InvalidArgument, match="value of objective 'b' is NaN"):
        s.add_trial(values=[1.0, float("nan")])
    with pytest.raises(strata.InvalidArgument, match="1 values for 2 objectives"):
        s.add_trial(values=[1.0])
    with pytest.raises(strata.InvalidArgument, match="no objective 'c'"):
        s.add_trial(values={"a": 1.0, "c": 2.0})
    s.add_trial(params={"k": 3}, values=[1, 2])
    with pytest.raises(strata.InvalidArgument, match="param 'k' is int"):
        s.add_trial(params={"k": "three"}, values=[1, 2])
    with pytest.raises(strata.InvalidArgument, match="already complete"):
        s.finish(0, "failed")
    assert len(s) == 1  # nothing refused was stored


@pytest.mark.parametrize("directions", [["minimize", "maximize"], ["maximize", "maximize", "minimize"]])
def test_front_is_exact(db, directions):
    rng = random.Random(7)
    s = db.studies.create("f", [(f"o{i}", d) for i, d in enumerate(directions)])
    points = []
    batch = []
    for i in range(300):
        v = [float(rng.randint(0, 12)) for _ in directions]  # many ties and duplicates
        state = "complete" if i % 9 else "failed"
        batch.append(dict(values=v if state == "complete" else None, state=state))
        if state == "complete":
            points.append((i, v))
    s.add_trials(batch)
    front = s.front()
    assert list(front.index) == brute_front(points, directions)
    # A subset of the objectives is computed rather than read from the kept front.
    sub = s.front(objectives=["o1", "o0"])
    assert list(sub.index) == brute_front([(n, v[:2]) for n, v in points], directions[:2])


def test_front_respects_constraints(db):
    s = db.studies.create("c", ["x:max"], constraints=["turnover<=3"])
    s.add_trial(values=[10.0], user_attrs={"turnover": 5})  # best, infeasible
    s.add_trial(values=[7.0], user_attrs={"turnover": 1})
    s.add_trial(values=[9.0])  # no turnover: infeasible
    assert list(s.front().index) == [1]


def test_read_only_database_reads_studies(tmp_path):
    root = tmp_path / "db"
    with strata.open(root) as db:
        db.studies.create("s", ["x:min"]).add_trial(values=[1.0])
    with strata.open(root, read_only=True) as ro:
        assert list(ro.studies.get("s").front().index) == [0]
        with pytest.raises(strata.Error):
            ro.studies.get("s").add_trial(values=[2.0])


def test_stubs_list_the_trial_store_methods():
    """_core.pyi's TrialStore names exactly the methods the extension has."""
    import ast
    import pathlib

    from strata import _core

    tree = ast.parse((pathlib.Path(strata.__file__).parent / "_core.pyi").read_text())
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TrialStore"]
    stubbed = {n.name for n in cls.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
    actual = {n for n in dir(_core.TrialStore) if not n.startswith("_")}
    assert stubbed == actual
