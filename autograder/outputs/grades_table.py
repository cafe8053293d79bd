"""The class grade table: ``out_dir/grades.csv``, one row per student, sorted by student.

Columns: ``student``, one column per question of the assignment in its order (then any other
question found in the results, so that none is silently dropped), ``total, max, status``.
Scores are plain numbers with a dot and at most 2 decimals (``15.5``); a question a student
has no result for (e.g. an unreadable notebook) counts 0.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.assignments import AssignmentSpec
from autograder.files import write_text_atomic
from autograder.outputs.assignment import spec_for_results
from autograder.outputs.texts import format_points, ordered_questions
from autograder.results import StudentResult


def question_columns(results: list[StudentResult], spec: AssignmentSpec | None) -> list[str]:
    """The assignment's questions in order, then those only found in the results."""
    order = tuple(spec.questions) if spec else ()
    found = [qid for r in results for qid in r.questions]
    return ordered_questions([*order, *found], order)


def columns(questions: list[str]) -> list[str]:
    return ["student", *questions, "total", "max", "status"]


def grade_row(result: StudentResult, questions: list[str]) -> list[str]:
    scores = [
        result.questions[qid].score if qid in result.questions else 0.0 for qid in questions
    ]
    numbers = [*scores, result.score, result.max_score]
    return [result.student, *(format_points(x, "en") for x in numbers), result.status]


def write_grades_csv(results: list[StudentResult], out_dir: Path,
                     spec: AssignmentSpec | None = None) -> Path:
    """Write ``out_dir/grades.csv`` atomically and return its path; ``spec`` defaults to the
    results' assignment (``AssignmentMismatch`` for a folder mixing assignments)."""
    spec = spec or spec_for_results(results, where=str(out_dir))
    questions = question_columns(results, spec)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(questions))
    for result in sorted(results, key=lambda r: r.student):
        writer.writerow(grade_row(result, questions))
    return write_text_atomic(Path(out_dir) / "grades.csv", buffer.getvalue())
