"""Grade a whole class: collect → (skip what is already graded) → grade in parallel → write.

Each submission is graded by ``python -m autograder.batch.worker`` in a process of its own (with
the local executor, started ahead while the previous one grades: ``autograder/batch/standby.py``);
this process only collects, schedules and writes the result files, the feedback pages and
``grades.csv``. A re-run after an interruption (even ``kill -9``) regrades only students
whose result file is missing or stale (other notebook, other mode, other assignment); ``force``
regrades all.

Which assignment: ``assignment`` (``--assignment``) when given, else what the submissions say
(``autograder.assignments.detection``); one batch grades one assignment: a batch mixing
assignments is refused with a message that says how to split it, and so is an output folder
holding another assignment's results.
"""
from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.execution import sandbox
from autograder.assignments import AssignmentSpec, load_assignment
from autograder.assignments.detection import Detection, choose_assignment, mismatch_note
from autograder.collect import Submission, collect_submissions
from autograder.batch.executors import make_executor
from autograder.batch.prestart import default_jobs, kernel_threads, start_zygote
from autograder.batch.standby import close_all as close_standbys
from autograder.batch.worker_process import expect_standby
from autograder.outputs.feedback import write_feedback
from autograder.outputs.grades_table import write_grades_csv
from autograder.execution.warm import close_all as close_zygotes, enabled as warm_kernels_enabled
from autograder.execution.warm import shared_zygote
from autograder.assignments.environment import warm_env
from autograder.grading import assemble, file_sha256
from autograder.results import StudentResult, load_results, save_result


@dataclass(frozen=True)
class GradeOptions:
    """What every worker needs to grade one submission (picklable, for remote executors)."""

    assignment: str
    full: bool
    lang: str
    threads: int
    out_dir: str
    limits: tuple = ()              # (name, value) overrides of execute.Limits, e.g. from --timeout
    hide: tuple[str, ...] = ()      # what the kernels must not see: the output dir, the submissions
    course_root: str | None = None  # where release/<assignment>/ is, if not this kit's (remote workers)
    warm: bool = True               # fork kernels from a zygote of the grading process (--no-warm: cold)


def is_up_to_date(sub: Submission, out_dir: Path, full: bool, assignment: str) -> bool:
    """The student's result file grades this notebook, in this mode, as this assignment."""
    path = out_dir / "results" / f"{sub.student}.json"
    if not path.exists() or sub.notebook is None:
        return False
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (previous.get("submission_sha256") == file_sha256(sub.notebook)
            and previous.get("mode") == ("full" if full else "fast")
            and previous.get("assignment") == assignment)


def check_ready(spec: AssignmentSpec, out_dir: Path) -> None:
    """ValueError (a usage error for the CLI) when grading ``spec`` into ``out_dir`` cannot go
    well: files of its release missing, or ``out_dir`` holding another assignment's results."""
    missing = spec.missing_release_files()
    if missing:
        raise ValueError(f"{spec.release_dir()} lacks {', '.join(missing)}: run "
                         f"`python -m autograder release {spec.name}` first")
    others = sorted({r.assignment for r in load_results(out_dir) if r.assignment and r.assignment != spec.name})
    if others:
        raise ValueError(f"{out_dir} already holds results of {', '.join(others)}: grade {spec.name} "
                         f"into another output directory (e.g. --out {Path(out_dir) / spec.name})")


def unreadable_result(sub: Submission, spec: AssignmentSpec, lang: str, full: bool) -> StudentResult:
    """The result of a submission without a gradable notebook: every check failed, a status."""
    result = assemble(spec, sub.student, [], lang)
    result.status, result.messages = "invalid-notebook", [sub.problem or "no notebook"]
    result.identity, result.mode = dict(sub.identity), "full" if full else "fast"
    return result


def grade_batch(*, paths: list[Path], out_dir: Path, full: bool = False, lang: str = "fr",
                jobs: int | None = None, force: bool = False, assignment: str | None = None,
                executor: str = "local", scheduler: str | None = None,
                progress: bool = True, limits: dict | None = None, warm: bool = True) -> list[StudentResult]:
    """Grade every submission found in ``paths`` into ``out_dir``; returns all results.

    ``assignment``: the one to grade (wins over what the submissions say); None: detected.
    ``limits``: overrides of the kernels' limits (``cell_timeout``, ``total_timeout``,
    ``memory_mb``, ``output_mb``), on top of the mode's defaults.
    ``warm``: fork the kernels from a zygote that imported Keras once per grading process (local
    pool: this process; Dask: each worker process); False, or a zygote that cannot start: cold
    kernels (see autograder/execution/warm.py).
    ValueError (UnknownAssignment, AssignmentChoiceError...) before grading anything when the
    batch cannot be graded as asked."""
    if assignment is not None:
        load_assignment(assignment)   # an unknown name: stop before collecting
    start_zygote(assignment, executor=executor, full=full, jobs=jobs, warm_kernels=warm)   # its longest start, first
    try:
        return _grade_batch(paths=paths, out_dir=Path(out_dir), full=full, lang=lang, jobs=jobs, force=force,
                            assignment=assignment, executor=executor, scheduler=scheduler, progress=progress,
                            limits=limits, warm=warm)
    finally:
        close_standbys()
        close_zygotes()


