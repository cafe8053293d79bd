"""`python -m autograder bundle NAME`: the students' zip of a released assignment (autograder/bundle.py).

Fast tests read the zip (its members, its README) and the refusals; the slow ones unzip it in
an empty folder and run the skeleton as a student would, offline, for both assignments."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import COURSE_ROOT_ENV, SELF_CHECK_FILE, load_assignment
from autograder.bundle import README_NAME, BundleError, student_readme, write_bundle

KIT_ROOT = Path(__file__).resolve().parents[1]
COURSE = KIT_ROOT / "tests" / "course"

# assignment -> (course root or None for the kit, a probe cell that loads its data, what it prints)
ASSIGNMENTS = {
    "td_keras_mlp": (None, "X_train, X_test, y_train, y_test = prepare_mnist(ON_LAB_NETWORK)\n"
                           "Xb_train, Xb_test, yb_train, yb_test = prepare_boston()\n"
                           "print('data', X_train.shape[1], y_train.shape[1], Xb_train.shape[1])",
                     "data 784 10 13"),
    "iris_mlp": (COURSE, "print('data', load_iris().data.shape)", "data (150, 4)"),
}


@pytest.fixture(params=sorted(ASSIGNMENTS))
def assignment(request, monkeypatch):
    root = ASSIGNMENTS[request.param][0]
    if root is None:
        monkeypatch.delenv(COURSE_ROOT_ENV, raising=False)
    else:
        monkeypatch.setenv(COURSE_ROOT_ENV, str(root))
    return request.param


def test_the_zip_holds_one_folder_with_the_release_and_a_readme(assignment, tmp_path):
    spec = load_assignment(assignment)
    made = write_bundle(assignment, out_dir=tmp_path)
    assert made.path == tmp_path / f"{assignment}-etudiants.zip"
    with zipfile.ZipFile(made.path) as zf:
        names = zf.namelist()
        assert names == [f"{assignment}/{n}" for n in (README_NAME, spec.notebook_name, *spec.released_files)]
        assert list(made.files) == names
        for member in (spec.notebook_name, *spec.released_files):
            assert zf.read(f"{assignment}/{member}") == (spec.release_dir() / member).read_bytes()
        assert zf.read(f"{assignment}/{README_NAME}").decode("utf-8") == student_readme(spec, "fr")
    assert not list(tmp_path.glob("*.part"))


def test_the_zip_is_reproducible_and_english_is_an_option(assignment, tmp_path):
    first = write_bundle(assignment, out_dir=tmp_path / "a").path.read_bytes()
    assert write_bundle(assignment, out_dir=tmp_path / "b").path.read_bytes() == first
    english = write_bundle(assignment, out_dir=tmp_path, lang="en")
    assert english.path.name == f"{assignment}-students.zip"
    with zipfile.ZipFile(english.path) as zf:
        readme = zf.read(f"{assignment}/{README_NAME}").decode("utf-8")
    assert readme.index("What to hand in") < readme.index("Ce qu'il faut rendre")


def test_the_readme_says_how_to_open_self_check_and_hand_in(assignment):
    spec = load_assignment(assignment)
    readme = student_readme(spec, "fr")
    french, english = readme.split("#" * 72)
    assert french.startswith(spec.title["fr"]) and spec.title["en"] in english
    assert "(English version below.)" in french
    first_check = next(iter(spec.self_check_contract()))
    for text in (french, english):
        assert f"from verification import check\n    check(\"{first_check}\"" in text
        assert f"Uniquement le carnet {spec.notebook_name}" in text or f"Only the notebook {spec.notebook_name}" in text
        assert "Redémarrer et tout exécuter" in text and "Restart & Run All" in text
        for qid in spec.self_check_contract():
            assert f'check("{qid}")' in text
        for name in spec.released_files:
            assert f"* {name}" in text
        assert f"{spec.max_score:g} points" in text
    assert "Barème : " in french and "Grading: " in english


def test_the_data_switch_comes_from_the_spec(monkeypatch):
    monkeypatch.delenv(COURSE_ROOT_ENV, raising=False)
    spec = load_assignment("td_keras_mlp")
    readme = student_readme(spec, "fr")
    for lang, section in (("fr", "Les données\n-----------\n"), ("en", "The data\n--------\n")):
        assert section + spec.student_notes[lang] in readme
    for needed in ("ON_LAB_NETWORK = True", "prepare_mnist(True)", "TD_KERAS_DATA_SOURCE=offline", "~/.keras"):
        assert needed in spec.student_notes["fr"] and needed in spec.student_notes["en"]
    monkeypatch.setenv(COURSE_ROOT_ENV, str(COURSE))
    iris = load_assignment("iris_mlp")
    assert iris.student_notes is None and "Les données\n" not in student_readme(iris)


def test_student_notes_need_both_languages():
    import dataclasses

    spec = load_assignment("td_keras_mlp")
    with pytest.raises(ValueError, match="student_notes"):
        dataclasses.replace(spec, student_notes={"fr": "seulement en français"})


# ----------------------------------------------------------------------------- refusals
@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A copy of the test course (iris_mlp), which the tests may break."""
    root = tmp_path / "course"
    shutil.copytree(COURSE, root, ignore=shutil.ignore_patterns("__pycache__", "submissions"))
    monkeypatch.setenv(COURSE_ROOT_ENV, str(root))
    return root


