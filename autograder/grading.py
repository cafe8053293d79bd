"""Grade one submission: read → execute in a kernel → harvest → hidden checks → result.

The verdicts come from the hidden checks (pytest over the harvested JSON artifact, run in a
clean process: a new one, or the batch worker, which never runs student code); the student's
kernel only ever produces facts.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.execution import sandbox
from autograder.assignments import AssignmentSpec
from autograder.assignments.environment import assignment_kernel_env
from autograder.execution.kernel_run import Execution, KernelSession, Limits
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
    "cell_timeout": {"fr": "La cellule de code n°{cell} a dépassé la limite de temps par cellule ({limit} s) : elle a été interrompue et la suite du carnet a été exécutée.",
                     "en": "Code cell #{cell} exceeded the per-cell time limit ({limit} s): it was interrupted and the rest of the notebook ran."},
    "neutralized": {"fr": "Cellule de code n°{cell} : « {line} » n'a pas été exécuté : la correction n'installe pas de paquets (les bibliothèques du TD sont déjà installées).",
                    "en": "Code cell #{cell}: \"{line}\" was not run: grading does not install packages (the libraries of the lab are already installed)."},
    "tampered": {"fr": "Le carnet redéfinit des éléments de Keras ({names}) : la correction a lu vos modèles avec les versions d'origine.",
                 "en": "The notebook redefines parts of Keras ({names}): grading read your models with the original versions."},
    "converted_v3": {"fr": "Le carnet était au format nbformat 3 ; il a été converti au format 4 pour la correction.",
                     "en": "The notebook was in nbformat 3; it was converted to nbformat 4 for grading."},
    "decoded_as": {"fr": "Le fichier n'était pas encodé en UTF-8 ; il a été lu comme du {encoding}. Enregistrez vos carnets depuis Jupyter.",
                   "en": "The file was not UTF-8 encoded; it was read as {encoding}. Save your notebooks from Jupyter."},
    "dropped_cells": {"fr": "{count} cellule(s) abîmée(s) du carnet ont été ignorées.",
                      "en": "{count} damaged cell(s) of the notebook were ignored."},
}

INVALID = {
    "empty": {"fr": "Le fichier rendu est vide (0 octet) : ce n'est pas un carnet Jupyter.",
              "en": "The submitted file is empty (0 bytes): it is not a Jupyter notebook."},
    "too_big": {"fr": "Le fichier fait {mb} Mo, au-delà de la limite de {limit} Mo : effacez les sorties (Cellule → Toutes les sorties → Effacer) et rendez-le de nouveau.",
                "en": "The file is {mb} MB, above the {limit} MB limit: clear the outputs (Cell → All Output → Clear) and submit it again."},
    "pdf": {"fr": "Le fichier est un PDF renommé en .ipynb, pas un carnet Jupyter.",
            "en": "The file is a PDF renamed to .ipynb, not a Jupyter notebook."},
    "archive": {"fr": "Le fichier est une archive (zip, docx…) renommée en .ipynb, pas un carnet Jupyter.",
                "en": "The file is an archive (zip, docx...) renamed to .ipynb, not a Jupyter notebook."},
    "binary": {"fr": "Le fichier n'est pas du texte (octet invalide n°{byte}) : ce n'est pas un carnet Jupyter.",
               "en": "The file is not text (invalid byte #{byte}): it is not a Jupyter notebook."},
    "python_script": {"fr": "Le fichier est un script Python renommé en .ipynb, pas un carnet Jupyter : rendez le fichier .ipynb du TD, enregistré depuis Jupyter.",
                      "en": "The file is a Python script renamed to .ipynb, not a Jupyter notebook: submit the lab's .ipynb file, saved from Jupyter."},
    "html": {"fr": "Le fichier est une page HTML (un export du carnet ?), pas un carnet Jupyter : rendez le fichier .ipynb.",
             "en": "The file is an HTML page (an export of the notebook?), not a Jupyter notebook: submit the .ipynb file."},
    "not_json": {"fr": "Le fichier n'est pas un JSON valide (ligne {line}, colonne {column} : {error}) : le carnet est abîmé ; rouvrez-le dans Jupyter et enregistrez-le.",
                 "en": "The file is not valid JSON (line {line}, column {column}: {error}): the notebook is damaged; reopen it in Jupyter and save it."},
    "not_notebook": {"fr": "Le fichier est du JSON mais pas un carnet Jupyter (il n'a pas de cellules).",
                     "en": "The file is JSON but not a Jupyter notebook (it has no cells)."},
    "nbformat": {"fr": "Format de carnet nbformat {version} non pris en charge (seuls 3 et 4 le sont).",
                 "en": "Notebook format nbformat {version} is not supported (only 3 and 4 are)."},
}


class InvalidNotebook(Exception):
    """The file is not a readable Jupyter notebook (``key`` in INVALID says why)."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(INVALID[key]["en"].format(**params))

    def text(self, lang: str) -> str:
        return INVALID[self.key][lang].format(**self.params)


