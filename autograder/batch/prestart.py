"""What a local batch settles before grading: how many notebooks at once, how many threads
each, and its zygote, started first.

The zygote (``autograder/execution/warm.py``) imports Keras once for every kernel of the batch,
the longest start of a batch (about 5 s); ``start_zygote`` starts it before the command imports
the grading stack and collects the submissions (about 0.7 s, which it now overlaps), without
waiting for it: ``grade_batch`` later asks for the zygote of the same environment and gets this
one. Light to import (no Jupyter client, no pytest, no Keras)."""
from __future__ import annotations

import os

import psutil

from autograder.assignments import load_assignment
from autograder.assignments.environment import warm_env
from autograder.execution import warm

GB = 2**30
MEMORY_PER_JOB_GB = 2.5  # a kernel with TensorFlow and the lab's models, with margin


def default_jobs() -> int:
    cores = os.cpu_count() or 1
    memory_jobs = int(psutil.virtual_memory().available / GB // MEMORY_PER_JOB_GB)
    return max(1, min(cores, memory_jobs))


def kernel_threads(full: bool, jobs: int) -> int:
    """Threads of each kernel's TensorFlow and BLAS: the cores shared by the jobs with --full;
    one in fast mode, whose fits train a batch or two of small models: thread pools cost more there
    than they give (one thread grades the lab's notebooks 20-30 % faster on 2 cores)."""
    return max(1, (os.cpu_count() or 1) // jobs) if full else 1


def start_zygote(assignment: str | None, *, executor: str, full: bool, jobs: int | None,
                 warm_kernels: bool = True) -> None:
    """Start the zygote of a local batch grading ``assignment`` with ``jobs`` (None: the
    default) without waiting for its imports; nothing when its kernels start cold (``--no-warm``,
    ``AUTOGRADER_WARM=0``), elsewhere (``executor`` other than "local": each Dask worker has
    its own) or when the assignment is not named yet (detected from the submissions later).
    A zygote that cannot start is said once, as ``grade_batch`` would."""
    if assignment is not None and executor == "local" and warm_kernels and warm.enabled():
        spec = load_assignment(assignment)
        warm.shared_zygote(warm_env(spec, kernel_threads(full, jobs or default_jobs()), full=full), wait=False)
