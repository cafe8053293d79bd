"""Worker processes started ahead of their submission ("standby workers"), and kernel slots.

Every submission is graded by a worker process of its own (``autograder/batch/worker.py``),
used once. Starting one (an interpreter importing the grading stack, pytest and the
assignment's hidden checks) and its sandboxed kernel takes about a second, paid again for every
student. With the local executor the batch has a fork server (``multiprocessing``'s
"forkserver": a clean single-threaded process that imported the grading stack once, started on
first use); a standby worker is forked from it with the batch-wide worker arguments
(``worker.standby_main``), starts its submission's kernel, then waits for one job on its channel
(the submission, its result and log files) and grades it exactly as a worker started for it
would. It still grades one submission and exits: nothing of one student's grading outlives it.

``expect(key, count, argv, env, kernels=jobs)`` says how many submissions a batch will hand out
with the batch-wide worker arguments ``argv`` (``grade_batch`` does) and starts the first
standbys; ``take(key)`` then gives a standby worker (started now if none is waiting) and starts
its replacement as long as submissions remain. Without an ``expect`` (a Dask task, whose options
change with every task) ``take`` gives None and the worker starts as a new process. A standby
that died before taking its job costs nothing: the caller starts a worker for the job the usual
way. ``close_all`` ends the waiting ones (they also die with the fork server, which dies with
the grading process).

Kernel slots: ``kernels`` (the batch's ``--jobs``) notebooks execute at once. A worker says
``kernel-done`` when its notebook has run (``give_job`` then frees its slot): its kernel is
stopped and its hidden checks and files are written while the next notebook already runs.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.grading import GRADING_STACK

TAKEN = "taken"
KERNEL_DONE = "kernel-done"
# what every worker imports: imported once, by the fork server
PRELOAD = ["autograder.batch.worker", "autograder.batch.worker_process", *GRADING_STACK]
_context = multiprocessing.get_context("forkserver")


class KernelSlot:
    """One of the batch's kernel slots, held from before the job until the worker's notebook
    has run (``release``, idempotent) or the worker has ended (leaving the ``with`` block)."""

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


class Standby:
    """A standby worker: its process, the batch's end of its channel, its start-up log."""

    def __init__(self, process, channel, startup_log: Path):
        self.process, self.channel, self.startup_log = process, channel, startup_log

    def poll(self) -> int | None:
        return self.process.exitcode

    def forget(self) -> None:
        try:
            self.channel.close()
        except OSError:
            pass
        self.startup_log.unlink(missing_ok=True)


class StandbyPool:
    """Standby workers per batch-wide options (``key``), with how many submissions remain."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ready: dict[str, list[Standby]] = {}
        self._remaining: dict[str, int] = {}
        self._commands: dict[str, tuple] = {}
        self._slots: dict[str, threading.Semaphore] = {}
        self._preloaded = False
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="standby")

    def expect(self, key: str, count: int, argv: list[str], env: dict, kernels: int = 1,
               preload: tuple[str, ...] = (), target=None) -> None:
        """``target(argv, env, channel, startup_log)``: what a standby runs (default
        ``worker.standby_main``; a module-level function: the fork server imports it)."""
        with self._lock:
            self._remaining[key] = self._remaining.get(key, 0) + count
            self._commands[key] = (list(argv), dict(env), target)
            self._slots.setdefault(key, threading.Semaphore(max(1, kernels)))
            if not self._preloaded:   # effective until the fork server starts (once per process)
                _context.set_forkserver_preload(PRELOAD + list(preload))
                self._preloaded = True
        for _ in range(min(count, max(1, kernels))):   # the first ones start now, beside the batch's start
            self._spawner.submit(self._add, key)

    def slot(self, key: str) -> KernelSlot:
        """A kernel slot of ``key``'s batch (no limit for a key never expected)."""
        with self._lock:
            return KernelSlot(self._slots.get(key))

    def take(self, key: str) -> Standby | None:
        with self._lock:
            if self._remaining.get(key, 0) <= 0:
                return None
            self._remaining[key] -= 1
        self._spawner.submit(lambda: None).result()   # the standbys being started are ready now
        with self._lock:
            ready, dead = self._ready.setdefault(key, []), []
            while ready and ready[0].poll() is not None:   # died while waiting: forget it
                dead.append(ready.pop(0))
            taken = ready.pop(0) if ready else None
            refill = self._remaining[key] > len(ready)   # one standby per submission still to come
        for standby in dead:
            standby.forget()
        if taken is None:
            try:
                taken = self._spawner.submit(self._start, key).result()
            except Exception:   # no fork server here: the caller starts a worker process
                return None
        if refill:
            self._spawner.submit(self._add, key)
        return taken

    def _start(self, key: str) -> Standby:
        from autograder.batch.worker import standby_main

        argv, env, target = self._commands[key]
        ours, theirs = _context.Pipe()
        handle, startup_log = tempfile.mkstemp(prefix="autograder-standby-", suffix=".log")
        os.close(handle)
        process = _context.Process(target=target or standby_main, args=(argv, env, theirs, startup_log),
                                   name="autograder-standby", daemon=True)
        process.start()
        theirs.close()
        return Standby(process, ours, Path(startup_log))

    def _add(self, key: str) -> None:
        try:
            standby = self._start(key)
        except Exception:
            return
        with self._lock:
            self._ready.setdefault(key, []).append(standby)

    def close(self) -> None:
        try:
            self._spawner.submit(lambda: None).result()   # nothing left half-started
        except RuntimeError:   # at exit: the spawner has already stopped
            pass
        with self._lock:
            waiting = [s for ready in self._ready.values() for s in ready]
            self._ready.clear()
            self._remaining.clear()
            self._slots.clear()
        for standby in waiting:
            stop(standby)


def stop(standby: Standby) -> None:
    """End a standby worker that has no job (closing its channel says so; kill if it lingers)."""
    standby.forget()
    standby.process.join(5)
    if standby.process.is_alive():
        standby.process.kill()
        standby.process.join()


def give_job(standby: Standby, job: dict, timeout: float,
             kernel_done=lambda: None) -> tuple[bool, int | str, str]:
    """Hand ``job`` to a standby worker and wait for it: (whether it took the job, its exit
    code or "timeout", what it printed while starting when it did not take the job: why it died).
    ``kernel_done`` is called when the worker says its notebook has run."""
    deadline, taken, code = time.monotonic() + timeout, False, None
    try:
        standby.channel.send({**job, "startup_log": str(standby.startup_log)})
    except (OSError, ValueError):   # it died while waiting: what it said tells why
        pass
    while True:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                code = "timeout"
                break
            if not standby.channel.poll(min(left, 1.0)):
                if standby.poll() is not None:
                    break
                continue
            said = standby.channel.recv()
        except (EOFError, OSError):
            break
        if said == TAKEN:
            taken = True
        elif said == KERNEL_DONE:
            kernel_done()
    standby.process.join(max(0.0, deadline - time.monotonic()) if code is None else 0)
    if standby.process.is_alive():
        standby.process.kill()
        standby.process.join()
        code = "timeout"
    before = "" if taken else standby.startup_log.read_text(errors="replace").strip()
    standby.forget()
    return taken, standby.process.exitcode if code is None else code, before


_pool = StandbyPool()
expect, take, slot = _pool.expect, _pool.take, _pool.slot
close_all = _pool.close
atexit.register(close_all)