def note(key: str, lang: str, **params) -> str:
    return NOTES[key][lang].format(**params)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, list[tuple[str, dict]]]:
    """The submission as an nbformat v4 notebook without outputs, and notes on how it was read
    (``(key, params)`` of NOTES); InvalidNotebook with a clear reason when it cannot be read."""
    size = Path(path).stat().st_size
    if size == 0:
        raise InvalidNotebook("empty")
    if size > MAX_NOTEBOOK_MB * 2**20:
        raise InvalidNotebook("too_big", mb=round(size / 2**20), limit=MAX_NOTEBOOK_MB)
    raw = Path(path).read_bytes()
    notes: list[tuple[str, dict]] = []
    text = _decode(raw, notes)
    data = _parse_json(text)
    del raw, text
    version = data.get("nbformat")
    if version not in (3, 4):
        raise InvalidNotebook("nbformat", version=version)
    _strip_outputs(data)
    nb = nbformat.from_dict(data)
    if version == 3:
        try:
            nb = nbformat.convert(nb, 4)
        except Exception as exc:
            raise InvalidNotebook("not_notebook") from exc
        notes.append(("converted_v3", {}))
    dropped = _clean_cells(nb)
    if dropped:
        notes.append(("dropped_cells", {"count": dropped}))
    return nb, notes


def _decode(raw: bytes, notes: list) -> str:
    """UTF-8 (with or without BOM); else, if it is still a notebook, UTF-16 or Windows-1252."""
    if raw.startswith(b"%PDF"):
        raise InvalidNotebook("pdf")
    if raw.startswith(b"PK\x03\x04"):
        raise InvalidNotebook("archive")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "cp1252"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
    if not text.lstrip().startswith("{") or "\x00" in text:
        raise InvalidNotebook("binary", byte=first_bad)
    notes.append(("decoded_as", {"encoding": {"cp1252": "Windows-1252"}.get(encoding, encoding)}))
    return text


