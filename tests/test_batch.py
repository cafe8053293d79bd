"""Batch grading as an instructor runs it: a Moodle download in, Moodle/Canvas/Gradescope out;
an interrupted batch (kill -9) resumes without losing or regrading anything."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import KIT_ROOT, RELEASE_NB

SAMPLES = KIT_ROOT / "tests" / "submissions"


def grade_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)],
                          capture_output=True, text=True, cwd=KIT_ROOT, **kwargs)


def build_moodle_zip(path: Path) -> None:
    """What Moodle's "Download all submissions" gives: one folder per participant."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(SAMPLES / "correct_functional.ipynb",
                 "Élodie Martin_123456_assignsubmission_file_/TP Keras - version finale (1).ipynb")
        zf.write(SAMPLES / "mistakes_sigmoid_split02.ipynb",
                 "Jean-Luc Dupont_123457_assignsubmission_file_/td_keras_mlp.ipynb")
        zf.writestr("Zoé Petit_123458_assignsubmission_file_/rapport.pdf", b"%PDF-1.4 not a notebook")


@pytest.mark.slow
def test_moodle_download_to_worksheet_and_feedback_zip(tmp_path):
    download = tmp_path / "moodle_download.zip"
    build_moodle_zip(download)
    out = tmp_path / "grading"
    proc = grade_cli(download, "--out", out, "--jobs", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    by_id = {r["identity"].get("moodle_participant_id"): r for r in results.values()}
    assert by_id["123456"]["score"] == 16 and by_id["123456"]["identity"]["full_name"] == "Élodie Martin"
    assert 0 < by_id["123457"]["score"] < 16
    assert by_id["123458"]["status"] == "invalid-notebook"

    export = subprocess.run([sys.executable, "-m", "autograder", "export", str(out), "--to", "moodle"],
                            capture_output=True, text=True, cwd=KIT_ROOT)
    assert export.returncode == 0, export.stderr
    folder = out / "export" / "moodle"
    rows = list(csv.DictReader(io.StringIO((folder / "moodle_grading_worksheet.csv").read_text(encoding="utf-8"))))
    assert {"Identifiant", "Note", "Dernière modification (note)"} <= set(rows[0])
    grades = {row["Identifiant"]: row["Note"] for row in rows}
    assert grades["Participant123456"] == "16,00"
    with zipfile.ZipFile(folder / "moodle_feedback_files.zip") as zf:
        names = set(zf.namelist())
        assert "Élodie Martin_123456_assignfeedback_file_/feedback.html" in names
        page = zf.read("Jean-Luc Dupont_123457_assignfeedback_file_/feedback.html").decode()
        assert "sigmoid" in page

    for target in ("canvas", "gradescope"):
        done = subprocess.run([sys.executable, "-m", "autograder", "export", str(out), "--to", target],
                              capture_output=True, text=True, cwd=KIT_ROOT)
        assert done.returncode == 0, done.stderr
    gradescope = json.loads(next((out / "export" / "gradescope" / "results").glob("moodle_123456*.json")).read_text())
    assert gradescope["score"] == 16 and {"score", "max_score", "name", "visibility"} <= set(gradescope["tests"][0])


@pytest.mark.slow
def test_kill_9_then_rerun_loses_nothing_and_regrades_nothing(tmp_path):
    batch = tmp_path / "class"
    batch.mkdir()
    for name in ("anna", "bruno", "chloe"):
        (batch / f"{name}.ipynb").write_bytes(RELEASE_NB.read_bytes())
    out = tmp_path / "grading"
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(batch), "--out", str(out),
                             "--jobs", "1", "--quiet"], cwd=KIT_ROOT, start_new_session=True)
    deadline = time.monotonic() + 300
    while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    assert len(finished) >= 1 and not list((out / "results").glob(".*.tmp"))

    rerun = grade_cli(batch, "--out", out, "--jobs", "2")   # what is left, side by side
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{len(finished)} already graded" in rerun.stderr
    after = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    assert set(after) == {"anna.json", "bruno.json", "chloe.json"}
    assert all(after[name] == content for name, content in finished.items())  # not regraded
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert [r["student"] for r in rows] == ["anna", "bruno", "chloe"]


def test_usage_errors_exit_with_code_2(tmp_path):
    missing = grade_cli(tmp_path / "nope", "--out", tmp_path / "o")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    no_results = subprocess.run([sys.executable, "-m", "autograder", "report", str(tmp_path)],
                                capture_output=True, text=True, cwd=KIT_ROOT)
    assert no_results.returncode == 2 and "results/" in no_results.stderr
