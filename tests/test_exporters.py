"""Exports: real column layouts, identifiers, file names, results.json schema, autograder zip."""
from __future__ import annotations

import csv
import json
import stat
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from autograder.outputs.exporters import export, get_exporter
from autograder.outputs.exporters.gradescope import main as gradescope_main
from autograder.outputs.exporters.gradescope import to_gradescope_results

try:
    from result_factory import SECRET, make_result, write_results
except ImportError:  # tests/ turned into a package
    from tests.result_factory import SECRET, make_result, write_results

ELODIE = {"moodle_participant_id": "12345", "full_name": "Élodie Martin", "source": "moodle",
          "email": "em@example.org"}
PICARD = {"moodle_participant_id": "12347", "full_name": "Jean_Luc Picard", "source": "moodle"}


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    results = [
        make_result("moodle_12345", identity=ELODIE),                       # 16/20, 4 pending
        make_result("moodle_12347", ratio=0.5, identity=PICARD),            # 8/20
        make_result("alice", identity={"nbgrader_id": "alice", "source": "nbgrader"}),
        make_result("moodle_12350", status="crashed",
                    identity={"moodle_participant_id": "12350", "full_name": "Zip Cassé"}),
    ]
    return write_results(tmp_path / "out", results)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


# --- dispatch -------------------------------------------------------------------------------

def test_export_dispatch_and_default_dest(out_dir):
    written = export(out_dir=out_dir, to="moodle", lang="en")
    assert all(p.is_relative_to(out_dir / "export" / "moodle") for p in written)
    assert get_exporter("autograder.outputs.exporters.canvas:CanvasExporter").name == "canvas"
    with pytest.raises(ValueError, match="unknown export target"):
        export(out_dir=out_dir, to="blackboard")
    with pytest.raises(ValueError, match="bad option"):
        export(out_dir=out_dir, to="moodle", roster="x.csv")


# --- Moodle ---------------------------------------------------------------------------------

def test_moodle_worksheet_french(out_dir, tmp_path):
    written = export(out_dir=out_dir, to="moodle", lang="fr", dest=tmp_path / "m")
    rows = read_csv(tmp_path / "m" / "moodle_grading_worksheet.csv")
    assert rows[0] == ["Identifiant", "Nom complet", "Adresse de courriel", "Statut", "Note",
                       "Note maximale", "La note peut être modifiée",
                       "Dernière modification (travail remis)", "Dernière modification (note)",
                       "Feedback par commentaires"]
    by_id = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert sorted(by_id) == ["Participant12345", "Participant12347", "Participant12350"]
    elodie = by_id["Participant12345"]
    assert (elodie["Nom complet"], elodie["Adresse de courriel"]) == ("Élodie Martin", "em@example.org")
    assert (elodie["Note"], elodie["Note maximale"], elodie["La note peut être modifiée"]) == \
        ("16,00", "20,00", "Oui")
    assert by_id["Participant12347"]["Note"] == "8,00"
    assert by_id["Participant12350"]["Note"] == ""                      # grader error
    assert datetime.fromisoformat(elodie["Dernière modification (note)"]).tzinfo is not None
    comment = elodie["Feedback par commentaires"]
    assert "16/20" in comment and "q2 3/3" in comment and "main : 4 pt" in comment
    assert SECRET not in comment
    readme = (tmp_path / "m" / "README.txt").read_text()
    assert "alice" in readme and "Zip Cassé" not in readme
    assert {p.name for p in written} == {"moodle_grading_worksheet.csv",
                                         "moodle_feedback_files.zip", "README.txt"}


def test_moodle_worksheet_english(out_dir, tmp_path):
    export(out_dir=out_dir, to="moodle", lang="en", dest=tmp_path / "m")
    rows = read_csv(tmp_path / "m" / "moodle_grading_worksheet.csv")
    assert rows[0][:2] == ["Identifier", "Full name"]
    assert rows[0][4:6] == ["Grade", "Maximum grade"]
    assert rows[0][8:] == ["Last modified (grade)", "Feedback comments"]
    assert rows[1][0] == "Participant 12345" and rows[1][4] == "16.00"


