"""The written answers, question by question, for an instructor who grades them by hand.

    python -m autograder answers DIR [--lang en]

reads the executed notebooks ``DIR/executed/<student>.ipynb`` (the submission's cells as they
ran, markdown included) and writes, for the assignment's manual checks (``SPEC.manual``):

* ``DIR/answers/index.html``: the manual checks, how many students answered each, how many
  are graded, and how to go on;
* ``DIR/answers/<check id>.html``: one page per manual check, its rubric (``ManualCheck.rubric``,
  else its label) beside every student's written answer;
* ``DIR/manual_grades.csv``: one row per student and manual check (``student, name, check,
  max, points, comment``), points empty, to fill and give to ``python -m autograder merge``
  (autograder/outputs/manual.py). An existing file is never overwritten: the rows it lacks
  are added at its end, its own rows are kept as they are.

Where an answer is: the answer cell of a manual check has the check's id as nbgrader
``grade_id`` (the release keeps it; so does the executed notebook). When a student's editor
lost that metadata (a copied cell, a notebook rebuilt by hand), the answer is found by its
place: the text the student wrote under the same question text as in the release notebook;
and an answer cell left as released with the answer written in cells added under it gives
those cells; the page says so, and says when that is ambiguous. Blank answers and answers still holding the
release's placeholder ("VOTRE RÉPONSE ICI") count as not answered.

Pages are self-contained (inline CSS) and escape everything a student wrote.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.assignments import AssignmentSpec, ManualCheck
from autograder.files import write_text_atomic
from autograder.outputs.assignment import spec_for_results
from autograder.outputs.feedback import assignment_title, question_number, template_env
from autograder.outputs.texts import check_lang, format_points, localized, status_texts
from autograder.results import CheckResult, StudentResult, load_results

ANSWERS_DIR = "answers"
GRADES_CSV = "manual_grades.csv"
CSV_COLUMNS = ["student", "name", "check", "max", "points", "comment"]
REQUIRED_COLUMNS = ("student", "check", "points")
PLACEHOLDERS = ("VOTRE RÉPONSE ICI", "YOUR ANSWER HERE")   # nbgrader's, in both languages

LABELS = {
    "fr": {
        "answers": "Réponses rédigées",
        "index": "Réponses à corriger à la main",
        "colon": " :",
        "question": "Question",
        "check": "Vérification",
        "points": "Points",
        "pt": "pt",
        "answered": "Réponses",
        "graded": "Corrigées",
        "rubric": "Barème",
        "no_rubric": "Pas de réponse attendue dans la description du devoir : "
                     "seul l'intitulé ci-dessus sert de barème.",
        "no_manual": "Ce devoir n'a aucune question corrigée à la main.",
        "no_students": "Aucune copie corrigée pour l'instant.",
        "student": "Étudiant·e",
        "no_answer": "pas de réponse",
        "by_position": "trouvée par sa place",
        "by_position_note": "La cellule de réponse a perdu son identifiant : "
                            "c'est le texte écrit sous l'énoncé de la question.",
        "below_note": "La cellule de réponse est restée telle quelle : c'est le texte écrit "
                      "dans les cellules ajoutées dessous.",
        "ambiguous": "à vérifier",
        "ambiguous_note": "La cellule de réponse a perdu son identifiant et plusieurs textes sont "
                          "écrits sous cet énoncé : tous sont montrés.",
        "missing": "introuvable",
        "missing_note": "Aucune cellule de réponse dans le carnet exécuté.",
        "no_text_note": "Le carnet exécuté n'a aucune cellule de texte : il a été écrit par une "
                        "version du correcteur qui ne les gardait pas. Corrigez de nouveau la classe "
                        "avec --force pour voir les réponses.",
        "no_notebook": "pas de carnet exécuté",
        "no_notebook_note": "Pas de carnet exécuté pour cette copie ({status}).",
        "graded_as": "Note donnée",
        "comment": "Commentaire",
        "pending": "à corriger",
        "back": "Toutes les questions",
        "previous": "Question précédente",
        "next": "Question suivante",
        "how_to": "Pour noter : remplissez la colonne « points » (et « comment » si besoin) de "
                  "{csv}, une ligne par étudiant·e et par question (un point vide reste à corriger), "
                  "puis lancez :",
        "csv_line": "ligne {line} de {csv}",
        "code_cell": "cellule de code",
    },
    "en": {
        "answers": "Written answers",
        "index": "Answers to grade by hand",
        "colon": ":",
        "question": "Question",
        "check": "Check",
        "points": "Points",
        "pt": "pt",
        "answered": "Answers",
        "graded": "Graded",
        "rubric": "Rubric",
        "no_rubric": "No expected answer in the assignment's description: "
                     "only the label above serves as rubric.",
        "no_manual": "This assignment has no question graded by hand.",
        "no_students": "No submission graded yet.",
        "student": "Student",
        "no_answer": "no answer",
        "by_position": "found by its place",
        "by_position_note": "The answer cell lost its id: this is the text written under the "
                            "question's statement.",
        "below_note": "The answer cell was left as released: this is the text written in the "
                      "cells added under it.",
        "ambiguous": "to check",
        "ambiguous_note": "The answer cell lost its id and several texts are written under this "
                          "statement: all are shown.",
        "missing": "not found",
        "missing_note": "No answer cell in the executed notebook.",
        "no_text_note": "The executed notebook has no text cell: it was written by a version of "
                        "the grader that did not keep them. Grade the class again with --force to "
                        "see the answers.",
        "no_notebook": "no executed notebook",
        "no_notebook_note": "No executed notebook for this submission ({status}).",
        "graded_as": "Grade given",
        "comment": "Comment",
        "pending": "to grade",
        "back": "All questions",
        "previous": "Previous question",
        "next": "Next question",
        "how_to": "To grade: fill the “points” column (and “comment” if needed) of {csv}, one row "
                  "per student and question (an empty point stays to grade), then run:",
        "csv_line": "line {line} of {csv}",
        "code_cell": "code cell",
    },
}


# ---------------------------------------------------------------- finding the answers

@dataclass
class WrittenAnswer:
    """What one student wrote for one manual check.

    ``found``: ``metadata`` (the cell carrying the check's grade_id), ``position`` (under the
    question's statement, the id lost), ``below`` (in cells added under the answer cell left as
    released), ``ambiguous`` (several candidate texts, all given),
    ``missing`` (nothing found), ``no-notebook`` (no executed notebook), ``no-text`` (an
    executed notebook without text cells: written before the grader kept them)."""

    text: str = ""
    found: str = "missing"
    kind: str = "markdown"          # markdown, raw or code: how the answer was written

    @property
    def answered(self) -> bool:
        return self.found not in ("missing", "no-notebook", "no-text") and bool(self.text.strip())


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source or "")


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata") or {}
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _is_answer_cell(cell) -> bool:
    nbgrader = (cell.get("metadata") or {}).get("nbgrader")
    return isinstance(nbgrader, dict) and bool(nbgrader.get("solution"))


@dataclass
class ReleaseLayout:
    """Where the answer cells sit in the release notebook: after which statement (the
    release's own text cells, which the student did not write), and their placeholders."""

    statements: list[str] = field(default_factory=list)            # normalized, in order
    sections: dict[str, int] = field(default_factory=dict)         # answer id -> statement index (-1: before any)
    placeholders: dict[str, str] = field(default_factory=dict)     # answer id -> normalized placeholder

    @classmethod
    def of(cls, nb) -> "ReleaseLayout":
        layout, section = cls(), -1
        for cell in nb.get("cells", []):
            grade_id = _grade_id(cell)
            if _is_answer_cell(cell) and grade_id:
                layout.sections[grade_id] = section
                layout.placeholders[grade_id] = _norm(_source(cell))
            elif cell.get("cell_type") in ("markdown", "raw") and _norm(_source(cell)):
                layout.statements.append(_norm(_source(cell)))
                section = len(layout.statements) - 1
        return layout

    @classmethod
    def of_spec(cls, spec: AssignmentSpec) -> "ReleaseLayout":
        """The layout of the assignment's release notebook (empty when it cannot be read)."""
        path = spec.release_dir() / spec.notebook_name
        try:
            return cls.of(nbformat.read(str(path), as_version=4))
        except (OSError, ValueError, KeyError):
            return cls()


def find_answers(nb, check_ids: list[str], layout: ReleaseLayout | None = None) -> dict[str, WrittenAnswer]:
    """The written answer of every check id in the (executed) notebook ``nb``."""
    layout = layout or ReleaseLayout()
    answers = {cid: WrittenAnswer() for cid in check_ids}
    by_id: dict[str, list] = {}
    for cell in nb.get("cells", []):
        grade_id = _grade_id(cell)
        if grade_id in answers:
            by_id.setdefault(grade_id, []).append(cell)
    for cid, cells in by_id.items():
        text_cells = [c for c in cells if c.get("cell_type") in ("markdown", "raw")] or cells
        answers[cid] = WrittenAnswer("\n\n".join(_source(c).strip() for c in text_cells),
                                     "metadata", text_cells[0].get("cell_type", "markdown"))
    lost = [cid for cid in check_ids if cid not in by_id and cid in layout.sections]
    if lost:
        _find_by_position(nb, lost, layout, answers)
    for cid, answer in answers.items():
        if _is_placeholder(answer.text, cid, layout):
            answer.text = ""
            if cid in by_id:   # the answer cell left as released: the answer may be in cells added below
                below = _written_below(nb, by_id[cid][-1], layout)
                if below:
                    answers[cid] = WrittenAnswer(below, "below")
    return answers


def _is_placeholder(text: str, cid: str, layout: ReleaseLayout) -> bool:
    return _norm(text) in {layout.placeholders.get(cid, ""), *map(_norm, PLACEHOLDERS)}


def _written_below(nb, answer_cell, layout: ReleaseLayout) -> str:
    """The text cells a student added right under an answer cell (up to the next code cell,
    statement or cell with an nbgrader id)."""
    cells = nb.get("cells", [])
    statements = set(layout.statements)
    texts = []
    for cell in cells[next(k for k, c in enumerate(cells) if c is answer_cell) + 1:]:
        text = _norm(_source(cell))
        if cell.get("cell_type") not in ("markdown", "raw") or _grade_id(cell) or text in statements:
            break
        if text and text not in map(_norm, PLACEHOLDERS):
            texts.append(_source(cell).strip())
    return "\n\n".join(texts)


def _find_by_position(nb, lost: list[str], layout: ReleaseLayout, answers: dict) -> None:
    """Answers whose cell lost its id: the student's own text cells under the same statement
    as in the release (one per lost id of that statement, in order, when the counts agree)."""
    statements = {text: index for index, text in enumerate(layout.statements)}
    known_ids = set(layout.sections)
    free: dict[int, list[str]] = {}
    section = -1
    for cell in nb.get("cells", []):
        if cell.get("cell_type") not in ("markdown", "raw"):
            continue
        text = _norm(_source(cell))
        if text in statements:
            section = statements[text]
        elif text and _grade_id(cell) not in known_ids:
            free.setdefault(section, []).append(_source(cell).strip())
    for section in sorted({layout.sections[cid] for cid in lost}):
        ids = [cid for cid in lost if layout.sections[cid] == section]
        texts = free.get(section, [])
        if not texts:
            continue
        if len(texts) == len(ids):
            for cid, text in zip(ids, texts):
                answers[cid] = WrittenAnswer(text, "position")
        else:
            for cid in ids:
                answers[cid] = WrittenAnswer("\n\n".join(texts), "position" if len(ids) == 1 else "ambiguous")


def read_executed(out_dir: Path, student: str):
    """The executed notebook of ``student`` (None when there is none or it cannot be read)."""
    path = Path(out_dir) / "executed" / f"{student}.ipynb"
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError, KeyError):
        return None


