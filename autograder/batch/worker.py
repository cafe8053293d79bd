"""Grade one submission in its own process (what every batch executor runs per student).

    python -m autograder.batch.worker --notebook NB --student ID --result-file OUT.json
        --assignment NAME [--full] [--lang fr|en] [--identity JSON] [--threads N]
        [--executed-file NB.ipynb] [--cell-timeout S] [--total-timeout S] [--memory-mb MB]
        [--output-mb MB] [--hide PATH]... [--zygote SOCKET]

Writes the StudentResult as JSON to --result-file. Running each student in a process of its
own means a grader crash on one notebook costs only that notebook, and a killed batch leaves
no half-written result behind. The hidden checks run in this process (it never runs student
code: the notebook runs in the sandboxed kernel).

A standby worker (see ``autograder/batch/standby.py``) is this same worker forked from the
batch's fork server with the batch-wide arguments (``standby_main``): it loads the grading stack
and the assignment and starts the submission's kernel (``grading.kernel_ahead``) first, then
waits for one job on its channel, ``{"notebook", "student", "result_file", "executed_file",
"identity", "log"}``, says ``taken``, writes everything else to the job's log and grades it as
above, saying ``kernel-done`` when its notebook has run. A closed channel (the batch needs no
more workers): exit 0.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import nbformat

from autograder.assignments import load_assignment
from autograder.execution.kernel_run import Limits
from autograder.grading import grade_submission, kernel_ahead, load_grading_stack
from autograder.results import write_json_atomic


LIMITS = ("cell_timeout", "total_timeout", "memory_mb", "output_mb")


def main(argv: list[str] | None = None, channel=None) -> int:
    """Grade the submission of ``argv``; with ``channel`` (a standby worker), the one it sends."""
    parser = argparse.ArgumentParser(prog="python -m autograder.batch.worker")
    parser.add_argument("--notebook", type=Path)
    parser.add_argument("--student")
    parser.add_argument("--result-file", type=Path)
    parser.add_argument("--executed-file", type=Path, default=None)
    parser.add_argument("--assignment", required=True, help="the assignment's plugin name")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--lang", default="fr", choices=("fr", "en"))
    parser.add_argument("--identity", default="{}")
    parser.add_argument("--threads", type=int, default=1)
    for name in LIMITS:
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None)
    parser.add_argument("--hide", action="append", default=[], help="a path the kernel must not see")
    parser.add_argument("--zygote", default=None, metavar="SOCKET",
                        help="fork the kernel from this zygote (warm kernel; default: cold start)")
    args = parser.parse_args(argv)
    spec = load_assignment(args.assignment)
    limits = Limits.resolve(args.full, **{name: getattr(args, name) for name in LIMITS})
    if channel is None:
        if not (args.notebook and args.student and args.result_file):
            parser.error("--notebook, --student and --result-file are required")
        return grade(args, spec, limits)
    load_grading_stack(spec)
    with kernel_ahead(spec, full=args.full, limits=limits, threads=args.threads, hide=args.hide,
                      zygote=args.zygote) as ahead:
        if not take_job(args, channel):
            return 0
        return grade(args, spec, limits, ahead)


def grade(args, spec, limits: Limits, ahead=None) -> int:
    result, execution = grade_submission(
        notebook=args.notebook, student=args.student, spec=spec,
        full=args.full, lang=args.lang, identity=json.loads(args.identity), threads=args.threads,
        limits=limits, hide=args.hide, zygote=args.zygote, checks_in_process=True, ahead=ahead,
        kernel_done=lambda: say_kernel_done(args),
    )
    if args.executed_file and execution is not None and execution.executed is not None:
        args.executed_file.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(execution.executed, str(args.executed_file))
    write_json_atomic(args.result_file, result.to_dict())
    kernel = "" if execution is None else (
        f" ({'warm' if execution.warm else 'cold'} kernel: {execution.seconds} s, peak {execution.peak_mb} MB)")
    print(f"{result.student}: {result.status} {result.score}/{result.max_score} in {result.elapsed_s} s{kernel}")
    return 0


def say_kernel_done(args) -> None:
    """Tell the batch that this worker's notebook has run (its kernel slot is free); once."""
    from autograder.batch.standby import KERNEL_DONE

    channel, args.channel = getattr(args, "channel", None), None
    if channel is not None:
        try:
            channel.send(KERNEL_DONE)
        except (OSError, ValueError):
            pass


def standby_main(argv: list[str], environ: dict, channel, startup_log: str) -> None:
    """A standby worker: forked from the batch's fork server, in ``environ`` (the batch's
    environment), grades with ``argv`` (the batch-wide worker arguments) the one job ``channel``
    sends; what it prints before its job goes to ``startup_log`` (then to the job's log). Dies
    with the fork server (``PR_SET_PDEATHSIG``)."""
    from autograder.batch.worker_process import _die_with_parent

    _die_with_parent()
    _output_to(os.open(startup_log, os.O_WRONLY | os.O_APPEND))
    take_environment(environ)
    code = main(argv, channel=channel)
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(code)


def _output_to(fd: int) -> None:
    """Send this process' stdout and stderr to the open file ``fd`` (and close ``fd``)."""
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def take_environment(environ: dict) -> None:
    """Make ``environ`` (the batch's when it expected its workers) this process' environment,
    not the fork server's (started with the first batch of the grading process)."""
    os.environ.clear()
    os.environ.update(environ)


def take_job(args, channel) -> bool:
    """Wait for the job of a standby worker and make it this run's (False: no job came)."""
    from autograder.batch.standby import TAKEN

    try:
        job = channel.recv()
    except (EOFError, OSError):
        return False
    if not isinstance(job, dict):
        return False
    channel.send(TAKEN)
    args.channel = channel
    sys.stdout.flush()
    sys.stderr.flush()
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    startup = Path(job["startup_log"]).read_bytes() if job.get("startup_log") else b""
    if startup.strip():   # what the worker said while starting (warnings): the log's head
        os.write(log, b"[worker start-up]\n" + startup + b"\n[grading]\n")
    _output_to(log)
    args.notebook, args.student = Path(job["notebook"]), job["student"]
    args.result_file = Path(job["result_file"])
    args.executed_file = Path(job["executed_file"]) if job.get("executed_file") else None
    args.identity = json.dumps(job.get("identity") or {})
    return True


if __name__ == "__main__":
    raise SystemExit(main())
