"""nbgrader: automatic scores into the course gradebook, plus an ``nbgrader export``-style CSV.

The nbgrader assignment is the one the results grade (its name is the folder
``source/<assignment>/``), its notebook the single notebook of that folder. For each student,
the grade of the autograded cell ``<question id>_tests`` gets ``auto_score`` = the points of
that question's automatic checks (scaled to the cell's points if they differ) and
``needs_manual_grade = False``. Manual cells (the assignment's manual checks) are graded in
formgrader, and nbgrader adds those ``manual_score`` to the total (``nbgrader export`` then
gives the final grades); a manual check graded with ``python -m autograder merge`` gives its
cell's ``manual_score`` and comment instead (the cell is the check's id).
Existing students keep their names; a missing student or submission is created.

The gradebook must already know the assignment (``nbgrader generate_assignment`` writes its
notebook and grade cells): otherwise only the CSV is written and README.txt says why.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

from autograder.assignments import AssignmentSpec, course_root as kit_course_root
from autograder.outputs.exporters.base import Exporter, write_csv
from autograder.outputs.texts import format_points
from autograder.results import QuestionResult, StudentResult

CSV_NAME = "nbgrader_grades.csv"
CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
               "email", "raw_score", "late_submission_penalty", "score", "max_score"]
INSTRUCTIONS = """
nbgrader

Automatic scores were written to the gradebook (see the warnings below if not). Grade the
manual cells in formgrader, then `nbgrader export` gives the final grades.
nbgrader_grades.csv has the columns of `nbgrader export` with the automatic scores (plus the
manual points merged with `python -m autograder merge`, also written to the gradebook).
/ Les scores automatiques sont dans le gradebook (sauf avertissement ci-dessous). Corriger les
cellules manuelles dans formgrader, puis `nbgrader export` donne les notes finales.
"""


class NbgraderExporter(Exporter):
    name = "nbgrader"

    def __init__(self, *, lang: str = "fr", spec: AssignmentSpec, course_root: Path | str | None = None,
                 db_url: str | None = None, notebook: str | None = None, course_id: str | None = None):
        super().__init__(lang=lang, spec=spec)
        self.course_root = Path(course_root) if course_root else default_course_root()
        self.db_url = db_url or f"sqlite:///{(self.course_root / 'gradebook.db').resolve()}"
        self.assignment = spec.name
        self.notebook = notebook or notebook_name(spec)
        self.course_id = course_id or read_course_id(self.course_root)

    def export(self, results: list[StudentResult], *, out_dir: Path, dest: Path) -> list[Path]:
        rows = [CSV_COLUMNS] + [self.csv_row(r) for r in results if r.status != "crashed"]
        written = [write_csv(dest / CSV_NAME, rows)]
        if self.import_scores([r for r in results if self._keep(r)]):
            written.append(Path(self.db_url.removeprefix("sqlite:///")))
        return written + [self.write_readme(dest, INSTRUCTIONS)]

    def _keep(self, result: StudentResult) -> bool:
        if result.status == "crashed":
            self.warn(f"{result.student}: grader error, not imported",
                      f"{result.student} : erreur du correcteur, non importé")
        return result.status != "crashed"

    def csv_row(self, result: StudentResult) -> list[str]:
        first, last = split_name(result.identity.get("full_name", ""))
        score = format_points(result.score, "en")
        return [self.assignment, "", result.identity.get("timestamp", ""), student_id(result),
                last, first, result.identity.get("email", ""), score, "0", score,
                format_points(result.max_score, "en")]

    def import_scores(self, results: list[StudentResult]) -> bool:
        """Write the automatic scores; False (with a warning) when the gradebook is unusable."""
        if self.db_url.startswith("sqlite:///") and not Path(self.db_url[10:]).is_file():
            self.warn(f"no gradebook at {self.db_url}: CSV only",
                      f"pas de gradebook à {self.db_url} : CSV seulement")
            return False
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.db_url, course_id=self.course_id) as gb:
            try:
                gb.find_notebook(self.notebook, self.assignment)
            except MissingEntry:
                self.warn(f"assignment {self.assignment} not in the gradebook (run nbgrader "
                          "generate_assignment): CSV only", f"devoir {self.assignment} absent du "
                          "gradebook (lancer nbgrader generate_assignment) : CSV seulement")
                return False
            for result in results:
                self.import_one(gb, result)
        return True

    def import_one(self, gb, result: StudentResult) -> None:
        from nbgrader.api import MissingEntry
        from sqlalchemy.exc import SAWarning

        sid = student_id(result)
        first, last = split_name(result.identity.get("full_name", ""))
        try:
            gb.find_student(sid)
        except MissingEntry:
            gb.add_student(sid, first_name=first or None, last_name=last or None,
                           email=result.identity.get("email") or None)
        try:
            gb.find_submission(self.assignment, sid)
        except MissingEntry:
            with warnings.catch_warnings():   # nbgrader's own add_submission trips SQLAlchemy
                warnings.simplefilter("ignore", SAWarning)
                gb.add_submission(self.assignment, sid)
        for qid, question in self.sorted_questions(result):
            if any(not self.is_manual(c) for c in question.checks):   # a question graded by hand only has no test cell
                self.set_auto_score(gb, sid, f"{qid}_tests", question)
            for check in question.checks:
                if check.graded_by_hand:
                    self.set_manual_score(gb, sid, check)
        gb.db.commit()

    def set_manual_score(self, gb, sid: str, check) -> None:
        """A manual check graded with ``merge``: its cell's manual score and comment."""
        from nbgrader.api import MissingEntry

        try:
            grade = gb.find_grade(check.id, self.notebook, self.assignment, sid)
        except MissingEntry:
            self.warn(f"{sid}: no manually graded cell {check.id} in the gradebook",
                      f"{sid} : pas de cellule notée à la main {check.id} dans le gradebook")
            return
        grade.manual_score = check.points
        grade.needs_manual_grade = False
        if check.comment:
            try:
                gb.find_comment(check.id, self.notebook, self.assignment, sid).manual_comment = check.comment
            except MissingEntry:
                pass

    def set_auto_score(self, gb, sid: str, cell: str, question) -> None:
        from nbgrader.api import MissingEntry

        try:
            grade = gb.find_grade(cell, self.notebook, self.assignment, sid)
            cell_max = gb.find_grade_cell(cell, self.notebook, self.assignment).max_score
        except MissingEntry:
            self.warn(f"{sid}: no grade cell {cell} in the gradebook",
                      f"{sid} : pas de cellule notée {cell} dans le gradebook")
            return
        grade.auto_score = auto_score(question, cell_max, self.is_manual)
        grade.needs_manual_grade = False


