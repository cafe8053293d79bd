"""Runs one submitted notebook in its own Jupyter kernel, under time, memory and output limits.

The notebook that is executed is built by the grader, not taken as is:

    [bootstrap: install the output guard, the fit recorder and the harvest]
    [student code cell 1] [harvest] [student code cell 2] [harvest] ...

nbgrader test cells of the submission are skipped (the hidden checks run elsewhere), and lines
that would install packages (``%pip install``, ``!pip install``...) are replaced by a no-op with
a note for the student. A cell that raises does not stop the run; a cell over the cell time
limit is interrupted and the next one runs. After each student cell a harvest cell sends the
facts of the contract names, so a kernel that dies, runs out of time or memory still leaves
what was built before. Limits are enforced from this (trusted) process by a watchdog thread;
the output limit is also counted inside the kernel by ``autograder/kernel/output_guard.py``
(installed by the bootstrap, it drops output past the limit and sends a signed marker on which
the client stops the kernel), so a notebook printing in a loop is stopped for its output before
its memory grows. The kernel itself is started inside the sandbox of
``autograder/execution/sandbox.py`` when one is given.
"""
from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from autograder.checks.self_check import MIME as SELF_CHECK_MIME
from autograder.kernel.harvest import MIME as HARVEST_MIME
from autograder.kernel.output_guard import MIME as OUTPUT_GUARD_MIME

KERNEL_NAME = "keras-autograder"
WATCHDOG_PERIOD_S = 0.2


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel (see README, security model)."""

    cell_timeout: int = 300      # seconds for one cell, then the cell is interrupted
    total_timeout: int = 900     # seconds for the whole notebook, then the kernel is killed
    memory_mb: int = 4096        # memory of the kernel and its children (RSS, or PSS when it forked)
    output_mb: int = 20          # text/images the notebook may print

    @classmethod
    def for_mode(cls, full: bool) -> "Limits":
        return cls(cell_timeout=900, total_timeout=3600) if full else cls()

    @classmethod
    def resolve(cls, full: bool, **overrides) -> "Limits":
        """The mode's limits with the given ones (None: keep the default) in their place."""
        return replace(cls.for_mode(full), **{k: v for k, v in overrides.items() if v is not None})

    def __post_init__(self):
        for name in ("cell_timeout", "total_timeout", "memory_mb", "output_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive integer, not {value!r}")


@dataclass
class Execution:
    """What running a submission produced (facts only, no verdict)."""

    status: str = "graded"
    harvest: dict | None = None          # last payload from a harvest cell
    self_check: dict | None = None       # the epilogue's public verdicts as the notebook's self-check gives them
    cell_errors: list[dict] = field(default_factory=list)
    timed_out_cells: list[int] = field(default_factory=list)   # interrupted at the cell limit
    neutralized: list[dict] = field(default_factory=list)      # {"cell", "line"} not executed
    seconds: float = 0.0
    peak_mb: float = 0.0
    warm: bool = False                   # the kernel was forked from a zygote (else a cold start)
    executed: nbformat.NotebookNode | None = None  # the student's cells with their outputs


