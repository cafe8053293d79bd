"""Benchmark: grading throughput on a local Dask cluster, 1 vs 2 workers, and the cluster a MOOC needs.

    python -m bench.dask_throughput [--copies 4] [--workers 1 2] [--target 5000] [--minutes 15]

Grades N copies of the solution notebook (the slowest honest submission: it trains every model)
through ``grade_batch(executor="dask")`` on a ``LocalCluster`` of 1, then 2 worker processes
(one thread each; every kernel gets cores/workers TensorFlow threads). Before timing, each worker
imports the kit, as a long-running lab cluster would have. Prints, per cluster size, the wall
time, submissions per hour and the worker-seconds one submission costs, then the number of
worker slots (one core and ~2.5 GB each) needed to grade ``--target`` submissions in
``--minutes``, from the per-submission cost measured with the most workers.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

from autograder.batch.prestart import MEMORY_PER_JOB_GB
from autograder.batch.run import grade_batch

KIT = Path(__file__).resolve().parents[1]
SOLUTION = KIT / "source" / "td_keras_mlp" / "td_keras_mlp.ipynb"


def make_class(folder: Path, copies: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(copies):
        shutil.copy(SOLUTION, folder / f"student{index:03d}.ipynb")
    return folder


def measure(*, workers: int, class_dir: Path, out_dir: Path) -> dict:
    """Grade ``class_dir`` on a fresh local cluster of ``workers`` processes; the timings."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(importlib.import_module, "autograder.batch.run")  # warm workers
        started = time.monotonic()
        results = grade_batch(paths=[class_dir], out_dir=out_dir, jobs=workers, force=True,
                              executor="dask", scheduler=cluster.scheduler_address, progress=False)
        wall = time.monotonic() - started
    n = len(results)
    assert all(r.status == "graded" for r in results), [r.status for r in results]
    return {"workers": workers, "submissions": n, "wall_s": round(wall, 1),
            "per_hour": round(n / wall * 3600), "worker_s_per_submission": round(wall * workers / n, 1),
            "mean_task_s": round(sum(r.elapsed_s for r in results) / n, 1),
            "scores": sorted({r.score for r in results}),
            "load_avg_1min_after": round(os.getloadavg()[0], 1), "cores": os.cpu_count()}


def cluster_for(*, target: int, minutes: float, worker_s_per_submission: float) -> dict:
    """Worker slots (1 core, MEMORY_PER_JOB_GB each) to grade ``target`` in ``minutes``."""
    slots = math.ceil(target * worker_s_per_submission / (minutes * 60))
    return {"target": target, "minutes": minutes, "worker_slots": slots,
            "memory_gb": math.ceil(slots * MEMORY_PER_JOB_GB),
            "machines_16_cores_64_gb": math.ceil(max(slots / 16, slots * MEMORY_PER_JOB_GB / 64))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dask_throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="copies of the solution notebook")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--target", type=int, default=5000, help="submissions of the MOOC")
    parser.add_argument("--minutes", type=float, default=15)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        class_dir = make_class(Path(tmp) / "class", args.copies)
        for workers in args.workers:
            runs.append(measure(workers=workers, class_dir=class_dir, out_dir=Path(tmp) / f"out{workers}"))
            print(_row(runs[-1]), flush=True)
    cost = runs[-1]["worker_s_per_submission"]
    estimate = cluster_for(target=args.target, minutes=args.minutes, worker_s_per_submission=cost)
    print(f"{args.target} submissions in {args.minutes:g} min at {cost} worker-s each: "
          f"{estimate['worker_slots']} worker slots (1 core each), {estimate['memory_gb']} GB, "
          f"e.g. {estimate['machines_16_cores_64_gb']} machines of 16 cores / 64 GB")
    print(json.dumps({"runs": runs, "estimate": estimate}))
    return 0


def _row(run: dict) -> str:
    return (f"{run['workers']} worker(s): {run['submissions']} submissions in {run['wall_s']} s = "
            f"{run['per_hour']}/h, {run['worker_s_per_submission']} worker-s per submission "
            f"(mean in-task {run['mean_task_s']} s), scores {run['scores']}; "
            f"load average {run['load_avg_1min_after']} on {run['cores']} cores")


if __name__ == "__main__":
    raise SystemExit(main())
