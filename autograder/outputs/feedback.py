"""Feedback page of one student: a self-contained HTML file (inline CSS, no external assets).

    out_dir/feedback/<student>.html

The page shows the score, what happened when the grading did not end normally, and for each
question the checks with their (already localized) messages. Messages come from submissions
and checks, so the template autoescapes everything.
"""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from autograder.assignments import AssignmentSpec
from autograder.files import write_text_atomic
from autograder.outputs.assignment import spec_for_result
from autograder.outputs.texts import (
    format_points, french_spacing, localized, ordered_questions, status_texts,
)
from autograder.results import CheckResult, QuestionResult, StudentResult

TEMPLATES = Path(__file__).parent / "templates"

LABELS = {
    "fr": {
        "page": "Retour de correction",
        "student": "Étudiant·e",
        "score": "Note",
        "question": "Question",
        "passed": "réussi",
        "failed": "à revoir",
        "pending": "à corriger à la main",
        "by_hand": "corrigé à la main",
        "comment": "Commentaire de l'enseignant·e",
        "colon": " :",
        "pending_note": "{points} point restant à corriger à la main : cette note est provisoire.",
        "pending_note_plural": "{points} points restent à corriger à la main : "
                               "cette note est provisoire.",
        "what_happened": "Ce qui s'est passé",
        "what_to_do": "Que faire ?",
        "execution": "Notes d'exécution",
        "no_questions": "Aucune question n'a pu être vérifiée.",
        "no_checks": "Aucune vérification pour cette question.",
        "default_passed": "Vérification réussie.",
        "default_failed": "Cette vérification a échoué.",
        "default_pending": "Réponse à corriger à la main par l'enseignant·e.",
        "footer": "Page générée automatiquement par le correcteur. "
                  "Une question sur votre note ? Adressez-vous à votre enseignant·e.",
    },
    "en": {
        "page": "Grading feedback",
        "student": "Student",
        "score": "Score",
        "question": "Question",
        "passed": "passed",
        "failed": "to fix",
        "pending": "to be graded by hand",
        "by_hand": "graded by hand",
        "comment": "Teacher's comment",
        "colon": ":",
        "pending_note": "{points} point is still to be graded by hand: this score is provisional.",
        "pending_note_plural": "{points} points are still to be graded by hand: "
                               "this score is provisional.",
        "what_happened": "What happened",
        "what_to_do": "What can you do?",
        "execution": "Execution notes",
        "no_questions": "No question could be checked.",
        "no_checks": "No check for this question.",
        "default_passed": "Check passed.",
        "default_failed": "This check failed.",
        "default_pending": "Answer to be graded by hand by your teacher.",
        "footer": "Page generated automatically by the grader. "
                  "A question about your grade? Ask your teacher.",
    },
}


def labels(lang: str) -> dict:
    """The static texts of the page in ``lang``."""
    return localized(LABELS, lang)


CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(text) -> Markup:
    """A message as HTML: escaped, and the names between backticks (`model`, as the check
    library writes them) shown as inline code. Unpaired backticks stay as they are."""
    return Markup(CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(str(text)))))


def template_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["points"] = format_points
    env.filters["code"] = code_spans
    return env


def check_state(check: CheckResult) -> str:
    if check.pending:
        return "pending"
    return "passed" if check.passed else "failed"


def _check_view(check: CheckResult, labels: dict) -> dict:
    state = check_state(check)
    text = check.message or labels[f"default_{state}"]
    return {
        "id": check.id, "state": state, "text": text,
        "label": labels["by_hand"] if check.graded_by_hand else labels[state],
        # a passed check's message is what it verified, one note per line
        "lines": [line for line in text.splitlines() if line.strip()] or [text],
        "points": check.points, "max_points": check.max_points,
        "comment": check.comment if check.graded_by_hand else "",
    }


def question_number(qid: str, spec: AssignmentSpec) -> str:
    """"3" for the assignment's third question; a question it does not list shows its id."""
    order = list(spec.questions)
    return str(order.index(qid) + 1) if qid in order else qid


def _question_view(qid: str, question: QuestionResult, lang: str, spec: AssignmentSpec) -> dict:
    checks = [_check_view(c, labels(lang)) for c in question.checks]
    if question.max_score and question.score >= question.max_score:
        state = "full"
    else:
        state = "partial" if question.score > 0 else "zero"
    return {
        "id": qid, "title": spec.question_title(qid, lang) if qid in spec.questions else "",
        "number": question_number(qid, spec),
        "score": question.score, "max_score": question.max_score,
        "state": state, "checks": checks,
    }


def render_feedback(result: StudentResult, lang: str = "fr", spec: AssignmentSpec | None = None) -> str:
    """The complete HTML page of one student; ``spec`` defaults to the result's assignment."""
    t = labels(lang)
    spec = spec or spec_for_result(result)
    questions = [
        _question_view(qid, result.questions[qid], lang, spec)
        for qid in ordered_questions(result.questions, spec.questions)
    ]
    status = None if result.status == "graded" else status_texts(result.status, lang)
    return template_env().get_template("feedback.html.j2").render(
        lang=lang, t=t, result=result, questions=questions, assignment_title=assignment_title(spec, lang),
        full_name=result.identity.get("full_name") or result.identity.get("name") or "",
        status=None if status is None else (status.title, status.happened, status.todo),
        pending_note=_pending_note(result, lang),
    )


def assignment_title(spec: AssignmentSpec, lang: str) -> str:
    """The assignment's title as pages show it (French spacing in French)."""
    title = spec.title_in(lang)
    return french_spacing(title) if lang == "fr" else title


def _pending_note(result: StudentResult, lang: str) -> str:
    """"4 points restent à corriger à la main…", or "" when nothing is left to grade by hand."""
    pending = result.pending_points
    if not pending:
        return ""
    plural = pending >= 2 if lang == "fr" else pending != 1  # French: "1,5 point"
    note = labels(lang)["pending_note_plural" if plural else "pending_note"]
    return note.format(points=format_points(pending, lang))


def write_feedback(result: StudentResult, out_dir: Path, lang: str = "fr",
                   spec: AssignmentSpec | None = None) -> Path:
    """Write ``out_dir/feedback/<student>.html`` and return its path."""
    path = Path(out_dir) / "feedback" / f"{result.student}.html"
    return write_text_atomic(path, render_feedback(result, lang, spec))
