"""Shared fixtures and rules of the kit's own test suite.

Tiers: ``make check`` runs ``pytest -m "not slow"`` (no kernel, no training: under a minute);
``make test`` runs everything. The rules below keep the tiers honest:

* a test that starts a Jupyter kernel (in this process, in a subprocess such as
  ``python -m autograder grade``, or on a Dask worker it started) or trains a Keras model must
  be marked ``slow``: a test that is not and does either fails;
* a test marked ``sandbox`` needs the namespace sandbox: it is skipped when the suite does not
  run as root, and FAILS when it runs as root (as in CI) and the sandbox is unavailable;
* a class is graded once per session and shared between test files: ``grade_once(paths,
  options=...)`` for any folder, ``graded_corpus(mode, corpus)`` for a realistic corpus
  (``tests/submissions`` by default; ``corpus_folders()`` lists them all), ``hostile_batch``
  for every scenario of ``tests/hostile`` (one batch).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

import autograder  # noqa: F401  first: spares every test process the rfc3987 grammar nbformat would build

KIT_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = KIT_ROOT / "source" / "td_keras_mlp"
RELEASE_DIR = KIT_ROOT / "release" / "td_keras_mlp"
SOURCE_NB = SOURCE_DIR / "td_keras_mlp.ipynb"
RELEASE_NB = RELEASE_DIR / "td_keras_mlp.ipynb"
CORPUS = KIT_ROOT / "tests" / "submissions"
HOSTILE = KIT_ROOT / "tests" / "hostile"

pytest_plugins = ("pytester",)   # tests/test_suite_rules.py runs small suites under these rules

# the venv's bin/ first on PATH (nbgrader shells out to alembic)
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture
def dataset_utils(monkeypatch):
    """A fresh import of the shipped dataset_utils.py, with no data-source variable set."""
    for var in ("TD_KERAS_DATA_SOURCE", "TD_KERAS_LAB_DIR"):
        monkeypatch.delenv(var, raising=False)
    spec = importlib.util.spec_from_file_location("dataset_utils_under_test", SOURCE_DIR / "dataset_utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def settled(look, timeout: float, period: float = 0.05):
    """``look()`` again every ``period`` s until it returns nothing or ``timeout`` s have passed;
    its last answer (for what may take a moment to end, e.g. a PID namespace being torn down)."""
    deadline = time.monotonic() + timeout
    while True:
        found = look()
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(period)


# ----------------------------------------------------------------------------- corpora graded once
GRADE_TIMEOUT_S = 3 * 3600  # a hung batch fails the suite instead of blocking it


def grade_cli(paths, out: Path, *options: str, timeout: float = GRADE_TIMEOUT_S) -> subprocess.CompletedProcess:
    """``python -m autograder grade PATHS --out OUT OPTIONS`` as an instructor types it."""
    cmd = [sys.executable, "-m", "autograder", "grade", *map(str, paths), "--out", str(out), *options]
    return subprocess.run(cmd, cwd=KIT_ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def grade_once(tmp_path_factory):
    """``grade_once(*paths, options=(...))`` -> OUT of ``python -m autograder grade PATHS --out OUT
    OPTIONS``, run once per session for the same paths and options: test files that need the same
    class graded share one run (read OUT, do not write into it). A run that failed fails every
    test that asks for it, with the command's output."""
    runs: dict[tuple, Path | str] = {}

    def grade(*paths, options=()) -> Path:
        key = (tuple(str(p) for p in paths), tuple(options))
        if key not in runs:
            out, command = tmp_path_factory.mktemp("graded"), f"`grade {' '.join(key[0] + key[1])}`"
            try:
                proc = grade_cli(paths, out, *options)
            except subprocess.TimeoutExpired:
                runs[key] = f"{command} did not finish in {GRADE_TIMEOUT_S} s"
            else:
                runs[key] = out if proc.returncode == 0 else (
                    f"{command} exited {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-4000:]}")
        if isinstance(runs[key], str):
            pytest.fail(runs[key], pytrace=False)
        return runs[key]

    return grade


def corpus_folders() -> dict[str, Path]:
    """assignment -> its corpus of realistic submissions: ``tests/submissions/`` (td_keras_mlp, the
    first) and every ``tests/submissions_<assignment>/`` holding an ``expected.json``."""
    folders = {"td_keras_mlp": CORPUS}
    for expected in sorted((KIT_ROOT / "tests").glob("submissions_*/expected.json")):
        folders[expected.parent.name.removeprefix("submissions_")] = expected.parent
    return folders


@pytest.fixture(scope="session")
def graded_corpus(grade_once):
    """``graded_corpus(mode, corpus=CORPUS)`` -> OUT of ``grade CORPUS --jobs 2 --quiet [--full]``,
    once per session, corpus folder and mode ("fast" or "full")."""
    def grade(mode: str, corpus: Path = CORPUS) -> Path:
        assert mode in ("fast", "full"), mode
        return grade_once(corpus, options=("--jobs", "2", "--quiet", *(["--full"] if mode == "full" else [])))

    return grade


