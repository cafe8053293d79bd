"""The environment of a student's kernel: only what it needs, nothing of the grader's (light:
the batch computes it before importing the kernel client, to start the zygote first)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def kernel_env(*, workdir: Path, threads: int, extra: dict | None = None, fast: bool = False) -> dict:
    """Environment of the student's kernel: only what it needs, nothing of the grader's.

    ``extra``: the assignment's variables (its data settings, its data cache), added last.
    ``fast`` (fast mode): TensorFlow without its oneDNN kernels, whose set-up costs more than
    they save on the few small batches of a fast fit (model building, fits and evaluations
    about 40 % faster on the lab's MLPs); ``TF_ENABLE_ONEDNN_OPTS`` in the grader's environment wins."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "HOME": str(workdir),
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(workdir / ".config" / "matplotlib"),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": str(threads),
        "KERAS_HOME": str(workdir / ".keras"),
    }
    if fast:
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TF_ENABLE_ONEDNN_OPTS"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra or {})
    return env
