"""td_keras_cv: release/ is what nbgrader generates from source/, leaks nothing, and the notebook
matches its SPEC (points, contract names in the skeletons, support files).

Kept apart from tests/test_release.py (which covers td_keras_mlp) so that the two can be folded
into one parametrized file without touching each other's expectations."""
from __future__ import annotations

import re
import shutil

import nbformat

from autograder.assignments import load_assignment
from autograder.release import KIT_ROOT, generate_release, release_differences

SPEC = load_assignment("td_keras_cv")
SOURCE_DIR, RELEASE_DIR = SPEC.source_dir(), SPEC.release_dir()
SOURCE_NB, RELEASE_NB = SOURCE_DIR / SPEC.notebook_name, RELEASE_DIR / SPEC.notebook_name


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def test_release_is_what_nbgrader_generates_from_source(tmp_path):
    source = tmp_path / "source" / SPEC.name
    shutil.copytree(SOURCE_DIR, source)
    # the shared support file's one true copy lives in td_keras_mlp's source/
    for owner in set(SPEC.shared_files.values()):
        shutil.copytree(KIT_ROOT / "source" / owner, tmp_path / "source" / owner)
    shutil.copy2(KIT_ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    (source / "verification.py").unlink()
    regenerated = generate_release(SPEC.name, course_root=tmp_path)
    assert release_differences(RELEASE_DIR, regenerated) == []


def test_shared_support_file_is_the_first_labs():
    for name, owner in SPEC.shared_files.items():
        true_copy = (KIT_ROOT / "source" / owner / name).read_bytes()
        assert (SOURCE_DIR / name).read_bytes() == true_copy
        assert (RELEASE_DIR / name).read_bytes() == true_copy


def test_source_notebook_names_its_assignment():
    assert nbformat.read(str(SOURCE_NB), 4).metadata["autograder"] == {"assignment": SPEC.name}
    assert nbformat.read(str(RELEASE_NB), 4).metadata["autograder"] == {"assignment": SPEC.name}


def test_release_has_no_solution_and_no_hidden_test():
    release_text = RELEASE_NB.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in release_text and "HIDDEN TESTS" not in release_text
    assert "hidden_score" not in release_text and "nbgrader_bridge" not in release_text
    for solution_line in ("search_q3.fit(Xb_train", "best_optimizer_q2 = search_q2.best_params_"):
        assert solution_line not in release_text


def test_points_match_the_spec():
    per_question, manual = {}, {}
    for cell in nbformat.read(str(SOURCE_NB), 4).cells:
        meta = _nbgrader(cell)
        if meta.get("grade"):
            question = meta["grade_id"].split("_")[0]
            per_question[question] = per_question.get(question, 0) + meta["points"]
            if cell.cell_type == "markdown":
                manual[meta["grade_id"]] = meta["points"]
    assert per_question == SPEC.questions == {"q1": 5, "q2": 5, "q3": 10}
    assert manual == {m.id: m.points for m in SPEC.manual} == {"q1_answer": 1, "q2_answer": 1, "q3_answer": 2}


def test_every_student_contract_name_is_stated_in_a_skeleton_cell():
    nb = nbformat.read(str(RELEASE_NB), 4)
    skeleton = "\n".join(c.source for c in nb.cells if _nbgrader(c).get("solution") and c.cell_type == "code")
    data_cell = next(c.source for c in nb.cells if _nbgrader(c).get("grade_id") == "data")
    missing = [name for name in SPEC.contract_names
               if not re.search(rf"\b{name}\b", skeleton) and not re.search(rf"\b{name}\b", data_cell)]
    assert missing == []
    assert skeleton.count("raise NotImplementedError()") == 3


def test_release_ships_the_specs_support_files_and_the_self_check():
    assert {p.name for p in RELEASE_DIR.iterdir()} == {SPEC.notebook_name, *SPEC.released_files}