HOSTILE_LIMITS = ("--timeout", "240", "--cell-timeout", "20", "--memory", "1500")   # >10x the whole solution in fast mode (1.6 s): room for a loaded machine
HOSTILE_DIRECT_ONLY = {"runaway_children"}      # graded alone by test_watchdog_kills_the_whole_tree


@pytest.fixture(scope="session")
def hostile_batch(tmp_path_factory):
    """One batch over every hostile scenario, a 200 MB notebook and the instructor's solution
    (``grade --jobs 2`` with short limits): ``.out``, ``.subs``, ``.results`` (student ->
    StudentResult), ``.stderr``, ``.seconds``."""
    sys.path.insert(0, str(HOSTILE))
    from build_hostile import SCENARIOS, big_notebook

    from autograder.results import load_results

    subs, out = tmp_path_factory.mktemp("hostile-subs"), tmp_path_factory.mktemp("hostile-out")
    for name in set(SCENARIOS) - HOSTILE_DIRECT_ONLY:
        shutil.copy(HOSTILE / f"{name}.ipynb", subs / f"{name}.ipynb")
    shutil.copy(SOURCE_NB, subs / "valid_solution.ipynb")
    big_notebook(subs / "big_outputs.ipynb", megabytes=200)
    started = time.monotonic()
    try:
        proc = grade_cli([subs], out, "--jobs", "2", *HOSTILE_LIMITS, timeout=900)
    finally:
        (subs / "big_outputs.ipynb").unlink()   # 200 MB: not kept in pytest's temporary folders
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r.student: r for r in load_results(out)}
    return SimpleNamespace(out=out, subs=subs, results=results, stderr=proc.stderr,
                           seconds=time.monotonic() - started)


# ----------------------------------------------------------------------------- the rules, per test
KERNEL_MARK = "ipykernel_launcher"   # every cold kernel the kit starts is `python -m ipykernel_launcher ...`
ZYGOTE_MARK = "autograder.execution.zygote"   # warm kernels are forks of `python -m autograder.execution.zygote`
_SPIES = pytest.StashKey["_KernelSpy"]()


def pytest_runtest_setup(item):
    """Sandbox tests: skipped without root, failed as root without the sandbox. Fast tests: a
    watch for kernels starts (before their fixtures: a fixture that grades counts too)."""
    if item.get_closest_marker("slow") is None:
        item.stash[_SPIES] = _KernelSpy()
        item.stash[_SPIES].start()
    if item.get_closest_marker("sandbox") is None:
        return
    from autograder.execution import sandbox

    level = sandbox.probe()
    if level.name == "namespaces":
        return
    if os.geteuid() == 0:
        pytest.fail(f"runs as root but the namespace sandbox is unavailable ({level.name}: {level.reason}): "
                    "the isolation this test checks would not be there in production", pytrace=False)
    pytest.skip(f"needs root for the namespace sandbox ({level.name}: {level.reason})")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test not marked ``slow`` that started a kernel (in its fixtures or its body) fails."""
    result = yield
    spy = item.stash.get(_SPIES, None)
    kernels = spy.stop() if spy is not None else []
    if kernels:
        pytest.fail(f"{item.nodeid} started a Jupyter kernel ({kernels[0][:120]}...): "
                    "mark it @pytest.mark.slow", pytrace=False)
    return result


def pytest_runtest_teardown(item):
    spy = item.stash.get(_SPIES, None)
    if spy is not None:
        spy.stop()      # setup failed or was skipped: the call did not stop it


class _KernelSpy(threading.Thread):
    """Watches this process' descendants while a fast test runs and remembers any kernel."""

    PERIOD_S = 0.05   # a kernel lives for seconds: it cannot start and end unseen

    def __init__(self, marks: tuple[str, ...] = (KERNEL_MARK, ZYGOTE_MARK)):
        super().__init__(daemon=True, name="kernel-spy")
        self.marks, self.seen = marks, []
        self._halt = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._halt.wait(self.PERIOD_S):
            try:
                children = me.children(recursive=True)
            except psutil.Error:
                continue
            for child in children:
                try:
                    argv = child.cmdline()
                except psutil.Error:
                    continue
                if any(mark in argv for mark in self.marks) and " ".join(argv) not in self.seen:
                    self.seen.append(" ".join(argv))

    def stop(self) -> list[str]:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)
        return self.seen


@pytest.fixture(autouse=True)
def _fast_tests_train_nothing(request, monkeypatch):
    """A test not marked ``slow`` that fits a Keras model (Keras already imported) fails."""
    keras = sys.modules.get("keras")
    if request.node.get_closest_marker("slow") is None and keras is not None and hasattr(keras, "Model"):
        def no_fit(*_args, **_kwargs):
            pytest.fail(f"{request.node.nodeid} trains a Keras model: mark it @pytest.mark.slow", pytrace=False)

        monkeypatch.setattr(keras.Model, "fit", no_fit)
