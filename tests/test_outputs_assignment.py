"""Outputs follow the results' assignment: titles, question titles and order, grades.csv columns,
exporter names; a folder mixing assignments or naming none is refused clearly. Shared texts and
formatters (autograder.outputs.texts). No TensorFlow: synthetic results of the tiny test
assignment ``iris_mlp`` (tests/course) and of ``td_keras_mlp``."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import COURSE_ROOT_ENV, load_assignment
from autograder.outputs.assignment import AssignmentMismatch, spec_for_results
from autograder.outputs.exporters import export
from autograder.outputs.exporters.nbgrader import notebook_name
from autograder.outputs.feedback import render_feedback
from autograder.outputs.grades_table import write_grades_csv
from autograder.outputs.report import render_report, write_report
from autograder.outputs.texts import (
    LANGS, STATUS_TEXTS, format_points, ordered_questions, status_short, status_texts,
)
from autograder.results import STATUSES, CheckResult, QuestionResult, StudentResult, save_result

TESTS = Path(__file__).resolve().parent
COURSE = TESTS / "course"
KIT_ROOT = TESTS.parent
# what must never show in the outputs of another assignment
FIRST_ASSIGNMENT_TEXTS = ("td_keras_mlp", "perceptron multi-couches", "multi-layer perceptron",
                          "MNIST", "Boston", "model_q", "histories_q")


@pytest.fixture
def course(monkeypatch):
    """The test course (iris_mlp) next to the kit's own assignment."""
    monkeypatch.setenv(COURSE_ROOT_ENV, str(COURSE))
    return COURSE


def iris_result(student: str, *, model_ok: bool = True, assignment: str = "iris_mlp",
                order=("analysis", "model", "data")) -> StudentResult:
    """A result of iris_mlp, its questions stored out of order on purpose."""
    checks = {
        "data": [CheckResult("data_shapes", True, 0.5, 0.5, ""), CheckResult("data_test_split", True, 0.5, 0.5, "")],
        "model": [CheckResult("model_architecture", model_ok, 1.0 if model_ok else 0.0, 1.0,
                              "" if model_ok else "la couche de sortie de `iris_net` utilise 'sigmoid'"),
                  CheckResult("model_trained", True, 1.0, 1.0, "")],
        "analysis": [CheckResult("analysis_answer", None, 0.0, 1.0, "Réponse rédigée")],
    }
    questions = {q: QuestionResult(sum(c.points for c in checks[q]), sum(c.max_points for c in checks[q]), checks[q])
                 for q in order}
    return StudentResult(student=student, score=sum(q.score for q in questions.values()), max_score=4,
                         status="graded", assignment=assignment, questions=questions,
                         identity={"moodle_participant_id": str(100 + len(student)), "full_name": student.title()})


def write_class(out: Path, results) -> Path:
    for result in results:
        save_result(result, out)
    return out


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


# ---------------------------------------------------------------- feedback, report, grades.csv

def test_feedback_takes_titles_and_order_from_the_spec(course):
    html = render_feedback(iris_result("alice", model_ok=False))
    assert "TP\u00a0: un perceptron pour les iris" in html
    positions = [html.index(title) for title in ("Préparer les mesures des fleurs",
                                                  "Un réseau à une couche cachée",
                                                  "Lire la matrice de confusion")]
    assert positions == sorted(positions)            # the assignment's order, not the stored one
    assert [html.index(f'id="{q}"') for q in ("data", "model", "analysis")] == sorted(
        html.index(f'id="{q}"') for q in ("data", "model", "analysis"))
    assert "Question 1" in html and "Question 3" in html    # numbered by position
    english = render_feedback(iris_result("alice"), lang="en")
    assert "Lab: a perceptron for the iris flowers" in english and "Reading the confusion matrix" in english
    for text in FIRST_ASSIGNMENT_TEXTS:
        assert text not in html and text not in english, text


def test_grades_csv_columns_follow_the_assignment(course, tmp_path):
    rows = read_rows(write_grades_csv([iris_result("bruno", model_ok=False), iris_result("alice")], tmp_path))
    assert rows[0] == ["student", "data", "model", "analysis", "total", "max", "status"]
    assert rows[1] == ["alice", "1", "2", "0", "3", "4", "graded"]
    assert rows[2] == ["bruno", "1", "1", "0", "2", "4", "graded"]


def test_grades_csv_never_drops_a_question(course, tmp_path):
    extra = iris_result("carla")
    extra.questions["bonus"] = QuestionResult(0.5, 1, [CheckResult("bonus_x", True, 0.5, 1, "")])
    rows = read_rows(write_grades_csv([extra], tmp_path))
    assert rows[0] == ["student", "data", "model", "analysis", "bonus", "total", "max", "status"]
    assert rows[1][4] == "0.5"


def test_report_uses_the_assignment_titles(course, tmp_path):
    out = write_class(tmp_path, [iris_result("alice"), iris_result("bruno", model_ok=False)])
    html = write_report(out_dir=out).read_text(encoding="utf-8")
    assert "TP\u00a0: un perceptron pour les iris" in html
    assert 'title="Un réseau à une couche cachée">MODEL</td>' in html
    assert 'data-check="model_architecture"' in html
    for text in FIRST_ASSIGNMENT_TEXTS:
        assert text not in html, text


# ---------------------------------------------------------------- which assignment

