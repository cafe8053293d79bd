"""Points graded by hand, folded into the results: ``python -m autograder merge DIR manual_grades.csv``.

The CSV is the one ``python -m autograder answers DIR`` writes (autograder/outputs/answers.py),
filled by the instructor: columns ``student``, ``check``, ``points`` (required), ``comment``
(optional; ``name`` and ``max`` are there to help and are not read). Comma, semicolon or tab
separated (as a spreadsheet saves it), UTF-8 with or without BOM; ``0,5`` and ``0.5`` both read
as half a point.

The whole file is checked before anything is written: an unknown student, a check that is not
one of the assignment's manual checks, points that are not a number or not in ``[0, max]``, a
(student, check) given twice, a missing column: every bad line is named and nothing changes.
Empty points leave the check to grade (a check graded by an earlier merge goes back to
pending: the file says what is graded); a (student, check) the file does not list is left as
it is.

A graded manual check becomes ``CheckResult(passed=points == max, points=points,
graded_by_hand=True, comment=...)`` (its message stays its label); question and total scores
are recomputed, then rewritten: the result files, the feedback pages, ``grades.csv``, the class
report and the Moodle and Gradescope exports when they exist (every write atomic; the Canvas and
nbgrader exports, which may have taken options, are named in a warning to redo).
Merging again with a corrected file replaces the earlier points.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import AssignmentSpec, ManualCheck
from autograder.outputs.answers import REQUIRED_COLUMNS, csv_delimiter
from autograder.outputs.assignment import spec_for_results
from autograder.results import CheckResult, QuestionResult, StudentResult, load_results, save_result

REEXPORTED = ("moodle", "gradescope")   # exports merge redoes when they exist (they take no option)
NOT_REEXPORTED = ("canvas", "nbgrader")  # options (a roster, a gradebook) merge cannot know: to redo


class ManualGradesError(ValueError):
    """The CSV cannot be merged; ``errors`` holds ``(line, message)`` for every bad line
    (line 0: the file as a whole). Nothing was written."""

    def __init__(self, path: Path, errors: list[tuple[int, str]]):
        self.path, self.errors = Path(path), errors
        lines = [f"  line {line}: {message}" if line else f"  {message}" for line, message in errors]
        super().__init__(f"{self.path}: {len(errors)} problem(s), nothing was merged:\n" + "\n".join(lines))


@dataclass(frozen=True)
class ManualGrade:
    """One filled row: ``points`` None means still to grade."""

    student: str
    check: str
    points: float | None
    comment: str
    line: int


@dataclass
class MergeSummary:
    graded: int = 0                   # (student, check) pairs with points
    pending: int = 0                  # pairs listed with empty points
    changed: list[str] = field(default_factory=list)     # students whose result changed
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading and checking the CSV

def read_grade_rows(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """The columns (stripped, lowercased) and the non-blank rows ``(line, row)`` of the CSV.
    A row with more fields than the header has them under the key ``None``."""
    text = read_csv_text(path)
    reader = csv.reader(io.StringIO(text), delimiter=csv_delimiter(text))
    columns: list[str] | None = None
    rows = []
    for fields in reader:
        if columns is None:
            columns = [f.strip().lower() for f in fields]
            continue
        if not any(f.strip() for f in fields):
            continue
        row = {columns[k]: v for k, v in enumerate(fields[:len(columns)])}
        if len(fields) > len(columns):
            row[None] = fields[len(columns):]
        rows.append((reader.line_num, row))
    return columns or [], rows


def read_csv_text(path: Path) -> str:
    """The CSV's text: UTF-8 (with or without BOM), else Windows-1252, which a spreadsheet
    saving "CSV (semicolon separated)" on Windows writes."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def parse_points(text: str) -> float:
    """``"1"``, ``"0.5"``, ``"0,5"``, ``" 1 "``; ValueError for anything else."""
    cleaned = text.strip().replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(text)
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_manual_grades(path: Path, results: list[StudentResult], spec: AssignmentSpec) -> list[ManualGrade]:
    """Every row of the CSV, checked against the results and the assignment's manual checks;
    ManualGradesError naming every bad line."""
    path = Path(path)
    try:
        columns, rows = read_grade_rows(path)
    except csv.Error as exc:
        raise ManualGradesError(path, [(0, f"not a readable CSV file: {exc}")]) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(c for c in columns if c) or "none"
        raise ManualGradesError(path, [(1, f"missing column(s) {', '.join(missing)} (the header has: {found}); "
                                           f"expected {', '.join(REQUIRED_COLUMNS)}[, comment]")])
    students = {r.student for r in results}
    manual = {m.id: m for m in spec.manual}
    errors: list[tuple[int, str]] = []
    grades: list[ManualGrade] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        student, check = (row.get("student") or "").strip(), (row.get("check") or "").strip()
        raw_points, comment = (row.get("points") or "").strip(), (row.get("comment") or "").strip()
        problems = []
        if None in row:
            problems.append(f"{len(columns) + len(row[None])} fields for {len(columns)} columns "
                            "(a comment with the separator in it must be quoted)")
        if not student:
            problems.append("no student")
        elif student not in students:
            problems.append(f"unknown student {student!r} (no result file {student}.json)")
        if not check:
            problems.append("no check")
        elif check not in manual:
            problems.append(f"{check!r} is not a manual check of {spec.name} "
                            f"(manual checks: {', '.join(manual) or 'none'})")
        points = None
        if raw_points:
            try:
                points = parse_points(raw_points)
            except ValueError:
                problems.append(f"points {raw_points!r} is not a number")
            else:
                top = manual[check].points if check in manual else None
                if points < 0 or (top is not None and points > top + 1e-9):
                    bound = f"[0, {top:g}]" if top is not None else "[0, max]"
                    problems.append(f"points {raw_points} out of {bound}")
        if student and check:
            if (student, check) in seen:
                problems.append(f"{student} / {check} already given on line {seen[(student, check)]}")
            else:
                seen[(student, check)] = line
        if problems:
            errors.append((line, "; ".join(problems)))
        else:
            grades.append(ManualGrade(student, check, points, comment, line))
    if errors:
        raise ManualGradesError(path, errors)
    return grades


