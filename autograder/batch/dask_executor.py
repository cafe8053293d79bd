"""Grade on a Dask distributed cluster: one task per submission, the same results as locally.

    python -m autograder grade PATH... --out DIR --executor dask --scheduler tcp://HOST:8786

The client reads each notebook and the assignment's released support files (data loaders, the
self-check...) and sends their bytes with the task, so a worker needs the kit installed and nothing else.
On the worker the task runs the same function as the local executor (``grade_isolated``: one
``python -m autograder.batch.worker`` process, same limits, hidden checks outside the student's kernel)
with a worker-local temporary output folder, and sends back the result, the log and the executed
notebook. The client writes them, so resuming, progress, exports and reports are the same as in
a local run.

Failures: a worker lost while grading (killed, machine down) has its task rescheduled by the
scheduler on another worker, up to ``distributed.scheduler.allowed-failures`` times (default 3);
a task that raises is retried ``retries`` times. Past that the submission gets a "crashed" result
that says why (a crashed result has no ``submission_sha256``, so a re-run grades it again). Each
result reaches the client once and is written once. Losing the scheduler stops the batch with an
error; a re-run of the same command grades only what is missing.
"""
from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import traceback
import uuid
import warnings
from concurrent.futures import CancelledError
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from autograder.assignments import load_assignment
from autograder.collect import Submission
from autograder.results import StudentResult
from autograder.batch.worker_process import crashed_result

TASK_RETRIES = 2        # a task that raises (not a lost worker) is tried 1 + 2 times
MIN_IN_FLIGHT = 8       # tasks sent ahead of the results: max(this, 2 per worker thread)
MISMATCH = ("this Dask worker has another version of the grader than the client "
            "(install the same kit on the workers and restart them)")


class SchedulerLost(RuntimeError):
    """The client lost the scheduler: the results not yet written are graded by a re-run."""


@dataclass(frozen=True)
class RemoteSubmission:
    """One submission as it travels to a worker: bytes, no path of the client's disk."""

    student: str
    notebook: bytes
    identity: dict
    support_files: dict[str, bytes]  # released files put beside the notebook (data loaders, the self-check...)
    fingerprint: str                 # of the client's kit sources (grader_fingerprint)

    @classmethod
    def pack(cls, sub: Submission, support_files: dict[str, bytes], fingerprint: str):
        return cls(sub.student, Path(sub.notebook).read_bytes(), dict(sub.identity),
                   support_files, fingerprint)

    def unpack(self, root: Path, assignment: str) -> tuple[Submission, Path]:
        """Write the files under ``root``: the submission to grade and its course root."""
        notebook = root / "submission" / f"{self.student}.ipynb"
        release = root / "course" / "release" / assignment
        for path, data in [(notebook, self.notebook),
                           *((release / name, body) for name, body in self.support_files.items())]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        release.mkdir(parents=True, exist_ok=True)
        return Submission(self.student, notebook, dict(self.identity)), root / "course"


@dataclass(frozen=True)
class RemoteOutcome:
    """What a task sends back: the result and the files the local run keeps in the output dir."""

    result: StudentResult
    log: bytes
    executed: bytes | None
    worker: str


def grade_remotely(function, task: RemoteSubmission, options) -> RemoteOutcome:
    """On a worker: grade ``task`` with ``function`` as the local executor would, in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="autograder-dask-") as tmp:
        root = Path(tmp)
        sub, course_root = task.unpack(root, options.assignment)
        out = root / "out"
        local = dataclasses.replace(options, **_worker_paths(options, out, course_root, root))
        if task.fingerprint != grader_fingerprint():
            result = crashed_result(sub, local, MISMATCH, f"{sub.student}.log")
            return RemoteOutcome(result, MISMATCH.encode() + b"\n", None, _worker_address())
        result = function(sub, local)
        return RemoteOutcome(result, _read(out / "logs" / f"{sub.student}.log") or b"",
                             _read(out / "executed" / f"{sub.student}.ipynb"), _worker_address())


def _worker_paths(options, out: Path, course_root: Path, root: Path) -> dict:
    """The options' paths of the client's disk, replaced by the worker's: output, course and,
    if the options list paths the kernel must not see (``hide``), this task's folder."""
    paths = {"out_dir": str(out), "course_root": str(course_root)}
    if "hide" in {f.name for f in dataclasses.fields(options)}:
        paths["hide"] = (str(root),)
    return paths


