"""Which assignment a submission is, and what a batch does with it (no kernel started here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import UnknownAssignment, load_assignment
from autograder.assignments.detection import (AssignmentChoiceError, Detection, choose_assignment,
                                              detect_assignment, mismatch_note, name_in_text,
                                              notebook_assignment)
from autograder.batch.run import GradeOptions, _run, check_ready, grade_batch, is_up_to_date
from autograder.collect import Submission, collect_submissions
from autograder.grading import assemble, file_sha256
from autograder.results import save_result
from conftest import KIT_ROOT, RELEASE_NB

KNOWN = ["td_keras_mlp", "xor_demo"]
SECOND_SPEC = '''
from autograder.assignments import AssignmentSpec, ContractItem
SPEC = AssignmentSpec(
    name="xor_demo", title={"fr": "TD : XOR", "en": "Lab: XOR"}, questions={"q1": 2},
    question_titles={"q1": {"fr": "Le modèle", "en": "The model"}},
    contract={"q1": [ContractItem("model_xor", "model")]})
'''


def notebook(path: Path, assignment: str | None = None) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    if assignment:
        nb.metadata["autograder"] = {"assignment": assignment}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def second_assignment(tmp_path, monkeypatch):
    """A course root holding a second assignment plugin (assignments/xor_demo/)."""
    course = tmp_path / "course"
    (course / "assignments" / "xor_demo").mkdir(parents=True)
    (course / "assignments" / "xor_demo" / "__init__.py").write_text(SECOND_SPEC)
    monkeypatch.setenv("AUTOGRADER_COURSE_ROOT", str(course))
    return course


# ----------------------------------------------------------------------------- one submission
def test_the_release_notebook_names_its_assignment():
    assert notebook_assignment(RELEASE_NB) == "td_keras_mlp"
    assert nbformat.read(str(RELEASE_NB), 4).metadata["autograder"] == {"assignment": "td_keras_mlp"}


def test_metadata_comes_first(tmp_path):
    sub = Submission("s", notebook(tmp_path / "td_keras_mlp.ipynb", "xor_demo"), folder_assignment="td_keras_mlp")
    assert detect_assignment(sub, KNOWN) == Detection("xor_demo", "metadata")


def test_unknown_or_broken_metadata_is_ignored(tmp_path):
    sub = Submission("s", notebook(tmp_path / "td_keras_mlp.ipynb", "not_a_plugin"))
    assert detect_assignment(sub, KNOWN) == Detection("td_keras_mlp", "file name")
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"metadata": {"autograder": "td_keras_mlp"}')
    assert notebook_assignment(broken) is None
    assert notebook_assignment(None) is None


def test_nbgrader_folder_then_lms_title_then_file_name(tmp_path):
    plain = notebook(tmp_path / "xor_demo.ipynb")
    assert detect_assignment(Submission("s", plain, folder_assignment="td_keras_mlp"), KNOWN) == \
        Detection("td_keras_mlp", "nbgrader")
    assert detect_assignment(Submission("s", plain, lms_title="L3 IA-TD-Keras-MLP-42"), KNOWN) == \
        Detection("td_keras_mlp", "lms")
    assert detect_assignment(Submission("s", plain, lms_title="TD Keras"), KNOWN) == Detection("xor_demo", "file name")
    anonymous = notebook(tmp_path / "Dupont final.ipynb")
    assert detect_assignment(Submission("s", anonymous), KNOWN) == Detection()
    assert detect_assignment(Submission("s", None, problem="no notebook"), KNOWN) == Detection()


def test_nbgrader_tree_path_is_detected_from_the_collected_tree(tmp_path):
    notebook(tmp_path / "course" / "submitted" / "alice" / "xor_demo" / "mon travail.ipynb")
    [sub] = collect_submissions([tmp_path / "course"], tmp_path / "work")
    assert detect_assignment(sub, KNOWN) == Detection("xor_demo", "nbgrader")


def test_names_are_matched_as_whole_words():
    assert name_in_text("Dupont - TD-Keras_MLP (1)", KNOWN) == "td_keras_mlp"
    assert name_in_text("Élève td_keras_mlpx", KNOWN) is None
    assert name_in_text("td_keras_mlp2", KNOWN) is None
    assert name_in_text("compare xor_demo and xor_demz", ["xor_demo", "xor_demz"]) is None   # ambiguous
    assert name_in_text("td_keras_mlp_cnn", ["td_keras_mlp", "td_keras_mlp_cnn"]) == "td_keras_mlp_cnn"
    assert name_in_text(None, KNOWN) is None


# ----------------------------------------------------------------------------- a batch
def subs_of(tmp_path: Path, plan: dict[str, str | None]) -> list[Submission]:
    return [Submission(student, notebook(tmp_path / f"{student}.ipynb", assignment))
            for student, assignment in plan.items()]


def test_one_assignment_found_is_graded_and_silent_submissions_follow_it(tmp_path):
    subs = subs_of(tmp_path, {"alice": "xor_demo", "bob": None})
    name, detections = choose_assignment(subs, None, KNOWN)
    assert name == "xor_demo" and detections["bob"] == Detection()


def test_the_option_wins_and_the_others_get_a_note(tmp_path):
    subs = subs_of(tmp_path, {"alice": "xor_demo", "bob": "td_keras_mlp"})
    name, detections = choose_assignment(subs, "td_keras_mlp", KNOWN)
    assert name == "td_keras_mlp"
    assert mismatch_note(detections["bob"], name, "fr") is None
    fr = mismatch_note(detections["alice"], name, "fr")
    en = mismatch_note(detections["alice"], name, "en")
    assert "xor_demo" in fr and "métadonnées" in fr and "td_keras_mlp" in fr and "corrigé comme" in fr
    assert en.startswith("This notebook looks like another assignment's") and "metadata" in en
    assert "« TD : Keras & perceptron multi-couches »" in fr   # the title, when the plugin loads


def test_a_mixed_batch_is_refused_with_how_to_split_it(tmp_path):
    subs = subs_of(tmp_path, {"alice": "xor_demo", "bob": "td_keras_mlp", "chloe": "td_keras_mlp"})
    with pytest.raises(AssignmentChoiceError) as error:
        choose_assignment(subs, None, KNOWN)
    text = str(error.value)
    assert "mixes assignments" in text
    assert "td_keras_mlp: 2 submission(s) (metadata: 2): bob, chloe" in text
    assert "xor_demo: 1 submission(s) (metadata: 1): alice" in text
    assert "--out OUT/<assignment>" in text and "--assignment NAME" in text


def test_nothing_named_is_a_usage_error_listing_the_known_ones(tmp_path):
    with pytest.raises(AssignmentChoiceError, match=r"give --assignment NAME \(known: td_keras_mlp, xor_demo\)"):
        choose_assignment(subs_of(tmp_path, {"anonymous": None}), None, KNOWN)
    with pytest.raises(UnknownAssignment, match=r"unknown assignment 'nope'.*known: td_keras_mlp, xor_demo"):
        choose_assignment([], "nope", KNOWN)


def test_cli_refuses_mixed_unknown_and_undetermined_batches(tmp_path, second_assignment):
    folder = tmp_path / "class"
    subs_of(folder, {"alice": "xor_demo", "bob": "td_keras_mlp"})

    def grade(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args), "--out",
                               str(tmp_path / "out"), "--quiet"], capture_output=True, text=True, cwd=KIT_ROOT)

    mixed = grade(folder)
    assert mixed.returncode == 2 and "mixes assignments" in mixed.stderr and "xor_demo: 1" in mixed.stderr
    unknown = grade(folder, "--assignment", "nope")
    assert unknown.returncode == 2 and "unknown assignment 'nope'" in unknown.stderr
    assert "td_keras_mlp" in unknown.stderr and "xor_demo" in unknown.stderr
    silent = grade(notebook(tmp_path / "solo" / "copie.ipynb"))
    assert silent.returncode == 2 and "cannot tell which assignment" in silent.stderr
    assert not (tmp_path / "out" / "results").exists()
    assert "mixing assignments is refused" in subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "--help"], capture_output=True, text=True).stdout


def test_an_output_folder_of_another_assignment_is_refused(tmp_path):
    out = tmp_path / "out"
    other = assemble(load_assignment("td_keras_mlp"), "alice", [], "fr")
    other.assignment = "xor_demo"
    save_result(other, out)
    with pytest.raises(ValueError, match="already holds results of xor_demo.*another output directory"):
        check_ready(load_assignment("td_keras_mlp"), out)
    with pytest.raises(ValueError, match="already holds results of xor_demo"):
        grade_batch(paths=[notebook(tmp_path / "bob.ipynb", "td_keras_mlp")], out_dir=out, progress=False)


def test_a_release_missing_its_files_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_COURSE_ROOT", str(tmp_path))
    (tmp_path / "release" / "td_keras_mlp").mkdir(parents=True)
    (tmp_path / "release" / "td_keras_mlp" / "dataset_utils.py").write_text("")
    with pytest.raises(ValueError, match=r"lacks verification.py: run `python -m autograder release td_keras_mlp`"):
        check_ready(load_assignment("td_keras_mlp"), tmp_path / "out")


def test_up_to_date_means_same_notebook_mode_and_assignment(tmp_path):
    sub = Submission("alice", notebook(tmp_path / "alice.ipynb", "td_keras_mlp"))
    result = assemble(load_assignment("td_keras_mlp"), "alice", [], "fr")
    result.submission_sha256, result.mode = file_sha256(sub.notebook), "fast"
    save_result(result, tmp_path / "out")
    assert is_up_to_date(sub, tmp_path / "out", False, "td_keras_mlp")
    assert not is_up_to_date(sub, tmp_path / "out", True, "td_keras_mlp")
    assert not is_up_to_date(sub, tmp_path / "out", False, "xor_demo")


def test_graded_as_another_assignment_the_feedback_says_so(tmp_path):
    """The note reaches the result file (and so the feedback) of a submission --assignment overrode."""
    subs = subs_of(tmp_path, {"alice": "xor_demo", "bob": "td_keras_mlp"})
    name, detections = choose_assignment(subs, "td_keras_mlp", KNOWN)
    spec = load_assignment(name)

    class Pool:
        def map_unordered(self, function, items, options):
            for sub in items:
                yield sub, assemble(spec, sub.student, [], "en")

    out = tmp_path / "out"
    _run(Pool(), subs, GradeOptions(name, False, "en", 1, str(out)), out, "en", False, detections)
    messages = {p.stem: json.loads(p.read_text())["messages"] for p in (out / "results").glob("*.json")}
    assert messages["bob"] == []
    assert len(messages["alice"]) == 1 and "looks like another assignment's (xor_demo" in messages["alice"][0]
    assert "looks like another assignment" in (out / "feedback" / "alice.html").read_text(encoding="utf-8")


def test_worker_needs_the_assignment():
    proc = subprocess.run([sys.executable, "-m", "autograder.batch.worker", "--notebook", "x", "--student", "s",
                           "--result-file", "r"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--assignment" in proc.stderr


def test_gradescope_and_moodle_titles_are_read_from_their_layouts(tmp_path):
    gradescope = tmp_path / "autograder"
    notebook(gradescope / "submission" / "answers.ipynb")
    (gradescope / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "users": [{"name": "A", "id": 7}], "assignment": {"title": "Lab 2 (xor_demo)"}}))
    [sub] = collect_submissions([gradescope / "submission"], tmp_path / "work")
    assert sub.lms_title == "Lab 2 (xor_demo)"
    assert detect_assignment(sub, KNOWN) == Detection("xor_demo", "lms")
    import zipfile

    archive = tmp_path / "L3-xor_demo-77.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Ann Lee_12_assignsubmission_file/copie.ipynb", notebook(tmp_path / "c.ipynb").read_bytes())
    [moodle] = collect_submissions([archive], tmp_path / "work2")
    assert detect_assignment(moodle, KNOWN) == Detection("xor_demo", "lms")


def test_a_large_notebook_is_detected_from_its_tail(tmp_path, monkeypatch):
    import autograder.assignments.detection as detection

    monkeypatch.setattr(detection, "PARSE_LIMIT_BYTES", 1000)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\n" + "# padding\n" * 500)])
    nb.metadata["autograder"] = {"assignment": "xor_demo"}
    nbformat.write(nb, str(tmp_path / "big.ipynb"))
    assert (tmp_path / "big.ipynb").stat().st_size > 1000
    assert notebook_assignment(tmp_path / "big.ipynb") == "xor_demo"
    nb.metadata.pop("autograder")
    nbformat.write(nb, str(tmp_path / "big.ipynb"))
    assert notebook_assignment(tmp_path / "big.ipynb") is None
