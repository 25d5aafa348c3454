#!/usr/bin/python3
"""Optuna on the same trials as strata, for bench/trials_peer.sh. Two modes:

Front:    trials_optuna.py TRIALS.csv STORAGE
  Optuna's Pareto front (study.best_trials) on the same trials as strata's. STORAGE: memory, an
  sqlite:///FILE URL, or strata:ROOT (strata.optuna.StrataStorage; run with ./.venv/bin/python).
  TRIALS.csv is `strata trials list bench --format csv`: columns values_sharpe (max) and
  values_drawdown (min) are the two objectives. Prints one line: load and best_trials seconds.

Optimize: trials_optuna.py optimize STORAGE WORKERS TRIALS
  WORKERS processes (fork) run study.optimize on one 2-objective study (RandomSampler, a cheap
  objective with a float, an int and a categorical param) until TRIALS trials exist in all;
  STORAGE: sqlite:///FILE (Optuna's RDBStorage) or strata:ROOT. Prints trials/s (wall, from the
  first worker's start to the last one's end) and the best_trials time on the result.
"""
import csv
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def make_storage(spec):
    if spec == "memory":
        return None
    if spec.startswith("strata:"):
        import strata.optuna

        return strata.optuna.StrataStorage(spec[len("strata:"):])
    if spec.startswith("sqlite:"):
        return optuna.storages.RDBStorage(spec)
    return spec


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 10)
    k = trial.suggest_categorical("k", ["a", "b", "c"])
    return (x - 1) ** 2 + n, abs(x) + (0.5 if k == "b" else 0.0)


def worker(spec, name, n, seed):
    study = optuna.load_study(study_name=name, storage=make_storage(spec),
                              sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n)


def optimize(spec, workers, trials):
    import multiprocessing

    name = "bench"
    optuna.create_study(study_name=name, storage=make_storage(spec), directions=["minimize", "minimize"])
    ctx = multiprocessing.get_context("fork")
    per = [trials // workers + (1 if i < trials % workers else 0) for i in range(workers)]
    t0 = time.perf_counter()
    procs = [ctx.Process(target=worker, args=(spec, name, per[i], i)) for i in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    if any(p.exitcode != 0 for p in procs):
        sys.exit(f"a worker failed ({[p.exitcode for p in procs]})")
    study = optuna.load_study(study_name=name, storage=make_storage(spec))
    got = len(study.trials)
    t0 = time.perf_counter()
    front = study.best_trials
    bt = time.perf_counter() - t0
    print(f"optimize storage={spec.split(':')[0]} workers={workers} trials={got} wall_seconds={wall:.2f} "
          f"trials_per_second={got / wall:.1f} best_trials_seconds={bt:.4f} front={len(front)}")


if len(sys.argv) == 5 and sys.argv[1] == "optimize":
    optimize(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    sys.exit(0)

path, storage = sys.argv[1], sys.argv[2]
with open(path, newline="") as f:
    rows = [(float(r["values_sharpe"]), float(r["values_drawdown"])) for r in csv.DictReader(f)]
study = optuna.create_study(directions=["maximize", "minimize"], storage=make_storage(storage))
t0 = time.perf_counter()
if storage.startswith("strata:"):
    # Loaded in one transaction through strata's own API (Optuna's add_trials is one transaction,
    # and one fsync, per trial); best_trials below still goes through StrataStorage.
    import strata

    with strata.open(storage[len("strata:"):]) as db:
        db.studies.get(study.study_name).add_trials({"values": [s, d]} for s, d in rows)
else:
    study.add_trials([optuna.trial.create_trial(values=[s, d], params={}, distributions={}) for s, d in rows])
load = time.perf_counter() - t0
times = []
for _ in range(3):
    t0 = time.perf_counter()
    front = study.best_trials
    times.append(time.perf_counter() - t0)
times.sort()
print(f"optuna storage={storage.split(':')[0]} n={len(rows)} load_seconds={load:.3f} "
      f"best_trials_seconds={times[1]:.4f} (calls: {', '.join(f'{t:.3f}' for t in times)}) front={len(front)} numbers={sorted(t.number for t in front)}")