def _parse_json(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        head = text.lstrip()[:200].lower()
        if head.startswith(("<!doctype html", "<html")):
            raise InvalidNotebook("html") from exc
        if re.match(r"(#|import |from |def |class |print\(|[a-z_]\w*\s*=)", head):
            raise InvalidNotebook("python_script") from exc
        raise InvalidNotebook("not_json", line=exc.lineno, column=exc.colno, error=exc.msg) from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise InvalidNotebook("not_notebook")
    return data


def _strip_outputs(data: dict) -> None:
    """Drop outputs and attachments (never executed, possibly huge) before building the notebook."""
    cells = list(data.get("cells") or [])
    for sheet in data.get("worksheets") or []:
        cells += sheet.get("cells", []) if isinstance(sheet, dict) else []
    for cell in cells:
        if isinstance(cell, dict):
            cell.pop("attachments", None)
            if "outputs" in cell:
                cell["outputs"] = []
            if "execution_count" in cell or "prompt_number" in cell:
                cell["execution_count" if "execution_count" in cell else "prompt_number"] = None


def _clean_cells(nb) -> int:
    """Keep the cells the grader can read (type, text source, dict metadata); count the others."""
    kept = []
    for cell in nb.get("cells") if isinstance(nb.get("cells"), list) else []:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            continue
        cell["source"] = source
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.NotebookNode()
        kept.append(cell)
    dropped = len(nb.get("cells") or []) - len(kept)
    nb["cells"] = kept
    return dropped


def prepare_workdir(spec: AssignmentSpec, root: Path) -> Path:
    """A fresh kernel folder holding the files released beside the notebook (``spec.released_files``:
    support files and self-check, as the student had them; nothing else of release/)."""
    workdir = root / "work"
    workdir.mkdir(parents=True)
    release = spec.release_dir()
    for name in spec.released_files:
        if (release / name).is_file():   # a missing one is reported before grading (batch)
            shutil.copy2(release / name, workdir / name)
    return workdir


def run_hidden_checks(spec: AssignmentSpec, payload: dict | None, lang: str, scratch: Path, *,
                      in_process: bool = False) -> list[dict]:
    """Run the assignment's hidden checks (pytest) over the harvested facts, outside the kernel.

    The artifact and the verdicts go to a folder created now, after the kernel is gone: nothing
    the notebook wrote can pass for them. By default pytest runs in a new process; ``in_process``
    runs it in this one, for a process that grades one submission and exits (the batch worker,
    which never runs student code): the same checks and verdicts without another interpreter
    start and imports."""
    folder = Path(tempfile.mkdtemp(prefix="checks-", dir=scratch))
    artifact, verdicts, ini = folder / "artifact.json", folder / "verdicts.json", folder / "pytest.ini"
    artifact.write_text(json.dumps(payload or {}), encoding="utf-8")
    ini.write_text("[pytest]\n")
    args = [str(spec.checks_file), "-q", "--no-header", "-p", "no:cacheprovider", *HERMETIC_PYTEST,
            "-c", str(ini), "--rootdir", str(folder), "-p", "autograder.checks.pytest_plugin",
            "--artifact", str(artifact), "--verdicts", str(verdicts)]
    if in_process:
        code, said = _pytest_here(args, lang)
    else:
        proc = subprocess.run([sys.executable, "-m", "pytest", *args], capture_output=True, text=True,
                              timeout=CHECKS_TIMEOUT_S, env={**os.environ, "AUTOGRADER_LANG": lang})
        code, said = proc.returncode, proc.stdout
    if not verdicts.exists():
        raise RuntimeError(f"hidden checks did not run (pytest exit {code}): {said[-500:]}")
    return json.loads(verdicts.read_text(encoding="utf-8"))


def _pytest_here(args: list[str], lang: str) -> tuple[int, str]:
    """``pytest.main(args)`` in this process with ``AUTOGRADER_LANG=lang``: (exit code, its output)."""
    import io

    import pytest

    output, previous = io.StringIO(), os.environ.get("AUTOGRADER_LANG")
    os.environ["AUTOGRADER_LANG"] = lang
    try:
        with contextlib.redirect_stdout(output):
            code = pytest.main(args)
    finally:
        if previous is None:
            os.environ.pop("AUTOGRADER_LANG", None)
        else:
            os.environ["AUTOGRADER_LANG"] = previous
    return int(code), output.getvalue()


# The hidden checks need no installed pytest plugin (one that reorders or reseeds tests would
# change them), nor the reports of exceptions raised in finalizers and threads, whose garbage
# collections cost a batch worker more than the checks themselves (its heap is the fork server's).
HERMETIC_PYTEST = ("--disable-plugin-autoload", "-p", "no:unraisableexception", "-p", "no:threadexception")
GRADING_STACK = ("nbclient", "pytest", "autograder.checks.pytest_plugin", "autograder.execution.warm")


def load_grading_stack(spec: AssignmentSpec) -> None:
    """Import what grading ``spec`` will need (``GRADING_STACK``: the kernel client, pytest, the
    check library; and the assignment's hidden checks): a standby worker does it before its
    submission arrives (its fork server has imported ``GRADING_STACK`` already)."""
    import importlib

    for module in GRADING_STACK:
        importlib.import_module(module)
    spec.hidden_checks_module()


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
                         assignment=spec.name, questions=questions, lang=lang)