# ---------------------------------------------------------------- folding the points in

def grade_check(manual: ManualCheck, grade: ManualGrade | None, lang: str, previous: CheckResult | None) -> CheckResult:
    """The CheckResult of a manual check: graded by hand (``grade`` with points) or pending."""
    label = previous.message if previous is not None and previous.message else manual.label_in(lang)
    if grade is None or grade.points is None:
        return CheckResult(id=manual.id, passed=None, points=0.0, max_points=manual.points, message=label)
    points = round(grade.points, 2)
    return CheckResult(id=manual.id, passed=points >= manual.points - 1e-9, points=points,
                       max_points=manual.points, message=label, graded_by_hand=True, comment=grade.comment)


def rescore(result: StudentResult) -> None:
    """Question scores from their checks, total from the questions (as ``grading.assemble``)."""
    for question in result.questions.values():
        question.score = round(sum(c.points for c in question.checks), 2)
    result.score = round(sum(q.score for q in result.questions.values()), 2)


def apply_grades(result: StudentResult, spec: AssignmentSpec, grades: dict[str, ManualGrade]) -> bool:
    """Put ``grades`` (check id -> row, this student's) into ``result``; True if it changed."""
    before = result.to_dict()
    for check_id, grade in grades.items():
        manual = next(m for m in spec.manual if m.id == check_id)
        question = result.questions.get(manual.question)
        if question is None:
            question = result.questions[manual.question] = QuestionResult(
                score=0.0, max_score=float(spec.questions.get(manual.question, manual.points)))
        index = next((k for k, c in enumerate(question.checks) if c.id == check_id), None)
        previous = question.checks[index] if index is not None else None
        if grade.points is None and previous is not None and previous.pending:
            continue   # still to grade, as it was
        check = grade_check(manual, grade, result.lang if result.lang in ("fr", "en") else "fr", previous)
        if index is None:
            question.checks.append(check)
        else:
            question.checks[index] = check
    rescore(result)
    return result.to_dict() != before


