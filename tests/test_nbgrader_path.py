"""The nbgrader path: generate_assignment → submitted → autograde → gradebook, end to end.

The hidden test cells call the same checks as ``python -m autograder grade`` (through
autograder.nbgrader_bridge) and return partial credit; written answers stay for formgrader.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.release import KIT_ROOT, generate_release, nbgrader_env
from conftest import SOURCE_NB

pytestmark = pytest.mark.slow


def student_from_solution(mistake: tuple[str, str] | None = None) -> nbformat.NotebookNode:
    """The release notebook with each answer cell filled as a student would (from the solution)."""
    source = {c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(str(SOURCE_NB), 4).cells
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    release = nbformat.read(str(KIT_ROOT / "release" / "td_keras_mlp" / "td_keras_mlp.ipynb"), 4)
    for cell in release.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in source and cell.metadata["nbgrader"].get("solution"):
            text = re.sub(r"^### (BEGIN|END) SOLUTION\n", "", source[grade_id].source, flags=re.M)
            if mistake:
                text = text.replace(*mistake)
            cell.source = text
    return release


def test_autograde_gives_partial_credit_from_the_same_checks(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(KIT_ROOT / "source", course / "source")
    shutil.copy2(KIT_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    db_url = f"sqlite:///{course}/gradebook.db"
    generate_release(assignment="td_keras_mlp", course_root=course, db_url=db_url)
    submitted = course / "submitted" / "alice" / "td_keras_mlp"
    submitted.mkdir(parents=True)
    # one mistake in Q7: Dropout keeping 10 % instead of switching 10 % off
    nbformat.write(student_from_solution(("layers.Dropout(0.1)", "layers.Dropout(0.9)")),
                   str(submitted / "td_keras_mlp.ipynb"))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "td_keras_mlp", "--create",
                           f"--CourseDirectory.db_url={db_url}"],
                          cwd=course, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        notebook = gradebook.find_submission_notebook("td_keras_mlp", "td_keras_mlp", "alice")
        grades = {g.name: (g.auto_score, g.max_score) for g in notebook.grades}
    expected_auto = {"q1_tests": 1, "q2_tests": 3, "q3_tests": 3, "q4_tests": 3, "q5_tests": 2, "q6_tests": 2}
    for name, points in expected_auto.items():
        assert grades[name] == (points, points), (name, grades[name])
    assert grades["q7_tests"] == (1.0, 2.0)  # the Dropout check failed, the model check passed
    assert all(grades[f"q{q}_answer"][0] is None for q in (1, 3, 4, 5))  # left for formgrader

    autograded = nbformat.read(str(course / "autograded" / "alice" / "td_keras_mlp" / "td_keras_mlp.ipynb"), 4)
    q7 = next(c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q7_tests")
    printed = "".join(o.get("text", "") for o in q7.outputs)
    assert "rate=0.9" in printed and "10 %" in printed
