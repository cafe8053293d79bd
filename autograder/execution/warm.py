"""Warm kernels, the grader's side: start the zygote (``autograder/execution/zygote.py``) and
ask it for one sandboxed kernel per submission.

A cold kernel starts a Python interpreter and imports ipykernel, NumPy and Keras/TensorFlow
(seconds) for every submission; a warm one is forked from a process that imported them once.
One zygote serves a whole grading process (a batch, or a Dask worker process), shared by its
jobs: ``shared_zygote(expected_env)`` starts it on first use. ``expected_env`` is the part of the
kernels' environment read at import time (``zygote.import_time_env``: thread counts, hash seed,
TF/Keras variables); a kernel whose environment differs in it is refused by the zygote and starts
cold, and a different setting gets a zygote of its own.

``ZygoteProvisioner`` (``warm_provisioner.py``) is the jupyter_client provisioner of a warm
kernel: nbclient drives the kernel through the same connection file and protocol as a cold one.
When the zygote cannot give a kernel (not started, dead, refused), the provisioner starts the
cold kernel instead and says why in one line on stderr (the student's grading log);
``shared_zygote`` says it once per grading process when the zygote cannot start or has died.
``--no-warm`` (``GradeOptions.warm``) or ``AUTOGRADER_WARM=0`` forces the cold path.

This module imports no Jupyter client: a batch starts its zygote (its longest start) before
importing the rest of the grading stack (``autograder/batch/prestart.py``).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.execution.zygote import READY

WARM_ENV = "AUTOGRADER_WARM"          # 0/off/no: every kernel starts cold
START_TIMEOUT_S = 240                 # importing TensorFlow on a loaded machine
REQUEST_TIMEOUT_S = 120               # fork + sandbox: well under a second when idle
LISTEN_TIMEOUT_S = 10                 # from its start to its socket listening (an interpreter start)


class ZygoteUnavailable(RuntimeError):
    """The zygote cannot give a kernel (the message says why)."""


def enabled() -> bool:
    return os.environ.get(WARM_ENV, "1").strip().lower() not in ("0", "off", "no", "false")


# ----------------------------------------------------------------------------- the zygote process
class Zygote:
    """A running zygote: ``address`` (its Unix socket), ``pid``, ``info`` (its ready line)."""

    def __init__(self, process: subprocess.Popen, folder: Path, info: dict):
        self.process, self.folder, self.info = process, folder, info
        self.address, self.pid = str(folder / "zygote.sock"), process.pid

    @classmethod
    def start(cls, expected_env: dict, *, timeout: float = START_TIMEOUT_S) -> "Zygote":
        zygote = cls.spawn(expected_env)
        zygote.wait_ready(timeout)
        return zygote

    @classmethod
    def spawn(cls, expected_env: dict) -> "Zygote":
        """Start the zygote without waiting for its imports: once this returns, it listens on
        ``address`` (a kernel asked for meanwhile is forked when it is ready); ``wait_ready``
        says whether it could start."""
        folder = Path(tempfile.mkdtemp(prefix="autograder-zygote-"))
        if len(str(folder)) > 80:      # sockaddr_un holds 108 bytes
            shutil.rmtree(folder, ignore_errors=True)
            folder = Path(tempfile.mkdtemp(prefix="autograder-zygote-", dir="/tmp"))
        folder.chmod(0o700)
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(folder),
               "KERAS_HOME": str(folder / ".keras"), **expected_env,
               "OPENBLAS_NUM_THREADS": "1"}   # no BLAS thread pool before forking (kernels set theirs)
        log = open(folder / "zygote.log", "wb")
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "autograder.execution.zygote", str(folder / "zygote.sock"),
                 json.dumps(expected_env)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=folder, env=env)
        except OSError as exc:
            raise ZygoteUnavailable(f"cannot start it: {exc}") from exc
        finally:
            log.close()
        zygote = cls(process, folder, {})
        deadline = time.monotonic() + LISTEN_TIMEOUT_S   # it binds its socket before importing anything heavy
        while not os.path.exists(zygote.address) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return zygote

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> dict:
        """Its ready line (once it has imported everything); ZygoteUnavailable if it cannot start."""
        if not self.info:
            self.info = self._wait_ready(timeout)
        return self.info

    def _wait_ready(self, timeout: float) -> dict:
        deadline, line = time.monotonic() + timeout, b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, left))
            chunk = os.read(self.process.stdout.fileno(), 4096) if ready else b""
            if not chunk:
                if ready:
                    try:
                        self.process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        pass
                reason = "it did not start in time" if not ready else self.death_reason()
                self.close()
                raise ZygoteUnavailable(reason)
            line += chunk
        if not line.startswith(READY.encode()):
            self.close()
            raise ZygoteUnavailable(f"unexpected answer {line[:200]!r}")
        return json.loads(line[len(READY):])

    def alive(self) -> bool:
        return self.process.poll() is None

    def death_reason(self) -> str:
        code = self.process.poll()
        try:
            tail = (self.folder / "zygote.log").read_text(errors="replace").strip().splitlines()[-1:]
        except OSError:
            tail = []
        return f"it exited with status {code}" + (f": {tail[0][:300]}" if tail else "")

    def memory_mb(self) -> float:
        try:
            import psutil

            return psutil.Process(self.pid).memory_info().rss / 2**20
        except Exception:
            return 0.0

    def describe(self) -> str:
        return (f"zygote pid {self.pid} ready in {self.info.get('seconds', '?')} s, "
                f"{self.memory_mb():.0f} MB")

    def close(self) -> None:
        if self.process.poll() is None and not self.info:   # still importing: it reads no stdin yet
            self.process.kill()
            self.process.wait()
        if self.process.poll() is None:
            try:
                self.process.stdin.close()      # its signal to leave
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except Exception:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


_zygotes: dict[str, Zygote | None] = {}
_lock = threading.Lock()


def shared_zygote(expected_env: dict, log=None, *, wait: bool = True) -> Zygote | None:
    """This process' zygote for kernels with ``expected_env`` (started on first use), or None
    when it cannot start or has died (said once, by ``log``, default stderr). ``wait=False``:
    do not wait for its imports (its address is usable at once, e.g. by workers started
    meanwhile; a later call with ``wait`` says whether it started)."""
    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    key = json.dumps(sorted(expected_env.items()))
    with _lock:
        if key not in _zygotes:
            try:
                _zygotes[key] = Zygote.spawn(expected_env)
            except ZygoteUnavailable as exc:
                _zygotes[key] = None
                log(f"warm kernels: off - the zygote could not start ({exc}); kernels start cold")
        zygote = _zygotes[key]
        if zygote is not None and wait and not zygote.info:
            try:
                zygote.wait_ready()
            except ZygoteUnavailable as exc:
                _zygotes[key] = None
                log(f"warm kernels: off - the zygote could not start ({exc}); kernels start cold")
                return None
        if zygote is not None and zygote.info and not zygote.alive():
            log(f"warm kernels: off - the zygote died ({zygote.death_reason()}); kernels start cold from now on")
            zygote.close()
            _zygotes[key] = zygote = None
        return zygote


def close_all() -> None:
    with _lock:
        for zygote in _zygotes.values():
            if zygote is not None:
                zygote.close()
        _zygotes.clear()


atexit.register(close_all)


# ----------------------------------------------------------------------------- one kernel
class ForkedKernel:
    """The handle of a warm kernel (its process in the grader's PID namespace, a child of the
    zygote), with what jupyter_client uses of ``subprocess.Popen``. It stays valid while its
    connection is open: signals are sent only then, so they never reach a recycled pid."""

    stdin = stdout = stderr = None

    def __init__(self, conn: socket.socket, pid: int, pending: bytes = b""):
        self.pid, self._conn, self._buffer = pid, conn, pending
        self.returncode: int | None = None
        self._parse()

    def poll(self) -> int | None:
        if self.returncode is None and self._conn is not None:
            self._receive(timeout=0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired("warm kernel", timeout)
            self._receive(timeout=left if left is not None else 1.0)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self._conn is not None and self.returncode is None:
            os.killpg(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def _receive(self, timeout: float | None) -> None:
        ready, _, _ = select.select([self._conn], [], [], timeout)
        if not ready:
            return
        try:
            chunk = self._conn.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:       # its handle is gone without saying how the kernel ended
            self._finish(-signal.SIGKILL)
            return
        self._buffer += chunk
        self._parse()

    def _parse(self) -> None:
        while b"\n" in self._buffer and self.returncode is None:
            line, self._buffer = self._buffer.split(b"\n", 1)
            message = json.loads(line)
            if "exit" in message:
                self._finish(int(message["exit"]))

    def _finish(self, code: int) -> None:
        self.returncode = code
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()     # its handle process ends: the pid is no longer ours to signal
            self._conn = None


def request_kernel(address: str, *, env: dict, cwd: str | None, connection_file: str,
                   plan: dict | None, namespaces: bool, timeout: float = REQUEST_TIMEOUT_S) -> ForkedKernel:
    """Ask the zygote at ``address`` for a kernel; ZygoteUnavailable if it does not start one."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        conn.connect(address)
        socket.send_fds(conn, [b"R"], [sys.stdout.fileno(), sys.stderr.fileno()])
        body = json.dumps({"env": dict(env), "cwd": cwd, "connection_file": connection_file,
                           "plan": plan, "namespaces": namespaces}).encode()
        conn.sendall(struct.pack("!I", len(body)) + body)
        buffer, pid = b"", None
        while True:
            while b"\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ZygoteUnavailable("the zygote closed the connection")
                buffer += chunk
            line, buffer = buffer.split(b"\n", 1)
            message = json.loads(line)
            if "error" in message:
                raise ZygoteUnavailable(message["error"])
            if "pid" in message:
                pid = int(message["pid"])
            elif message.get("started") and pid is not None:
                conn.settimeout(None)
                return ForkedKernel(conn, pid, buffer)
    except (OSError, ValueError) as exc:
        conn.close()
        raise ZygoteUnavailable(f"{address}: {type(exc).__name__}: {exc}") from exc
    except ZygoteUnavailable:
        conn.close()
        raise
