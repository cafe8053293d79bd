"""What every exporter shares: the base class, number formats and the short grade comment."""
from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

from autograder.results import CheckResult, StudentResult

log = logging.getLogger("autograder.outputs.exporters")

STATUS_TEXT = {
    "fr": {
        "graded": "corrigé", "timeout": "temps limite atteint", "memory": "mémoire dépassée",
        "kernel-died": "le noyau s'est arrêté", "output-limit": "trop de sorties affichées",
        "invalid-notebook": "carnet illisible", "crashed": "erreur du correcteur",
    },
    "en": {
        "graded": "graded", "timeout": "time limit reached", "memory": "memory limit reached",
        "kernel-died": "the kernel died", "output-limit": "too much output",
        "invalid-notebook": "unreadable notebook", "crashed": "grader error",
    },
}
COMMENT = {
    "fr": {"total": "Note automatique : {score}/{max} ({status}).",
           "pending": "À corriger à la main : {points} pt.", "details": "Détails : feedback.html."},
    "en": {"total": "Automatic grade: {score}/{max} ({status}).",
           "pending": "Still to grade by hand: {points} pt.", "details": "Details: feedback.html."},
}


class Exporter:
    """One LMS target. Subclasses take their options as keyword-only constructor arguments."""

    name = ""

    def __init__(self, *, lang: str = "fr"):
        if lang not in STATUS_TEXT:
            raise ValueError(f"lang must be one of {sorted(STATUS_TEXT)}, not {lang!r}")
        self.lang = lang
        self.warnings: list[str] = []

    def export(self, results: list[StudentResult], *, out_dir: Path, dest: Path) -> list[Path]:
        """Write the files for this LMS under ``dest`` and return their paths."""
        raise NotImplementedError

    def warn(self, english: str, french: str) -> None:
        message = f"{english} / {french}"
        log.warning(message)
        self.warnings.append(message)

    def write_readme(self, dest: Path, instructions: str) -> Path:
        """README.txt: how to import, then every warning of this export."""
        lines = [instructions.strip(), ""]
        if self.warnings:
            lines += ["Warnings / Avertissements:"] + [f"- {w}" for w in self.warnings]
        else:
            lines.append("No warnings. / Aucun avertissement.")
        path = dest / "README.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def fmt_points(value: float, *, decimal: str = ".", places: int | None = None) -> str:
    """``15.5`` -> ``"15.5"``; ``places=2`` keeps two decimals (``"15.50"``)."""
    text = f"{value:.{places}f}" if places is not None else f"{round(value, 2):g}"
    return text.replace(".", decimal)


def is_pending(check: CheckResult) -> bool:
    """A check graded by hand that nobody has graded yet."""
    return check.passed is None


def is_manual(check: CheckResult) -> bool:
    """Graded by hand: still pending, or named like nbgrader's manual cells (``q1_answer``)."""
    return is_pending(check) or check.id.endswith(("_answer", "_manual"))


def question_order(qid: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", qid)
    return (int(digits) if digits else 10**6, qid)


def sorted_questions(result: StudentResult) -> list[tuple[str, object]]:
    return sorted(result.questions.items(), key=lambda item: question_order(item[0]))


def pending_points(result: StudentResult) -> float:
    return sum(c.max_points for q in result.questions.values() for c in q.checks if is_pending(c))


def grade_comment(result: StudentResult, lang: str) -> str:
    """One line for an LMS comment: total, score per question, points still to grade by hand."""
    decimal = "," if lang == "fr" else "."
    text = COMMENT[lang]
    status = STATUS_TEXT[lang].get(result.status, result.status)
    parts = [text["total"].format(score=fmt_points(result.score, decimal=decimal),
                                  max=fmt_points(result.max_score, decimal=decimal), status=status)]
    scores = (" ; " if lang == "fr" else "; ").join(
        f"{qid} {fmt_points(q.score, decimal=decimal)}/{fmt_points(q.max_score, decimal=decimal)}"
        for qid, q in sorted_questions(result)
    )
    parts.append(f"{scores}." if scores else "")
    if pending_points(result):
        parts.append(text["pending"].format(points=fmt_points(pending_points(result), decimal=decimal)))
    parts.append(text["details"])
    return " ".join(p for p in parts if p)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """UTF-8 without BOM, comma separated, every field quoted only when needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path
