"""Hostile and broken submissions: every one gets a clear verdict, nothing is lost, nothing leaks.

The scenarios are data files (tests/hostile/<scenario>.ipynb, from tests/hostile/build_hostile.py).
All of them, a 200 MB notebook made here and the instructor's solution go through ONE batch
(``python -m autograder grade --jobs 2`` with short limits); the tests below read its results.
"""
from __future__ import annotations

import ast
import html
import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.assignments import load_assignment
from autograder.batch.run import hidden_inputs
from autograder.cli import main as cli_main
from autograder.execution import sandbox
from autograder.execution.kernel_run import Limits, _LimitedClient, neutralize_installs, run_notebook
from autograder.grading import grade_submission
from autograder.kernel.output_guard import MIME as OUTPUT_GUARD_MIME
from autograder.results import STATUSES

sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from build_hostile import SCENARIOS, content  # noqa: E402

from conftest import HOSTILE, HOSTILE_DIRECT_ONLY, KIT_ROOT, RELEASE_DIR  # noqa: E402

HIDDEN_CHECKS = KIT_ROOT / "autograder" / "assignments" / "td_keras_mlp" / "hidden_checks.py"
WITNESS = 0.5   # the task types of Q1, set by the witness cell


@pytest.fixture(scope="module")
def batch(hostile_batch):
    """Every scenario, a 200 MB notebook and a valid solution, graded in one batch (conftest)."""
    return hostile_batch


def executed_text(batch, student: str) -> str:
    nb = nbformat.read(str(batch.out / "executed" / f"{student}.ipynb"), as_version=4)
    return "\n".join(o.get("text", "") + str(o.get("evalue", "")) for c in nb.cells for o in c.get("outputs", []))


def failed(result) -> set[str]:
    return {c.id for q in result.questions.values() for c in q.checks if c.passed is False}


# ----------------------------------------------------------------------------- the batch
@pytest.mark.slow
def test_every_submission_gets_a_status_a_result_and_a_feedback_page(batch):
    expected = {*SCENARIOS} - HOSTILE_DIRECT_ONLY | {"valid_solution", "big_outputs"}
    assert set(batch.results) == expected
    for student, result in batch.results.items():
        assert result.status in STATUSES, student
        assert result.max_score == 20, student
        assert (batch.out / "feedback" / f"{student}.html").is_file(), student
    grades = (batch.out / "grades.csv").read_text(encoding="utf-8")
    assert all(student in grades for student in expected)


@pytest.mark.slow
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
    "infinite_loop": ("timeout", WITNESS, "La cellule de code n°2 a dépassé la limite de temps par cellule (20 s)"),
    "sleep_forever": ("timeout", WITNESS, "La cellule de code n°2 a dépassé la limite de temps par cellule"),
    # model_q2 built and compiled (2 points); its fit never returned: not trained
    "epochs_runaway": ("timeout", WITNESS + 2, "a dépassé la limite de temps par cellule (20 s)"),
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


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_case_gets_its_status_score_and_message(batch, student):
    result = batch.results[student]
    status, score, text = EXPECTED[student]
    assert (result.status, result.score) == (status, score), result.messages
    assert not text or any(text in message for message in result.messages), result.messages


@pytest.mark.slow
def test_wrong_kinds_say_what_each_name_should_be(batch):
    messages = [c.message for q in batch.results["wrong_kinds"].questions.values() for c in q.checks]
    assert "`model_q2` devrait être un modèle Keras, mais c'est str 'keras.Sequential([...])'." in messages
    assert any("`n_params_q3_3` doit être un entier" in m for m in messages)
    assert any("`histories_q5` devrait être un dictionnaire" in m for m in messages)


@pytest.mark.slow
def test_a_fork_bomb_is_contained_and_the_batch_goes_on(batch):
    result = batch.results["fork_bomb"]
    assert result.status in ("timeout", "memory", "kernel-died") and result.score == WITNESS
    assert subprocess.run(["true"]).returncode == 0    # the machine still forks


@pytest.mark.slow
def test_redefining_keras_methods_raises_no_grade(batch):
    result = batch.results["redefine_keras_methods"]
    # the witness, and n_params_q3_3 = 134794: the right number, whoever computed it
    assert (result.status, result.score) == ("graded", WITNESS + 1)
    assert {"q3_three_hidden", "q4_one_hidden_layer", "q4_comparable_and_trained", "q5_histories"} <= failed(result)
    assert any("redéfinit des éléments de Keras (keras.Layer.weights, keras.Model.count_params, keras.Model.fit"
               in m for m in result.messages), result.messages


@pytest.mark.slow
def test_installing_packages_is_neutralized_with_a_note(batch):
    notes = [m for m in batch.results["pip_install"].messages if "n'a pas été exécuté" in m]
    assert len(notes) == 3
    assert "Successfully installed" not in executed_text(batch, "pip_install")


