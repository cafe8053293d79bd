"""Hostile and broken submissions: every one gets a clear verdict, nothing is lost, nothing leaks.

The scenarios are data files (tests/hostile/<scenario>.ipynb, from tests/hostile/build_hostile.py).
All of them, a 200 MB notebook made here and the instructor's solution go through ONE batch
(``python -m autograder grade --jobs 2`` with short limits); the tests below read its results.
"""
from __future__ import annotations

import ast
import html
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from autograder.execution import sandbox
from autograder.assignments import load_assignment
from autograder.batch.run import hidden_inputs
from autograder.cli import main as cli_main
from autograder.execution.kernel_run import Limits, neutralize_installs
from autograder.grading import grade_submission
from autograder.results import STATUSES, load_results

sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from build_hostile import SCENARIOS, big_notebook, content  # noqa: E402

from conftest import KIT_ROOT, RELEASE_DIR, SOURCE_NB  # noqa: E402

HOSTILE = Path(__file__).parent / "hostile"
LIMITS = ["--timeout", "240", "--cell-timeout", "45", "--memory", "1500"]   # room for a loaded machine
DIRECT_ONLY = {"runaway_children"}      # graded by test_watchdog_kills_the_whole_tree
ISOLATED = sandbox.probe().name == "namespaces"
needs_sandbox = pytest.mark.skipif(not ISOLATED, reason=f"no namespace sandbox here: {sandbox.probe().reason}")
HIDDEN_CHECKS = KIT_ROOT / "autograder" / "assignments" / "td_keras_mlp" / "hidden_checks.py"
WITNESS = 0.5   # the task types of Q1, set by the witness cell

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One batch over every scenario, a 200 MB notebook and a valid solution (2 jobs)."""
    subs, out = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("out")
    for name in set(SCENARIOS) - DIRECT_ONLY:
        shutil.copy(HOSTILE / f"{name}.ipynb", subs / f"{name}.ipynb")
    shutil.copy(SOURCE_NB, subs / "valid_solution.ipynb")
    big_notebook(subs / "big_outputs.ipynb", megabytes=200)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--jobs", "2", *LIMITS], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (subs / "big_outputs.ipynb").unlink()   # 200 MB: not kept in pytest's temporary folders
    results = {r.student: r for r in load_results(out)}
    return SimpleNamespace(out=out, subs=subs, results=results, stderr=proc.stderr,
                           seconds=time.monotonic() - started)


def executed_text(batch, student: str) -> str:
    nb = nbformat.read(str(batch.out / "executed" / f"{student}.ipynb"), as_version=4)
    return "\n".join(o.get("text", "") + str(o.get("evalue", "")) for c in nb.cells for o in c.get("outputs", []))


def failed(result) -> set[str]:
    return {c.id for q in result.questions.values() for c in q.checks if c.passed is False}


# ----------------------------------------------------------------------------- the batch
def test_every_submission_gets_a_status_a_result_and_a_feedback_page(batch):
    expected = {*SCENARIOS} - DIRECT_ONLY | {"valid_solution", "big_outputs"}
    assert set(batch.results) == expected
    for student, result in batch.results.items():
        assert result.status in STATUSES, student
        assert result.max_score == 20, student
        assert (batch.out / "feedback" / f"{student}.html").is_file(), student
    grades = (batch.out / "grades.csv").read_text(encoding="utf-8")
    assert all(student in grades for student in expected)


def test_the_valid_solution_is_graded_correctly_among_them(batch):
    result = batch.results["valid_solution"]
    assert (result.status, result.score, result.messages) == ("graded", 16.0, [])
    assert failed(result) == set()


EXPECTED = {  # scenario: (status, score, text expected in the messages)
    "empty": ("invalid-notebook", 0, "vide (0 octet)"),
    "invalid_json": ("invalid-notebook", 0, "pas un JSON valide (ligne"),
    "python_script_renamed": ("invalid-notebook", 0, "script Python renommé"),
    "pdf_renamed": ("invalid-notebook", 0, "PDF renommé"),
    "binary_not_utf8": ("invalid-notebook", 0, "pas du texte"),
    "nbformat_v3": ("graded", WITNESS, "converti au format 4"),
    "windows_1252": ("graded", WITNESS, "lu comme du Windows-1252"),
    "big_outputs": ("graded", WITNESS, ""),
    "syntax_error": ("graded", WITNESS, "Cellule de code n°2 : SyntaxError"),
    "exception_in_cell": ("graded", WITNESS, "Cellule de code n°2 : ZeroDivisionError"),
    "undefined_names": ("graded", 0, "Cellule de code n°2 : NameError"),
    "wrong_kinds": ("graded", 0, ""),
    "input_call": ("graded", WITNESS, "StdinNotImplementedError"),
    "pip_install": ("graded", WITNESS, "« %pip install tqdm » n'a pas été exécuté"),
    "infinite_loop": ("timeout", WITNESS, "La cellule de code n°2 a dépassé la limite de temps par cellule (45 s)"),
    "sleep_forever": ("timeout", WITNESS, "La cellule de code n°2 a dépassé la limite de temps par cellule"),
    # model_q2 built and compiled (2 points); its fit never returned: not trained
    "epochs_runaway": ("timeout", WITNESS + 2, "a dépassé la limite de temps par cellule (45 s)"),
    "memory_bomb": ("memory", WITNESS, "limite de mémoire (1500 Mo)"),
    "output_flood": ("output-limit", WITNESS, "Mo de sorties"),
    "os_exit": ("kernel-died", WITNESS, "Le noyau Python s'est arrêté"),
    "segfault": ("kernel-died", WITNESS, "Le noyau Python s'est arrêté"),
    "sys_exit": ("graded", WITNESS, "SystemExit"),
    "edited_test_cells": ("graded", WITNESS, ""),
    "duplicate_cell_ids": ("graded", WITNESS, ""),
    "forged_results": ("graded", WITNESS, ""),
    "read_hidden_checks": ("graded", WITNESS, "RuntimeError: nothing found"),
    "read_other_students": ("graded", WITNESS, ""),
    "network_sockets": ("graded", WITNESS, ""),
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_case_gets_its_status_score_and_message(batch, student):
    result = batch.results[student]
    status, score, text = EXPECTED[student]
    assert (result.status, result.score) == (status, score), result.messages
    assert not text or any(text in message for message in result.messages), result.messages


def test_wrong_kinds_say_what_each_name_should_be(batch):
    messages = [c.message for q in batch.results["wrong_kinds"].questions.values() for c in q.checks]
    assert "`model_q2` devrait être un modèle Keras, mais c'est str 'keras.Sequential([...])'." in messages
    assert any("`n_params_q3_3` doit être un entier" in m for m in messages)
    assert any("`histories_q5` devrait être un dictionnaire" in m for m in messages)


def test_a_fork_bomb_is_contained_and_the_batch_goes_on(batch):
    result = batch.results["fork_bomb"]
    assert result.status in ("timeout", "memory", "kernel-died") and result.score == WITNESS
    assert subprocess.run(["true"]).returncode == 0    # the machine still forks


def test_redefining_keras_methods_raises_no_grade(batch):
    result = batch.results["redefine_keras_methods"]
    # the witness, and n_params_q3_3 = 134794: the right number, whoever computed it
    assert (result.status, result.score) == ("graded", WITNESS + 1)
    assert {"q3_three_hidden", "q4_one_hidden_layer", "q4_comparable_and_trained", "q5_histories"} <= failed(result)
    assert any("redéfinit des éléments de Keras (keras.Layer.weights, keras.Model.count_params, keras.Model.fit"
               in m for m in result.messages), result.messages


def test_installing_packages_is_neutralized_with_a_note(batch):
    notes = [m for m in batch.results["pip_install"].messages if "n'a pas été exécuté" in m]
    assert len(notes) == 3
    assert "Successfully installed" not in executed_text(batch, "pip_install")


@needs_sandbox
def test_forged_files_and_fake_harvests_change_nothing(batch):
    result = batch.results["forged_results"]
    assert {"q2_architecture", "q2_loss", "q2_trained"} <= failed(result)
    text = executed_text(batch, "forged_results")
    written = ast.literal_eval(text.split("written: ")[1].split("\n")[0])
    # its work dir and its socket folder only: nothing the grader reads
    assert all(not p.startswith((".", "/")) or "/work/" in p or "/ipc/" in p for p in written), written
    assert not (batch.out / "results" / "x.json").exists()


@needs_sandbox
def test_the_kernel_cannot_read_the_grader_files(batch):
    text = executed_text(batch, "read_hidden_checks")
    assert "stolen characters: 0" in text
    assert "package listing: ['__init__.py', 'kernel']" in text
    assert "'source'" not in text and "'tests'" not in text and "'.git'" not in text


@needs_sandbox
def test_the_kernel_cannot_see_other_students_or_the_output(batch):
    text = executed_text(batch, "read_other_students")
    assert "found: []" in text
    assert str(batch.subs) not in text and str(batch.out) not in text and "autograder.batch.worker" not in text


@needs_sandbox
def test_the_kernel_has_no_network(batch):
    text = executed_text(batch, "network_sockets")
    assert "'tcp': 'blocked" in text and "'dns': 'blocked" in text and "'http': 'blocked" in text
    assert "CONNECTED" not in text and "interfaces: ['lo']" in text


def test_no_hidden_check_code_reaches_students_or_the_release(batch):
    lines = {line.strip() for line in HIDDEN_CHECKS.read_text(encoding="utf-8").splitlines()}
    public = {'Q5_KEYS = ("q2", "q3_1", "q3_2", "q3_3", "q4")'}   # the contract's keys, also in verification.py
    lines = {line for line in lines if len(line) >= 20 and not line.startswith("#")} - public
    shown = [*(batch.out / "feedback").glob("*.html"), *(batch.out / "results").glob("*.json"),
             *(batch.out / "executed").glob("*.ipynb"), batch.out / "grades.csv", *RELEASE_DIR.iterdir()]
    for path in shown:
        text = path.read_text(encoding="utf-8", errors="replace")
        text += html.unescape(text)
        assert not [line for line in lines if line in text], path


def test_the_batch_reports_its_sandbox(batch):
    assert "sandbox: " + sandbox.probe().name in batch.stderr


# ----------------------------------------------------------------------------- direct runs
@needs_sandbox
def test_watchdog_kills_the_whole_tree(tmp_path):
    """Children, a double-forked daemon, a new session: all gone when the total limit is hit."""
    notebook = tmp_path / "runaway_children.ipynb"
    notebook.write_bytes((HOSTILE / "runaway_children.ipynb").read_bytes())
    result, execution = grade_submission(notebook=notebook, student="runaway", spec=load_assignment("td_keras_mlp"),
                                         limits=Limits(cell_timeout=4, total_timeout=10, memory_mb=1500))
    assert (result.status, result.score) == ("timeout", WITNESS)
    assert "Le carnet a dépassé la limite de temps totale (10 s)" in result.messages[-1]
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["cmdline"]) if "987654" in " ".join(p.info["cmdline"] or [])]
    assert left == []


def test_the_committed_scenarios_match_their_builder():
    for name in SCENARIOS:
        assert (HOSTILE / f"{name}.ipynb").read_bytes() == content(name), f"run {HOSTILE / 'build_hostile.py'}"


def test_install_lines_become_no_ops():
    source, removed = neutralize_installs("x = 1\n  !pip install a\n%conda install b\nget_ipython().system('pip install c')")
    assert removed == ["!pip install a", "%conda install b", "get_ipython().system('pip install c')"]
    assert source.splitlines()[1] == "  pass  # [autograder] not run: package installation"
    shell, removed = neutralize_installs("%%bash\npip install d\nls")
    assert removed == ["pip install d"] and shell.splitlines()[1].startswith(":")


def test_the_sandbox_plan_hides_before_binding_back(tmp_path):
    venv, work = tmp_path / "venv", tmp_path / "tmp" / "work"
    for folder in (venv / "autograder" / "assignments", venv / "autograder" / "kernel", work):
        folder.mkdir(parents=True)
    plan = sandbox.mount_plan(
        [str(tmp_path / "tmp"), str(venv / "autograder"), str(venv / "autograder" / "assignments")],
        read_only=[str(venv), str(venv / "autograder" / "kernel")], writable=[], workdir=str(work))
    assert [(op["kind"], op["path"]) for op in plan] == [
        ("hide", str(tmp_path / "tmp")), ("ro", str(venv)),          # a bind comes after the tmpfs over it,
        ("hide", str(venv / "autograder")), ("workdir", str(work)),  # a hidden path after the bind it is in
        ("hide", str(venv / "autograder" / "assignments")), ("ro", str(venv / "autograder" / "kernel"))]
    hidden = set(sandbox.hidden_paths())
    assert {"/tmp", "/root", "/home", str(KIT_ROOT), str(HIDDEN_CHECKS.parents[1])} <= hidden
    assert not hidden & {"/usr", "/etc", "/var", "/lib", "/bin"}


def test_the_batch_hides_its_inputs_and_output(tmp_path):
    notebook, folder = tmp_path / "subs" / "alice.ipynb", tmp_path / "moodle"
    folder.mkdir()
    notebook.parent.mkdir()
    notebook.write_text("{}")
    assert hidden_inputs([notebook, folder], tmp_path / "out") == tuple(sorted(
        str(tmp_path / name) for name in ("subs", "moodle", "out")))


@pytest.mark.parametrize("flag", ["--timeout", "--cell-timeout", "--memory"])
def test_limits_on_the_command_line_must_be_positive(flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["grade", str(HOSTILE / "empty.ipynb"), "--out", str(tmp_path), flag, "0"])
    assert exit_info.value.code == 2 and f"{flag} must be a positive integer" in capsys.readouterr().err


@pytest.mark.parametrize("level", ["limits", "off"])
def test_without_namespaces_grading_still_works(level, tmp_path, monkeypatch):
    """A machine that cannot isolate kernels (no root, no namespaces) still grades, with a warning."""
    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Level(level, "test"))
    assert "WARNING" in sandbox.probe().describe()
    notebook = tmp_path / "exception_in_cell.ipynb"
    notebook.write_bytes((HOSTILE / "exception_in_cell.ipynb").read_bytes())
    result, _ = grade_submission(notebook=notebook, student="degraded", spec=load_assignment("td_keras_mlp"),
                                 limits=Limits(cell_timeout=20, total_timeout=60, memory_mb=1500))
    assert (result.status, result.score) == ("graded", WITNESS)
