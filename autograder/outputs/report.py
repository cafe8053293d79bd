"""Class report: ``out_dir/report/index.html``, built from the result files alone.

One self-contained page for the teacher: class size, mean and median, the grade histogram,
pass rates per question and per check (matplotlib plots embedded as base64 PNG), the most
common mistakes, the students whose grading did not end normally and the manual checks still
to grade. Works for an empty class, a class of one, and a class where every run crashed.
"""
from __future__ import annotations

import base64
import io
import math
import statistics
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograder.assignments import AssignmentSpec
from autograder.files import write_text_atomic
from autograder.outputs.assignment import spec_for_results
from autograder.outputs.feedback import assignment_title, template_env
from autograder.outputs.texts import (
    check_lang, format_points, localized, question_sort_key, status_texts,
)
from autograder.results import STATUSES, StudentResult, load_results

LABELS = {
    "fr": {
        "report": "Rapport de classe",
        "colon": " :",
        "show": "voir",
        "summary": "Résumé",
        "class_size": "Effectif",
        "graded": "Corrigés normalement",
        "mean": "Moyenne",
        "median": "Médiane",
        "range": "Min – max",
        "statuses": "Statuts",
        "no_results": "Aucun résultat : aucune copie n'a encore été corrigée.",
        "no_data": "Pas de données pour ce graphique.",
        "histogram": "Répartition des notes",
        "hist_x": "Note (sur {max})",
        "hist_y": "Nombre d'étudiants",
        "by_question": "Réussite par question",
        "question_y": "Points obtenus (% des points corrigés)",
        "question_note": "Sur les points déjà corrigés : vérifications automatiques, et réponses "
                         "rédigées une fois corrigées à la main. Les points à corriger à la main "
                         "ne comptent ni comme réussis ni comme échoués.",
        "pending_bar": "à corriger : {n}",
        "rate": "Réussite",
        "auto": "Automatique",
        "hand": "Corrigé à la main",
        "pending_col": "À corriger à la main",
        "copies": "{n} copie(s), {points} pt",
        "by_check": "Réussite par vérification",
        "check_x": "Étudiants ayant réussi (%)",
        "check_note": "Vérifications automatiques et manuelles déjà corrigées ; "
                      "« réussis / corrigés » au bout de chaque barre.",
        "colors": "Vert : au moins 80 % ; orange : de 50 à 80 % ; rouge : moins de 50 %.",
        "hist_note": "Une barre par point : une note de 15,5 compte pour 16.",
        "mistakes": "Erreurs les plus fréquentes",
        "no_mistakes": "Aucune vérification échouée.",
        "check": "Vérification",
        "question": "Question",
        "count": "Nombre",
        "example": "Exemple de message",
        "students": "Étudiants",
        "not_graded": "Corrections qui ne se sont pas terminées normalement",
        "all_graded": "Toutes les corrections se sont terminées normalement.",
        "student": "Étudiant",
        "status": "Statut",
        "score": "Note",
        "detail": "Détail",
        "pending": "Corrections manuelles en attente",
        "no_pending": "Aucune correction manuelle en attente.",
        "points": "Points",
    },
    "en": {
        "report": "Class report",
        "colon": ":",
        "show": "show",
        "summary": "Summary",
        "class_size": "Class size",
        "graded": "Graded normally",
        "mean": "Mean",
        "median": "Median",
        "range": "Min – max",
        "statuses": "Statuses",
        "no_results": "No results: no submission has been graded yet.",
        "no_data": "No data for this plot.",
        "histogram": "Grade distribution",
        "hist_x": "Score (out of {max})",
        "hist_y": "Number of students",
        "by_question": "Success per question",
        "question_y": "Points obtained (% of the graded points)",
        "question_note": "On the points already graded: automatic checks, and written answers once "
                         "graded by hand. Points still to grade by hand count neither as passed "
                         "nor as failed.",
        "pending_bar": "to grade: {n}",
        "rate": "Success",
        "auto": "Automatic",
        "hand": "Graded by hand",
        "pending_col": "To grade by hand",
        "copies": "{n} submission(s), {points} pt",
        "by_check": "Success per check",
        "check_x": "Students who passed (%)",
        "check_note": "Automatic checks and manual checks already graded; "
                      "“passed / graded” at the end of each bar.",
        "colors": "Green: at least 80 %; orange: 50 to 80 %; red: under 50 %.",
        "hist_note": "One bar per point: a score of 15.5 counts as 16.",
        "mistakes": "Most common mistakes",
        "no_mistakes": "No failed check.",
        "check": "Check",
        "question": "Question",
        "count": "Count",
        "example": "Example message",
        "students": "Students",
        "not_graded": "Gradings that did not end normally",
        "all_graded": "Every grading ended normally.",
        "student": "Student",
        "status": "Status",
        "score": "Score",
        "detail": "Details",
        "pending": "Manual grading still to do",
        "no_pending": "No manual check left to grade.",
        "points": "Points",
    },
}