def merge_manual_grades(*, out_dir: Path, csv_path: Path, assignment: str | None = None) -> MergeSummary:
    """Check the whole CSV, then fold its points into the results of ``out_dir`` and rewrite
    every output made from them (see the module docstring). ManualGradesError: nothing written."""
    out_dir = Path(out_dir)
    results = load_results(out_dir)
    spec = spec_for_results(results, assignment, where=str(out_dir))
    if spec is None or not results:
        raise ValueError(f"{out_dir} has no results: grade the class first")
    grades = read_manual_grades(csv_path, results, spec)
    summary = MergeSummary(graded=sum(g.points is not None for g in grades),
                           pending=sum(g.points is None for g in grades))
    summary.warnings += [f"line {g.line}: {g.student} / {g.check}: a comment without points is not merged "
                         "(the check stays to grade)" for g in grades if g.points is None and g.comment]
    by_student: dict[str, dict[str, ManualGrade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, {})[grade.check] = grade
    changed = [r for r in results if r.student in by_student and apply_grades(r, spec, by_student[r.student])]
    summary.changed = [r.student for r in changed]
    summary.written = rewrite_outputs(out_dir, results, changed, spec, summary)
    return summary


def rewrite_outputs(out_dir: Path, results: list[StudentResult], changed: list[StudentResult],
                    spec: AssignmentSpec, summary: MergeSummary) -> list[Path]:
    """Result files and feedback pages of the changed students, then grades.csv, and the report
    and exports that exist (each in the language it was written in)."""
    from autograder.outputs.feedback import write_feedback
    from autograder.outputs.grades_table import write_grades_csv

    written = []
    for result in changed:
        written.append(save_result(result, out_dir))
        written.append(write_feedback(result, out_dir, result.lang if result.lang in ("fr", "en") else "fr", spec))
    written.append(write_grades_csv(results, out_dir, spec))
    report = out_dir / "report" / "index.html"
    if report.is_file():
        from autograder.outputs.report import write_report

        written.append(write_report(out_dir=out_dir, lang=page_lang(report), assignment=spec.name))
    written += reexport(out_dir, spec, summary)
    return written


def page_lang(page: Path, default: str = "fr") -> str:
    """The language an HTML page of the kit was written in (its ``<html lang>``)."""
    head = page.read_text(encoding="utf-8", errors="replace")[:400]
    match = re.search(r'<html lang="(\w+)"', head)
    return match.group(1) if match and match.group(1) in ("fr", "en") else default


def reexport(out_dir: Path, spec: AssignmentSpec, summary: MergeSummary) -> list[Path]:
    """Run again the exports found in ``out_dir/export/`` (the default destinations)."""
    from autograder.outputs.exporters import export

    written = []
    for target in REEXPORTED:
        folder = out_dir / "export" / target
        if folder.is_dir() and any(folder.iterdir()):
            written += export(out_dir=out_dir, to=target, lang=export_lang(folder, target), assignment=spec.name)
    for target in NOT_REEXPORTED:
        if (out_dir / "export" / target).is_dir():
            summary.warnings.append(f"the {target} export was not redone (it may have taken options: a "
                                    f"roster, a gradebook): run `python -m autograder export {out_dir} "
                                    f"--to {target}` again as you did the first time")
    return written


def export_lang(folder: Path, target: str) -> str:
    """The language an export was written in: the Moodle worksheet's headers say it."""
    if target == "moodle":
        from autograder.outputs.exporters.moodle import HEADERS, WORKSHEET

        sheet = folder / WORKSHEET
        if sheet.is_file():
            first = sheet.read_text(encoding="utf-8-sig").split(",", 1)[0].strip()
            for lang, headers in HEADERS.items():
                if first == headers[0]:
                    return lang
    return "fr"
