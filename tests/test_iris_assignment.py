"""The tiny second assignment (tests/course: iris_mlp, a course kept outside the kit) graded end
to end: grade → feedback → grades.csv → report → Moodle / Canvas / Gradescope / nbgrader exports,
each showing that assignment's questions and nothing of td_keras_mlp. Its committed release is
what nbgrader generates from its source."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.assignments import COURSE_ROOT_ENV
from autograder.release import generate_release, release_differences

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
KIT_ROOT = TESTS.parent
COURSE = TESTS / "course"
NAME = "iris_mlp"
SUBMISSIONS = COURSE / "submissions" / NAME
TITLES_FR = ("TP : un perceptron pour les iris", "Préparer les mesures des fleurs",
             "Un réseau à une couche cachée", "Lire la matrice de confusion")
QUESTIONS = ["data", "model", "analysis"]
FIRST_ASSIGNMENT_TEXTS = ("td_keras_mlp", "perceptron multi-couches", "multi-layer perceptron",
                          "mnist", "boston", "model_q", "histories_q", "prepare_")
STUDENTS = {"moodle_101": ("Alice Martin", "alice"), "moodle_102": ("Bruno Petit", "bruno")}


def autograder(*args, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          text=True, cwd=KIT_ROOT, env={**os.environ, COURSE_ROOT_ENV: str(COURSE), **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The two samples as a Moodle download, graded with the CLI, then report and exports."""
    root = tmp_path_factory.mktemp("iris")
    download = root / "moodle"
    for student, (full_name, sample) in STUDENTS.items():
        folder = download / f"{full_name}_{student.split('_')[1]}_assignsubmission_file_"
        folder.mkdir(parents=True)
        shutil.copy(SUBMISSIONS / f"{sample}.ipynb", folder / f"{NAME}.ipynb")
    out = root / "out"
    autograder("grade", download, "--out", out, "--assignment", NAME, "--quiet")
    autograder("report", out)
    for target in ("moodle", "gradescope"):
        autograder("export", out, "--to", target)
    return out