class DaskExecutor:
    """Submissions graded as tasks of a Dask cluster; same interface as ``LocalExecutor``."""

    def __init__(self, scheduler: str | None, *, retries: int = TASK_RETRIES, timeout: str = "30s"):
        if not scheduler:
            raise ValueError("the dask executor needs a scheduler address (tcp://HOST:8786)")
        from distributed import Client

        self.client = Client(scheduler, timeout=timeout, set_as_default=False)
        self.retries = retries
        self.allowed_failures = _allowed_failures(self.client)
        if self.allowed_failures == 0:
            warnings.warn("the scheduler's distributed.scheduler.allowed-failures is 0: a worker lost "
                          "while grading marks its submission crashed instead of retrying it", stacklevel=2)

    def map_unordered(self, function, items, options):
        """Yield ``(item, result)`` as tasks finish; a bounded number of tasks is in flight."""
        from distributed import as_completed

        support, fingerprint = release_files(options.assignment), grader_fingerprint()
        waiting, futures, finished = iter(items), {}, as_completed(loop=self.client.loop)

        def send(count: int) -> None:
            for sub in islice(waiting, max(0, count)):
                task = RemoteSubmission.pack(sub, support, fingerprint)
                future = self.client.submit(grade_remotely, function, task, options, pure=False,
                                            key=f"grade-{sub.student}-{uuid.uuid4().hex[:8]}",
                                            retries=self.retries)
                futures[future] = sub
                finished.add(future)

        send(self._in_flight())
        for future in finished:
            sub = futures.pop(future)
            yield sub, self._receive(sub, future, options)
            send(self._in_flight() - len(futures))

    def _in_flight(self) -> int:
        return max(MIN_IN_FLIGHT, 2 * sum(self.client.nthreads().values()))

    def _receive(self, sub: Submission, future, options) -> StudentResult:
        from distributed import KilledWorker

        try:
            outcome = future.result()
        except CancelledError as exc:
            raise SchedulerLost(f"lost the Dask scheduler while grading {sub.student}: re-run the "
                                "same command to grade the submissions without a result") from exc
        except KilledWorker as exc:
            lost = "" if self.allowed_failures is None else f"{self.allowed_failures + 1} "
            return _failed(sub, options, f"lost {lost}Dask worker(s) while grading it: {exc}")
        except Exception as exc:  # the task itself raised, retries included
            reason = f"Dask task failed {self.retries + 1} times: {type(exc).__name__}: {exc}"
            return _failed(sub, options, reason, "".join(traceback.format_exception(exc)))
        keep_outputs(sub.student, outcome, Path(options.out_dir))
        return outcome.result

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()


def keep_outputs(student: str, outcome: RemoteOutcome, out_dir: Path) -> None:
    """The log and executed notebook, where the local run leaves them."""
    log = f"# graded on Dask worker {outcome.worker}\n".encode() + outcome.log
    _write(out_dir / "logs" / f"{student}.log", log)
    if outcome.executed is not None:
        _write(out_dir / "executed" / f"{student}.ipynb", outcome.executed)


def release_files(assignment: str) -> dict[str, bytes]:
    """The files ``prepare_workdir`` copies beside each notebook (``spec.released_files``),
    read on the client."""
    spec = load_assignment(assignment)
    folder = spec.release_dir()
    return {name: (folder / name).read_bytes() for name in spec.released_files if (folder / name).is_file()}


def grader_fingerprint() -> str:
    """sha256 of the kit's Python sources: a worker whose kit differs could grade differently."""
    package = Path(__file__).resolve().parents[1]   # the autograder package
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _failed(sub: Submission, options, reason: str, details: str = "") -> StudentResult:
    log = Path(options.out_dir) / "logs" / f"{sub.student}.log"
    _write(log, f"{reason}\n{details}".encode())
    return crashed_result(sub, options, reason, log)


def _allowed_failures(client) -> int | None:
    try:
        return client.run_on_scheduler(_scheduler_allowed_failures)
    except Exception:  # a scheduler that refuses to run client code: keep its default
        return None


def _scheduler_allowed_failures(dask_scheduler=None) -> int:
    return dask_scheduler.allowed_failures


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "?"


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
