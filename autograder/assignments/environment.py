"""The kernels' environment for an assignment: the generic one, its data settings, its data
cache; and the part of it a zygote is started with (``warm_env``). Light to import: the batch
starts the zygote with it before importing the grading stack."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder.assignments import AssignmentSpec
from autograder.execution.environment import kernel_env
from autograder.execution.zygote import import_time_env

CACHE_DIR_ENV = "AUTOGRADER_CACHE_DIR"       # data caches shared by the kernels (default ~/.cache/autograder)


def data_cache_root() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "autograder")


def data_cache_env(spec: AssignmentSpec) -> dict[str, str]:
    """Kernel environment giving access to the assignment's data cache, filled on first use
    (``spec.data.prepare_cache``). A cache that cannot be made only costs time: {}."""
    if spec.data.prepare_cache is None:
        return {}
    folder = data_cache_root() / spec.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        extra = spec.data.prepare_cache(folder)
    except Exception as exc:   # e.g. a read-only home: kernels will just do the work themselves
        print(f"warning: no data cache for {spec.name} in {folder} ({type(exc).__name__}: {exc})", file=sys.stderr)
        return {}
    for path in [folder, *folder.iterdir()]:   # the sandboxed kernel reads it under another uid
        try:
            path.chmod(0o755 if path.is_dir() else 0o644)
        except OSError:
            pass
    return extra


def assignment_kernel_env(spec: AssignmentSpec, *, workdir: Path, threads: int,
                          environ: dict | None = None, fast: bool = False) -> tuple[dict[str, str], list[str]]:
    """The kernel's environment for ``spec`` (the generic one, then the assignment's data
    settings, then its data cache) and the data folders bound read-only into its sandbox."""
    environ = os.environ if environ is None else environ
    cache = data_cache_env(spec)
    env = kernel_env(workdir=workdir, threads=threads, extra={**spec.data.kernel_env(environ), **cache}, fast=fast)
    folders = spec.data.data_dirs(environ) + [v for v in cache.values() if os.path.isdir(v)]
    return env, list(dict.fromkeys(folders))


def warm_env(spec: AssignmentSpec, threads: int, environ: dict | None = None, *, full: bool = False) -> dict[str, str]:
    """The import-time part of the kernels' environment for ``spec`` in fast mode (``full``:
    --full) (what a zygote is started with and must match, see autograder/execution/zygote.py)."""
    env, _ = assignment_kernel_env(spec, workdir=Path("/nonexistent"), threads=threads, environ=environ,
                                   fast=not full)
    return import_time_env(env)