@pytest.fixture
def course_env(monkeypatch):
    monkeypatch.setenv(COURSE_ROOT_ENV, str(COURSE))


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory) -> Path:
    """A copy of the test course whose gradebook knows iris_mlp, as generate_assignment leaves it."""
    root = tmp_path_factory.mktemp("nbgrader-course")
    shutil.copytree(COURSE / "source" / NAME, root / "source" / NAME)
    shutil.copytree(COURSE / "assignments" / NAME, root / "assignments" / NAME,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(COURSE / "nbgrader_config.py", root / "nbgrader_config.py")
    generate_release(assignment=NAME, course_root=root, db_url=f"sqlite:///{root / 'gradebook.db'}")
    return root


def test_committed_release_is_what_nbgrader_generates(nbgrader_course):
    assert release_differences(COURSE / "release" / NAME, nbgrader_course / "release" / NAME) == []
    release = (COURSE / "release" / NAME / f"{NAME}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in release and "hidden_score" not in release
    assert "iris_net = keras.Sequential" not in release


def test_results_grades_and_feedback(graded):
    results = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (graded / "results").glob("*.json")}
    assert set(results) == set(STUDENTS)
    for result in results.values():
        assert (result["assignment"], result["status"], result["max_score"]) == (NAME, "graded", 4)
        assert list(result["questions"]) == QUESTIONS
    alice, bruno = results["moodle_101"], results["moodle_102"]
    assert alice["score"] == 3 and bruno["score"] == 2          # analysis pending by hand
    failed = [c for q in bruno["questions"].values() for c in q["checks"] if c["passed"] is False]
    assert [c["id"] for c in failed] == ["model_architecture"] and "softmax" in failed[0]["message"]

    with open(graded / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["student", *QUESTIONS, "total", "max", "status"],
                    ["moodle_101", "1", "2", "0", "3", "4", "graded"],
                    ["moodle_102", "1", "1", "0", "2", "4", "graded"]]

    page = plain((graded / "feedback" / "moodle_102.html").read_text(encoding="utf-8"))
    for title in TITLES_FR:
        assert title in page, title
    assert "model_architecture" in page and "Réponse rédigée : quelles espèces" in page


def test_report(graded):
    html = plain((graded / "report" / "index.html").read_text(encoding="utf-8"))
    for title in TITLES_FR:
        assert title in html, title
    assert 'data-check="model_architecture"' in html and "analysis_answer" in html


def test_moodle_export(graded):
    folder = graded / "export" / "moodle"
    with open(folder / "moodle_grading_worksheet.csv", newline="", encoding="utf-8") as fh:
        rows = {r[0]: r for r in csv.reader(fh)}
    assert rows["Participant102"][4] == "2,00" and rows["Participant102"][5] == "4,00"
    assert "data 1/1 ; model 1/2 ; analysis 0/1" in rows["Participant102"][-1]
    with zipfile.ZipFile(folder / "moodle_feedback_files.zip") as zf:
        page = plain(zf.read("Bruno Petit_102_assignfeedback_file_/feedback.html").decode("utf-8"))
    assert "Lire la matrice de confusion" in page


def test_gradescope_export_and_converter(graded, tmp_path):
    folder = graded / "export" / "gradescope"
    data = json.loads((folder / "results" / "moodle_102.json").read_text(encoding="utf-8"))
    summaries = [t for t in data["tests"] if "summary" in t["tags"]]
    assert [t["tags"][0] for t in summaries] == QUESTIONS
    assert summaries[1]["name"] == "Question 2 – Un réseau à une couche cachée"
    assert data["extra_data"]["assignment"] == NAME
    with zipfile.ZipFile(folder / "gradescope_autograder.zip") as zf:
        names = set(zf.namelist())
        run = zf.read("run_autograder").decode()
    assert {f"course/assignments/{NAME}/__init__.py", f"course/assignments/{NAME}/hidden_checks.py",
            f"course/source/{NAME}/{NAME}.ipynb", f"course/release/{NAME}/{NAME}.ipynb"} <= names
    assert not any(n.startswith(("source/td_keras_mlp", "release/td_keras_mlp")) for n in names)
    assert "export AUTOGRADER_COURSE_ROOT=/autograder/source/course" in run
    assert f"--assignment {NAME}" in run
    # what run_autograder does inside Gradescope once the submission is graded
    single = tmp_path / "single"
    shutil.copytree(graded / "results", single / "results", ignore=shutil.ignore_patterns("moodle_101.json"))
    proc = subprocess.run([sys.executable, "-m", "autograder.outputs.exporters.gradescope", str(single),
                           str(tmp_path / "results.json")], capture_output=True, text=True, cwd=KIT_ROOT,
                          env={**os.environ, COURSE_ROOT_ENV: str(COURSE)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 2


def test_canvas_export(graded, course_env, tmp_path):
    from autograder.outputs.exporters import export

    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      '"Martin, Alice",501,,,A\n"Petit, Bruno",502,,,A\n', encoding="utf-8")
    export(out_dir=graded, to="canvas", dest=tmp_path / "c", roster=roster, assignment_id="9")
    with open(tmp_path / "c" / "canvas_grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == "TP : un perceptron pour les iris (9)"
    assert rows[1][-1] == "4" and [r[-1] for r in rows[2:]] == ["3", "2"]


def test_nbgrader_export(graded, course_env, nbgrader_course, tmp_path):
    from nbgrader.api import Gradebook

    from autograder.outputs.exporters import export

    export(out_dir=graded, to="nbgrader", dest=tmp_path / "n", course_root=nbgrader_course)
    with Gradebook(f"sqlite:///{nbgrader_course / 'gradebook.db'}") as gb:
        model = gb.find_grade("model_tests", NAME, NAME, "moodle_102")
        data = gb.find_grade("data_tests", NAME, NAME, "moodle_102")
        answer = gb.find_grade("analysis_answer", NAME, NAME, "moodle_102")
        assert (model.auto_score, data.auto_score, model.needs_manual_grade) == (1, 1, False)
        assert answer.auto_score is None
        assert gb.find_submission(NAME, "moodle_101").score == 3
    readme = (tmp_path / "n" / "README.txt").read_text(encoding="utf-8")
    assert "No warnings" in readme, readme
    with open(tmp_path / "n" / "nbgrader_grades.csv", newline="", encoding="utf-8") as fh:
        assert {r[0] for r in list(csv.reader(fh))[1:]} == {NAME}


def test_no_output_carries_the_first_assignment(graded):
    texts = {}
    for path in graded.rglob("*"):
        if path.suffix in {".json", ".html", ".csv", ".txt"} and "executed" not in path.parts:
            texts[path] = path.read_text(encoding="utf-8")
        elif path.name == "moodle_feedback_files.zip":
            with zipfile.ZipFile(path) as zf:
                texts.update({path / n: zf.read(n).decode("utf-8") for n in zf.namelist()})
    assert len(texts) > 10
    for path, text in texts.items():
        for word in FIRST_ASSIGNMENT_TEXTS:
            assert word not in text.lower(), f"{word!r} in {path}"
