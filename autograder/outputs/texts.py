"""What every output shares: languages, French typography, the points format, the question
order and the texts of the grading statuses (short for tables and LMS comments, long for the
feedback page).

Nothing here names an assignment: titles and question titles come from the assignment's
``AssignmentSpec`` (see ``autograder.outputs.assignment``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

LANGS = ("fr", "en")


def check_lang(lang: str) -> str:
    """``lang`` when it is one of LANGS, ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def french_spacing(text: str) -> str:
    """Non-breaking spaces of French typography, so that ":", "?" or "»" never start a line."""
    for plain, tied in ((" :", "\u00a0:"), (" ;", "\u00a0;"), (" ?", "\u00a0?"),
                        (" !", "\u00a0!"), ("« ", "«\u00a0"), (" »", "\u00a0»")):
        text = text.replace(plain, tied)
    return text


def localized(table: dict, lang: str) -> dict:
    """The static texts of ``table[lang]``, with French spacing in French."""
    texts = table[check_lang(lang)]
    return {k: french_spacing(v) for k, v in texts.items()} if lang == "fr" else dict(texts)


# ---------------------------------------------------------------- points

def format_points(value: float, lang: str = "fr", *, places: int | None = None) -> str:
    """A number of points as people and LMSs read it.

    ``lang="fr"`` writes a decimal comma (``15,5``), ``lang="en"`` a dot (``15.5``, the plain
    form of CSV files). By default at most 2 decimals and no trailing zeros (``16``, ``1.33``);
    ``places=2`` keeps exactly two (``16.00``, what Moodle writes).
    """
    value = float(value)
    if places is None:
        text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.{places}f}"
    if text.lstrip("-").strip("0.,") == "":   # no "-0" or "-0.00"
        text = text.lstrip("-")
    return text.replace(".", ",") if lang == "fr" else text


# ---------------------------------------------------------------- question order

def natural_key(qid: str) -> tuple:
    """Natural order of ids: ``part2`` before ``part10``."""
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in re.split(r"(\d+)", qid) if p)


def question_sort_key(order: Iterable[str] = ()) -> Callable[[str], tuple]:
    """Sort key of question ids: the assignment's order (``spec.questions``) first, then any
    other id in natural order."""
    rank = {qid: i for i, qid in enumerate(order)}
    return lambda qid: (0, rank[qid], ()) if qid in rank else (1, 0, natural_key(qid))


def ordered_questions(qids: Iterable[str], order: Iterable[str] = ()) -> list[str]:
    """``qids`` without repeats, in the assignment's order then natural order."""
    return sorted(set(qids), key=question_sort_key(order))


# ---------------------------------------------------------------- statuses

@dataclass(frozen=True)
class StatusText:
    """How a grading status reads: ``short`` in tables and LMS comments, ``title``,
    ``happened`` and ``todo`` in the box of the feedback page."""

    short: str
    title: str
    happened: str = ""
    todo: str = ""


