"""Synthetic result records shaped like the real assignment (q1..q7, 20 points).

Per question: automatic checks worth the ``<q>_tests`` cell's points, and for q1, q3, q4, q5
one manual check ``<q>_answer`` (1 point, ``passed=None`` until graded by hand).
"""
from __future__ import annotations

from pathlib import Path

from autograder.results import CheckResult, QuestionResult, StudentResult, save_result

ASSIGNMENT = "td_keras_mlp"
AUTO_POINTS = {"q1": 1, "q2": 3, "q3": 3, "q4": 3, "q5": 2, "q6": 2, "q7": 2}
MANUAL = ("q1", "q3", "q4", "q5")
SECRET = "HIDDEN-DETAIL"   # put in every check message: must never reach a visible output


def make_question(qid: str, ratio: float) -> QuestionResult:
    """Two automatic checks sharing the points (the first passed if ratio >= .5, the second
    if ratio == 1), plus the pending manual check when the question has one."""
    half = AUTO_POINTS[qid] / 2
    passed = [ratio >= 0.5, ratio >= 1]
    checks = [
        CheckResult(f"{qid}_check{i}", ok, half if ok else 0.0, half, f"{SECRET} {qid} check {i}")
        for i, ok in enumerate(passed, start=1)
    ]
    if qid in MANUAL:
        checks.append(CheckResult(f"{qid}_answer", None, 0.0, 1.0, ""))
    return QuestionResult(score=sum(c.points for c in checks),
                          max_score=sum(c.max_points for c in checks), checks=checks)


def make_result(student: str, *, ratio: float = 1.0, status: str = "graded",
                identity: dict | None = None, lang: str = "fr") -> StudentResult:
    questions = {qid: make_question(qid, ratio) for qid in AUTO_POINTS}
    return StudentResult(
        student=student, score=sum(q.score for q in questions.values()), max_score=20,
        status=status, assignment=ASSIGNMENT, questions=questions, identity=dict(identity or {}),
        messages=["Exécution terminée."], lang=lang, elapsed_s=12.3,
    )


def write_results(out_dir: Path, results: list[StudentResult], *, feedback: bool = True) -> Path:
    """``out_dir/results/<student>.json`` and a stub ``out_dir/feedback/<student>.html``."""
    for result in results:
        save_result(result, out_dir)
        if feedback:
            page = out_dir / "feedback" / f"{result.student}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"<html><body>{result.student}</body></html>", encoding="utf-8")
    return out_dir