def class_answers(out_dir: Path, results: list[StudentResult], spec: AssignmentSpec,
                  layout: ReleaseLayout | None = None) -> dict[str, dict[str, WrittenAnswer]]:
    """student -> check id -> written answer, for every result and manual check."""
    layout = layout if layout is not None else ReleaseLayout.of_spec(spec)
    ids = [m.id for m in spec.manual]
    found = {}
    for result in results:
        nb = read_executed(out_dir, result.student)
        if nb is None:
            found[result.student] = {cid: WrittenAnswer(found="no-notebook") for cid in ids}
        elif not any(c.get("cell_type") in ("markdown", "raw") for c in nb.get("cells", [])):
            found[result.student] = {cid: WrittenAnswer(found="no-text") for cid in ids}
        else:
            found[result.student] = find_answers(nb, ids, layout)
    return found


# ---------------------------------------------------------------- the manual checks of a result

def manual_check_of(result: StudentResult, manual: ManualCheck) -> CheckResult | None:
    question = result.questions.get(manual.question)
    for check in question.checks if question else []:
        if check.id == manual.id:
            return check
    return None


def full_name(result: StudentResult) -> str:
    return str(result.identity.get("full_name") or result.identity.get("name") or "")


# ---------------------------------------------------------------- the CSV to fill

