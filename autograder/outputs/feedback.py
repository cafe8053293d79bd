"""Feedback page of one student: a self-contained HTML file (inline CSS, no external assets).

    out_dir/feedback/<student>.html

The page shows the score, what happened when the grading did not end normally, and for each
question the checks with their (already localized) messages. Messages come from submissions
and checks, so the template autoescapes everything.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from autograder.results import CheckResult, QuestionResult, StudentResult

LANGS = ("fr", "en")
TEMPLATES = Path(__file__).parent / "templates"

LABELS = {
    "fr": {
        "assignment": "TD : Keras & perceptron multi-couches",
        "page": "Retour de correction",
        "student": "Étudiant·e",
        "score": "Note",
        "question": "Question",
        "passed": "réussi",
        "failed": "à revoir",
        "pending": "à corriger à la main",
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
        "assignment": "Lab: Keras & multi-layer perceptron",
        "page": "Grading feedback",
        "student": "Student",
        "score": "Score",
        "question": "Question",
        "passed": "passed",
        "failed": "to fix",
        "pending": "to be graded by hand",
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

QUESTION_TITLES = {
    "fr": {
        "q1": "Les données (MNIST et Boston)",
        "q2": "Modèle sans couche cachée",
        "q3": "1, 2 et 3 couches cachées",
        "q4": "Nombre de paramètres",
        "q5": "Validation sur 30 % des données",
        "q6": "Régularisation L1",
        "q7": "Dropout",
    },
    "en": {
        "q1": "The data (MNIST and Boston)",
        "q2": "Model without hidden layer",
        "q3": "1, 2 and 3 hidden layers",
        "q4": "Number of parameters",
        "q5": "Validation on 30 % of the data",
        "q6": "L1 regularization",
        "q7": "Dropout",
    },
}

# status -> (short title, what happened, what the student can do)
STATUS_TEXTS = {
    "fr": {
        "timeout": (
            "Temps limite dépassé",
            "L'exécution de votre notebook a dépassé une limite de temps (celle d'une cellule ou "
            "celle du notebook entier) ; ce qui la dépassait a été interrompu. La note porte sur "
            "ce qui avait été construit, les remarques ci-dessous disent où.",
            "Vérifiez qu'aucune cellule ne boucle sans fin, gardez des entraînements courts "
            "(environ 10 époques) et n'entraînez pas plusieurs fois le même modèle. "
            "Avant de rendre, faites « Noyau → Redémarrer et tout exécuter » et vérifiez que "
            "tout se termine.",
        ),
        "memory": (
            "Mémoire insuffisante",
            "Votre notebook a utilisé plus de mémoire que la limite autorisée et a été arrêté. "
            "La note porte sur ce qui avait été construit avant l'arrêt.",
            "Évitez de copier les données plusieurs fois, de créer des couches démesurées "
            "(des milliers de neurones) ou un batch_size énorme. Gardez les tailles demandées "
            "dans l'énoncé.",
        ),
        "kernel-died": (
            "Le noyau Python s'est arrêté",
            "Le noyau qui exécutait votre notebook s'est arrêté en cours de route (appel à exit(), "
            "plantage d'une bibliothèque…). La note porte sur ce qui avait été construit avant.",
            "Retirez les appels à exit(), quit() ou os._exit(), puis faites "
            "« Noyau → Redémarrer et tout exécuter » : le notebook doit aller jusqu'au bout "
            "sans erreur.",
        ),
        "output-limit": (
            "Trop de texte affiché",
            "Votre notebook a affiché plus de texte que la limite autorisée ; l'affichage a été "
            "coupé et l'exécution arrêtée. La note porte sur ce qui a pu être vérifié.",
            "Entraînez avec verbose=2 (une ligne par époque) ou verbose=0, et n'affichez pas des "
            "tableaux entiers (print(X_train)) : affichez plutôt leur forme (X_train.shape).",
        ),
        "invalid-notebook": (
            "Notebook illisible",
            "Le fichier rendu n'est pas un notebook Jupyter lisible (fichier vide ou abîmé, ou "
            "autre format qu'un .ipynb). Rien n'a pu être exécuté, la note est donc 0.",
            "Rendez le fichier .ipynb enregistré depuis Jupyter (pas un .py, .html ou .pdf) et "
            "vérifiez qu'il s'ouvre bien avant de le déposer. Prévenez votre enseignant·e.",
        ),
        "crashed": (
            "Erreur du correcteur",
            "Le correcteur automatique a rencontré une erreur interne sur votre rendu. Ce n'est "
            "pas forcément de votre faute.",
            "Prévenez votre enseignant·e : votre rendu sera corrigé à nouveau ou à la main.",
        ),
        None: (
            "Correction incomplète",
            "La correction ne s'est pas terminée normalement.",
            "Prévenez votre enseignant·e.",
        ),
    },
    "en": {
        "timeout": (
            "Time limit reached",
            "Running your notebook hit a time limit (that of one cell or that of the whole "
            "notebook); what went past it was interrupted. The score is based on what had been "
            "built; the notes below say where.",
            "Make sure no cell loops forever, keep training short (about 10 epochs) and do not "
            "train the same model several times. Before submitting, use “Kernel → Restart & Run "
            "All” and check that everything finishes.",
        ),
        "memory": (
            "Out of memory",
            "Your notebook used more memory than allowed and was stopped. "
            "The score is based on what had been built before it stopped.",
            "Avoid copying the data many times, huge layers (thousands of units) or a huge "
            "batch_size. Keep the sizes asked for in the lab sheet.",
        ),
        "kernel-died": (
            "The Python kernel stopped",
            "The kernel running your notebook stopped midway (a call to exit(), a library "
            "crash…). The score is based on what had been built before.",
            "Remove calls to exit(), quit() or os._exit(), then use “Kernel → Restart & Run All”: "
            "the notebook must run to the end without errors.",
        ),
        "output-limit": (
            "Too much output",
            "Your notebook printed more text than allowed; the output was cut and the run "
            "stopped. The score is based on what could be checked.",
            "Train with verbose=2 (one line per epoch) or verbose=0, and do not print whole "
            "arrays (print(X_train)): print their shape instead (X_train.shape).",
        ),
        "invalid-notebook": (
            "Unreadable notebook",
            "The submitted file is not a readable Jupyter notebook (empty or damaged file, or "
            "another format than .ipynb). Nothing could be run, so the score is 0.",
            "Submit the .ipynb file saved from Jupyter (not a .py, .html or .pdf) and check "
            "that it opens before uploading it. Tell your teacher.",
        ),
        "crashed": (
            "Grader error",
            "The autograder hit an internal error on your submission. This is not necessarily "
            "your fault.",
            "Tell your teacher: your submission will be graded again or by hand.",
        ),
        None: (
            "Incomplete grading",
            "The grading did not end normally.",
            "Tell your teacher.",
        ),
    },
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def format_points(value: float, lang: str = "fr") -> str:
    """15.5 -> '15,5' in French, '15.5' in English; at most 2 decimals, no trailing zeros."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    text = "0" if text == "-0" else text
    return text.replace(".", ",") if lang == "fr" else text