def test_moodle_feedback_zip_layout(out_dir, tmp_path):
    export(out_dir=out_dir, to="moodle", dest=tmp_path / "m")
    with zipfile.ZipFile(tmp_path / "m" / "moodle_feedback_files.zip") as zf:
        names = sorted(zf.namelist())
        assert names == ["Jean Luc Picard_12347_assignfeedback_file_/feedback.html",
                         "Zip Cassé_12350_assignfeedback_file_/feedback.html",
                         "Élodie Martin_12345_assignfeedback_file_/feedback.html"]
        for name in names:                       # what Moodle's importer does with the folder
            folder = name.split("/")[0].split("_", 4)
            assert folder[1].isdigit() and folder[2:4] == ["assignfeedback", "file"]
        page = zf.read("Élodie Martin_12345_assignfeedback_file_/feedback.html")
    assert page == (out_dir / "feedback" / "moodle_12345.html").read_bytes()


# --- Canvas ---------------------------------------------------------------------------------

def test_canvas_gradebook_csv(out_dir, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section\n"
                      '"Martin, Élodie",501,E-1,em@example.org,Groupe A\n'
                      '"Picard, Jean_Luc",502,E-2,jlp,Groupe B\n', encoding="utf-8")
    export(out_dir=out_dir, to="canvas", dest=tmp_path / "c", roster=roster, assignment_id="77")
    rows = read_csv(tmp_path / "c" / "canvas_grades.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "TD : Keras & perceptron multi-couches (77)"]   # the assignment's title
    assert rows[1] == ["    Points Possible", "", "", "", "", "20"]
    assert rows[2] == ["Martin, Élodie", "501", "E-1", "em@example.org", "Groupe A", "16"]
    assert rows[3] == ["Picard, Jean_Luc", "502", "E-2", "jlp", "Groupe B", "8"]   # by name
    assert len(rows) == 4        # alice and the grader error have no Canvas id
    readme = (tmp_path / "c" / "README.txt").read_text()
    assert "alice" in readme and "moodle_12347" not in readme


def test_canvas_ids_from_identity(tmp_path):
    result = make_result("bob", ratio=0.5, identity={"canvas_id": "9", "sis_login_id": "bob",
                                                     "full_name": "Bob", "section": "S1"})
    out = write_results(tmp_path / "out", [result])
    export(out_dir=out, to="canvas", dest=tmp_path / "c")
    assert read_csv(tmp_path / "c" / "canvas_grades.csv")[2] == ["Bob", "9", "", "bob", "S1", "8"]


# --- Gradescope -----------------------------------------------------------------------------

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def check_gradescope_schema(data: dict) -> None:
    """The results.json contract of gradescope-autograders.readthedocs.io/en/latest/specs/."""
    assert isinstance(data["score"], (int, float))
    assert isinstance(data.get("execution_time", 0), int)
    assert isinstance(data["output"], str)
    assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= {"score", "max_score", "name", "number", "output", "tags",
                             "visibility", "status", "extra_data", "name_format", "output_format"}
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert isinstance(test["name"], str) and isinstance(test["number"], str)
        assert isinstance(test["output"], str) and all(isinstance(t, str) for t in test["tags"])
        assert test["visibility"] in VISIBILITIES
        assert test.get("status", "passed") in {"passed", "failed"}
    json.dumps(data)


def test_gradescope_results_schema_and_visibility():
    data = to_gradescope_results(make_result("x", ratio=0.5), "en")
    check_gradescope_schema(data)
    assert data["score"] == 8
    summaries = [t for t in data["tests"] if t["visibility"] == "visible"]
    assert [t["number"] for t in summaries] == [str(n) for n in range(1, 8)]
    assert summaries[0]["output"] == "1/2 checks passed. 1 pt to be graded by hand."
    assert SECRET not in data["output"] and all(SECRET not in t["output"] for t in summaries)
    checks = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert {t["visibility"] for t in checks} == {"after_published"}
    manual = [t for t in checks if "manual" in t["tags"]]
    assert len(manual) == 4 and all(t["score"] == 0 and "status" not in t for t in manual)
    assert manual[0]["output"] == "Graded by hand."
    assert {t["status"] for t in checks if "auto" in t["tags"]} == {"passed", "failed"}


def test_gradescope_export_and_autograder_zip(out_dir, tmp_path):
    written = export(out_dir=out_dir, to="gradescope", dest=tmp_path / "g")
    assert tmp_path / "g" / "results" / "alice.json" in written
    check_gradescope_schema(json.loads((tmp_path / "g" / "results" / "alice.json").read_text()))
    with zipfile.ZipFile(tmp_path / "g" / "gradescope_autograder.zip") as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "pyproject.toml", "README.md", "autograder/collect.py",
                "autograder/outputs/exporters/gradescope.py",
                "source/td_keras_mlp/td_keras_mlp.ipynb"} <= names
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        for script in ("setup.sh", "run_autograder"):
            mode = zf.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR and zf.read(script).startswith(b"#!/usr/bin/env bash")
        run = zf.read("run_autograder").decode()
    assert "python -m autograder grade /autograder/submission --out /tmp/out --quiet" in run
    assert "python -m autograder.outputs.exporters.gradescope /tmp/out /autograder/results/results.json" in run