def prefilled_rows(results: list[StudentResult], spec: AssignmentSpec) -> list[dict]:
    """One row per student (sorted) and manual check (the SPEC's order); points and comment of
    a check already graded by hand are filled in, otherwise empty."""
    rows = []
    for result in sorted(results, key=lambda r: r.student):
        for manual in spec.manual:
            check = manual_check_of(result, manual)
            graded = check is not None and check.graded_by_hand
            rows.append({"student": result.student, "name": full_name(result), "check": manual.id,
                         "max": format_points(manual.points, "en"),
                         "points": format_points(check.points, "en") if graded else "",
                         "comment": check.comment if graded else ""})
    return rows


def csv_text(rows: list[dict], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_grades_template(out_dir: Path, results: list[StudentResult], spec: AssignmentSpec,
                          path: Path | None = None) -> tuple[Path, int]:
    """Write (or complete) the CSV to fill; return its path and the number of rows added.

    UTF-8 with a BOM (spreadsheets then read accents right), comma separated. An existing
    file keeps its rows and columns; the (student, check) pairs it lacks are appended."""
    path = Path(path) if path else Path(out_dir) / GRADES_CSV
    rows = prefilled_rows(results, spec)
    if not path.exists():
        write_text_atomic(path, "\ufeff" + csv_text(rows, CSV_COLUMNS))
        return path, len(rows)
    from autograder.outputs.manual import read_grade_rows   # the merge's reader: same rules

    columns, existing = read_grade_rows(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"{path} exists but has no column {', '.join(missing)}: move it away "
                         f"to write a new one")
    have = {(r.get("student", "").strip(), r.get("check", "").strip()) for _, r in existing}
    added = [r for r in rows if (r["student"], r["check"]) not in have]
    if added:
        from autograder.outputs.manual import read_csv_text

        text = read_csv_text(path)
        delimiter = csv_delimiter(text)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\n",
                                extrasaction="ignore")
        writer.writerows(added)
        separator = "" if not text or text.endswith("\n") else "\n"
        write_text_atomic(path, "\ufeff" + text + separator + buffer.getvalue())
    return path, len(added)