def test_a_missing_release_is_refused(course_copy, tmp_path):
    shutil.rmtree(course_copy / "release" / "iris_mlp")
    with pytest.raises(BundleError, match=r"iris_mlp\.ipynb is missing[\s\S]*autograder release iris_mlp"):
        write_bundle("iris_mlp", out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_incomplete_or_stale_release_is_refused_naming_each_file(course_copy, tmp_path):
    release = course_copy / "release" / "iris_mlp"
    (release / SELF_CHECK_FILE).unlink()
    with pytest.raises(BundleError, match=f"{SELF_CHECK_FILE} is missing"):
        write_bundle("iris_mlp", out_dir=tmp_path)
    shutil.copy2(COURSE / "release" / "iris_mlp" / SELF_CHECK_FILE, release / SELF_CHECK_FILE)
    with (release / SELF_CHECK_FILE).open("a", encoding="utf-8") as f:
        f.write("# edited by hand\n")
    nb = nbformat.read(release / "iris_mlp.ipynb", as_version=4)
    nb.metadata.pop("autograder")
    nbformat.write(nb, release / "iris_mlp.ipynb")
    with pytest.raises(BundleError) as refused:
        write_bundle("iris_mlp", out_dir=tmp_path)
    assert "not the self-check of the current SPEC" in str(refused.value)
    assert "does not name its assignment" in str(refused.value)
    assert list(tmp_path.glob("*.zip")) == []


def test_a_support_file_changed_since_the_release_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "course"
    for part in ("source", "release"):
        shutil.copytree(KIT_ROOT / part / "td_keras_mlp", root / part / "td_keras_mlp")
    monkeypatch.setenv(COURSE_ROOT_ENV, str(root))
    with (root / "source" / "td_keras_mlp" / "dataset_utils.py").open("a", encoding="utf-8") as f:
        f.write("# a fix after the release\n")
    with pytest.raises(BundleError, match="dataset_utils.py differs from"):
        write_bundle("td_keras_mlp", out_dir=tmp_path)


def test_the_command_line(course_copy, tmp_path):
    env = {**os.environ, COURSE_ROOT_ENV: str(course_copy)}
    cmd = [sys.executable, "-m", "autograder", "bundle", "iris_mlp"]
    proc = subprocess.run([*cmd, "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == str(tmp_path / "out" / "iris_mlp-etudiants.zip")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)   # default: here
    assert proc.returncode == 0 and (tmp_path / "iris_mlp-etudiants.zip").is_file(), proc.stderr
    (course_copy / "release" / "iris_mlp" / SELF_CHECK_FILE).unlink()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "out of date" in proc.stderr and "release iris_mlp" in proc.stderr
    proc = subprocess.run([*cmd[:-1], "no_such_lab"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "unknown assignment 'no_such_lab'" in proc.stderr


# ----------------------------------------------------------------------------- a student runs it
@pytest.mark.slow
def test_the_unzipped_skeleton_runs_offline(assignment, tmp_path, monkeypatch):
    """Unzip in an empty folder, run all (as "Restart & Run All"): the imports, the self-check
    and the data loading work offline; the only errors are the stubs' NotImplementedError."""
    from nbclient import NotebookClient

    spec = load_assignment(assignment)
    made = write_bundle(assignment, out_dir=tmp_path / "download")
    student = tmp_path / "student"
    student.mkdir()
    with zipfile.ZipFile(made.path) as zf:
        zf.extractall(student)
    folder = student / assignment
    for name, value in spec.data.kernel_env({}).items():   # the assignment's offline data source
        monkeypatch.setenv(name, value)
    for name in spec.data.passthrough_env:                 # nothing from the grading machine
        monkeypatch.delenv(name, raising=False)
    nb = nbformat.read(folder / spec.notebook_name, as_version=4)
    first_check = next(iter(spec.self_check_contract()))
    probe_code, probe_output = ASSIGNMENTS[assignment][1:]
    nb.cells += [nbformat.v4.new_code_cell(f'from verification import check\ncheck("{first_check}")'),
                 nbformat.v4.new_code_cell(probe_code)]
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = {i: o for i, c in enumerate(code) for o in c.outputs if o.output_type == "error"}
    stubs = [i for i, c in enumerate(code) if "raise NotImplementedError()" in c.source]
    assert stubs and sorted(errors) == stubs, {i: (e.ename, e.evalue) for i, e in errors.items()}
    assert {e.ename for e in errors.values()} == {"NotImplementedError"}
    self_check, probe = ("".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                             for o in cell.outputs) for cell in code[-2:])
    assert self_check.strip(), "the self-check printed nothing"
    assert probe_output in probe
