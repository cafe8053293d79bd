"""Command line: a thin layer over one keyword-only entry function per command.

    python -m autograder grade PATH... --out DIR [--assignment NAME] [--full] [--lang fr|en]
                               [--jobs N] [--force] [--timeout S] [--cell-timeout S] [--memory MB]
    python -m autograder export DIR --to moodle|canvas|gradescope|nbgrader [--assignment NAME]
    python -m autograder report DIR [--assignment NAME]
    python -m autograder answers DIR [--lang fr|en] [--assignment NAME]
    python -m autograder merge DIR manual_grades.csv [--assignment NAME]
    python -m autograder new NAME [--course-root DIR] [--title-fr TEXT] [--title-en TEXT]
    python -m autograder release [ASSIGNMENT...]
    python -m autograder bundle NAME [--out DIR] [--lang fr|en]
    python -m autograder demo

Exit code 0 when the work was done (even if students fail), 2 for usage errors.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

GRADE_EPILOG = """\
which assignment: each submission says it by its notebook's metadata (autograder.assignment,
written by the release), its nbgrader folder (submitted/<student>/<assignment>/), the LMS's
assignment title (Moodle download name, Gradescope metadata) or its file name; --assignment NAME
wins over them (a submission that looks like another assignment gets a note in its feedback).
One run grades one assignment: a batch mixing assignments is refused with the list of what was
found; grade each assignment's notebooks into its own --out (or pick one with --assignment)."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade notebooks, folders, nbgrader trees or Moodle zips",
                           epilog=GRADE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    grade.add_argument("--out", required=True, type=Path, help="output directory")
    grade.add_argument("--full", action="store_true", help="train as written (default: fast mode)")
    grade.add_argument("--lang", choices=("fr", "en"), default="fr", help="feedback language")
    grade.add_argument("--jobs", type=int, default=None, help="notebooks executing at once (default: what cores and memory allow)")
    grade.add_argument("--force", action="store_true", help="regrade students already graded")
    grade.add_argument("--assignment", default=None, metavar="NAME",
                       help="the assignment to grade (default: what the submissions say, see below)")
    grade.add_argument("--executor", choices=("local", "dask"), default="local")
    grade.add_argument("--scheduler", default=None, help="dask scheduler address (tcp://HOST:PORT)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--no-warm", dest="warm", action="store_false",
                       help="start every kernel cold (a new Python that imports Keras) instead of forking "
                            "it from a process that imported Keras once (default: warm kernels, same "
                            "sandbox and verdicts; also AUTOGRADER_WARM=0)")
    grade.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                       help="time limit of one notebook (default: 900, 3600 with --full)")
    grade.add_argument("--cell-timeout", type=int, default=None, metavar="SECONDS",
                       help="time limit of one cell, then it is interrupted (default: 300, 900 with --full)")
    grade.add_argument("--memory", type=int, default=None, metavar="MB",
                       help="memory limit of one kernel and its children (default: 4096)")

    export = sub.add_parser("export", help="export grades and feedback for an LMS")
    export.add_argument("out", type=Path, metavar="DIR")
    export.add_argument("--to", required=True, choices=("moodle", "canvas", "gradescope", "nbgrader"))
    export.add_argument("--lang", choices=("fr", "en"), default="fr", help="Moodle header language")
    export.add_argument("--dest", type=Path, default=None, help="where to write (default: DIR/export)")
    export.add_argument("--assignment", default=None, metavar="NAME",
                        help="assignment of results that do not record it (written by older versions)")

    report = sub.add_parser("report", help="class report (HTML) from the result files")
    report.add_argument("out", type=Path, metavar="DIR")
    report.add_argument("--lang", choices=("fr", "en"), default="fr")
    report.add_argument("--assignment", default=None, metavar="NAME",
                        help="assignment of results that do not record it (written by older versions)")

    answers = sub.add_parser("answers", help="written answers to grade by hand: one page per manual "
                                             "question (with its rubric) and manual_grades.csv to fill")
    answers.add_argument("out", type=Path, metavar="DIR")
    answers.add_argument("--lang", choices=("fr", "en"), default="fr")
    answers.add_argument("--assignment", default=None, metavar="NAME",
                         help="assignment of results that do not record it (written by older versions)")

    merge = sub.add_parser("merge", help="fold the points of a filled manual_grades.csv into the results, "
                                         "feedback, grades.csv, report and exports")
    merge.add_argument("out", type=Path, metavar="DIR")
    merge.add_argument("csv", type=Path, metavar="CSV")
    merge.add_argument("--assignment", default=None, metavar="NAME",
                       help="assignment of results that do not record it (written by older versions)")

    release = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader, and the "
                                             "student self-check from the assignment's description")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                         help="default: every assignment that has a source/<assignment>/ folder")

    bundle = sub.add_parser("bundle", help="the students' zip of a released assignment (notebook, its files, "
                                           "a README), to attach to the LMS assignment")
    bundle.add_argument("name", metavar="NAME", help="the assignment (released first with `release NAME`)")
    bundle.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                        help="where to write NAME-etudiants.zip (default: the current folder)")
    bundle.add_argument("--lang", choices=("fr", "en"), default="fr",
                        help="language of the README's first part and of the zip's name (both are in it)")

    sub.add_parser("demo", help="generate the release, run the solution, grade the samples")

    new = sub.add_parser("new", help="lay out a new assignment (plugin, source notebook, sample submission)")
    new.add_argument("name", metavar="NAME", help="a lowercase Python identifier, e.g. lab_convnets")
    new.add_argument("--course-root", type=Path, default=None, metavar="DIR",
                     help="course folder (default: AUTOGRADER_COURSE_ROOT, else this kit)")
    new.add_argument("--title-fr", default=None, help="French title (default: TP NAME)")
    new.add_argument("--title-en", default=None, help="English title (default: Lab NAME)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except UsageError as exc:
        parser.error(str(exc))  # exits with 2
        return 2


def _warn_self_check_disagreements(results) -> None:
    """Say which students saw, from their notebook's self-check, a public verdict other than the grade."""
    differing = [r for r in results if (getattr(r, "self_check", None) or {}).get("disagreements")]
    if differing:
        names = ", ".join(r.student for r in differing[:10]) + (" ..." if len(differing) > 10 else "")
        print(f"warning: {len(differing)} notebook(s) whose self-check gave a public verdict other than the "
              f"grade ({names}): see self_check in their results/*.json (a release older than the checks? "
              f"run `python -m autograder release`)", file=sys.stderr)


class UsageError(Exception):
    """A bad command line (missing path, wrong option): reported with exit code 2."""


def _dispatch(args) -> int:
    if args.command == "grade":
        missing = [str(p) for p in args.paths if not p.exists()]
        if missing:
            raise UsageError(f"no such file or directory: {', '.join(missing)}")
        if args.assignment is not None:
            _require_known(args.assignment)
        if args.executor == "dask" and not args.scheduler:
            raise UsageError("--executor dask needs --scheduler tcp://HOST:PORT")
        from autograder.batch.prestart import start_zygote

        # the batch's longest start (its kernels' Keras import), before importing the grading stack
        start_zygote(args.assignment, executor=args.executor, full=args.full, jobs=args.jobs, warm_kernels=args.warm)
        from autograder.batch.run import grade_batch
        from autograder.execution.sandbox import SandboxUnavailable

        try:
            results = grade_batch(
                paths=args.paths, out_dir=args.out, full=args.full, lang=args.lang,
                jobs=args.jobs, force=args.force, assignment=args.assignment,
                executor=args.executor, scheduler=args.scheduler, progress=not args.quiet,
                limits=_limits(args), warm=args.warm,
            )
        except (SandboxUnavailable, ValueError) as exc:   # bad AUTOGRADER_SANDBOX, no sandbox
            raise UsageError(str(exc)) from exc
        _warn_self_check_disagreements(results or [])
        return 0
    if args.command == "export":
        from autograder.outputs.exporters import export

        _require_results(args.out)
        with _outputs_usage():
            written = export(out_dir=args.out, to=args.to, lang=args.lang, dest=args.dest,
                             assignment=args.assignment)
        for path in written:
            print(path)
        return 0
    if args.command == "report":
        from autograder.outputs.report import write_report

        _require_results(args.out)
        with _outputs_usage():
            print(write_report(out_dir=args.out, lang=args.lang, assignment=args.assignment))
        return 0
    if args.command in ("answers", "merge"):
        return _manual_grading(args)
    if args.command == "new":
        from autograder.authoring import AuthoringError, create_assignment

        try:
            made = create_assignment(args.name, course_root=args.course_root,
                                     title_fr=args.title_fr, title_en=args.title_en)
        except AuthoringError as exc:
            raise UsageError(str(exc)) from exc
        print(_new_summary(made))
        return 0
    if args.command == "release":
        from autograder.release import generate_release, releasable_assignments

        names = args.assignments or releasable_assignments()
        if not names:
            raise UsageError("no assignment to release: no source/<assignment>/ folder of a known assignment")
        for name in names:
            _require_known(name)
        for name in names:
            try:
                print(generate_release(name))
            except FileNotFoundError as exc:   # no source folder, a support file missing
                raise UsageError(str(exc)) from exc
        return 0
    if args.command == "bundle":
        from autograder.bundle import BundleError, write_bundle

        _require_known(args.name)
        try:
            made = write_bundle(args.name, out_dir=args.out, lang=args.lang)
        except BundleError as exc:
            raise UsageError(str(exc)) from exc
        print(made.path)
        for member in made.files:
            print(f"  {member}")
        return 0
    if args.command == "demo":
        from autograder.demo import run_demo

        return run_demo()
    raise UsageError(f"unknown command {args.command}")


def _manual_grading(args) -> int:
    """``answers``: write the pages and the CSV; ``merge``: fold the CSV in (a bad CSV: every bad
    line on stderr, exit 2, nothing written)."""
    from autograder.outputs.manual import ManualGradesError, merge_manual_grades

    _require_results(args.out)
    with _outputs_usage():
        if args.command == "answers":
            from autograder.outputs.answers import write_answers

            try:
                written = write_answers(out_dir=args.out, lang=args.lang, assignment=args.assignment)
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            for path in written:
                print(path)
            return 0
        if not args.csv.is_file():
            raise UsageError(f"no such file: {args.csv}")
        try:
            summary = merge_manual_grades(out_dir=args.out, csv_path=args.csv, assignment=args.assignment)
        except ManualGradesError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{summary.graded} manual grade(s) merged, {summary.pending} still to grade; "
          f"{len(summary.changed)} result(s) changed")
    for path in summary.written:
        print(path)
    return 0


