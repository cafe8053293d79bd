"""Memory of a grid search of Keras wrappers in a graded kernel (the recorder keeps no clone alive).

    python -m bench.search_memory [--full] [--keep-clones]

Runs, in a real kernel started by the grader (bootstrap, recorder, harvest cells), a
``GridSearchCV`` of a ``keras.wrappers.SKLearnRegressor`` over 2 depths × 2 widths × 2
optimizers with 3 folds and the refit (25 fits) on scikit-learn's offline diabetes data
(442 × 10), ``n_jobs=-1``, then prints the kernel's peak memory (whole process tree, as the
watchdog measures it), the number of Keras models still alive after ``gc.collect()``, the
fits recorded and their attribution. ``--keep-clones`` makes the recorder keep every model it
saw alive (the recorder's policy for the notebook's own models) to compare.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.checks import Submission
from autograder.execution.environment import kernel_env
from autograder.execution.kernel_run import Limits, run_notebook

KEEP = ("import autograder.kernel.recorder as _r\n"
        "_r._track = lambda obj, origin: _r._alive.append(obj)   # bench only: keep every model alive\n")
CELLS = [
    "import gc, numpy as np, keras\n"
    "from sklearn.datasets import load_diabetes\n"
    "from sklearn.model_selection import GridSearchCV\n"
    "X, y = load_diabetes(return_X_y=True)\n"
    "X, y = X.astype('float32'), y.astype('float32')\n"
    "x_train, x_test, y_train, y_test = X[:350], X[350:], y[:350], y[350:]",
    "def build(X=None, y=None, depth=1, width=16, optimizer='sgd'):\n"
    "    model = keras.Sequential([keras.Input((X.shape[1],))]\n"
    "                             + [keras.layers.Dense(width, activation='relu') for _ in range(depth)]\n"
    "                             + [keras.layers.Dense(1)])\n"
    "    model.compile(optimizer=optimizer, loss='mse')\n"
    "    return model\n"
    "grid = {'model_kwargs': [dict(depth=d, width=w, optimizer=o) for d in (1, 2) for w in (16, 32)\n"
    "                         for o in ('sgd', 'rmsprop')]}\n"
    "search = GridSearchCV(keras.wrappers.SKLearnRegressor(model=build, fit_kwargs={'epochs': 20, 'batch_size': 16}),\n"
    "                      grid, cv=3, n_jobs=-1, scoring='neg_mean_squared_error')\n"
    "search.fit(x_train, y_train)\n"
    "test_score = search.best_estimator_.score(x_test, y_test)",
    "gc.collect()\n"
    "live_models = sum(isinstance(o, keras.Model) for o in gc.get_objects())",
]


def measure(full: bool, keep: bool) -> dict:
    cells = ([KEEP] if keep else []) + CELLS
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        execution = run_notebook(nb, workdir=Path(tmp), names=["search", "test_score", "live_models"],
                                 fast=not full, limits=Limits.for_mode(full), env=kernel_env(workdir=Path(tmp), threads=1))
        seconds = time.perf_counter() - t0
    if execution.cell_errors:
        raise SystemExit(json.dumps(execution.cell_errors, indent=1)[:3000])
    sub = Submission(execution.harvest)
    search = sub.search("search")
    stages = [f.origin.stage for f in search.fits]
    return {"mode": "full" if full else "fast", "clones_kept": keep, "peak_mb": round(execution.peak_mb),
            "seconds": round(seconds, 1), "fits": len(search.fits), "fold_fits": stages.count("fold"),
            "refit_fits": stages.count("refit"), "live_keras_models": sub.scalar("live_models"),
            "n_jobs": search.n_jobs, "n_jobs_run": search.fit_calls[0].n_jobs_run if search.fit_calls else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="train as written (default: fast mode)")
    parser.add_argument("--keep-clones", action="store_true", help="keep every model alive, to compare")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.full, args.keep_clones)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