def auto_score(question: QuestionResult, cell_max: float, is_manual) -> float:
    """Points of the automatic checks (those ``is_manual`` rejects), scaled to the cell's
    points when the totals differ."""
    auto = [c for c in question.checks if not is_manual(c)]
    got, possible = sum(c.points for c in auto), sum(c.max_points for c in auto)
    if possible <= 0:
        return 0.0
    scaled = got if abs(possible - cell_max) < 1e-9 else got * cell_max / possible
    return round(min(max(scaled, 0.0), cell_max), 4)


def student_id(result: StudentResult) -> str:
    return str(result.identity.get("nbgrader_id") or result.student)


def split_name(full_name: str) -> tuple[str, str]:
    """``"Élodie Martin"`` -> (``"Élodie"``, ``"Martin"``): first word, then the rest."""
    words = full_name.split()
    return (words[0], " ".join(words[1:])) if words else ("", "")


def notebook_name(spec: AssignmentSpec) -> str:
    """The notebook of the assignment (the single .ipynb of its source, else of its release,
    folder), as nbgrader names it; the assignment's name when there is not exactly one."""
    for folder in (spec.source_dir(), spec.release_dir()):
        notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
        if len(notebooks) == 1:
            return notebooks[0].stem
    return spec.name


def default_course_root() -> Path:
    """The current folder when it holds nbgrader_config.py, else the course root (the kit,
    unless AUTOGRADER_COURSE_ROOT)."""
    return Path.cwd() if (Path.cwd() / "nbgrader_config.py").is_file() else kit_course_root()


def read_course_id(course_root: Path) -> str:
    """``c.CourseDirectory.course_id`` from nbgrader_config.py, else nbgrader's default."""
    config = course_root / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8") if config.is_file() else ""
    match = re.search(r"CourseDirectory\.course_id\s*=\s*[\"']([^\"']+)[\"']", text)
    return match.group(1) if match else "default_course"