@pytest.mark.slow
@pytest.mark.sandbox
def test_forged_files_and_fake_harvests_change_nothing(batch):
    result = batch.results["forged_results"]
    assert {"q2_architecture", "q2_loss", "q2_trained"} <= failed(result)
    text = executed_text(batch, "forged_results")
    written = ast.literal_eval(text.split("written: ")[1].split("\n")[0])
    assert "artifact.json" in written   # its own work dir is writable: the list was read
    # its work dir and its socket folder only: nothing the grader reads
    assert all(not p.startswith((".", "/")) or "/work/" in p or "/ipc/" in p for p in written), written
    assert not (batch.out / "results" / "x.json").exists()


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_kernel_cannot_read_the_grader_files(batch):
    text = executed_text(batch, "read_hidden_checks")
    assert "stolen characters: 0" in text
    assert "package listing: ['__init__.py', 'kernel']" in text
    assert "'source'" not in text and "'tests'" not in text and "'.git'" not in text


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_kernel_cannot_see_other_students_or_the_output(batch):
    text = executed_text(batch, "read_other_students")
    assert "found: []" in text
    assert str(batch.subs) not in text and str(batch.out) not in text and "autograder.batch.worker" not in text


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_kernel_has_no_network(batch):
    text = executed_text(batch, "network_sockets")
    assert "'tcp': 'blocked" in text and "'dns': 'blocked" in text and "'http': 'blocked" in text
    assert "CONNECTED" not in text and "interfaces: ['lo']" in text


@pytest.mark.slow
def test_no_hidden_check_code_reaches_students_or_the_release(batch):
    lines = {line.strip() for line in HIDDEN_CHECKS.read_text(encoding="utf-8").splitlines()}
    public = {'Q5_KEYS = ("q2", "q3_1", "q3_2", "q3_3", "q4")'}   # the contract's keys, also in verification.py
    lines = {line for line in lines if len(line) >= 20 and not line.startswith("#")} - public
    # the released self-check ships the PUBLIC checks' code and helpers by design: what it must not
    # ship (hidden checks, their helpers and messages) is proven by tests/test_public_checks.py
    released = [p for p in RELEASE_DIR.iterdir() if p.name != "verification.py"]
    shown = [*(batch.out / "feedback").glob("*.html"), *(batch.out / "results").glob("*.json"),
             *(batch.out / "executed").glob("*.ipynb"), batch.out / "grades.csv", *released]
    assert len(lines) > 20 and len(shown) > 2 * len(batch.results), (len(lines), len(shown))
    for path in shown:
        text = path.read_text(encoding="utf-8", errors="replace")
        text += html.unescape(text)
        assert not [line for line in lines if line in text], path


@pytest.mark.slow
def test_the_batch_reports_its_sandbox(batch):
    assert "sandbox: " + sandbox.probe().name in batch.stderr


# ----------------------------------------------------------------------------- direct runs
@pytest.mark.slow
@pytest.mark.sandbox
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


# ----------------------------------------------------------------------------- the output limit
@pytest.mark.slow
@pytest.mark.parametrize("memory_mb,output_mb", [(300, 1), (300, 20)])
def test_output_flood_is_stopped_for_output_even_with_little_memory(tmp_path, memory_mb, output_mb):
    """The output limit wins whatever the load: the kernel counts and drops, memory stays flat."""
    notebook = tmp_path / "output_flood.ipynb"
    notebook.write_bytes((HOSTILE / "output_flood.ipynb").read_bytes())
    result, execution = grade_submission(
        notebook=notebook, student="flood", spec=load_assignment("td_keras_mlp"),
        limits=Limits(cell_timeout=45, total_timeout=120, memory_mb=memory_mb, output_mb=output_mb))
    assert (result.status, result.score) == ("output-limit", WITNESS), (execution.peak_mb, result.messages)
    assert f"plus de {output_mb} Mo de sorties" in result.messages[-1]
    assert execution.peak_mb < memory_mb
    assert shown_bytes(execution) <= output_mb * 2**20


OUTPUT_FLOODS = {   # ways to print past the limit: each one is stopped for output, not memory
    "print_catching_every_exception": "while True:\n    try:\n        print('x' * 100_000)\n"
                                      "    except BaseException:\n        pass",
    "stdout_replaced_by_the_process_stdout": "import sys\nsys.stdout = sys.__stdout__\n"
                                             "while True:\n    print('x' * 100_000)",
    "os_write_to_fd_1": "import os\nwhile True:\n    os.write(1, b'x' * 100_000)",
    "stderr": "import sys\nwhile True:\n    sys.stderr.write('x' * 100_000)",
    "displays": "from IPython.display import display\nwhile True:\n    display('x' * 100_000)",
    "display_updates": "from IPython.display import display\nh = display('a', display_id=True)\n"
                       "while True:\n    h.update('x' * 100_000)",
    "displayhook": "import sys\nwhile True:\n    sys.displayhook('x' * 100_000)",
    "tracebacks": "while True:\n    try:\n        raise ValueError('x' * 100_000)\n"
                  "    except ValueError:\n        get_ipython().showtraceback()",
    "thread_printing_after_its_cell": "import threading, time\ndef flood():\n    while True:\n"
                                      "        print('x' * 100_000)\n"
                                      "threading.Thread(target=flood, daemon=True).start()",
    "forked_child": "import os, time\nif os.fork() == 0:\n    while True:\n        print('x' * 100_000)\n"
                    "time.sleep(30)",
}