def csv_delimiter(text: str) -> str:
    """The delimiter of a CSV as spreadsheets save it: ``,`` or ``;`` (French locales) or tab,
    read from its header line."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# ---------------------------------------------------------------- pages

def labels(lang: str) -> dict:
    return localized(LABELS, lang)


def _answer_view(result: StudentResult, answer: WrittenAnswer, manual: ManualCheck, lang: str,
                 line: int | None) -> dict:
    t = labels(lang)
    check = manual_check_of(result, manual)
    graded = check is not None and check.graded_by_hand
    if answer.found == "no-notebook":
        state, note = "no-notebook", t["no_notebook_note"].format(status=status_texts(result.status, lang).short)
    elif answer.found in ("missing", "no-text"):
        state, note = "missing", t["missing_note" if answer.found == "missing" else "no_text_note"]
    elif not answer.answered:
        state, note = "no-answer", ""
    else:
        state = "answered"
        note = {"position": t["by_position_note"], "below": t["below_note"],
                "ambiguous": t["ambiguous_note"]}.get(answer.found, "")
    badge = {"no-notebook": t["no_notebook"], "missing": t["missing"], "no-answer": t["no_answer"]}.get(state)
    if state == "answered" and answer.found in ("position", "below", "ambiguous"):
        badge = t["ambiguous"] if answer.found == "ambiguous" else t["by_position"]
    return {
        "student": result.student, "name": full_name(result), "state": state, "badge": badge,
        "note": note, "text": answer.text if answer.answered else "", "code": answer.kind == "code",
        "graded": graded, "points": check.points if graded else None,
        "comment": check.comment if graded else "", "line": line,
    }


def render_answers_page(manual: ManualCheck, spec: AssignmentSpec, results: list[StudentResult],
                        answers: dict[str, dict[str, WrittenAnswer]], lang: str = "fr", *, out_dir: str = "DIR",
                        csv_lines: dict[tuple[str, str], int] | None = None,
                        neighbours: tuple[ManualCheck | None, ManualCheck | None] = (None, None)) -> str:
    """The page of one manual check: its rubric beside every student's answer."""
    lang = check_lang(lang)
    csv_lines = csv_lines or {}
    views = [_answer_view(r, answers.get(r.student, {}).get(manual.id, WrittenAnswer(found="no-notebook")),
                          manual, lang, csv_lines.get((r.student, manual.id)))
             for r in sorted(results, key=lambda r: r.student)]
    return template_env().get_template("answers.html.j2").render(
        lang=lang, t=labels(lang), assignment=assignment_title(spec, lang), check=_check_view(manual, spec, lang),
        answers=views, csv=GRADES_CSV, out_dir=out_dir,
        answered=sum(v["state"] == "answered" for v in views), graded=sum(v["graded"] for v in views),
        previous=_check_view(neighbours[0], spec, lang) if neighbours[0] else None,
        next=_check_view(neighbours[1], spec, lang) if neighbours[1] else None,
    )