# ----------------------------------------------------------------------------- preparation
def student_code_cells(nb: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    """(number among the notebook's code cells, cell) of every code cell the student may have
    written, i.e. all but nbgrader test cells; the number is what the student sees counting
    code cells from the top, so notes about a cell point to the right one."""
    cells = []
    code_cells = [cell for cell in nb.cells if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell: the grader runs its own checks outside the kernel
        cells.append((number, cell))
    return cells


_INSTALLER = r"(?:sudo\s+)?(?:(?:python3?|py)\s+-m\s+)?(?:pip3?|conda|mamba|micromamba|uv|apt-get|apt|easy_install)\b"
_INSTALL_LINE = re.compile(
    rf"""^\s*(?:[!%]{{1,2}}\s*{_INSTALLER}
         |get_ipython\(\)\.(?:run_line_magic|system|getoutput)\(\s*['"]!?\s*{_INSTALLER})""", re.X)
_SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|script|system)\b")
_SHELL_INSTALL = re.compile(rf"^\s*{_INSTALLER}")


def neutralize_installs(source: str) -> tuple[str, list[str]]:
    """``source`` with package-installing lines replaced by no-ops, and the lines removed."""
    lines = source.split("\n")
    shell = bool(lines) and bool(_SHELL_CELL.match(lines[0]))
    removed = []
    for number, line in enumerate(lines):
        if _INSTALL_LINE.match(line) or (shell and number and _SHELL_INSTALL.match(line)):
            removed.append(line.strip())
            indent = line[: len(line) - len(line.lstrip())]
            lines[number] = f"{indent}{':' if shell else 'pass'}  # [autograder] not run: package installation"
    return "\n".join(lines), removed


def build_run_notebook(cells, names: list[str], fast: bool, secret: str = "", *,
                       output_limit_bytes: int | None = None, guard_secret: str = "",
                       epilogue: str | None = None) -> nbformat.NotebookNode:
    """The notebook actually executed: bootstrap, then each student cell and a harvest cell.

    The harvest is called through a per-run random name installed at bootstrap (a notebook
    cannot swap it by importing the harvest module) and signs its payload with ``secret``, which
    only the bootstrap cell holds (run before any student code, kept out of the history).
    With ``output_limit_bytes``, the bootstrap first installs the output guard, which counts the
    kernel's output from then on and signs its "limit reached" marker with ``guard_secret``."""
    token = f"_h{secrets.token_hex(12)}"
    guard = (
        "import autograder.kernel.output_guard as _autograder_output_guard\n"
        f"_autograder_output_guard.install({output_limit_bytes!r}, secret={guard_secret!r})\n"
        "del _autograder_output_guard\n"
    ) if output_limit_bytes is not None else ""
    bootstrap = guard + (
        "import autograder.kernel.harvest as _autograder_harvest\n"
        f"_autograder_harvest.install({names!r}, fast={fast!r}, token={token!r}, secret={secret!r})\n"
        "del _autograder_harvest"
    )
    run_cells = [nbformat.v4.new_code_cell(bootstrap, metadata={"role": "bootstrap"})]
    for index, cell in cells:
        source, removed = neutralize_installs(_source_of(cell))
        meta = {"role": "student", "index": index, "neutralized": removed}
        run_cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
        run_cells.append(nbformat.v4.new_code_cell(f"{token}()", metadata={"role": "harvest"}))
    if epilogue:   # after the last harvest: whatever it does, the facts are already taken
        run_cells.append(nbformat.v4.new_code_cell(epilogue, metadata={"role": "epilogue"}))
    nb = nbformat.v4.new_notebook(cells=run_cells)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    return nb


def _source_of(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


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
        self._stopping = threading.Event()
        self._start = time.monotonic()

    def run(self) -> None:
        while not self._stopping.wait(WATCHDOG_PERIOD_S):
            pid = self.pid_getter()
            if pid is None:
                continue
            used = self.look(pid)
            if used > self.limits.memory_mb:
                self.kill("memory", pid)
            elif time.monotonic() - self._start > self.limits.total_timeout:
                self.kill("timeout", pid)

    def look(self, pid: int) -> float:
        """The kernel tree's memory now (MB), kept in ``peak_mb`` when it is the largest yet."""
        used = tree_memory_mb(pid)
        self.peak_mb = max(self.peak_mb, used)
        return used

    def kill(self, reason: str, pid: int | None = None) -> None:
        if self.reason is None:
            self.reason = reason
        kill_tree(pid if pid is not None else self.pid_getter())

    def stop(self) -> None:
        """No more looks, but a last one at the kernel still running: a warm kernel may run all
        its cells between two looks, and its memory at the end is still a peak it reached."""
        self._stopping.set()
        pid = self.pid_getter() if self.ident is not None else None   # started: a kernel to look at
        if pid is not None:
            self.look(pid)


def tree_memory_mb(pid: int) -> float:
    """Memory of a process and its descendants: RSS for one process; with children, the
    proportional set size (forked copies share their pages: summing RSS would count them n times)."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0.0
    busy = [p for p in procs if _rss(p) > 0]
    if len(busy) <= 1:
        return sum(_rss(p) for p in busy) / 2**20
    return sum(_pss(p) for p in busy) / 2**20


def _rss(proc) -> int:
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def _pss(proc) -> int:
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return _rss(proc)


def kill_tree(pid: int | None) -> None:
    if pid is None:
        return
    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.Error:
        return
    for proc in [root] + procs[:-1]:   # the sandbox's process 1 first: its namespace dies with it
        try:
            proc.kill()
        except psutil.Error:
            pass


class _LimitedClient(NotebookClient):
    """nbclient client that stops a kernel printing more than the output limit and remembers
    which cells were interrupted at the cell time limit.

    The output limit is enforced twice: in the kernel by the output guard (bootstrap), which
    drops what is printed past the limit and sends a marker signed with ``guard_secret`` (the
    client stops the kernel when it reads it), and here, by counting what arrives, for output
    the guard cannot see (a forked process, a notebook that sends on the kernel's sockets)."""

    watchdog: _Watchdog | None = None
    guard_secret: str = ""
    output_bytes: int = 0
    timed_out: list

    def process_message(self, msg, cell, cell_index):
        msg_type, content = msg.get("msg_type"), msg.get("content") or {}
        if msg_type in _SHOWN_TYPES and self.watchdog is not None:
            data = content.get("data") if isinstance(content.get("data"), dict) else {}
            if OUTPUT_GUARD_MIME in data:      # never shown; stops the kernel when it is the guard's
                if _signed(data[OUTPUT_GUARD_MIME], self.guard_secret):
                    self.watchdog.kill("output-limit")
                return None
            self.output_bytes += _shown_bytes(msg_type, content)
            if self.output_bytes > self.watchdog.limits.output_mb * 2**20:
                self.watchdog.kill("output-limit")
                return None
        return super().process_message(msg, cell, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None:
            self.timed_out.append(cell.metadata.get("index"))
        return await super()._async_handle_timeout(timeout, cell)


_SHOWN_TYPES = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error"})


def _shown_bytes(msg_type: str, content: dict) -> int:
    """Size of what an output message shows (its text, data or traceback), as the guard counts it."""
    if msg_type == "stream":
        text = content.get("text")
        return len(text) if isinstance(text, str) else 0
    shown = content.get("traceback") if msg_type == "error" else content.get("data")
    try:
        return len(json.dumps(shown or ""))
    except (TypeError, ValueError):
        return len(repr(shown))


def _signed(marker, secret: str) -> bool:
    return bool(secret) and isinstance(marker, dict) and secrets.compare_digest(
        str(marker.get("secret", "")), secret)


# ----------------------------------------------------------------------------- execution
def run_notebook(
    nb: nbformat.NotebookNode, *, workdir: Path, names: list[str], fast: bool,
    limits: Limits, env: dict[str, str], argv_prefix: list[str] | None = None, sandbox=None,
    epilogue: str | None = None, zygote: str | None = None,
) -> Execution:
    """Execute the student's cells of ``nb`` in a fresh kernel started in ``workdir``.

    ``epilogue``: code run after the last harvest (the student's self-check comparing its public
    verdicts, see ``grading.self_check_epilogue``); its output of type ``SELF_CHECK_MIME`` becomes
    ``Execution.self_check``, its errors are not the notebook's.

    ``sandbox`` (a :class:`autograder.execution.sandbox.KernelSandbox`) starts the kernel isolated; its
    command replaces ``argv_prefix``. ``zygote`` (the address of a zygote, see
    ``autograder/execution/warm.py``): the kernel is forked from it, in the same sandbox, and
    starts cold (one line on stderr says why) if the zygote cannot give one."""
    session = KernelSession(workdir=workdir, limits=limits, env=env, argv_prefix=argv_prefix,
                            sandbox=sandbox, zygote=zygote)
    session.start()
    return session.run(nb, names=names, fast=fast, epilogue=epilogue)


class KernelSession:
    """One submission's kernel, which may be started before the notebook is known (a standby
    worker starts it while the previous submission is graded, see autograder/batch/standby.py):
    ``start()`` starts it (its errors are kept for ``run``), ``run(nb, ...)`` executes the
    notebook in it once and stops it, ``close()`` stops a kernel that never ran. The time limit
    counts from ``run``; a kernel found dead when the notebook arrives is started again."""

    def __init__(self, *, workdir: Path, limits: Limits, env: dict[str, str],
                 argv_prefix: list[str] | None = None, sandbox=None, zygote: str | None = None):
        self.workdir, self.limits, self.env, self.sandbox, self.zygote = workdir, limits, env, sandbox, zygote
        self.argv_prefix = sandbox.argv_prefix if sandbox is not None else argv_prefix
        self.secret, self.guard_secret = secrets.token_hex(16), secrets.token_hex(16)
        self._context = None
        self.failure: Exception | None = None
        self.used = self.ahead = False
        self._new_client()

    def _new_client(self) -> None:
        ksm = KernelSpecManager(kernel_dirs=[str(write_kernelspec(self.workdir / ".kernels", self.argv_prefix))])
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        if self.sandbox is not None and self.sandbox.ipc_dir is not None:   # no network in the sandbox
            km.transport, km.ip = "ipc", str(self.sandbox.ipc_dir / "k")
            km.connection_file = str(self.sandbox.ipc_dir / "connection.json")
        self.km = km
        self.provisioner = _use_zygote(km, self.zygote, self.sandbox) if self.zygote else None
        placeholder = nbformat.v4.new_notebook()
        placeholder.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
        limits = self.limits
        self.client = _LimitedClient(
            placeholder, km=km, timeout=limits.cell_timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": "CellTimeout", "evalue": f"cell exceeded {limits.cell_timeout} s",
                              "traceback": []},
            record_timing=False, startup_timeout=120, iopub_timeout=10, shutdown_kernel="immediate",
        )
        self.client.timed_out, self.client.guard_secret = [], self.guard_secret
        self.watchdog = _Watchdog(limits, lambda: _kernel_pid(km))
        self.client.watchdog = self.watchdog

    def start(self, ahead: bool = False) -> "KernelSession":
        """Start the kernel (once); a failure is kept and reported by ``run``. ``ahead``: before
        the notebook is known (a kernel that failed or died meanwhile gets one new start in ``run``)."""
        self.ahead = self.ahead or ahead
        if self._context is None and self.failure is None:
            context = self.client.setup_kernel(env=self.env, cwd=str(self.workdir))
            try:
                context.__enter__()
                self._context = context
            except Exception as exc:   # kernel failed to start
                self.failure = exc
        return self

    def _alive(self) -> bool:
        try:
            from jupyter_core.utils import run_sync

            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def run(self, nb: nbformat.NotebookNode, *, names: list[str], fast: bool,
            epilogue: str | None = None, cells_done=None) -> Execution:
        """Execute the student's cells of ``nb`` (see ``run_notebook``) and stop the kernel.
        ``cells_done``: called when no cell will run any more, before the kernel is stopped."""
        if self.used:
            raise RuntimeError("a kernel session runs one notebook")
        self.used = True
        started = time.monotonic()
        if self.ahead and (self.failure is not None or not self._alive()):   # failed or died while waiting
            self._stop()
            self.failure = None
            self._new_client()
        self.start()
        limits, client, watchdog = self.limits, self.client, self.watchdog
        run_nb = build_run_notebook(student_code_cells(nb), names, fast, self.secret,
                                    output_limit_bytes=limits.output_mb * 2**20, guard_secret=self.guard_secret,
                                    epilogue=epilogue)
        client.nb = run_nb
        result = Execution()
        try:
            if self.failure is not None:
                raise self.failure
            watchdog._start = time.monotonic()
            watchdog.start()
            _execute_cells(client, run_nb, result, watchdog, self.secret)
        except Exception as exc:  # kernel failed to start, or died between cells
            result.status = watchdog.reason or "kernel-died"
            result.cell_errors.append({"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:300]})
        finally:
            if cells_done is not None:
                cells_done()
            self._stop()
        result.timed_out_cells = sorted({i for i in client.timed_out if i is not None})
        if result.status == "graded" and result.timed_out_cells:
            result.status = "timeout"
        result.neutralized = [{"cell": c.metadata["index"], "line": line} for c in run_nb.cells
                              if c.metadata.get("role") == "student" for line in c.metadata["neutralized"]]
        result.warm = bool(self.provisioner is not None and self.provisioner.warm)
        result.seconds, result.peak_mb = round(time.monotonic() - started, 2), round(watchdog.peak_mb, 1)
        result.executed = _student_view(run_nb, nb)
        return result

    def _stop(self) -> None:
        watchdog = self.watchdog
        watchdog.stop()
        if watchdog.is_alive():
            watchdog.join(timeout=5)   # its last look is over: no kill after the result is read
        context, self._context = self._context, None
        if context is not None:
            try:
                context.__exit__(None, None, None)
            except Exception:
                pass
        _stop_kernel(self.km)
        if self.sandbox is not None:
            self.sandbox.sweep()

    def close(self) -> None:
        """Stop a kernel that will not run a notebook (idempotent)."""
        self.used = True
        self._stop()


def _use_zygote(km, address: str, sandbox):
    """Give ``km`` the provisioner that forks the kernel from the zygote at ``address``."""
    import uuid

    from autograder.execution.warm_provisioner import ZygoteProvisioner

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    provisioner = ZygoteProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    provisioner.address = address
    provisioner.plan = sandbox.plan if sandbox is not None else None
    provisioner.namespaces = bool(sandbox is not None and sandbox.namespaces)
    km.provisioner = provisioner
    return provisioner


def _execute_cells(client, run_nb, result: Execution, watchdog: _Watchdog, secret: str) -> None:
    for index, cell in enumerate(run_nb.cells):
        role = cell.metadata.get("role")
        if role == "epilogue":
            _execute_epilogue(client, cell, index, result, watchdog)
            continue
        try:
            client.execute_cell(cell, index, store_history=role == "student")
        except Exception as exc:  # DeadKernelError, or the watchdog killed the kernel
            result.status = watchdog.reason or "kernel-died"
            where = cell.metadata.get("index")
            result.cell_errors.append({"cell": where, "ename": type(exc).__name__, "evalue": str(exc)[:300]})
            return
        if watchdog.reason:
            result.status = watchdog.reason
            return
        if role == "harvest":
            payload = _harvest_payload(cell, secret)
            if payload is not None:
                result.harvest = payload
        elif role == "student":
            result.cell_errors.extend(_errors_of(cell, cell.metadata.get("index")))
        else:
            result.cell_errors.extend(_errors_of(cell, None))   # the bootstrap failed: say why


def _stop_kernel(km) -> None:
    """Kill the kernel's process tree if it still runs: nbclient leaves running a kernel manager it
    was given, and without the sandbox (whose sweep kills everything) nothing else would."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is not None and process.poll() is None:   # alive, so its pid is still its own
        kill_tree(process.pid)
        try:
            process.wait(timeout=10)
        except Exception:
            pass
    try:
        km.cleanup_connection_file()
    except Exception:
        pass


def _kernel_pid(km) -> int | None:
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    return getattr(process, "pid", None)


def _harvest_payload(cell, secret: str) -> dict | None:
    """The harvest output of a grader cell signed with this run's secret (a notebook's hooks may
    publish others in the same cell: they are ignored)."""
    for output in cell.get("outputs", []):
        payload = output.get("data", {}).get(HARVEST_MIME)
        try:
            payload = json.loads(payload) if isinstance(payload, str) else dict(payload or {})
        except (ValueError, TypeError):
            continue
        if isinstance(payload, dict) and payload.pop("secret", None) == secret and secret:
            return payload
    return None


def _execute_epilogue(client, cell, index: int, result: Execution, watchdog: _Watchdog) -> None:
    """Run the epilogue: its failures (an error, a dead kernel) say nothing about the notebook."""
    if watchdog.reason:
        return
    try:
        client.execute_cell(cell, index, store_history=False)
    except Exception:
        return
    if not watchdog.reason:
        result.self_check = _self_check_output(cell)


def _self_check_output(cell) -> dict | None:
    """What the epilogue's self-check said (unsigned: a diagnostic for the instructor, never a grade)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {}).get(SELF_CHECK_MIME)
        try:
            data = json.loads(data) if isinstance(data, str) else data
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _errors_of(cell, index) -> list[dict]:
    return [
        {"cell": index, "ename": str(out.get("ename", ""))[:100], "evalue": str(out.get("evalue", ""))[:300]}
        for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]


def _student_view(run_nb, nb) -> nbformat.NotebookNode:
    """The executed notebook kept for the instructor (``DIR/executed/<student>.ipynb``): the
    submission's cells in its order, code cells with the outputs they gave here, markdown and
    raw cells as written (their nbgrader ids kept: they say which written answer a cell holds,
    see autograder/outputs/answers.py); nbgrader test cells and the grader's cells left out."""
    ran = {c.metadata["index"]: c for c in run_nb.cells if c.metadata.get("role") == "student"}
    cells, code_number = [], 0
    for cell in nb.cells:
        kind = cell.get("cell_type")
        if kind == "code":
            executed = ran.get(code_number)
            code_number += 1
            if executed is not None:
                executed.metadata = {}
                executed.outputs = [o for o in executed.get("outputs", []) if HARVEST_MIME not in o.get("data", {})]
                cells.append(executed)
        elif kind in ("markdown", "raw"):
            make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_raw_cell
            cells.append(make(_source_of(cell), metadata=_answer_metadata(cell)))
    return nbformat.v4.new_notebook(cells=cells)


def _answer_metadata(cell) -> dict:
    """The nbgrader fields of a text cell that identify a written answer (nothing else)."""
    meta = cell.get("metadata", {})
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    if not isinstance(nbgrader, dict):
        return {}
    kept = {key: nbgrader[key] for key in ("grade_id", "solution", "grade")
            if isinstance(nbgrader.get(key), (str, bool))}
    if isinstance(nbgrader.get("points"), (int, float)) and not isinstance(nbgrader.get("points"), bool):
        kept["points"] = nbgrader["points"]
    return {"nbgrader": kept} if kept else {}
