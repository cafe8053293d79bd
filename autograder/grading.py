"""Grade one submission: read → execute in a kernel → harvest → hidden checks → result.

The verdicts come from the hidden checks (pytest, run in a separate clean process over the
harvested JSON artifact); the student's kernel only ever produces facts.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.assignments import AssignmentSpec
from autograder.execute import Execution, Limits, kernel_env, run_notebook
from autograder.results import CheckResult, QuestionResult, StudentResult

MAX_NOTEBOOK_MB = 250
CHECKS_TIMEOUT_S = 120

NOTES = {
    "cell_error": {"fr": "Cellule de code n°{cell} : {ename}: {evalue}",
                   "en": "Code cell #{cell}: {ename}: {evalue}"},
    "run_error": {"fr": "Exécution interrompue : {ename}: {evalue}", "en": "Run stopped: {ename}: {evalue}"},
    "timeout": {"fr": "Le carnet a dépassé la limite de temps totale ({limit} s) ; seuls les objets créés avant ont été corrigés.",
                "en": "The notebook exceeded the total time limit ({limit} s); only objects created before were graded."},
    "memory": {"fr": "Le carnet a dépassé la limite de mémoire ({limit} Mo) ; seuls les objets créés avant ont été corrigés.",
               "en": "The notebook exceeded the memory limit ({limit} MB); only objects created before were graded."},
    "output-limit": {"fr": "Le carnet a affiché plus de {limit} Mo de sorties ; l'exécution a été arrêtée là.",
                     "en": "The notebook printed more than {limit} MB of output; execution was stopped there."},
    "kernel-died": {"fr": "Le noyau Python s'est arrêté pendant l'exécution ; seuls les objets créés avant ont été corrigés.",
                    "en": "The Python kernel stopped during execution; only objects created before were graded."},
}


class InvalidNotebook(Exception):
    """The file is not a readable Jupyter notebook (the message says why)."""


def note(key: str, lang: str, **params) -> str:
    return NOTES[key][lang].format(**params)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The submission as an nbformat v4 notebook, or InvalidNotebook with a clear reason."""
    size = Path(path).stat().st_size
    if size == 0:
        raise InvalidNotebook("empty file")
    if size > MAX_NOTEBOOK_MB * 2**20:
        raise InvalidNotebook(f"file of {size / 2**20:.0f} MB, above the {MAX_NOTEBOOK_MB} MB limit")
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidNotebook(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # json errors, unknown nbformat, missing keys...
        raise InvalidNotebook(f"not a Jupyter notebook ({type(exc).__name__}: {str(exc)[:200]})") from exc
    if not isinstance(nb.get("cells"), list):
        raise InvalidNotebook("notebook without cells")
    return nb


def prepare_workdir(spec: AssignmentSpec, root: Path) -> Path:
    """A fresh kernel folder holding the released support files (dataset_utils.py, ...)."""
    workdir = root / "work"
    workdir.mkdir(parents=True)
    release = spec.release_dir()
    for item in release.iterdir() if release.is_dir() else []:
        if item.is_file() and item.suffix != ".ipynb":
            shutil.copy2(item, workdir / item.name)
    return workdir


def run_hidden_checks(spec: AssignmentSpec, artifact: Path, lang: str, scratch: Path) -> list[dict]:
    """Run the assignment's hidden checks (pytest) over an artifact, in a clean process."""
    verdicts, ini = scratch / "verdicts.json", scratch / "pytest.ini"
    ini.write_text("[pytest]\n")
    cmd = [sys.executable, "-m", "pytest", str(spec.checks_file), "-q", "--no-header", "-p", "no:cacheprovider",
           "-c", str(ini), "--rootdir", str(scratch), "-p", "autograder.checks.pytest_plugin",
           "--artifact", str(artifact), "--verdicts", str(verdicts)]
    env = {**os.environ, "AUTOGRADER_LANG": lang}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHECKS_TIMEOUT_S, env=env)
    if not verdicts.exists():
        raise RuntimeError(f"hidden checks did not run (pytest exit {proc.returncode}): {proc.stdout[-500:]}")
    return json.loads(verdicts.read_text(encoding="utf-8"))


def assemble(spec: AssignmentSpec, student: str, verdicts: list[dict], lang: str) -> StudentResult:
    """Per-question scores from the automatic verdicts plus the manual checks still to grade."""
    questions = {q: QuestionResult(score=0.0, max_score=float(m)) for q, m in spec.questions.items()}
    for verdict in verdicts:
        questions[verdict["question"]].checks.append(CheckResult(
            id=verdict["id"], passed=verdict["passed"], points=verdict["points"],
            max_points=verdict["max_points"], message=verdict["message"]))
    for manual in spec.manual:
        questions[manual.question].checks.append(CheckResult(
            id=manual.id, passed=None, points=0.0, max_points=manual.points, message=manual.label[lang]))
    for question in questions.values():
        question.score = round(sum(c.points for c in question.checks), 2)
    total = round(sum(q.score for q in questions.values()), 2)
    return StudentResult(student=student, score=total, max_score=spec.max_score, status="graded",
                         questions=questions, lang=lang)


def execution_notes(execution: Execution, limits: Limits, lang: str) -> list[str]:
    notes = []
    for error in execution.cell_errors:
        if error["cell"] is None:
            notes.append(note("run_error", lang, ename=error["ename"], evalue=error["evalue"]))
        else:
            notes.append(note("cell_error", lang, cell=error["cell"] + 1, ename=error["ename"], evalue=error["evalue"]))
    limit = {"timeout": limits.total_timeout, "memory": limits.memory_mb, "output-limit": limits.output_mb}
    if execution.status in NOTES:
        notes.append(note(execution.status, lang, limit=limit.get(execution.status, "")))
    return notes


def grade_submission(*, notebook: Path, student: str, spec: AssignmentSpec, full: bool = False,
                     lang: str = "fr", limits: Limits | None = None, identity: dict | None = None,
                     threads: int = 1) -> tuple[StudentResult, Execution | None]:
    """Grade one notebook; never raises for a bad submission (the status says what happened)."""
    started, limits = time.monotonic(), limits or Limits.for_mode(full)
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        scratch = Path(tmp)
        execution, status, notes = None, "graded", []
        try:
            nb = read_notebook(notebook)
        except InvalidNotebook as exc:
            status, notes = "invalid-notebook", [str(exc)]
        else:
            workdir = prepare_workdir(spec, scratch)
            env = kernel_env(workdir=workdir, data_source=spec.data_source, threads=threads)
            execution = run_notebook(nb, workdir=workdir, names=spec.contract_names, fast=not full,
                                     limits=limits, env=env)
            status, notes = execution.status, execution_notes(execution, limits, lang)
        artifact = scratch / "artifact.json"
        artifact.write_text(json.dumps((execution.harvest if execution else None) or {}), encoding="utf-8")
        result = assemble(spec, student, run_hidden_checks(spec, artifact, lang, scratch), lang)
    result.status, result.messages = status, notes
    result.identity, result.mode = dict(identity or {}), "full" if full else "fast"
    result.submission_sha256 = file_sha256(notebook)
    result.elapsed_s = round(time.monotonic() - started, 2)
    return result, execution
