"""The fork server ("zygote") of warm kernels: imports what every kernel needs once, then forks
one sandboxed Jupyter kernel per submission (client side: ``autograder/execution/warm.py``).

    python -m autograder.execution.zygote SOCKET EXPECTED_ENV_JSON

Started by the grading process (one per batch / Dask worker process, see ``warm.py``) with the
import-time part of the kernels' environment (thread counts, hash seed, TF/Keras variables):
it imports ipykernel, NumPy, Keras/TensorFlow and every module of ``autograder.kernel`` and
nothing else, creates no ZeroMQ context, no thread, no TensorFlow graph (it checks that it has
one thread before serving), prints one ``ready {json}`` line and serves on a Unix socket (mode
600, in a root-only folder) until its stdin closes (the grading process is gone).

Per request (a connection: the worker's stdout/stderr file descriptors, then one JSON request
``{"env", "cwd", "connection_file", "plan", "namespaces"}``), it forks at once; the zygote itself
never reads a request, so nothing of a submission ever lives in it. Then, as the cold path does
with ``unshare ... python -m autograder.execution.launcher PLAN -- python -m ipykernel_launcher``:

1. the child (C1, the kernel's handle: a new session, its pid is what the grader watches, signals
   and kills) checks that the kernel's import-time environment is the zygote's, unshares the
   mount, network and PID namespaces and forks (a process that unshared its PID namespace may
   not start threads: TensorFlow would abort in ``pthread_create``), then relays: ``started`` or
   the error that prevented it, and the kernel's exit status; it kills the kernel when the
   worker's connection closes;
2. the grandchild (C2) is process 1 of the new PID namespace: it mounts /proc, builds the
   filesystem view of the plan (``launcher.build_view``), hands the work dir to the kernel's
   uid, and forks the kernel, then reaps orphans like the cold launcher (its exit ends every
   process of the namespace);
3. the kernel (C3) sets the resource limits, drops to the kernel's unprivileged uid (no groups,
   no new privileges), takes the kernel's environment, and becomes ``ipykernel_launcher -f
   CONNECTION_FILE`` in-process: nbclient drives it exactly as a cold kernel.

Everything but the kernel's interpreter state is as in the cold path; each kernel is a fresh
fork of the zygote, so nothing a submission does (monkeypatching Keras, filling memory, leaving
processes) reaches the next one.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import select
import signal
import socket
import struct
import sys
import time

from autograder.execution import launcher

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
READY = "ready "
PRELOADED = ("numpy", "ipykernel.kernelapp", "keras")   # + every module of autograder.kernel
# variables read when the preloaded modules are imported: a kernel must have the zygote's values
IMPORT_TIME_NAMES = {"PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHONWARNINGS",
                     "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONOPTIMIZE", "LANG", "LC_ALL", "LC_CTYPE",
                     "CUDA_VISIBLE_DEVICES"}
IMPORT_TIME_PREFIXES = ("TF_", "KERAS_", "OMP_", "OPENBLAS_", "GOTO_", "MKL_", "XLA_", "JAX_")
PER_KERNEL_NAMES = {"KERAS_HOME"}   # read at import, re-pointed in each kernel (see _fix_keras_home)
_libc = ctypes.CDLL(None, use_errno=True)
_own_path_entry: str | None = None   # sys.path[0] of the zygote (its folder), not a kernel's


def import_time_env(env: dict) -> dict:
    """The variables of ``env`` the preloaded modules read when imported."""
    return {k: v for k, v in env.items() if k not in PER_KERNEL_NAMES
            and (k in IMPORT_TIME_NAMES or k.startswith(IMPORT_TIME_PREFIXES))}


# ----------------------------------------------------------------------------- the server
def main(argv: list[str]) -> None:
    global _own_path_entry
    path, expected = argv[0], json.loads(argv[1])
    _own_path_entry = sys.path[0] if sys.path else None
    started = time.monotonic()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    preload()
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:    # forking a threaded process is unsafe: refuse (the grader goes cold)
        raise SystemExit(f"zygote: {threads} threads after the imports (expected 1)")
    info = {"pid": os.getpid(), "seconds": round(time.monotonic() - started, 2), "threads": threads,
            "modules": len(sys.modules)}
    sys.stdout.write(READY + json.dumps(info) + "\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)     # nobody reads that pipe any more
    os.close(devnull)
    serve(listener, expected)


def preload() -> None:
    """Import what every kernel imports (and nothing that starts threads or contexts)."""
    import importlib
    import pkgutil

    import autograder.kernel

    for name in PRELOADED:
        importlib.import_module(name)
    for module in pkgutil.iter_modules(autograder.kernel.__path__):
        importlib.import_module(f"autograder.kernel.{module.name}")
    # What the imports made stays shared with the kernels: out of the garbage collector's sight,
    # a kernel's collections do not write to (and so copy) every page of it (about 0.2 s per
    # notebook of the first lab). They are never collected: modules live as long as the kernel anyway.
    gc.collect()
    gc.freeze()


def serve(listener: socket.socket, expected: dict) -> None:
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [], 1.0)
        _reap()
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
            os._exit(0)     # the grading process is gone
        if listener in ready:
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                pid = os.fork()
            except OSError:
                conn.close()
                continue
            if pid == 0:
                status = 70
                try:
                    listener.close()
                    status = handle(conn, expected)
                finally:
                    os._exit(status)
            conn.close()


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# ----------------------------------------------------------------------------- C1: the kernel's handle
def handle(conn: socket.socket, expected: dict) -> int:
    os.setsid()     # the kernel's process group: interrupts and kills go to it, as for a cold kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _, fds, _, _ = socket.recv_fds(conn, 1, 2)
    request = json.loads(_recv_exactly(conn, struct.unpack("!I", _recv_exactly(conn, 4))[0]))
    differs = sorted(k for k in set(expected) | set(import_time_env(request["env"]))
                     if expected.get(k) != request["env"].get(k))
    if differs:
        _send(conn, {"error": f"the kernel's environment differs from the zygote's: {', '.join(differs)}"})
        return 0
    stdin = os.open(os.devnull, os.O_RDONLY)
    for fd, target in zip([stdin, *fds], (0, 1, 2)):
        os.dup2(fd, target)
    for fd in [stdin, *fds]:
        if fd > 2:
            os.close(fd)
    namespaces = bool(request.get("namespaces"))
    try:
        if namespaces:
            _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")
            _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        read_end, write_end = os.pipe()
        child = os.fork()
    except OSError as exc:
        _send(conn, {"error": f"{type(exc).__name__}: {exc}"})
        return 0
    if child == 0:
        os.close(read_end)
        conn.close()
        status = 70
        try:
            status = sandbox_root(request, write_end, namespaces)
        except BaseException as exc:     # before the kernel started: say why, C1 relays it
            _write_all(write_end, f"{type(exc).__name__}: {exc}".encode()[:2000])
        finally:
            os._exit(status)
    os.close(write_end)
    _send(conn, {"pid": os.getpid()})
    return relay(conn, child, read_end)


def relay(conn: socket.socket, child: int, ready_fd: int) -> int:
    """Send ``started`` (or why not), then the kernel's exit status; kill the kernel if the
    worker's connection closes."""
    pidfd = os.pidfd_open(child)
    reported, status = False, None
    while True:
        watched = [conn] + ([ready_fd] if not reported else []) + ([pidfd] if status is None else [])
        ready, _, _ = select.select(watched, [], [])
        if ready_fd in ready and not reported:
            message = os.read(ready_fd, 4096)
            reported = True
            _send(conn, {"started": True} if message == b"1" else
                  {"error": message.decode(errors="replace") or "the kernel process ended before starting"})
        if pidfd in ready and status is None:
            _, raw = os.waitpid(child, 0)
            status = os.waitstatus_to_exitcode(raw)
            if not reported:
                reported = True
                _send(conn, {"error": os.read(ready_fd, 4096).decode(errors="replace")
                             or f"the kernel process ended before starting (status {status})"})
            _send(conn, {"exit": status})
        if conn in ready:
            try:
                gone = not conn.recv(4096)
            except OSError:
                gone = True
            if gone:
                if status is None:
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                return 0


