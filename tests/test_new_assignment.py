"""``python -m autograder new NAME``: a working assignment from zero (plugin, source notebook with
one example question, sample submission) that releases and grades out of the box."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import COURSE_ROOT_ENV, load_assignment
from autograder.authoring import AuthoringError, check_name, create_assignment

KIT_ROOT = Path(__file__).resolve().parents[1]


def cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          text=True, cwd=KIT_ROOT, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("name", ["", "Demo", "demo-lab", "1lab", "class", "_hidden", "td lab", "démo"])
def test_invalid_names_are_refused(name, tmp_path):
    with pytest.raises(AuthoringError, match="invalid assignment name"):
        create_assignment(name, course_root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_name_is_refused(tmp_path):
    with pytest.raises(AuthoringError, match="'td_keras_mlp' already exists"):
        create_assignment("td_keras_mlp", course_root=tmp_path)
    create_assignment("lab_one", course_root=tmp_path)
    with pytest.raises(AuthoringError, match="'lab_one' already exists"):
        create_assignment("lab_one", course_root=tmp_path)
    proc = cli("new", "lab_one", "--course-root", tmp_path)
    assert proc.returncode == 2 and "already exists" in proc.stderr
    proc = cli("new", "Lab-One", "--course-root", tmp_path)
    assert proc.returncode == 2 and "invalid assignment name" in proc.stderr
    assert check_name("td_cnn_2") == "td_cnn_2"


def test_layout_of_a_new_assignment(tmp_path, monkeypatch):
    made = create_assignment("lab_demo", course_root=tmp_path, title_fr='TP "démo"', title_en="Demo lab")
    assert made.plugin_dir == tmp_path / "assignments" / "lab_demo"
    assert {p.relative_to(tmp_path).as_posix() for p in made.created} == {
        "assignments/lab_demo/__init__.py", "assignments/lab_demo/hidden_checks.py",
        "source/lab_demo/lab_demo.ipynb", "samples/lab_demo/student_example.ipynb", "nbgrader_config.py"}
    for path in made.created:
        assert "__NAME__" not in path.read_text(encoding="utf-8") and "__TITLE" not in path.read_text(encoding="utf-8")
    monkeypatch.setenv(COURSE_ROOT_ENV, str(tmp_path))
    spec = load_assignment("lab_demo")
    assert spec.title == {"fr": 'TP "démo"', "en": "Demo lab"}
    assert list(spec.questions) == ["q1", "q2"] and [m.id for m in spec.manual] == ["q2_answer"]

    source = nbformat.read(made.source_notebook, as_version=4)
    assert source.metadata["autograder"]["assignment"] == "lab_demo"
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells}
    assert cells["q1_tests"].metadata["nbgrader"]["points"] == spec.questions["q1"]
    assert 'hidden_score("q1", globals(), assignment="lab_demo")' in cells["q1_tests"].source
    assert cells["q2_answer"].metadata["nbgrader"]["points"] == 1 and cells["q2_answer"].cell_type == "markdown"
    sample = made.sample.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in sample and "hidden_score" not in sample and "model_q1 = keras" in sample


@pytest.mark.slow
def test_new_assignment_releases_and_grades_out_of_the_box(tmp_path):
    course, out = tmp_path / "course", tmp_path / "out"
    env = {COURSE_ROOT_ENV: str(course)}
    proc = cli("new", "demo_assignment", "--course-root", course)
    assert proc.returncode == 0, proc.stderr
    assert "python -m autograder release demo_assignment" in proc.stdout

    from autograder.release import generate_release
    release = generate_release(assignment="demo_assignment", course_root=course)
    released = (release / "demo_assignment.ipynb").read_text(encoding="utf-8")
    assert "hidden_score" not in released and "model_q1 = keras" not in released

    proc = cli("grade", course / "samples" / "demo_assignment", "--out", out,
               "--assignment", "demo_assignment", "--quiet", env=env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "results" / "student_example.json").read_text(encoding="utf-8"))
    assert (result["assignment"], result["status"], result["score"], result["max_score"]) == \
        ("demo_assignment", "graded", 2, 3)
    assert [c["passed"] for c in result["questions"]["q1"]["checks"]] == [True]
    page = (out / "feedback" / "student_example.html").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "TP demo_assignment" in page and "Un premier réseau pour les iris" in page
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["student", "q1", "q2", "total", "max", "status"],
                                        ["student_example", "2", "0", "2", "3", "graded"]]
