"""Moodle (mod/assign): offline grading worksheet CSV + feedback files zip.

Checked against Moodle's sources (mod/assign/gradingtable.php, feedback/offline/
importgradeslib.php and locallib.php, feedback/file/importziplib.php) and its lang packs:

* the importer finds its columns by their *localised* titles: ``Identifier`` (strings
  ``recordid``), ``Grade`` and ``Last modified (grade)`` are required, the feedback comments
  column is matched by the comments plugin's name. So the headers follow ``lang``. French
  strings from the ``fr`` lang pack: ``Identifiant``, ``Nom complet``, ``Adresse de courriel``,
  ``Statut``, ``Note``, ``Note maximale``, ``La note peut être modifiée``, ``Dernière
  modification (travail remis)``, ``Dernière modification (note)``, ``Feedback par
  commentaires`` (not "Commentaires de feedback").
* the participant id is read by cutting ``strlen(get_string('hiddenuser'))`` characters:
  ``"Participant "`` (with a space) in English but ``"Participant"`` in French, hence
  ``Participant 12345`` / ``Participant12345``.
* grades are read with ``unformat_float`` (the language's decimal separator: a comma in
  French; a dot is accepted too) and written like Moodle does, two decimals.
* ``Last modified (grade)`` goes through PHP ``strtotime``: an ISO 8601 date with its offset
  is understood whatever the site language. A grade changed in Moodle after that date is not
  overwritten unless the teacher ticks "ignore modified".
* feedback zip: each top folder is split on ``_``, its second piece is the participant id,
  so underscores are removed from names: ``{Full Name}_{id}_assignfeedback_file_/feedback.html``.
"""
from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

from autograder.outputs.exporters.base import Exporter, write_csv
from autograder.outputs.texts import format_points
from autograder.results import StudentResult

HEADERS = {
    "en": ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum grade",
           "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
           "Feedback comments"],
    "fr": ["Identifiant", "Nom complet", "Adresse de courriel", "Statut", "Note",
           "Note maximale", "La note peut être modifiée", "Dernière modification (travail remis)",
           "Dernière modification (note)", "Feedback par commentaires"],
}
PARTICIPANT = {"en": "Participant ", "fr": "Participant"}
YES = {"en": "Yes", "fr": "Oui"}
WORKSHEET = "moodle_grading_worksheet.csv"
FEEDBACK_ZIP = "moodle_feedback_files.zip"
INSTRUCTIONS = """
Moodle import / Import dans Moodle

1. Assignment settings: enable "Offline grading worksheet" and "Feedback files" (and
   "Feedback comments"). / Réglages du devoir : activer « Feuille d'évaluation hors ligne »,
   « Fichiers de feedback » (et « Feedback par commentaires »).
2. View all submissions > Grading action > Upload grading worksheet: moodle_grading_worksheet.csv
   (UTF-8, comma). / Consulter tous les travaux remis > Action d'évaluation > Déposer une
   feuille d'évaluation : moodle_grading_worksheet.csv (UTF-8, virgule).
3. Grading action > Upload multiple feedback files in a zip: moodle_feedback_files.zip.
   / Action d'évaluation > Déposer plusieurs fichiers de feedback dans un zip.
The CSV headers are in the language chosen with --lang: use the language of your Moodle
account. / Les en-têtes suivent --lang : choisir la langue de votre compte Moodle.
"""


class MoodleExporter(Exporter):
    name = "moodle"

    def export(self, results: list[StudentResult], *, out_dir: Path, dest: Path) -> list[Path]:
        rows, feedback = [HEADERS[self.lang]], []
        for result in results:
            pid = str(result.identity.get("moodle_participant_id", "")).strip()
            if not pid.isdigit():
                self.warn(f"{result.student}: no Moodle participant id, left out",
                          f"{result.student} : pas d'identifiant de participant Moodle, ignoré")
                continue
            rows.append(self.worksheet_row(result, pid, _graded_at(out_dir, result)))
            feedback.append((result, pid))
        written = [write_csv(dest / WORKSHEET, rows)]
        written.append(self.write_feedback_zip(feedback, out_dir, dest / FEEDBACK_ZIP))
        return written + [self.write_readme(dest, INSTRUCTIONS)]

    def worksheet_row(self, result: StudentResult, pid: str, graded_at: str) -> list[str]:
        grade = format_points(result.score, self.lang, places=2)   # Moodle's unformat_float
        if result.status == "crashed":   # the grader failed: leave the grade to the teacher
            grade = ""
            self.warn(f"{result.student}: grader error, grade left empty",
                      f"{result.student} : erreur du correcteur, note laissée vide")
        return [
            f"{PARTICIPANT[self.lang]}{pid}", result.identity.get("full_name", result.student),
            result.identity.get("email", ""), "", grade,
            format_points(result.max_score, self.lang, places=2), YES[self.lang], "",
            graded_at, self.grade_comment(result),
        ]

    def write_feedback_zip(self, feedback: list[tuple[StudentResult, str]], out_dir: Path,
                           path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for result, pid in feedback:
                page = out_dir / "feedback" / f"{result.student}.html"
                if not page.is_file():
                    self.warn(f"{result.student}: no feedback page {page.name}",
                              f"{result.student} : pas de page de retour {page.name}")
                    continue
                folder = f"{folder_name(result.identity.get('full_name', ''))}_{pid}_assignfeedback_file_"
                zf.write(page, f"{folder}/feedback.html")
        return path


def folder_name(full_name: str) -> str:
    """The name part of a Moodle folder: no ``_`` (it splits the id), no path characters."""
    cleaned = re.sub(r'[_/\\:*?"<>|\x00-\x1f]+', " ", full_name)
    return re.sub(r"\s+", " ", cleaned).strip().lstrip(".") or "Participant"


def _graded_at(out_dir: Path, result: StudentResult) -> str:
    """When the result was written, ISO 8601 with the local offset (PHP strtotime reads it)."""
    path = out_dir / "results" / f"{result.student}.json"
    moment = datetime.fromtimestamp(path.stat().st_mtime) if path.is_file() else datetime.now()
    return moment.astimezone().isoformat(timespec="seconds")