STATUS_TEXTS: dict[str, dict[str | None, StatusText]] = {
    "fr": {
        "graded": StatusText("corrigé", "corrigé"),
        "timeout": StatusText(
            "temps limite atteint",
            "Temps limite dépassé",
            "L'exécution de votre notebook a dépassé une limite de temps (celle d'une cellule ou "
            "celle du notebook entier) ; ce qui la dépassait a été interrompu. La note porte sur "
            "ce qui avait été construit, les remarques ci-dessous disent où.",
            "Vérifiez qu'aucune cellule ne boucle sans fin, gardez des entraînements courts "
            "(le nombre d'époques demandé par l'énoncé) et n'entraînez pas plusieurs fois le même "
            "modèle. Avant de rendre, faites « Noyau → Redémarrer et tout exécuter » et vérifiez "
            "que tout se termine.",
        ),
        "memory": StatusText(
            "mémoire dépassée",
            "Mémoire insuffisante",
            "Votre notebook a utilisé plus de mémoire que la limite autorisée et a été arrêté. "
            "La note porte sur ce qui avait été construit avant l'arrêt.",
            "Évitez de copier les données plusieurs fois, de créer des couches démesurées "
            "(des milliers de neurones) ou un batch_size énorme. Gardez les tailles demandées "
            "dans l'énoncé.",
        ),
        "kernel-died": StatusText(
            "le noyau s'est arrêté",
            "Le noyau Python s'est arrêté",
            "Le noyau qui exécutait votre notebook s'est arrêté en cours de route (appel à exit(), "
            "plantage d'une bibliothèque…). La note porte sur ce qui avait été construit avant.",
            "Retirez les appels à exit(), quit() ou os._exit(), puis faites "
            "« Noyau → Redémarrer et tout exécuter » : le notebook doit aller jusqu'au bout "
            "sans erreur.",
        ),
        "output-limit": StatusText(
            "trop de sorties affichées",
            "Trop de texte affiché",
            "Votre notebook a affiché plus de texte que la limite autorisée ; l'affichage a été "
            "coupé et l'exécution arrêtée. La note porte sur ce qui a pu être vérifié.",
            "Entraînez avec verbose=2 (une ligne par époque) ou verbose=0, et n'affichez pas des "
            "tableaux entiers (print(tableau)) : affichez plutôt leur forme (tableau.shape).",
        ),
        "invalid-notebook": StatusText(
            "carnet illisible",
            "Notebook illisible",
            "Le fichier rendu n'est pas un notebook Jupyter lisible (fichier vide ou abîmé, ou "
            "autre format qu'un .ipynb). Rien n'a pu être exécuté, la note est donc 0.",
            "Rendez le fichier .ipynb enregistré depuis Jupyter (pas un .py, .html ou .pdf) et "
            "vérifiez qu'il s'ouvre bien avant de le déposer. Prévenez votre enseignant·e.",
        ),
        "crashed": StatusText(
            "erreur du correcteur",
            "Erreur du correcteur",
            "Le correcteur automatique a rencontré une erreur interne sur votre rendu. Ce n'est "
            "pas forcément de votre faute.",
            "Prévenez votre enseignant·e : votre rendu sera corrigé à nouveau ou à la main.",
        ),
        None: StatusText(
            "",
            "Correction incomplète",
            "La correction ne s'est pas terminée normalement.",
            "Prévenez votre enseignant·e.",
        ),
    },
    "en": {
        "graded": StatusText("graded", "graded"),
        "timeout": StatusText(
            "time limit reached",
            "Time limit reached",
            "Running your notebook hit a time limit (that of one cell or that of the whole "
            "notebook); what went past it was interrupted. The score is based on what had been "
            "built; the notes below say where.",
            "Make sure no cell loops forever, keep training short (the number of epochs the lab "
            "sheet asks for) and do not train the same model several times. Before submitting, "
            "use “Kernel → Restart & Run All” and check that everything finishes.",
        ),
        "memory": StatusText(
            "memory limit reached",
            "Out of memory",
            "Your notebook used more memory than allowed and was stopped. "
            "The score is based on what had been built before it stopped.",
            "Avoid copying the data many times, huge layers (thousands of units) or a huge "
            "batch_size. Keep the sizes asked for in the lab sheet.",
        ),
        "kernel-died": StatusText(
            "the kernel died",
            "The Python kernel stopped",
            "The kernel running your notebook stopped midway (a call to exit(), a library "
            "crash…). The score is based on what had been built before.",
            "Remove calls to exit(), quit() or os._exit(), then use “Kernel → Restart & Run All”: "
            "the notebook must run to the end without errors.",
        ),
        "output-limit": StatusText(
            "too much output",
            "Too much output",
            "Your notebook printed more text than allowed; the output was cut and the run "
            "stopped. The score is based on what could be checked.",
            "Train with verbose=2 (one line per epoch) or verbose=0, and do not print whole "
            "arrays (print(array)): print their shape instead (array.shape).",
        ),
        "invalid-notebook": StatusText(
            "unreadable notebook",
            "Unreadable notebook",
            "The submitted file is not a readable Jupyter notebook (empty or damaged file, or "
            "another format than .ipynb). Nothing could be run, so the score is 0.",
            "Submit the .ipynb file saved from Jupyter (not a .py, .html or .pdf) and check "
            "that it opens before uploading it. Tell your teacher.",
        ),
        "crashed": StatusText(
            "grader error",
            "Grader error",
            "The autograder hit an internal error on your submission. This is not necessarily "
            "your fault.",
            "Tell your teacher: your submission will be graded again or by hand.",
        ),
        None: StatusText(
            "",
            "Incomplete grading",
            "The grading did not end normally.",
            "Tell your teacher.",
        ),
    },
}


def status_texts(status: str, lang: str = "fr") -> StatusText:
    """The texts of ``status`` in ``lang`` (French spacing in French). An unknown status reads
    as itself in short, and as "incomplete grading" on the feedback page."""
    table = STATUS_TEXTS[check_lang(lang)]
    texts = table.get(status)
    if texts is None:
        fallback = table[None]
        texts = StatusText(status, fallback.title, fallback.happened, fallback.todo)
    if lang != "fr":
        return texts
    return StatusText(*(french_spacing(t) for t in (texts.short, texts.title, texts.happened, texts.todo)))


def status_short(status: str, lang: str = "fr") -> str:
    """A few words for a table or a comment: "temps limite atteint", "grader error"."""
    return status_texts(status, lang).short
