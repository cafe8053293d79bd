"""The class grade table: ``out_dir/grades.csv``, one row per student, sorted by student.

Columns: ``student, q1 … q7, total, max, status``. Scores are plain numbers with a dot and at
most 2 decimals (``15.5``); a question a student has no result for (e.g. an unreadable notebook)
counts 0.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.outputs.feedback import format_points, write_text_atomic
from autograder.results import StudentResult

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
COLUMNS = ("student", *QUESTIONS, "total", "max", "status")


def grade_row(result: StudentResult) -> list[str]:
    scores = [
        result.questions[qid].score if qid in result.questions else 0.0 for qid in QUESTIONS
    ]
    numbers = [*scores, result.score, result.max_score]
    return [result.student, *(format_points(x, "en") for x in numbers), result.status]


def write_grades_csv(results: list[StudentResult], out_dir: Path) -> Path:
    """Write ``out_dir/grades.csv`` atomically and return its path."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for result in sorted(results, key=lambda r: r.student):
        writer.writerow(grade_row(result))
    return write_text_atomic(Path(out_dir) / "grades.csv", buffer.getvalue())
