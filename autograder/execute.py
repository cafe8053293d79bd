"""Runs one submitted notebook in its own Jupyter kernel, under time, memory and output limits.

The notebook that is executed is built by the grader, not taken as is:

    [bootstrap: install the fit recorder]
    [student code cell 1] [harvest] [student code cell 2] [harvest] ...

nbgrader test cells of the submission are skipped (the hidden checks run elsewhere). A cell
that raises does not stop the run. After each student cell a harvest cell sends the facts of
the contract names, so a kernel that dies, runs out of time or memory still leaves what was
built before. Limits are enforced from this (trusted) process by a watchdog thread.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from autograder.kernel.harvest import MIME as HARVEST_MIME

KERNEL_NAME = "keras-autograder"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel (see README, security model)."""

    cell_timeout: int = 300      # seconds for one cell, then the cell is interrupted
    total_timeout: int = 900     # seconds for the whole notebook, then the kernel is killed
    memory_mb: int = 4096        # resident memory of the kernel and its children
    output_mb: int = 20          # text/images the notebook may print

    @classmethod
    def for_mode(cls, full: bool) -> "Limits":
        return cls(cell_timeout=900, total_timeout=3600) if full else cls()


@dataclass
class Execution:
    """What running a submission produced (facts only, no verdict)."""

    status: str = "graded"
    harvest: dict | None = None          # last payload from a harvest cell
    cell_errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    executed: nbformat.NotebookNode | None = None  # the student's cells with their outputs


# ----------------------------------------------------------------------------- preparation
def student_code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Code cells the student may have written: every code cell except nbgrader test cells."""
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell: the grader runs its own checks outside the kernel
        cells.append(cell)
    return cells


def build_run_notebook(cells, names: list[str], fast: bool) -> nbformat.NotebookNode:
    """The notebook actually executed: bootstrap, then each student cell and a harvest cell."""
    bootstrap = (
        "import autograder.kernel.recorder as _autograder_recorder\n"
        f"_autograder_recorder.install(fast={fast!r})\n"
        "del _autograder_recorder"
    )
    harvest = f"__import__('autograder.kernel.harvest').kernel.harvest.emit({names!r})"
    run_cells = [nbformat.v4.new_code_cell(bootstrap, metadata={"role": "bootstrap"})]
    for index, cell in enumerate(cells):
        run_cells.append(nbformat.v4.new_code_cell(cell.source, metadata={"role": "student", "index": index}))
        run_cells.append(nbformat.v4.new_code_cell(harvest, metadata={"role": "harvest"}))
    nb = nbformat.v4.new_notebook(cells=run_cells)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    return nb


def write_kernelspec(folder: Path, argv_prefix: list[str] | None = None) -> Path:
    """A private kernelspec running this interpreter (optionally behind a sandbox command)."""
    spec_dir = folder / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = list(argv_prefix or []) + [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL_NAME, "language": "python"})
    )
    return folder


# ----------------------------------------------------------------------------- limits
class _Watchdog(threading.Thread):
    """Kills the kernel's process tree when it exceeds the total time or memory limit."""

    def __init__(self, limits: Limits, pid_getter):
        super().__init__(daemon=True)
        self.limits, self.pid_getter = limits, pid_getter
        self.reason: str | None = None
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._start = time.monotonic()

    def run(self) -> None:
        while not self._stop.wait(0.25):
            pid = self.pid_getter()
            if pid is None:
                continue
            rss = _tree_rss_mb(pid)
            self.peak_mb = max(self.peak_mb, rss)
            if rss > self.limits.memory_mb:
                self.kill("memory", pid)
            elif time.monotonic() - self._start > self.limits.total_timeout:
                self.kill("timeout", pid)

    def kill(self, reason: str, pid: int | None = None) -> None:
        if self.reason is None:
            self.reason = reason
        kill_tree(pid if pid is not None else self.pid_getter())

    def stop(self) -> None:
        self._stop.set()


