"""Worker processes started ahead of their submission ("standby workers"), and kernel slots.

Every submission is graded in a ``python -m autograder.batch.worker`` process of its own, used
once. Starting that process (the interpreter, the grading stack, pytest and the assignment's
hidden checks) and its sandboxed kernel takes about a second, paid again for every student. A
standby worker pays it while the previous submission is still being graded: it is started with
the batch-wide options, loads what grading needs and starts the kernel, then waits for one job
on its stdin (the submission, its result and log files) and grades it exactly as a worker
started for it would. It still grades one submission and exits: nothing of one student's
grading outlives it.

``expect(key, count, command, env, kernels=jobs)`` says how many submissions a batch will hand
out with the batch-wide options ``key`` (``grade_batch`` does, for the local executor) and starts
the first standbys; ``take(key)`` then gives a standby worker (started now if none is waiting)
and starts its replacement as long as submissions remain. Without an ``expect`` (a Dask task,
whose options change with every task) ``take`` gives None and the worker starts as before.
A standby that died before taking its job (it says ``taken`` when it reads the job) costs
nothing: the caller starts a worker for the job the usual way. ``close_all`` ends the waiting
ones (they also die with the grading process: ``PR_SET_PDEATHSIG``, and on their stdin's EOF).

Kernel slots: ``kernels`` (the batch's ``--jobs``) notebooks execute at once. A worker says
``kernel-done`` when its notebook has run (``give_job`` then frees its slot): its kernel is
stopped and its hidden checks and files are written while the next notebook already runs.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

STANDBY = "--standby"
TAKEN = "taken"
KERNEL_DONE = "kernel-done"


class KernelSlot:
    """One of the batch's kernel slots, held from before the job until the worker's kernel is
    done (``release``, idempotent) or the worker has ended (leaving the ``with`` block)."""

    def __init__(self, semaphore: threading.Semaphore | None):
        self.semaphore, self.held = semaphore, False

    def __enter__(self) -> "KernelSlot":
        if self.semaphore is not None:
            self.semaphore.acquire()
            self.held = True
        return self

    def release(self) -> None:
        if self.held:
            self.held = False
            self.semaphore.release()

    def __exit__(self, *exc) -> None:
        self.release()


class StandbyPool:
    """Standby workers per batch-wide options (``key``), with how many submissions remain."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ready: dict[str, list[subprocess.Popen]] = {}
        self._remaining: dict[str, int] = {}
        self._commands: dict[str, tuple[list[str], dict | None]] = {}
        self._slots: dict[str, threading.Semaphore] = {}
        # one long-lived thread starts every standby: a child's PR_SET_PDEATHSIG fires when the
        # thread that forked it exits, and the graders' threads may end before their standbys
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="standby")

    def expect(self, key: str, count: int, command: list[str], env: dict | None, kernels: int = 1) -> None:
        with self._lock:
            self._remaining[key] = self._remaining.get(key, 0) + count
            self._commands[key] = (command, env)
            self._slots.setdefault(key, threading.Semaphore(max(1, kernels)))
        for _ in range(min(count, max(1, kernels))):   # the first ones start now, beside the batch's start
            self._spawner.submit(self._add, key)

    def slot(self, key: str) -> KernelSlot:
        """A kernel slot of ``key``'s batch (no limit for a key never expected)."""
        with self._lock:
            return KernelSlot(self._slots.get(key))

    def take(self, key: str) -> subprocess.Popen | None:
        with self._lock:
            if self._remaining.get(key, 0) <= 0:
                return None
            self._remaining[key] -= 1
        self._spawner.submit(lambda: None).result()   # the standbys being started are ready now
        with self._lock:
            ready = self._ready.setdefault(key, [])
            dead = []
            while ready and ready[0].poll() is not None:   # died while waiting: forget it
                dead.append(ready.pop(0))
            taken = ready.pop(0) if ready else None
            refill = self._remaining[key] > len(ready)   # one standby per submission still to come
        for process in dead:
            stop(process)
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
        try:
            self._spawner.submit(lambda: None).result()   # nothing left half-started
        except RuntimeError:   # at exit: the spawner has already stopped
            pass
        with self._lock:
            waiting = [p for ready in self._ready.values() for p in ready]
            self._ready.clear()
            self._remaining.clear()
            self._slots.clear()
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


def give_job(process: subprocess.Popen, job: dict, timeout: float,
             kernel_done=lambda: None) -> tuple[bool, int | str, str]:
    """Hand ``job`` to a standby worker and wait for it: (whether it took the job, its exit
    code or "timeout", what it printed before taking it: start-up warnings, or why it died).
    ``kernel_done`` is called when the worker says its notebook has run."""
    deadline = time.monotonic() + timeout
    try:
        process.stdin.write((json.dumps(job, ensure_ascii=False) + "\n").encode())
        process.stdin.close()
    except OSError:   # it died while waiting: what it said tells why
        pass
    said, lines = b"", []
    fd = process.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        readable = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
        if not readable:
            process.kill()
            process.wait()
            process.stdout.close()
            return TAKEN in lines, "timeout", ""
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        said += chunk
        *complete, said = said.split(b"\n")
        for line in complete:
            lines.append(line.decode(errors="replace"))
            if lines[-1] == KERNEL_DONE:
                kernel_done()
    if said:
        lines.append(said.decode(errors="replace"))
    process.stdout.close()
    try:
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = "timeout"
    taken = TAKEN in lines
    return taken, code, "\n".join(lines[:lines.index(TAKEN)] if taken else lines)


_pool = StandbyPool()
expect, take, slot = _pool.expect, _pool.take, _pool.slot
close_all = _pool.close
atexit.register(close_all)
