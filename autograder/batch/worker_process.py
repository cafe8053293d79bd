"""Run ``python -m autograder.batch.worker`` for one submission and read back its result."""
from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.assignments import COURSE_ROOT_ENV, load_assignment
from autograder.batch import standby
from autograder.execution.kernel_run import Limits
from autograder.grading import assemble
from autograder.results import StudentResult

WORKER_MARGIN_S = 300  # beyond the kernel's own total limit: start-up, checks, writing

CRASH_NOTE = {
    "fr": "La correction automatique a échoué sur ce carnet (erreur du correcteur, pas forcément la vôtre) ; l'enseignant a le journal {log}.",
    "en": "Automatic grading failed on this notebook (a grader error, not necessarily yours); the instructor has the log {log}.",
}


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the batch process dies (even by kill -9)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def worker_command(sub, options, result_file: Path, executed_file: Path | None,
                   zygote: str | None = None) -> list[str]:
    cmd = [*batch_command(options, zygote), "--notebook", str(sub.notebook), "--student", sub.student,
           "--result-file", str(result_file), "--identity", json.dumps(sub.identity, ensure_ascii=False)]
    if executed_file is not None:
        cmd += ["--executed-file", str(executed_file)]
    return cmd


def batch_command(options, zygote: str | None = None) -> list[str]:
    """The worker's command line without the submission: what every worker of a batch shares."""
    cmd = [sys.executable, "-m", "autograder.batch.worker", "--assignment", options.assignment,
           "--lang", options.lang, "--threads", str(options.threads)]
    for name, value in options.limits:
        cmd += [f"--{name.replace('_', '-')}", str(value)]
    for path in options.hide:
        cmd += ["--hide", path]
    if zygote:
        cmd += ["--zygote", zygote]
    return cmd + (["--full"] if options.full else [])


def run_worker(sub, options, *, log_dir: Path | None = None, executed_dir: Path | None = None) -> StudentResult:
    """Grade ``sub`` in a child process (a standby worker when the batch has one ready, see
    ``autograder/batch/standby.py``); a crash or hang of the grader becomes 'crashed'."""
    out_dir = Path(options.out_dir)
    log_dir = log_dir or out_dir / "logs"
    executed_dir = executed_dir or out_dir / "executed"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{sub.student}.log"
    timeout = Limits.resolve(options.full, **dict(options.limits)).total_timeout + WORKER_MARGIN_S
    with tempfile.TemporaryDirectory(prefix="autograder-worker-") as tmp, \
            standby.slot(standby_key(options)) as slot:
        result_file, executed_file = Path(tmp) / "result.json", executed_dir / f"{sub.student}.ipynb"
        code, note = _run_on_standby(sub, options, result_file, executed_file, log_path, timeout, slot)
        if code is None:
            cmd = worker_command(sub, options, result_file, executed_file, zygote_address(options))
            with open(log_path, "w", encoding="utf-8") as log:
                if note:
                    log.write(note)
                    log.flush()
                try:
                    proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                                          preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL,
                                          env=worker_env(options))
                    code = proc.returncode
                except subprocess.TimeoutExpired:
                    code = "timeout"
        if result_file.exists():
            return StudentResult.from_dict(json.loads(result_file.read_text(encoding="utf-8")))
    return crashed_result(sub, options, f"worker exit {code}", log_path)


def worker_env(options) -> dict | None:
    return {**os.environ, COURSE_ROOT_ENV: options.course_root} if options.course_root else None


def standby_key(options) -> str:
    return repr(options)


def expect_standby(options, count: int, jobs: int = 1) -> None:
    """Say that ``count`` submissions will be graded with ``options`` in this process, ``jobs``
    notebooks at a time: their workers may start ahead (standby workers)."""
    argv = batch_command(options, zygote_address(options, wait=False))[3:]   # without python -m ...worker
    env = worker_env(options) or dict(os.environ)   # the batch's environment now, as a new process gets it
    checks = load_assignment(options.assignment).hidden_checks_module().__name__
    preload = (checks,) if checks.startswith("autograder.") else ()   # a kit plugin: importable by name
    standby.expect(standby_key(options), count, argv, env, kernels=jobs, preload=preload)


def _run_on_standby(sub, options, result_file: Path, executed_file: Path, log_path: Path,
                    timeout: float, slot: standby.KernelSlot) -> tuple[int | str | None, str]:
    """Grade ``sub`` on a standby worker: (its exit code or "timeout", ""); (None, a note for the
    log) when there is no standby worker for ``options`` or it died before taking the job (the
    caller starts a worker). ``slot`` is freed when the worker's notebook has run."""
    ready = standby.take(standby_key(options))
    if ready is None:
        return None, ""
    job = {"notebook": str(sub.notebook), "student": sub.student, "result_file": str(result_file),
           "executed_file": str(executed_file), "identity": sub.identity, "log": str(log_path)}
    taken, code, before = standby.give_job(ready, job, timeout, kernel_done=slot.release)
    if taken:
        return code, ""
    return None, f"[the standby worker died before its job (exit {code}); a new worker grades it]\n{before}\n"


def zygote_address(options, *, wait: bool = True) -> str | None:
    """The address of this process' zygote for ``options`` (started on first use: in a batch,
    ``grade_batch`` started it; on a Dask worker, the first task does), None for cold kernels.
    ``wait=False``: without waiting for the zygote's imports (see ``warm.shared_zygote``)."""
    if not getattr(options, "warm", False):
        return None
    from autograder.execution.warm import shared_zygote
    from autograder.assignments.environment import warm_env

    zygote = shared_zygote(warm_env(load_assignment(options.assignment), options.threads, full=options.full),
                           wait=wait)
    return zygote.address if zygote else None


def crashed_result(sub, options, reason: str, log_path: Path | str) -> StudentResult:
    result = assemble(load_assignment(options.assignment), sub.student, [], options.lang)
    result.status, result.identity = "crashed", dict(sub.identity)
    result.mode = "full" if options.full else "fast"
    result.messages = [CRASH_NOTE[options.lang].format(log=Path(log_path).name), reason]
    return result