def _tree_rss_mb(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20
    except psutil.Error:
        return 0.0


def kill_tree(pid: int | None) -> None:
    if pid is None:
        return
    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.Error:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass


class _LimitedClient(NotebookClient):
    """nbclient client that stops a kernel printing more than the output limit."""

    watchdog: _Watchdog | None = None
    output_bytes: int = 0

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        self.output_bytes += len(json.dumps(content.get("data") or content.get("text") or ""))
        if self.watchdog is not None and self.output_bytes > self.watchdog.limits.output_mb * 2**20:
            self.watchdog.kill("output-limit")
            return None
        return super().output(outs, msg, display_id, cell_index)


# ----------------------------------------------------------------------------- execution
def run_notebook(
    nb: nbformat.NotebookNode, *, workdir: Path, names: list[str], fast: bool,
    limits: Limits, env: dict[str, str], argv_prefix: list[str] | None = None,
) -> Execution:
    """Execute the student's cells of ``nb`` in a fresh kernel started in ``workdir``."""
    started = time.monotonic()
    cells = student_code_cells(nb)
    run_nb = build_run_notebook(cells, names, fast)
    ksm = KernelSpecManager(kernel_dirs=[str(write_kernelspec(workdir / ".kernels", argv_prefix))])
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    client = _LimitedClient(
        run_nb, km=km, timeout=limits.cell_timeout, allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": f"cell exceeded {limits.cell_timeout} s",
                          "traceback": []},
        record_timing=False, startup_timeout=120, iopub_timeout=10, shutdown_kernel="immediate",
    )
    watchdog = _Watchdog(limits, lambda: _kernel_pid(km))
    client.watchdog = watchdog
    result = Execution()
    try:
        with client.setup_kernel(env=env, cwd=str(workdir)):
            watchdog.start()
            _execute_cells(client, run_nb, result, watchdog)
    except Exception as exc:  # kernel failed to start, or died between cells
        result.status = watchdog.reason or "kernel-died"
        result.cell_errors.append({"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:300]})
    finally:
        watchdog.stop()
    result.seconds = round(time.monotonic() - started, 2)
    result.executed = _student_view(run_nb)
    return result


def _execute_cells(client, run_nb, result: Execution, watchdog: _Watchdog) -> None:
    for index, cell in enumerate(run_nb.cells):
        try:
            client.execute_cell(cell, index)
        except Exception as exc:  # DeadKernelError, or the watchdog killed the kernel
            result.status = watchdog.reason or "kernel-died"
            where = cell.metadata.get("index")
            result.cell_errors.append({"cell": where, "ename": type(exc).__name__, "evalue": str(exc)[:300]})
            return
        if watchdog.reason:
            result.status = watchdog.reason
            return
        role = cell.metadata.get("role")
        if role == "harvest":
            payload = _harvest_payload(cell)
            if payload is not None:
                result.harvest = payload
        else:
            result.cell_errors.extend(_errors_of(cell, cell.metadata.get("index")))


def _kernel_pid(km) -> int | None:
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    return getattr(process, "pid", None)


def _harvest_payload(cell) -> dict | None:
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if HARVEST_MIME in data:
            payload = data[HARVEST_MIME]
            return json.loads(payload) if isinstance(payload, str) else dict(payload)
    return None


def _errors_of(cell, index) -> list[dict]:
    return [
        {"cell": index, "ename": out.get("ename", ""), "evalue": str(out.get("evalue", ""))[:300]}
        for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]


def _student_view(run_nb) -> nbformat.NotebookNode:
    cells = [c for c in run_nb.cells if c.metadata.get("role") == "student"]
    for cell in cells:
        cell.metadata = {}
    return nbformat.v4.new_notebook(cells=cells)


def kernel_env(*, workdir: Path, data_source: str, threads: int, extra: dict | None = None) -> dict:
    """Environment of the student's kernel: only what it needs, nothing of the grader's."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": str(threads),
        "KERAS_HOME": str(workdir / ".keras"),
        "TD_KERAS_DATA_SOURCE": data_source,
    }
    for key in ("TD_KERAS_LAB_DIR", "TD_KERAS_CACHE_DIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra or {})
    return env