def _limits(args) -> dict:
    """The limits given on the command line (each a positive integer)."""
    given = {"total_timeout": ("--timeout", args.timeout), "cell_timeout": ("--cell-timeout", args.cell_timeout),
             "memory_mb": ("--memory", args.memory)}
    limits = {}
    for name, (flag, value) in given.items():
        if value is not None:
            if value <= 0:
                raise UsageError(f"{flag} must be a positive integer, not {value}")
            limits[name] = value
    return limits


@contextlib.contextmanager
def _outputs_usage():
    """Results of several assignments, of none known, of an unknown plugin: usage errors."""
    from autograder.assignments import UnknownAssignment
    from autograder.outputs.assignment import AssignmentMismatch

    try:
        yield
    except (AssignmentMismatch, UnknownAssignment) as exc:
        raise UsageError(str(exc)) from exc


def _new_summary(made) -> str:
    """What ``new`` wrote and the next commands."""
    env = "" if made.course_root == Path(__file__).resolve().parents[1] else \
        f"AUTOGRADER_COURSE_ROOT={made.course_root} "
    lines = [f"assignment {made.name} created:"] + [f"  {p}" for p in made.created] + [
        "next:",
        f"  edit {made.source_notebook} (questions, solutions, hidden-test cells)",
        f"  edit {made.plugin_dir / '__init__.py'} (SPEC) and {made.plugin_dir / 'hidden_checks.py'}",
        f"  {env}python -m autograder release {made.name}",
        f"  {env}python -m autograder grade {made.sample.parent} --out /tmp/{made.name}-out "
        f"--assignment {made.name}",
    ]
    return "\n".join(lines)


def _require_known(name: str) -> None:
    from autograder.assignments import available_assignments

    if name not in available_assignments():
        raise UsageError(f"unknown assignment {name!r} (known: {', '.join(available_assignments()) or 'none'})")


def _require_results(out_dir: Path) -> None:
    if not (Path(out_dir) / "results").is_dir():
        raise UsageError(f"{out_dir} has no results/ folder: run `python -m autograder grade` first")


if __name__ == "__main__":
    sys.exit(main())
