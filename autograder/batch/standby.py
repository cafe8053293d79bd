"""Worker processes started ahead of their submission ("standby workers").

Every submission is graded in a ``python -m autograder.batch.worker`` process of its own, used
once. Starting that process (the interpreter, the grading stack, pytest and the assignment's
hidden checks) takes about a second, paid again for every student. A standby worker pays it
while the previous submission is still being graded: it is started with the batch-wide
options, imports and loads what grading needs, then waits for one job on its stdin (the
submission, its result and log files) and grades it exactly as a worker started for it would.
It still grades one submission and exits: nothing of one student's grading outlives it.

``expect(options, count)`` says how many submissions a batch will hand out with ``options``
(``grade_batch`` does, for the local executor); ``take(options)`` then gives a standby worker
(started now if none is waiting) and starts its replacement as long as submissions remain, so
``jobs`` graders keep at most ``jobs`` standbys ready. Without an ``expect`` (a Dask task, whose
options change with every task) ``take`` gives None and the worker starts as before.
A standby that died before taking its job (it says ``taken`` when it reads the job) costs
nothing: the caller starts a worker for the job the usual way. ``close_all`` ends the waiting
ones (they also die with the grading process: ``PR_SET_PDEATHSIG``, and on their stdin's EOF).
"""
from __future__ import annotations

import atexit
import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

STANDBY = "--standby"
TAKEN = "taken"


class StandbyPool:
    """Standby workers per batch-wide options (``key``), with how many submissions remain."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ready: dict[str, list[subprocess.Popen]] = {}
        self._remaining: dict[str, int] = {}
        self._commands: dict[str, tuple[list[str], dict | None]] = {}
        # one long-lived thread starts every standby: a child's PR_SET_PDEATHSIG fires when the
        # thread that forked it exits, and the graders' threads may end before their standbys
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="standby")

    def expect(self, key: str, count: int, command: list[str], env: dict | None) -> None:
        with self._lock:
            self._remaining[key] = self._remaining.get(key, 0) + count
            self._commands[key] = (command, env)

    def take(self, key: str) -> subprocess.Popen | None:
        with self._lock:
            if self._remaining.get(key, 0) <= 0:
                return None
            self._remaining[key] -= 1
            ready = self._ready.setdefault(key, [])
            while ready and ready[0].poll() is not None:   # died while waiting: forget it
                ready.pop(0)
            taken = ready.pop(0) if ready else None
            refill = self._remaining[key] > len(ready)   # one standby per submission still to come
        if taken is None:
            taken = self._spawner.submit(self._start, key).result()
        if refill:
            self._spawner.submit(self._add, key)
        return taken

    def _start(self, key: str) -> subprocess.Popen:
        from autograder.batch.worker_process import _die_with_parent

        command, env = self._commands[key]
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent)

    def _add(self, key: str) -> None:
        try:
            process = self._start(key)
        except OSError:
            return
        with self._lock:
            self._ready.setdefault(key, []).append(process)

    def close(self) -> None:
        with self._lock:
            waiting = [p for ready in self._ready.values() for p in ready]
            self._ready.clear()
            self._remaining.clear()
        for process in waiting:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """End a standby worker that has no job (closing its stdin says so; kill if it lingers)."""
    try:
        process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def give_job(process: subprocess.Popen, job: dict, timeout: float) -> tuple[bool, int | str, str]:
    """Hand ``job`` to a standby worker and wait for it: (whether it took the job, its exit
    code or "timeout", what it printed before taking it: start-up warnings, or why it died)."""
    try:
        said, _ = process.communicate((json.dumps(job, ensure_ascii=False) + "\n").encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return True, "timeout", ""
    lines = said.decode(errors="replace").splitlines()
    taken = TAKEN in lines
    return taken, process.returncode, "\n".join(lines[:lines.index(TAKEN)] if taken else lines)


_pool = StandbyPool()
expect, take = _pool.expect, _pool.take
close_all = _pool.close
atexit.register(close_all)