def question_key(qid: str) -> tuple:
    """Natural order: q2 before q10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", qid))


def french_spacing(text: str) -> str:
    """Non-breaking spaces of French typography, so that ":", "?" or "»" never start a line."""
    for plain, tied in ((" :", "\u00a0:"), (" ;", "\u00a0;"), (" ?", "\u00a0?"),
                        (" !", "\u00a0!"), ("« ", "«\u00a0"), (" »", "\u00a0»")):
        text = text.replace(plain, tied)
    return text


def labels(lang: str, table: dict = LABELS) -> dict:
    """The static texts of ``table`` in ``lang``, with French spacing in French."""
    texts = table[check_lang(lang)]
    return {k: french_spacing(v) for k, v in texts.items()} if lang == "fr" else dict(texts)


def status_text(status: str, lang: str = "fr") -> tuple[str, str, str]:
    """(title, what happened, what to do) for a status other than "graded"."""
    texts = STATUS_TEXTS[check_lang(lang)]
    title, happened, todo = texts.get(status, texts[None])
    spacing = french_spacing if lang == "fr" else str
    return spacing(title), spacing(happened), spacing(todo)


def template_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["points"] = format_points
    return env


def check_state(check: CheckResult) -> str:
    if check.passed is None:
        return "pending"
    return "passed" if check.passed else "failed"


def _check_view(check: CheckResult, labels: dict) -> dict:
    state = check_state(check)
    return {
        "id": check.id, "state": state, "label": labels[state],
        "text": check.message or labels[f"default_{state}"],
        "points": check.points, "max_points": check.max_points,
    }


def _question_view(qid: str, question: QuestionResult, lang: str) -> dict:
    checks = [_check_view(c, labels(lang)) for c in question.checks]
    if question.max_score and question.score >= question.max_score:
        state = "full"
    else:
        state = "partial" if question.score > 0 else "zero"
    return {
        "id": qid, "title": QUESTION_TITLES[lang].get(qid, ""),
        "number": qid.lstrip("qQ").replace("_", " "),
        "score": question.score, "max_score": question.max_score,
        "state": state, "checks": checks,
    }


def render_feedback(result: StudentResult, lang: str = "fr") -> str:
    """The complete HTML page of one student."""
    t = labels(lang)
    questions = [
        _question_view(qid, result.questions[qid], lang)
        for qid in sorted(result.questions, key=question_key)
    ]
    return template_env().get_template("feedback.html.j2").render(
        lang=lang, t=t, result=result, questions=questions,
        full_name=result.identity.get("full_name") or result.identity.get("name") or "",
        status=None if result.status == "graded" else status_text(result.status, lang),
        pending_note=_pending_note(result, lang),
    )


def _pending_note(result: StudentResult, lang: str) -> str:
    """"4 points restent à corriger à la main…", or "" when nothing is left to grade by hand."""
    pending = sum(
        c.max_points for q in result.questions.values() for c in q.checks if c.passed is None
    )
    if not pending:
        return ""
    plural = pending >= 2 if lang == "fr" else pending != 1  # French: "1,5 point"
    note = labels(lang)["pending_note_plural" if plural else "pending_note"]
    return note.format(points=format_points(pending, lang))


def write_text_atomic(path: Path, text: str) -> Path:
    """Write text so that a crash never leaves a half-written file (same as write_json_atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; pages are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_feedback(result: StudentResult, out_dir: Path, lang: str = "fr") -> Path:
    """Write ``out_dir/feedback/<student>.html`` and return its path."""
    path = Path(out_dir) / "feedback" / f"{result.student}.html"
    return write_text_atomic(path, render_feedback(result, lang))
