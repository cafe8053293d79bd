"""Where submissions are graded: a local pool (default) or a Dask cluster.

An executor maps ``grade_isolated(submission, options)`` over submissions and yields
``(submission, result)`` as each finishes; the batch (the client) writes every file, so
resuming, progress, exports and reports are the same whatever the executor.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed


class LocalExecutor:
    """Threads that each wait on one worker process: ``jobs`` notebooks executing at a time,
    and as many workers finishing theirs (hidden checks, files): the kernel slots of a batch
    (``autograder/batch/standby.py``) hold the executing ones to ``jobs``."""

    def __init__(self, jobs: int):
        self.pool = ThreadPoolExecutor(max_workers=2 * jobs, thread_name_prefix="grade")

    def map_unordered(self, function, items, options):
        futures = {self.pool.submit(function, item, options): item for item in items}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)


def make_executor(name: str, *, jobs: int, scheduler: str | None = None):
    if name == "local":
        return LocalExecutor(jobs)
    if name == "dask":
        from autograder.batch.dask_executor import DaskExecutor

        return DaskExecutor(scheduler=scheduler)
    raise ValueError(f"unknown executor {name!r} (local or dask)")
