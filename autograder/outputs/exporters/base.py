"""What every exporter shares: the base class, the manual-check test and the short grade comment.

Numbers, question order and status texts come from ``autograder.outputs.texts``; the
assignment (names, questions, manual checks) from the ``AssignmentSpec`` the results grade.
"""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from autograder.assignments import AssignmentSpec
from autograder.files import write_text_atomic
from autograder.outputs.texts import check_lang, format_points, ordered_questions, status_short
from autograder.results import CheckResult, QuestionResult, StudentResult

log = logging.getLogger("autograder.outputs.exporters")

COMMENT = {
    "fr": {"total": "Note automatique : {score}/{max} ({status}).",
           "total_by_hand": "Note : {score}/{max} ({status}), dont {points} pt corrigés à la main.",
           "pending": "À corriger à la main : {points} pt.", "details": "Détails : feedback.html."},
    "en": {"total": "Automatic grade: {score}/{max} ({status}).",
           "total_by_hand": "Grade: {score}/{max} ({status}), {points} pt of it graded by hand.",
           "pending": "Still to grade by hand: {points} pt.", "details": "Details: feedback.html."},
}


class Exporter:
    """One LMS target. Subclasses take their options as keyword-only constructor arguments;
    ``spec`` is the assignment the exported results grade (given by ``export``)."""

    name = ""

    def __init__(self, *, lang: str = "fr", spec: AssignmentSpec):
        self.lang = check_lang(lang)
        self.spec = spec
        self.warnings: list[str] = []

    def export(self, results: list[StudentResult], *, out_dir: Path, dest: Path) -> list[Path]:
        """Write the files for this LMS under ``dest`` and return their paths."""
        raise NotImplementedError

    def warn(self, english: str, french: str) -> None:
        message = f"{english} / {french}"
        log.warning(message)
        self.warnings.append(message)

    def write_readme(self, dest: Path, instructions: str) -> Path:
        """README.txt: the assignment, how to import, then every warning of this export."""
        lines = [f"{self.spec.name}: {self.spec.title_in('en')} / {self.spec.title_in('fr')}", "",
                 instructions.strip(), ""]
        if self.warnings:
            lines += ["Warnings / Avertissements:"] + [f"- {w}" for w in self.warnings]
        else:
            lines.append("No warnings. / Aucun avertissement.")
        return write_text_atomic(dest / "README.txt", "\n".join(lines) + "\n")

    # -- the assignment's view of a result
    def sorted_questions(self, result: StudentResult) -> list[tuple[str, QuestionResult]]:
        """The result's questions in the assignment's order."""
        return [(qid, result.questions[qid])
                for qid in ordered_questions(result.questions, self.spec.questions)]

    def is_manual(self, check: CheckResult) -> bool:
        """Graded by hand: one of the assignment's manual checks, still pending or graded."""
        return check.is_manual({m.id for m in self.spec.manual})

    def grade_comment(self, result: StudentResult) -> str:
        """One line for an LMS comment: total, score per question, points still to grade by hand."""
        lang, text = self.lang, COMMENT[self.lang]
        points = lambda x: format_points(x, lang)  # noqa: E731
        by_hand = [c for q in result.questions.values() for c in q.checks if c.graded_by_hand]
        total = text["total_by_hand"] if by_hand else text["total"]
        parts = [total.format(score=points(result.score), max=points(result.max_score),
                              status=status_short(result.status, lang),
                              points=points(sum(c.points for c in by_hand)))]
        scores = (" ; " if lang == "fr" else "; ").join(
            f"{qid} {points(q.score)}/{points(q.max_score)}" for qid, q in self.sorted_questions(result))
        parts.append(f"{scores}." if scores else "")
        if result.pending_points:
            parts.append(text["pending"].format(points=points(result.pending_points)))
        parts.append(text["details"])
        return " ".join(p for p in parts if p)




def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """UTF-8 without BOM, comma separated, every field quoted only when needed (atomic)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return write_text_atomic(path, buffer.getvalue())