def run_cells(tmp_path, *sources: str, output_mb: int = 1, memory_mb: int = 600):
    """Run the cells in a fresh kernel (no sandbox: the guard does not depend on it)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return run_notebook(nb, workdir=tmp_path, names=["witness"], fast=True, env=env,
                        limits=Limits(cell_timeout=60, total_timeout=120, memory_mb=memory_mb, output_mb=output_mb))


def shown_bytes(execution) -> int:
    return sum(len(json.dumps(out.get("text") or out.get("data") or "")) for cell in execution.executed.cells
               for out in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("trick", sorted(OUTPUT_FLOODS))
def test_every_way_of_flooding_the_output_is_stopped_for_output(tmp_path, trick):
    execution = run_cells(tmp_path, "witness = 'harvested'", OUTPUT_FLOODS[trick], "time.sleep(30)",
                          "print('never run')")
    assert execution.status == "output-limit", (execution.peak_mb, execution.cell_errors)
    assert execution.peak_mb < 600
    assert execution.harvest["values"]["witness"]["value"] == "harvested"   # what came before is kept
    assert execution.executed.cells[-1].outputs == []                     # the run stopped there


@pytest.mark.slow
def test_output_under_the_limit_or_kept_by_the_notebook_is_not_cut(tmp_path):
    execution = run_cells(
        tmp_path, "witness = 'harvested'\nfor i in range(90):\n    print(str(i).rjust(10_000, '.'))",
        "import contextlib, io\nbuffer = io.StringIO()\nwith contextlib.redirect_stdout(buffer):\n"
        "    for _ in range(300):\n        print('x' * 100_000)\nprint('kept', len(buffer.getvalue()))")
    assert (execution.status, execution.cell_errors) == ("graded", [])
    printed = [out["text"] for cell in execution.executed.cells for out in cell.outputs if out.get("text")]
    assert "".join(printed[:-1]).splitlines() == [str(i).rjust(10_000, ".") for i in range(90)]
    assert printed[-1] == "kept 30000300\n"


class _FakeWatchdog:
    def __init__(self, output_mb: int):
        self.limits, self.reasons = Limits(output_mb=output_mb), []

    def kill(self, reason: str, pid=None) -> None:
        self.reasons.append(reason)


def _message(msg_type: str, content: dict) -> dict:
    return {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {}, "metadata": {},
            "content": content}


def limited_client(output_mb: int, guard_secret: str) -> _LimitedClient:
    """The client as ``run_notebook`` sets it up, between two messages of a cell."""
    client = _LimitedClient(nbformat.v4.new_notebook(), km=None)
    client.reset_execution_trackers()
    client.clear_before_next_output = False
    client.watchdog, client.guard_secret = _FakeWatchdog(output_mb), guard_secret
    return client


def test_the_client_stops_on_the_guards_signed_marker_only():
    client = limited_client(output_mb=1, guard_secret="the-run-secret")
    cell = nbformat.v4.new_code_cell("")
    forged = _message("display_data", {"data": {OUTPUT_GUARD_MIME: {"secret": "guessed"}}, "metadata": {}})
    assert client.process_message(forged, cell, 0) is None
    assert (client.watchdog.reasons, cell.outputs) == ([], [])
    signed = _message("display_data", {"data": {OUTPUT_GUARD_MIME: {"secret": "the-run-secret"}}, "metadata": {}})
    assert client.process_message(signed, cell, 0) is None
    assert (client.watchdog.reasons, cell.outputs) == (["output-limit"], [])


def test_the_client_counts_text_displays_and_tracebacks_as_a_second_line():
    client = limited_client(output_mb=1, guard_secret="s")
    cell = nbformat.v4.new_code_cell("")
    client.process_message(_message("stream", {"name": "stdout", "text": "x" * 600_000}), cell, 0)
    client.process_message(_message("error", {"ename": "E", "evalue": "", "traceback": ["y" * 300_000]}), cell, 0)
    assert client.watchdog.reasons == [] and len(cell.outputs) == 2
    client.process_message(_message("update_display_data", {"data": {"text/plain": "z" * 200_000},
                                                             "metadata": {}, "transient": {}}), cell, 0)
    assert client.watchdog.reasons == ["output-limit"] and len(cell.outputs) == 2


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


@pytest.mark.slow
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
