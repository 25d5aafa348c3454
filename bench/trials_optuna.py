#!/usr/bin/python3
"""Optuna's Pareto front (study.best_trials) on the same trials as strata's, for bench/trials_peer.sh.

Usage: trials_optuna.py TRIALS.csv STORAGE      (STORAGE: memory, or an sqlite:///FILE URL)
TRIALS.csv is `strata trials list bench --format csv`: columns values_sharpe (max) and
values_drawdown (min) are the two objectives. Prints one line: load and best_trials seconds.
"""
import csv
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
path, storage = sys.argv[1], sys.argv[2]
with open(path, newline="") as f:
    rows = [(float(r["values_sharpe"]), float(r["values_drawdown"])) for r in csv.DictReader(f)]
study = optuna.create_study(directions=["maximize", "minimize"], storage=None if storage == "memory" else storage)
trials = [optuna.trial.create_trial(values=[s, d], params={}, distributions={}) for s, d in rows]
t0 = time.perf_counter()
study.add_trials(trials)
load = time.perf_counter() - t0
times = []
for _ in range(3):
    t0 = time.perf_counter()
    front = study.best_trials
    times.append(time.perf_counter() - t0)
times.sort()
print(f"optuna storage={storage.split(':')[0]} n={len(rows)} load_seconds={load:.3f} "
      f"best_trials_seconds={times[1]:.4f} front={len(front)} numbers={sorted(t.number for t in front)}")