def test_gradescope_converter_entry_point(tmp_path):
    out = write_results(tmp_path / "out", [make_result("solo", ratio=1.0, lang="en")])
    assert gradescope_main([str(out), str(tmp_path / "results" / "results.json")]) == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    check_gradescope_schema(data)
    assert data["score"] == 16 and data["extra_data"]["student"] == "solo"
    gradescope_main([str(tmp_path / "nothing"), str(tmp_path / "empty.json")])
    empty = json.loads((tmp_path / "empty.json").read_text())
    check_gradescope_schema(empty)
    assert empty["score"] == 0 and "enseignant" in empty["output"]


# --- nbgrader -------------------------------------------------------------------------------

GRADE_CELLS = {"q1_tests": 1, "q1_answer": 1, "q2_tests": 3, "q3_tests": 3, "q3_answer": 1,
               "q4_tests": 3, "q4_answer": 1, "q5_tests": 2, "q5_answer": 1, "q6_tests": 2,
               "q7_tests": 2}


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A course folder with a gradebook that knows td_keras_mlp, as generate_assignment leaves it."""
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    # a fresh gradebook runs the `alembic heads` command (5 s): read the same head in-process
    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.api.__file__).parent / "alembic"))
    head = ScriptDirectory.from_config(config).get_current_head()
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: head)
    Gradebook = nbgrader.api.Gradebook
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text('c.CourseDirectory.course_id = "td-keras-mlp"\n')
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="td-keras-mlp") as gb:
        gb.add_assignment("td_keras_mlp")
        gb.add_notebook("td_keras_mlp", "td_keras_mlp")
        for name, points in GRADE_CELLS.items():
            kind = "markdown" if name.endswith("_answer") else "code"
            gb.add_grade_cell(name, "td_keras_mlp", "td_keras_mlp", max_score=points, cell_type=kind)
        gb.add_student("alice", first_name="Alice", last_name="Existing")
    return root


def test_nbgrader_gradebook_import(out_dir, course, tmp_path):
    from nbgrader.api import Gradebook

    written = export(out_dir=out_dir, to="nbgrader", dest=tmp_path / "n", course_root=course)
    assert (course / "gradebook.db").resolve() in [p.resolve() for p in written]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="td-keras-mlp") as gb:
        alice = gb.find_student("alice")
        assert (alice.first_name, alice.last_name) == ("Alice", "Existing")   # kept
        assert gb.find_student("moodle_12345").last_name == "Martin"
        q2 = gb.find_grade("q2_tests", "td_keras_mlp", "td_keras_mlp", "moodle_12347")
        assert (q2.auto_score, q2.needs_manual_grade) == (1.5, False)
        answer = gb.find_grade("q1_answer", "td_keras_mlp", "td_keras_mlp", "alice")
        assert answer.auto_score is None and answer.manual_score is None
        assert gb.find_submission("td_keras_mlp", "alice").score == 16
        assert [s.id for s in gb.students if s.id == "moodle_12350"] == []   # grader error
    rows = read_csv(tmp_path / "n" / "nbgrader_grades.csv")
    assert rows[0] == ["assignment", "duedate", "timestamp", "student_id", "last_name",
                       "first_name", "email", "raw_score", "late_submission_penalty", "score",
                       "max_score"]
    assert ["td_keras_mlp", "", "", "moodle_12345", "Martin", "Élodie", "em@example.org",
            "16", "0", "16", "20"] in rows


def test_nbgrader_without_gradebook_writes_csv_only(out_dir, tmp_path):
    empty_course = tmp_path / "empty_course"
    empty_course.mkdir()
    written = export(out_dir=out_dir, to="nbgrader", dest=tmp_path / "n", course_root=empty_course)
    assert [p.name for p in written] == ["nbgrader_grades.csv", "README.txt"]
    assert "CSV only" in (tmp_path / "n" / "README.txt").read_text()
    assert not (empty_course / "gradebook.db").exists()