def _grade_batch(*, paths: list[Path], out_dir: Path, full: bool, lang: str, jobs: int | None, force: bool,
                 assignment: str | None, executor: str, scheduler: str | None, progress: bool,
                 limits: dict | None, warm: bool) -> list[StudentResult]:
    submissions = collect_submissions([Path(p) for p in paths], out_dir / ".work", assignment=assignment)
    name, detections = choose_assignment(submissions, assignment)
    spec = load_assignment(name)
    check_ready(spec, out_dir)
    level = sandbox.probe()   # AUTOGRADER_SANDBOX=require and no sandbox: stop before grading
    _log(progress or level.warning is not None, level.describe())
    said = {d.source for d in detections.values() if d.assignment == name}
    _log(progress, f"assignment: {name} ({'--assignment' if assignment else ', '.join(sorted(said))})")
    todo = [s for s in submissions if force or not is_up_to_date(s, out_dir, full, spec.name)]
    for sub in [s for s in todo if s.notebook is None]:
        _write(unreadable_result(sub, spec, lang, full), out_dir, lang)
    gradable = [s for s in todo if s.notebook is not None]
    jobs = jobs or default_jobs()
    options = GradeOptions(spec.name, full, lang, kernel_threads(full, jobs), str(out_dir),
                           limits=tuple(sorted((limits or {}).items())), hide=hidden_inputs(paths, out_dir),
                           warm=warm and warm_kernels_enabled())
    if gradable and executor == "local":
        expect_standby(options, len(gradable), jobs)   # the first workers start while the zygote imports
        _log(progress, start_warm_kernels(spec, options))
    _log(progress, f"{len(submissions)} submission(s), {len(submissions) - len(todo)} already graded, "
                   f"{len(gradable)} to grade with {jobs} job(s) ({'full' if full else 'fast'} mode)")
    with make_executor(executor, jobs=jobs, scheduler=scheduler) as pool:
        _run(pool, gradable, options, out_dir, lang, progress, detections)
    results = load_results(out_dir)
    write_grades_csv(results, out_dir)
    _log(progress, f"results: {out_dir / 'results'}  grades: {out_dir / 'grades.csv'}  "
                   f"feedback: {out_dir / 'feedback'}")
    return results


def start_warm_kernels(spec: AssignmentSpec, options: GradeOptions) -> str:
    """Start this process' zygote for the batch's kernels; the line that says how kernels start."""
    if not options.warm:
        return "kernels: cold (--no-warm or AUTOGRADER_WARM=0)"
    zygote = shared_zygote(warm_env(spec, options.threads, full=options.full))   # says itself why it could not start
    return f"kernels: warm ({zygote.describe()})" if zygote else "kernels: cold"


def hidden_inputs(paths: list[Path], out_dir: Path) -> tuple[str, ...]:
    """Folders the kernels must not see: the output dir and every input (a file's folder)."""
    folders = [Path(out_dir)] + [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths]
    return tuple(sorted({str(f.resolve()) for f in folders}))


def _run(pool, gradable: list[Submission], options: GradeOptions, out_dir: Path, lang: str,
         progress: bool, detections: dict[str, Detection] | None = None) -> None:
    from tqdm import tqdm

    lock = threading.Lock()
    with tqdm(total=len(gradable), unit="student", disable=not progress or not gradable,
              file=sys.stderr, dynamic_ncols=True) as bar:
        for sub, result in pool.map_unordered(grade_isolated, gradable, options):
            note = mismatch_note((detections or {}).get(sub.student), options.assignment, lang)
            if note and note not in result.messages:
                result.messages.insert(0, note)
            with lock:
                _write(result, out_dir, lang)
                bar.set_postfix_str(f"{sub.student}: {result.status} {result.score:g}/{result.max_score:g}")
                bar.update()


def _write(result: StudentResult, out_dir: Path, lang: str) -> None:
    save_result(result, out_dir)
    write_feedback(result, out_dir, lang)


def _log(enabled: bool, text: str) -> None:
    if enabled:
        print(text, file=sys.stderr)


def grade_isolated(sub: Submission, options: GradeOptions) -> StudentResult:
    """Grade one submission in a worker process; a worker crash becomes a 'crashed' result."""
    from autograder.batch.worker_process import run_worker

    return run_worker(sub, options)