OK, MEDIUM, BAD = "#1a7f37", "#d08700", "#b42318"
TODO = "#8a5a00"   # manual points still to grade: pending, neither passed nor failed


@dataclass
class CheckGroup:
    """Students sharing one check outcome (a mistake, or a manual check still to grade)."""
    check_id: str
    question: str
    max_points: float
    students: list[str] = field(default_factory=list)
    messages: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def example(self) -> str:
        """The most frequent message of the group."""
        return self.messages.most_common(1)[0][0] if self.messages else ""


def _checks(results: list[StudentResult], order: tuple = ()):
    """(student, question id, check) for every check, in student then question order."""
    key = question_sort_key(order)
    for result in sorted(results, key=lambda r: r.student):
        for qid in sorted(result.questions, key=key):
            for check in result.questions[qid].checks:
                yield result.student, qid, check


def _group_checks(results: list[StudentResult], keep, order: tuple) -> list[CheckGroup]:
    groups: dict[str, CheckGroup] = {}
    key = question_sort_key(order)
    for student, qid, check in _checks(results, order):
        if keep(check):
            group = groups.setdefault(check.id, CheckGroup(check.id, qid, check.max_points))
            group.students.append(student)
            if check.message:
                group.messages[check.message] += 1
    return sorted(groups.values(), key=lambda g: (-g.count, key(g.question), g.check_id))


def common_mistakes(results: list[StudentResult], order: tuple = ()) -> list[CheckGroup]:
    """Failed checks grouped by check id, most frequent first (then in question ``order``)."""
    return _group_checks(results, lambda c: c.passed is False, tuple(order))


def pending_manual_checks(results: list[StudentResult], order: tuple = ()) -> list[CheckGroup]:
    """Checks graded by hand that are still to grade (``passed`` is null)."""
    return _group_checks(results, lambda c: c.pending, tuple(order))


@dataclass
class QuestionRate:
    """How a question went: success on the points already graded (automatic checks, and manual
    ones graded by hand), and the manual points still to grade (pending: neither passed nor failed)."""
    qid: str
    auto_got: float = 0.0
    auto_max: float = 0.0
    hand_got: float = 0.0
    hand_max: float = 0.0          # manual points already graded
    pending_points: float = 0.0    # manual points still to grade, over the class
    pending_students: int = 0

    @staticmethod
    def _percent(got: float, possible: float) -> float | None:
        return 100 * got / possible if possible else None

    @property
    def percent(self) -> float | None:
        """% of the graded points obtained (None: nothing graded yet)."""
        return self._percent(self.auto_got + self.hand_got, self.auto_max + self.hand_max)

    @property
    def auto_percent(self) -> float | None:
        return self._percent(self.auto_got, self.auto_max)

    @property
    def hand_percent(self) -> float | None:
        return self._percent(self.hand_got, self.hand_max)


def question_rates(results: list[StudentResult], order: tuple = (),
                   manual_ids: frozenset = frozenset()) -> list[QuestionRate]:
    """Per question, in ``order``: automatic points, hand-graded points and pending points."""
    rates: dict[str, QuestionRate] = {}
    for result in results:
        for qid, question in result.questions.items():
            rate = rates.setdefault(qid, QuestionRate(qid))
            rate.pending_points += question.pending_points
            rate.pending_students += any(c.pending for c in question.checks)
            for check in question.checks:
                if check.pending:
                    continue
                if check.is_manual(manual_ids):
                    rate.hand_got += check.points
                    rate.hand_max += check.max_points
                else:
                    rate.auto_got += check.points
                    rate.auto_max += check.max_points
    return [rates[qid] for qid in sorted(rates, key=question_sort_key(order))]


