"""Canvas: gradebook import CSV.

Columns ``Student, ID, SIS User ID, SIS Login ID, Section, <Assignment> (<assignment id>)``,
then a ``    Points Possible`` row (four leading spaces), as in Canvas's own gradebook export.
Canvas matches students by ``ID``, then the SIS ids, then the name, and the assignment by the
``(id)`` in the column title, then by the title.

Canvas ids come from the result's identity (``canvas_id``, ``sis_user_id``, ``sis_login_id``,
``section``) or from a roster: a CSV such as Canvas's gradebook export. Its rows are matched
to our students by a ``student`` column (our student ids) when it has one, otherwise by
``SIS Login ID`` / ``SIS User ID`` (equal to our student id or e-mail) or by the name.
"""
from __future__ import annotations

import csv
from pathlib import Path

from autograder.outputs.exporters.base import Exporter, write_csv
from autograder.outputs.texts import format_points
from autograder.results import StudentResult

ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
IDENTITY_KEYS = {"ID": "canvas_id", "SIS User ID": "sis_user_id",
                 "SIS Login ID": "sis_login_id", "Section": "section"}
GRADES_CSV = "canvas_grades.csv"
INSTRUCTIONS = """
Canvas import / Import dans Canvas

Grades > Import > choose canvas_grades.csv, check the preview, then Upload Data.
/ Notes > Importer > choisir canvas_grades.csv, vérifier l'aperçu, puis téléverser.
Give the assignment id (export(..., assignment_id="1234"), the number in the assignment's URL)
so that Canvas does not create a new column. / Donner l'identifiant du devoir (le nombre de
son URL) pour que Canvas ne crée pas de nouvelle colonne.
"""


class CanvasExporter(Exporter):
    name = "canvas"

    def __init__(self, *, lang: str = "fr", spec, roster: Path | str | None = None,
                 assignment_name: str | None = None, assignment_id: str | None = None):
        super().__init__(lang=lang, spec=spec)
        self.roster = load_roster(Path(roster)) if roster else {}
        name = assignment_name or spec.title_in(self.lang) or spec.name
        self.title = f"{name} ({assignment_id})" if assignment_id else name

    def export(self, results: list[StudentResult], *, out_dir: Path, dest: Path) -> list[Path]:
        max_score = max((r.max_score for r in results), default=20)
        rows = [ID_COLUMNS + [self.title], ["    Points Possible", "", "", "", "", format_points(max_score, "en")]]
        for result in results:
            ids = self.canvas_ids(result)
            if not (ids["ID"] or ids["SIS User ID"] or ids["SIS Login ID"]):
                self.warn(f"{result.student}: no Canvas id (give a roster), left out",
                          f"{result.student} : pas d'identifiant Canvas (donner un roster), ignoré")
                continue
            grade = "" if result.status == "crashed" else format_points(result.score, "en")
            rows.append([ids[c] for c in ID_COLUMNS] + [grade])
        return [write_csv(dest / GRADES_CSV, rows), self.write_readme(dest, INSTRUCTIONS)]

    def canvas_ids(self, result: StudentResult) -> dict[str, str]:
        row = _match(self.roster, result)
        ids = {c: str(result.identity.get(k) or row.get(c) or "") for c, k in IDENTITY_KEYS.items()}
        ids["Student"] = row.get("Student") or result.identity.get("full_name") or result.student
        return ids


def load_roster(path: Path) -> dict[str, dict]:
    """Roster rows indexed by every key a student can be matched on."""
    index: dict[str, dict] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            keys = [row.get("student"), row.get("SIS Login ID"), row.get("SIS User ID")]
            keys.append(_name_key(row.get("Student") or ""))
            for key in filter(None, (k.strip().lower() if k else k for k in keys)):
                index.setdefault(key, row)
    return index


def _match(roster: dict[str, dict], result: StudentResult) -> dict:
    candidates = [result.student, result.identity.get("email"), result.identity.get("sis_login_id"),
                  _name_key(result.identity.get("full_name") or "")]
    for key in filter(None, candidates):
        if key.strip().lower() in roster:
            return roster[key.strip().lower()]
    return {}


def _name_key(name: str) -> str:
    """``"Martin, Élodie"`` and ``"Élodie Martin"`` give the same key."""
    words = name.replace(",", " ").lower().split()
    return "name:" + " ".join(sorted(words)) if words else ""
