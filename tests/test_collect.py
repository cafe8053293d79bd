"""collect_submissions: every input layout, and archives that try to hurt."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from autograder.collect import (ExtractionError, Submission, _Budget, collect_submissions,
                                safe_extract, safe_id)

NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def notebook_bytes(padding: int = 0) -> bytes:
    data = dict(NOTEBOOK, metadata={"padding": "x" * padding})
    return json.dumps(data).encode()


def write_notebook(path: Path, padding: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(notebook_bytes(padding))
    return path


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def moodle_download(path: Path) -> Path:
    """A Moodle "Download all submissions" zip with everything students do."""
    nested = zip_bytes({
        "TP Keras/mon travail (1).ipynb": notebook_bytes(),
        "__MACOSX/TP Keras/._mon travail (1).ipynb": b"junk",
    })
    entries = {
        # Moodle >= 4.1 folder, accents, and an online text folder of the same participant
        "Élodie Martin_12345_assignsubmission_file/td_keras_mlp.ipynb": notebook_bytes(),
        "Élodie Martin_12345_assignsubmission_onlinetext/onlinetext.html": b"<p>hello</p>",
        "__MACOSX/Élodie Martin_12345_assignsubmission_file/._td_keras_mlp.ipynb": b"junk",
        # older folder with a trailing underscore, the notebook inside a nested zip
        "Zoé Durand_12346_assignsubmission_file_/rendu.zip": nested,
        # renamed notebooks: the one named after the assignment wins over a larger one
        "Jean-Luc Picard_12347_assignsubmission_file_/brouillon.ipynb": notebook_bytes(5000),
        "Jean-Luc Picard_12347_assignsubmission_file_/TD Keras-MLP final.ipynb": notebook_bytes(),
        # no name match: the largest notebook wins
        "Ana Lima_12348_assignsubmission_file_/copie.ipynb": notebook_bytes(10),
        "Ana Lima_12348_assignsubmission_file_/travail.ipynb": notebook_bytes(3000),
        "Ana Lima_12348_assignsubmission_file_/.ipynb_checkpoints/x-checkpoint.ipynb": notebook_bytes(9000),
        # no notebook at all, and a corrupt zip
        "Sans Carnet_12349_assignsubmission_file_/rapport.pdf": b"%PDF-1.4",
        "Zip Cassé_12350_assignsubmission_file_/archive.zip": b"PK\x03\x04 not really a zip",
        # the flat layout of old Moodle versions
        "Old Layout_12351_assignsubmission_file_td_keras_mlp.ipynb": notebook_bytes(),
        # path traversal attempts
        "../evil.ipynb": notebook_bytes(),
        "/abs_evil.ipynb": notebook_bytes(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(entries))
    return path


@pytest.fixture
def moodle_subs(tmp_path: Path) -> dict[str, Submission]:
    archive = moodle_download(tmp_path / "downloads" / "TD Keras-td_keras_mlp-42.zip")
    subs = collect_submissions([archive], tmp_path / "work")
    return {s.student: s for s in subs}


def test_moodle_zip_gives_one_submission_per_participant(moodle_subs):
    assert sorted(moodle_subs) == [f"moodle_{n}" for n in range(12345, 12352)]


def test_moodle_submissions_keep_the_download_title(moodle_subs):
    assert {s.lms_title for s in moodle_subs.values()} == {"TD Keras-td_keras_mlp-42"}


def test_moodle_identity_keeps_accents(moodle_subs):
    assert moodle_subs["moodle_12345"].identity == {
        "moodle_participant_id": "12345", "full_name": "Élodie Martin", "source": "moodle"}
    assert moodle_subs["moodle_12346"].identity["full_name"] == "Zoé Durand"
    assert moodle_subs["moodle_12351"].identity["full_name"] == "Old Layout"


def test_moodle_notebook_choice(moodle_subs):
    assert moodle_subs["moodle_12345"].notebook.name == "td_keras_mlp.ipynb"
    assert moodle_subs["moodle_12346"].notebook.name == "mon travail (1).ipynb"
    assert moodle_subs["moodle_12347"].notebook.name == "TD Keras-MLP final.ipynb"
    assert moodle_subs["moodle_12348"].notebook.name == "travail.ipynb"
    assert moodle_subs["moodle_12351"].notebook.name.endswith("td_keras_mlp.ipynb")
    for sub in moodle_subs.values():
        if sub.notebook:
            json.loads(sub.notebook.read_text())       # a real notebook, not a __MACOSX twin
            assert sub.problem is None


def test_moodle_problems_are_reported_not_raised(moodle_subs):
    empty, broken = moodle_subs["moodle_12349"], moodle_subs["moodle_12350"]
    assert empty.notebook is None and "no Jupyter notebook" in empty.problem
    assert "aucun carnet" in empty.problem
    assert broken.notebook is None and "archive.zip" in broken.problem
    assert "illisible" in broken.problem


def test_moodle_extraction_stays_in_workdir(tmp_path, moodle_subs):
    work = (tmp_path / "work").resolve()
    assert not (tmp_path / "evil.ipynb").exists()
    assert not Path("/abs_evil.ipynb").exists()
    assert not list(tmp_path.rglob("evil.ipynb")) and not list(tmp_path.rglob("abs_evil.ipynb"))
    for sub in moodle_subs.values():
        if sub.notebook:
            assert sub.notebook.resolve().is_relative_to(work)
    assert not list(work.rglob("__MACOSX")) and not list(work.rglob("._*"))


def test_extracted_moodle_folder_is_accepted_too(tmp_path):
    root = tmp_path / "download"
    write_notebook(root / "Élodie Martin_12345_assignsubmission_file" / "nb.ipynb")
    (root / "Zoé Durand_12346_assignsubmission_file_").mkdir()
    subs = collect_submissions([root], tmp_path / "work")
    assert [s.student for s in subs] == ["moodle_12345", "moodle_12346"]
    assert subs[1].notebook is None and subs[1].problem


def test_size_cap_stops_zip_bombs(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.ipynb", b"0" * 200_000)
    assert archive.stat().st_size < 5_000
    with pytest.raises(ExtractionError, match="MB"):
        safe_extract(archive, tmp_path / "out", _Budget(max_bytes=100_000))


def test_nbgrader_tree_from_root_or_submitted(tmp_path):
    course = tmp_path / "course"
    write_notebook(course / "submitted" / "alice" / "td_keras_mlp" / "td_keras_mlp.ipynb")
    (course / "submitted" / "alice" / "td_keras_mlp" / "timestamp.txt").write_text("2025-03-01 10:00:00")
    (course / "submitted" / "bob" / "td_keras_mlp").mkdir(parents=True)
    write_notebook(course / "submitted" / "carol" / "other_assignment" / "x.ipynb")
    for path in (course, course / "submitted"):
        subs = collect_submissions([path], tmp_path / "work", assignment="td_keras_mlp")
        assert [s.student for s in subs] == ["alice", "bob"]          # carol did not submit it
        assert subs[0].identity == {"nbgrader_id": "alice", "source": "nbgrader",
                                    "timestamp": "2025-03-01 10:00:00"}
        assert subs[0].notebook.name == "td_keras_mlp.ipynb"
        assert subs[0].folder_assignment == "td_keras_mlp"
        assert subs[1].notebook is None and "td_keras_mlp/" in subs[1].problem


def test_nbgrader_tree_without_assignment_keeps_every_assignment_folder(tmp_path):
    course = tmp_path / "course"
    write_notebook(course / "submitted" / "alice" / "td_keras_mlp" / "td_keras_mlp.ipynb")
    write_notebook(course / "submitted" / "carol" / "other_assignment" / "x.ipynb")
    subs = collect_submissions([course], tmp_path / "work")
    assert [(s.student, s.folder_assignment, s.notebook.name) for s in subs] == [
        ("alice", "td_keras_mlp", "td_keras_mlp.ipynb"), ("carol", "other_assignment", "x.ipynb")]


def test_gradescope_submission_reads_metadata_next_to_it(tmp_path):
    root = tmp_path / "autograder"
    write_notebook(root / "submission" / "whatever name.ipynb")
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 987, "users": [{"name": "Élodie Martin", "email": "em@example.org", "id": 4321}]}))
    [sub] = collect_submissions([root / "submission"], tmp_path / "work")
    assert sub.student == "gradescope_4321" and sub.lms_title is None
    assert sub.notebook.name == "whatever name.ipynb"
    assert sub.identity == {"source": "gradescope", "gradescope_user_id": "4321",
                            "full_name": "Élodie Martin", "email": "em@example.org",
                            "gradescope_submission_id": "987"}


def test_gradescope_without_notebook_is_a_problem(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "submission_metadata.json").write_text("{not json")
    (folder / "answer.py").write_text("print(1)")
    [sub] = collect_submissions([folder], tmp_path / "work")
    assert sub.notebook is None and sub.problem and sub.identity == {"source": "gradescope"}


def test_files_folders_duplicates_and_order(tmp_path):
    single = write_notebook(tmp_path / "a" / "Élodie Martin.ipynb")
    folder = tmp_path / "class"
    write_notebook(folder / "zoe.ipynb")
    write_notebook(folder / "bob.ipynb")
    (folder / "notes.txt").write_text("not a student")
    twin = write_notebook(tmp_path / "b" / "bob.ipynb")
    stray = tmp_path / "grades.csv"
    stray.write_text("x")
    subs = collect_submissions([single, folder, twin, stray], tmp_path / "work")
    assert [s.student for s in subs] == ["Elodie_Martin", "bob", "bob-2", "grades", "zoe"]
    assert subs[3].notebook is None and "not a Jupyter notebook" in subs[3].problem
    again = collect_submissions([single, folder, twin, stray], tmp_path / "work")
    assert [(s.student, s.notebook) for s in again] == [(s.student, s.notebook) for s in subs]


def test_corrupt_top_level_zip(tmp_path):
    bad = tmp_path / "submissions.zip"
    bad.write_bytes(b"garbage")
    [sub] = collect_submissions([bad], tmp_path / "work")
    assert sub.notebook is None and "unreadable zip" in sub.problem


def test_safe_id():
    assert safe_id("Élodie Martin") == "Elodie_Martin"
    assert safe_id("../../etc/passwd") == "etc_passwd"
    assert safe_id("日本") == "student"


def test_duplicate_suffix_never_reuses_an_existing_id(tmp_path):
    paths = [write_notebook(tmp_path / d / name) for d, name in
             (("x", "bob.ipynb"), ("y", "bob.ipynb"), ("z", "bob-2.ipynb"))]
    subs = collect_submissions(paths, tmp_path / "work")
    assert [s.student for s in subs] == ["bob", "bob-2", "bob-3"]
    assert subs[2].identity["duplicate_of"] == "bob"