def question_pass_rates(results: list[StudentResult], order: tuple = (),
                        manual_ids: frozenset = frozenset()) -> list[tuple[str, float]]:
    """(question id, % of the graded points obtained) for the questions with graded points:
    automatic points, plus manual ones once graded by hand; pending points count for nothing."""
    return [(r.qid, r.percent) for r in question_rates(results, order, manual_ids) if r.percent is not None]


def check_pass_rates(results: list[StudentResult], order: tuple = ()) -> list[tuple[str, int, int]]:
    """(check id, passed, graded) for every check graded at least once, in question order."""
    counts: dict[str, list[int]] = {}  # check id -> [passed, graded], in order of appearance
    questions: dict[str, str] = {}
    for _, qid, check in _checks(results, tuple(order)):
        if check.passed is not None:
            passed_graded = counts.setdefault(check.id, [0, 0])
            passed_graded[0] += bool(check.passed)
            passed_graded[1] += 1
            questions.setdefault(check.id, qid)
    key = question_sort_key(order)
    ordered = sorted(counts, key=lambda cid: key(questions[cid]))  # stable sort
    return [(cid, *counts[cid]) for cid in ordered]


def score_summary(results: list[StudentResult], lang: str) -> dict:
    scores = [r.score for r in results]
    statuses = Counter(r.status for r in results)
    fmt = lambda x: format_points(x, lang)  # noqa: E731
    return {
        "size": len(results),
        "graded": statuses.get("graded", 0),
        "mean": fmt(statistics.fmean(scores)) if scores else "—",
        "median": fmt(statistics.median(scores)) if scores else "—",
        "range": f"{fmt(min(scores))} – {fmt(max(scores))}" if scores else "—",
        "max_score": fmt(_max_score(results)),
        "statuses": [
            (_status_label(s, lang), statuses[s]) for s in sorted(statuses, key=_status_rank)
        ],
    }


def _max_score(results: list[StudentResult]) -> float:
    return max((r.max_score for r in results), default=20) or 20


def _status_rank(status: str) -> tuple:
    return (STATUSES.index(status) if status in STATUSES else len(STATUSES), status)


def _status_label(status: str, lang: str) -> str:
    """"corrigé" for a normal grading, else the title of the status ("Temps limite dépassé")."""
    return status_texts(status, lang).title


# ---------------------------------------------------------------- plots (Agg, no pyplot state)

def _png_data_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _rate_color(percent: float) -> str:
    return OK if percent >= 80 else MEDIUM if percent >= 50 else BAD


def grade_histogram(results: list[StudentResult], lang: str) -> str | None:
    if not results:
        return None
    t, top = localized(LABELS, lang), _max_score(results)
    scores = [min(max(r.score, 0), top) for r in results]
    fig = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    edges = [k - 0.5 for k in range(math.ceil(top) + 2)]  # one bar per point, centred on it
    ax.hist(scores, bins=edges, color="#3b6fb6", edgecolor="white")
    for value, name, style in ((statistics.fmean(scores), "mean", "-"),
                               (statistics.median(scores), "median", "--")):
        ax.axvline(value, color="#111827", linestyle=style, linewidth=1.5,
                   label=f"{t[name]}{t['colon']} {format_points(value, lang)}")
    ax.set_xlim(-0.6, math.ceil(top) + 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=21))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t["hist_x"].format(max=format_points(top, lang)))
    ax.set_ylabel(t["hist_y"])
    fig.legend(loc="outside upper center", ncols=2, frameon=False)  # never over the bars
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)