def _check_view(manual: ManualCheck, spec: AssignmentSpec, lang: str) -> dict:
    return {"id": manual.id, "question": manual.question, "number": question_number(manual.question, spec),
            "question_title": spec.question_title(manual.question, lang) if manual.question in spec.questions else "",
            "label": manual.label_in(lang), "rubric": manual.rubric_in(lang), "points": manual.points,
            "page": page_name(manual)}


def page_name(manual: ManualCheck) -> str:
    """The page of a manual check: its id, made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", manual.id).lstrip(".") + ".html"


def render_answers_index(spec: AssignmentSpec, results: list[StudentResult],
                         answers: dict[str, dict[str, WrittenAnswer]], lang: str = "fr", *,
                         out_dir: str = "DIR") -> str:
    lang = check_lang(lang)
    rows = []
    for manual in spec.manual:
        rows.append({
            **_check_view(manual, spec, lang),
            "answered": sum(answers.get(r.student, {}).get(manual.id, WrittenAnswer()).answered for r in results),
            "graded": sum(bool((c := manual_check_of(r, manual)) and c.graded_by_hand) for r in results),
        })
    return template_env().get_template("answers_index.html.j2").render(
        lang=lang, t=labels(lang), assignment=assignment_title(spec, lang), checks=rows, size=len(results),
        csv=GRADES_CSV, out_dir=out_dir,
    )


def csv_line_numbers(path: Path) -> dict[tuple[str, str], int]:
    """(student, check) -> line of the CSV (for the pages to point to it); {} if unreadable."""
    from autograder.outputs.manual import read_grade_rows

    try:
        _, rows = read_grade_rows(path)
    except (OSError, ValueError):
        return {}
    return {(r.get("student", "").strip(), r.get("check", "").strip()): line for line, r in rows}


def write_answers(*, out_dir: Path, lang: str = "fr", assignment: str | None = None) -> list[Path]:
    """Write the answers pages and the CSV to fill (see the module docstring); return the
    index page, the question pages and the CSV. ValueError when there is nothing to show."""
    out_dir = Path(out_dir)
    results = load_results(out_dir)
    spec = spec_for_results(results, assignment, where=str(out_dir))
    if spec is None:
        raise ValueError(f"{out_dir} has no results: grade the class first")
    if not spec.manual:
        raise ValueError(f"assignment {spec.name} has no manual check (SPEC.manual): nothing to grade by hand")
    answers = class_answers(out_dir, results, spec)
    csv_path, _ = write_grades_template(out_dir, results, spec)
    lines = csv_line_numbers(csv_path)
    folder = out_dir / ANSWERS_DIR
    shown = str(out_dir)
    written = [write_text_atomic(folder / "index.html",
                                 render_answers_index(spec, results, answers, lang, out_dir=shown))]
    for k, manual in enumerate(spec.manual):
        neighbours = (spec.manual[k - 1] if k else None, spec.manual[k + 1] if k + 1 < len(spec.manual) else None)
        html = render_answers_page(manual, spec, results, answers, lang, out_dir=shown, csv_lines=lines,
                                   neighbours=neighbours)
        written.append(write_text_atomic(folder / page_name(manual), html))
    return [*written, csv_path]
