"""Batch: a whole class graded in parallel, one worker process per submission, resumable.

``run.grade_batch`` collects, schedules and writes; ``executors`` (local threads) and
``dask_executor`` (a cluster) decide where; ``worker`` grades one submission in its own process.
"""