def question_rate_plot(rates: list[QuestionRate], lang: str,
                       titles: dict[str, str] | None = None) -> str | None:
    """Bars of the questions' success on their graded points, labelled with their ids and
    ``titles`` (id -> title); a question with manual points still to grade says so under its
    rate, in the "to grade" colour, and one with nothing graded yet has no bar."""
    if not rates:
        return None
    t, titles = localized(LABELS, lang), titles or {}
    names = [f"{r.qid.upper()}\n" + textwrap.fill(titles.get(r.qid, ""), 14) for r in rates]
    values = [r.percent or 0.0 for r in rates]
    fig = Figure(figsize=(8, 3.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    bars = ax.bar(names, values, color=[_rate_color(r.percent) if r.percent is not None else "none" for r in rates])
    ax.bar_label(bars, labels=[f"{r.percent:.0f} %" if r.percent is not None else "" for r in rates], padding=2)
    for k, rate in enumerate(rates):
        if rate.pending_points:
            ax.annotate(t["pending_bar"].format(n=rate.pending_students), (k, values[k]), xytext=(0, 15),
                        textcoords="offset points", ha="center", fontsize=7.5, color=TODO)
    ax.set_ylim(0, 118)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel(t["question_y"])
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)


def check_rate_plot(rates: list[tuple[str, int, int]], lang: str) -> str | None:
    if not rates:
        return None
    t = LABELS[lang]
    percents = [100 * p / n for _, p, n in rates]
    fig = Figure(figsize=(8, 1.2 + 0.32 * len(rates)), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    positions = range(len(rates))
    bars = ax.barh(positions, percents, color=[_rate_color(v) for v in percents])
    ax.bar_label(bars, labels=[f"{p}/{n}" for _, p, n in rates], padding=3, fontsize=8.5)
    ax.set_yticks(positions, [cid for cid, _, _ in rates], fontsize=8.5, family="monospace")
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(t["check_x"])
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)


# ---------------------------------------------------------------- page

def question_rates_text(rates: list[QuestionRate], titles: dict[str, str], lang: str) -> str:
    """The question plot in words (its alt text): "DATA Préparer les mesures… 100 %; …"."""
    t = localized(LABELS, lang)
    parts = []
    for r in rates:
        text = f"{r.qid.upper()} {titles.get(r.qid, '')} " + (f"{r.percent:.0f} %" if r.percent is not None else "")
        if r.pending_points:
            text += f" ({t['pending_bar'].format(n=r.pending_students)})"
        parts.append(" ".join(text.split()))
    return f"{t['by_question']}{t['colon']} " + "; ".join(parts)


def question_table(rates: list[QuestionRate], lang: str) -> list[dict]:
    """The rows of the per-question table: the rates as text, pending points apart."""
    def percent(value):
        return f"{value:.0f} %" if value is not None else "—"

    return [{"qid": r.qid, "percent": percent(r.percent), "auto": percent(r.auto_percent),
             "hand": percent(r.hand_percent), "pending_points": r.pending_points,
             "pending_students": r.pending_students,
             "state": "none" if r.percent is None else _rate_name(r.percent)} for r in rates]


def _rate_name(percent: float) -> str:
    return "ok" if percent >= 80 else "medium" if percent >= 50 else "bad"


def question_titles(spec: AssignmentSpec | None, lang: str) -> dict[str, str]:
    """Question id -> title in ``lang`` (none without an assignment)."""
    return {qid: spec.question_title(qid, lang) for qid in spec.questions} if spec else {}


def render_report(results: list[StudentResult], lang: str = "fr",
                  spec: AssignmentSpec | None = None) -> str:
    """The class report; ``spec`` defaults to the results' assignment (see
    ``autograder.outputs.assignment``), None only for an empty class of no known assignment."""
    lang = check_lang(lang)
    results = sorted(results, key=lambda r: r.student)
    spec = spec or spec_for_results(results)
    order = tuple(spec.questions) if spec else ()
    titles = question_titles(spec, lang)
    not_graded = [
        (r, _status_label(r.status, lang)) for r in results if r.status != "graded"
    ]
    manual_ids = frozenset(m.id for m in spec.manual) if spec else frozenset()
    rates = question_rates(results, order, manual_ids)
    return template_env().get_template("report.html.j2").render(
        lang=lang, t=localized(LABELS, lang),
        assignment=assignment_title(spec, lang) if spec else "",
        summary=score_summary(results, lang),
        histogram=grade_histogram(results, lang),
        question_plot=question_rate_plot(rates, lang, titles),
        question_plot_alt=question_rates_text(rates, titles, lang),
        question_rows=question_table(rates, lang),
        check_plot=check_rate_plot(check_pass_rates(results, order), lang),
        mistakes=common_mistakes(results, order), pending=pending_manual_checks(results, order),
        not_graded=not_graded, question_titles=titles,
    )


def write_report(*, out_dir: Path, lang: str = "fr", assignment: str | None = None) -> Path:
    """Write ``out_dir/report/index.html`` from ``out_dir/results/*.json`` and return its path.

    ``assignment`` names the assignment of results written before results recorded it; a
    folder mixing assignments raises ``AssignmentMismatch``."""
    results = load_results(out_dir)
    spec = spec_for_results(results, assignment, where=str(out_dir))
    html = render_report(results, lang, spec)
    return write_text_atomic(Path(out_dir) / "report" / "index.html", html)