def execution_notes(execution: Execution, limits: Limits, lang: str) -> list[str]:
    """What the student should know about the run, in the order it happened."""
    notes = [note("neutralized", lang, cell=n["cell"] + 1, line=n["line"][:120]) for n in execution.neutralized]
    for error in execution.cell_errors:
        if error["cell"] is None:
            notes.append(note("run_error", lang, ename=error["ename"], evalue=error["evalue"]))
        elif not (error["cell"] in execution.timed_out_cells and error["ename"] == "KeyboardInterrupt"):
            notes.append(note("cell_error", lang, cell=error["cell"] + 1, ename=error["ename"], evalue=error["evalue"]))
    notes += [note("cell_timeout", lang, cell=c + 1, limit=limits.cell_timeout) for c in execution.timed_out_cells]
    limit = {"timeout": limits.total_timeout, "memory": limits.memory_mb, "output-limit": limits.output_mb}
    if execution.status in limit and not (execution.status == "timeout" and execution.timed_out_cells
                                           and execution.seconds < limits.total_timeout):
        notes.append(note(execution.status, lang, limit=limit[execution.status]))
    elif execution.status == "kernel-died":
        notes.append(note("kernel-died", lang))
    tampered = (execution.harvest or {}).get("tampered") or []
    if tampered:
        notes.append(note("tampered", lang, names=", ".join(str(t) for t in tampered[:5])))
    return notes


def grade_submission(*, notebook: Path, student: str, spec: AssignmentSpec, full: bool = False,
                     lang: str = "fr", limits: Limits | None = None, identity: dict | None = None,
                     threads: int = 1, hide: Sequence[str] = (),
                     zygote: str | None = None, checks_in_process: bool = False,
                     ahead: "KernelAhead | None" = None,
                     kernel_done=None) -> tuple[StudentResult, Execution | None]:
    """Grade one notebook; never raises for a bad submission (the status says what happened).

    ``hide``: more paths the kernel must not see (the output directory, the submissions).
    ``zygote``: address of a zygote to fork the kernel from (warm kernel; None: cold start).
    ``checks_in_process``: run the hidden checks in this process (see ``run_hidden_checks``).
    ``ahead``: a kernel started before the notebook was known (``kernel_ahead``, with the same
    spec, mode, limits, threads, hidden paths and zygote), used instead of starting one.
    ``kernel_done``: called once no cell will run any more (the notebook's run is over, its
    kernel being stopped), and again before the hidden checks: it must be idempotent."""
    started, limits = time.monotonic(), limits or Limits.for_mode(full)
    folder = contextlib.nullcontext(str(ahead.scratch)) if ahead else tempfile.TemporaryDirectory(prefix="autograder-")
    with folder as tmp:
        scratch = Path(tmp)
        execution, status, notes = None, "graded", []
        try:
            nb, read_notes = read_notebook(notebook)
        except InvalidNotebook as exc:
            status, notes = "invalid-notebook", [exc.text(lang)]
        else:
            session = ahead.session if ahead else kernel_session(
                spec, scratch=scratch, full=full, limits=limits, threads=threads, hide=hide, zygote=zygote)
            execution = session.start().run(nb, names=spec.contract_names, fast=not full,
                                            epilogue=self_check_epilogue(spec, lang), cells_done=kernel_done)
            status = execution.status
            notes = [note(k, lang, **p) for k, p in read_notes] + execution_notes(execution, limits, lang)
        if ahead:
            ahead.session.close()   # not used (an unreadable notebook), or already stopped
        if kernel_done is not None:
            kernel_done()
        payload = execution.harvest if execution else None
        verdicts = run_hidden_checks(spec, payload, lang, scratch, in_process=checks_in_process)
        result = assemble(spec, student, verdicts, lang)
        result.self_check = compare_self_check(spec, verdicts, execution.self_check if execution else None)
    result.status, result.messages = status, notes
    result.identity, result.mode = dict(identity or {}), "full" if full else "fast"
    result.submission_sha256 = file_sha256(notebook)
    result.elapsed_s = round(time.monotonic() - started, 2)
    return result, execution