def test_a_folder_mixing_assignments_is_refused(course, tmp_path):
    from feedback_factory import make_result

    out = write_class(tmp_path / "out", [iris_result("alice"), make_result("bruno")])
    for action in (lambda: write_report(out_dir=out), lambda: export(out_dir=out, to="moodle"),
                   lambda: write_grades_csv([iris_result("a"), make_result("b")], tmp_path)):
        with pytest.raises(AssignmentMismatch, match=r"several assignments: iris_mlp \(1\), td_keras_mlp \(1\)"):
            action()
    cli = subprocess.run([sys.executable, "-m", "autograder", "report", str(out)],
                         capture_output=True, text=True, cwd=KIT_ROOT)
    assert cli.returncode == 2 and "several assignments" in cli.stderr and "own output folder" in cli.stderr


def test_results_without_assignment(course, tmp_path):
    old = iris_result("alice", assignment="")
    with pytest.raises(AssignmentMismatch, match="give --assignment NAME .known: .*iris_mlp"):
        spec_for_results([old])
    assert spec_for_results([old], "iris_mlp").name == "iris_mlp"
    out = write_class(tmp_path / "out", [old])
    cli = subprocess.run([sys.executable, "-m", "autograder", "report", str(out), "--assignment", "iris_mlp"],
                         capture_output=True, text=True, cwd=KIT_ROOT)
    assert cli.returncode == 0, cli.stderr
    assert "Lire la matrice de confusion" in (out / "report" / "index.html").read_text(encoding="utf-8")
    with pytest.raises(AssignmentMismatch, match="grade 'iris_mlp', not 'td_keras_mlp'"):
        spec_for_results([iris_result("bob")], "td_keras_mlp")


def test_results_without_assignment_and_a_single_known_one(monkeypatch):
    monkeypatch.delenv(COURSE_ROOT_ENV, raising=False)
    import autograder.outputs.assignment as module

    monkeypatch.setattr(module, "available_assignments", lambda: ["td_keras_mlp"])
    assert spec_for_results([StudentResult("x", 0, 20, "graded")]).name == "td_keras_mlp"
    assert spec_for_results([]).name == "td_keras_mlp"
    monkeypatch.setattr(module, "available_assignments", lambda: ["a", "b"])
    assert spec_for_results([]) is None   # an empty class of no known assignment: generic report
    assert "Rapport de classe" in render_report([])


def test_exporters_read_the_assignment(course, tmp_path):
    out = write_class(tmp_path / "out", [iris_result("alice"), iris_result("bruno", model_ok=False)])
    export(out_dir=out, to="canvas", dest=tmp_path / "c", roster=_roster(tmp_path))
    assert read_rows(tmp_path / "c" / "canvas_grades.csv")[0][-1] == "TP : un perceptron pour les iris"
    export(out_dir=out, to="canvas", dest=tmp_path / "c2", roster=_roster(tmp_path), assignment_name="Iris")
    assert read_rows(tmp_path / "c2" / "canvas_grades.csv")[0][-1] == "Iris"
    export(out_dir=out, to="moodle", dest=tmp_path / "m")
    comments = [r[-1] for r in read_rows(tmp_path / "m" / "moodle_grading_worksheet.csv")[1:]]
    assert "data 1/1 ; model 1/2 ; analysis 0/1" in comments[1]
    assert notebook_name(load_assignment("iris_mlp")) == "iris_mlp"
    readme = (tmp_path / "m" / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("iris_mlp: Lab: a perceptron for the iris flowers")


def _roster(tmp_path: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,student\n"
                      "Alice,1,,,,alice\nBruno,2,,,,bruno\n", encoding="utf-8")
    return roster


# ---------------------------------------------------------------- shared texts and formatters

@pytest.mark.parametrize("value, lang, places, text", [
    (15.5, "fr", None, "15,5"), (15.5, "en", None, "15.5"), (16.0, "en", None, "16"),
    (1.3333, "en", None, "1.33"), (134794.0, "en", None, "134794"), (-0.001, "fr", None, "0"),
    (16, "fr", 2, "16,00"), (8, "en", 2, "8.00"), (0.125, "en", 2, "0.12"),
])
def test_format_points(value, lang, places, text):
    assert format_points(value, lang, places=places) == text


def test_question_order_is_the_assignments_then_natural():
    assert ordered_questions(["q10", "x", "q2", "model", "data"], ("data", "model")) == \
        ["data", "model", "q2", "q10", "x"]
    assert ordered_questions(["q10", "q2", "q1"]) == ["q1", "q2", "q10"]


def test_one_status_table_with_short_and_long_texts():
    for lang in LANGS:
        assert set(STATUS_TEXTS[lang]) == {*STATUSES, None}
        for status in STATUSES:
            texts = status_texts(status, lang)
            assert texts.short and texts.title
            if status != "graded":
                assert texts.happened and texts.todo
    assert status_short("timeout", "fr") == "temps limite atteint"
    assert status_texts("timeout", "fr").title == "Temps limite dépassé"
    assert status_short("surprise", "en") == "surprise"
    assert status_texts("surprise", "en").title == "Incomplete grading"


def test_export_of_an_empty_folder_needs_an_assignment(course, tmp_path):
    (tmp_path / "out" / "results").mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-m", "autograder", "export", str(tmp_path / "out"), "--to", "moodle"],
                          capture_output=True, text=True, cwd=KIT_ROOT)
    assert proc.returncode == 2 and "give --assignment NAME" in proc.stderr
    written = export(out_dir=tmp_path / "out", to="moodle", assignment="iris_mlp")
    assert (tmp_path / "out" / "export" / "moodle" / "README.txt") in written