# ----------------------------------------------------------------------------- C2: process 1 of the sandbox
def sandbox_root(request: dict, ready_fd: int, namespaces: bool) -> int:
    _libc.prctl(launcher.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    plan = request.get("plan") or {}
    if namespaces:
        _check(_libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
        if plan.get("mounts"):
            launcher.build_view(plan["mounts"])
    for path in plan.get("own", []):
        launcher.chown_tree(path, plan["uid"], plan["gid"])
    if plan:
        launcher._write("/proc/self/oom_score_adj", str(plan.get("oom_score_adj", 1000)))
    env = {**request["env"], "JPY_PARENT_PID": "1"}
    if os.getpid() != 1:
        become_kernel(request, plan, env, ready_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # interrupts are for the kernel
    kernel = os.fork()
    if kernel == 0:
        try:
            become_kernel(request, plan, env, ready_fd)
        except BaseException as exc:
            _write_all(ready_fd, f"{type(exc).__name__}: {exc}".encode()[:2000])
        os._exit(70)
    os.close(ready_fd)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(kernel, signal.SIGTERM))
    launcher.reap_until(kernel)
    return 0


# ----------------------------------------------------------------------------- C3: the kernel
def become_kernel(request: dict, plan: dict, env: dict, ready_fd: int) -> None:
    """Limits, unprivileged uid, the kernel's environment, then ipykernel in this process."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name, value in plan.get("rlimits", {}).items():
        launcher.resource.setrlimit(launcher.RLIMITS[name], (value, value))
    if plan.get("uid") is not None:
        os.setgroups([])
        os.setresgid(plan["gid"], plan["gid"], plan["gid"])
        os.setresuid(plan["uid"], plan["uid"], plan["uid"])
    _libc.prctl(launcher.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _libc.prctl(launcher.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.chdir(request.get("cwd") or plan.get("cwd") or "/")
    os.environ.clear()
    os.environ.update(env)
    _fix_keras_home()
    _blas_threads(env)
    for name in [m for m in sys.modules if m == "autograder.execution" or m.startswith("autograder.execution.")]:
        del sys.modules[name]    # the grader's side: not importable in a cold kernel either
    import ipykernel_launcher

    sys.argv = [ipykernel_launcher.__file__, "-f", request["connection_file"]]
    if sys.path and sys.path[0] in ("", _own_path_entry):   # as ipykernel_launcher drops its folder
        del sys.path[0]
    _write_all(ready_fd, b"1")
    os.close(ready_fd)
    from ipykernel import kernelapp

    # the app's parent_handle default was read from the zygote's environment at import
    kernelapp.IPKernelApp.launch_instance(parent_handle=int(env.get("JPY_PARENT_PID") or 0))
    os._exit(0)


def _fix_keras_home() -> None:
    """Keras read KERAS_HOME when the zygote imported it: point it to this kernel's, and write
    the default keras.json there as importing Keras does in a cold kernel."""
    config = sys.modules.get("keras.src.backend.config")
    home = os.environ.get("KERAS_HOME")
    if config is None or not home or not hasattr(config, "_KERAS_DIR"):
        return
    config._KERAS_DIR = home
    try:
        os.makedirs(home, exist_ok=True)
        path = os.path.join(home, "keras.json")
        if not os.path.exists(path):
            with open(path, "w") as fh:
                fh.write(json.dumps({"floatx": config.floatx(), "epsilon": config.epsilon(),
                                     "backend": config.backend(),
                                     "image_data_format": config.image_data_format()}, indent=4))
    except OSError:
        pass


def _blas_threads(env: dict) -> None:
    """The BLAS thread count a cold kernel would have (the zygote's BLAS is single-threaded)."""
    wanted = next((env[k] for k in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
                   if env.get(k)), str(os.cpu_count() or 1))
    try:
        count = int(wanted)
    except ValueError:
        return
    if count > 1:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(count, user_api="blas")
        except Exception:
            pass


# ----------------------------------------------------------------------------- helpers
def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("request cut short")
        data += chunk
    return data


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