def kernel_session(spec: AssignmentSpec, *, scratch: Path, full: bool, limits: Limits, threads: int,
                   hide: Sequence[str], zygote: str | None = None) -> KernelSession:
    """The (not yet started) sandboxed kernel of one submission of ``spec``, in ``scratch``."""
    workdir = prepare_workdir(spec, scratch)
    env, data_dirs = assignment_kernel_env(spec, workdir=workdir, threads=threads, fast=not full)
    box = sandbox.prepare(scratch=scratch, workdir=workdir, hide=[*hide], read_only=data_dirs)
    return KernelSession(workdir=workdir, limits=limits, env=env, sandbox=box, zygote=zygote)


@dataclass
class KernelAhead:
    """A submission's scratch folder and its kernel, started before the submission is known."""

    scratch: Path
    session: KernelSession


@contextlib.contextmanager
def kernel_ahead(spec: AssignmentSpec, *, full: bool, limits: Limits | None = None, threads: int = 1,
                 hide: Sequence[str] = (), zygote: str | None = None):
    """Start the kernel of the next submission now (a standby worker does, while the previous
    submission is graded): ``grade_submission(..., ahead=it)`` then runs the notebook in it.
    Everything but the notebook is known in advance: the released files beside it, the
    environment, the sandbox, the limits. The kernel is stopped on leaving, used or not."""
    limits = limits or Limits.for_mode(full)
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        session = kernel_session(spec, scratch=Path(tmp), full=full, limits=limits, threads=threads, hide=hide,
                                 zygote=zygote)
        try:
            yield KernelAhead(Path(tmp), session.start(ahead=True))
        finally:
            session.close()


def self_check_epilogue(spec: AssignmentSpec, lang: str = "fr") -> str | None:
    """Code the grader runs after the last harvest when ``spec`` has public checks: the notebook's
    own self-check (the released ``verification.py`` it imported) publishes its public verdicts,
    which ``compare_self_check`` holds against the grader's. None without public checks."""
    from autograder.assignments import SELF_CHECK_FILE
    from autograder.checks.registry import checks_of

    if not any(c.public for c in checks_of(spec.hidden_checks_module())):
        return None
    module = Path(SELF_CHECK_FILE).stem
    return (f"import sys as _autograder_sys\n"
            f"_autograder_self_check = _autograder_sys.modules.get({module!r})\n"
            f"if _autograder_self_check is not None and hasattr(_autograder_self_check, '_publish_verdicts'):\n"
            f"    _autograder_self_check._publish_verdicts({lang!r})\n"
            f"del _autograder_sys, _autograder_self_check")


def compare_self_check(spec: AssignmentSpec, verdicts: list[dict], said: dict | None) -> dict:
    """The notebook's self-check against the grade: ``{"ran", "error", "checked", "disagreements":
    [{"id", "grader": {"passed", "message"}, "notebook": {"passed", "message"} | None}]}`` over
    the public checks; ``ran`` is False when the notebook never imported its self-check (nothing
    to compare). A disagreement means the student saw another verdict than the grade (a release
    older than the checks, a notebook that fools its own self-check): the instructor should look."""
    from autograder.checks.registry import checks_of

    if not said:
        return {"ran": False, "error": None, "checked": 0, "disagreements": []}
    public = {c.id for c in checks_of(spec.hidden_checks_module()) if c.public}
    seen = {v.get("id"): v for v in said.get("verdicts") or [] if isinstance(v, dict)}
    disagreements, checked = [], 0
    for verdict in verdicts:
        if verdict["id"] not in public:
            continue
        checked += 1
        grader = {"passed": verdict["passed"], "message": verdict["message"]}
        mine = seen.get(verdict["id"])
        notebook = {"passed": mine.get("passed"), "message": mine.get("message")} if mine else None
        if notebook != grader:
            disagreements.append({"id": verdict["id"], "grader": grader, "notebook": notebook})
    return {"ran": True, "error": said.get("error"), "checked": checked, "disagreements": disagreements}
