"""Starts a student's kernel inside its sandbox (see ``autograder/execution/sandbox.py`` for the policy).

    [unshare --mount --net --pid --fork --kill-child --mount-proc] \\
        python -m autograder.execution.launcher PLAN.json -- python -m ipykernel_launcher -f CONN

Runs as root, with the standard library only, before any student code:

1. builds the kernel's view of the filesystem from the plan: empty tmpfs over the hidden
   paths, bind mounts (read-only, or read-write for the work dir) of what the kernel needs;
2. hands the work dir to the kernel's own unprivileged uid, sets the resource limits and
   ``oom_score_adj`` (the kernel is the first victim if the machine runs out of memory);
3. drops to that uid (no groups, no capabilities, no new privileges) and execs the kernel.

As process 1 of a PID namespace it forks the kernel instead of exec'ing it, reaps orphans and
exits with the kernel's status: its exit ends every process left in the namespace.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 32, 4096, 16384
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 38, 1
RLIMITS = {"nproc": resource.RLIMIT_NPROC, "core": resource.RLIMIT_CORE,
           "fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE}
_libc = ctypes.CDLL(None, use_errno=True)


def main(argv: list[str]) -> None:
    plan_path, command = argv[0], argv[argv.index("--") + 1:]
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    if plan.get("mounts"):
        build_view(plan["mounts"])
    for path in plan.get("own", []):
        chown_tree(path, plan["uid"], plan["gid"])
    _write("/proc/self/oom_score_adj", str(plan.get("oom_score_adj", 1000)))
    env = {**os.environ, "JPY_PARENT_PID": "1"}   # no parent poller: its parent is process 1 here
    if os.getpid() != 1:
        become_kernel(plan, command, env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # interrupts are for the kernel
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        become_kernel(plan, command, env)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGTERM))
    reap_until(child)


# ------------------------------------------------------------------------- filesystem view
def build_view(mounts: list[dict]) -> None:
    """Apply the plan's mounts in order (shallow paths first, as planned by the grader)."""
    sources = {m["path"]: os.open(m["path"], os.O_PATH) for m in mounts
               if m["kind"] in ("ro", "rw") and os.path.exists(m["path"])}   # before anything is hidden
    copies = {m["path"]: read_tree(m["path"]) for m in mounts if m["kind"] == "workdir"}
    hidden: list[str] = []
    for m in mounts:
        path = m["path"]
        if m["kind"] == "hide":
            if os.path.isdir(path):
                _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
                       f"size={m.get('size_mb', 1)}m,mode={m.get('mode', '755')}")
                hidden.append(path)
        elif m["kind"] == "workdir":
            _mountpoint(path, True, hidden)
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={m['size_mb']}m,mode=700")
            write_tree(path, copies[path])
        elif path in sources:
            _mountpoint(path, os.path.isdir(f"/proc/self/fd/{sources[path]}"), hidden)
            _mount(f"/proc/self/fd/{sources[path]}", path, None, MS_BIND | MS_REC, None)
            flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (MS_RDONLY if m["kind"] == "ro" else 0)
            _mount(None, path, None, flags, None)
    for fd in sources.values():
        os.close(fd)
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, None)


def _mountpoint(path: str, is_dir: bool, hidden: list[str]) -> None:
    """Create a missing mount point, only ever inside a tmpfs of ours (never on the real disk)."""
    if os.path.exists(path):
        return
    if not any(path.startswith(h.rstrip("/") + "/") for h in hidden):
        raise OSError(f"mount point {path} is missing outside the hidden paths")
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "a").close()


def _mount(source, target: str, fstype, flags: int, data) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    if _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def read_tree(root: str) -> list[tuple[str, bytes | None]]:
    """(relative path, content; None for a folder) of the files under ``root`` (a few small ones)."""
    found = []
    for folder, dirs, files in os.walk(root):
        found += [(os.path.relpath(os.path.join(folder, d), root), None) for d in dirs]
        for name in files:
            with open(os.path.join(folder, name), "rb") as fh:
                found.append((os.path.relpath(os.path.join(folder, name), root), fh.read()))
    return found


def write_tree(root: str, entries: list[tuple[str, bytes | None]]) -> None:
    for relative, data in entries:
        path = os.path.join(root, relative)
        if data is None:
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, "wb") as fh:
                fh.write(data)


def chown_tree(path: str, uid: int, gid: int) -> None:
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(name, uid, gid)


# ------------------------------------------------------------------------- the kernel process
def become_kernel(plan: dict, command: list[str], env: dict) -> None:
    """Limits, unprivileged uid, then exec the kernel (never returns)."""
    for name, value in plan.get("rlimits", {}).items():
        resource.setrlimit(RLIMITS[name], (value, value))
    if plan.get("uid") is not None:
        os.setgroups([])
        os.setresgid(plan["gid"], plan["gid"], plan["gid"])
        os.setresuid(plan["uid"], plan["uid"], plan["uid"])
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)    # setuid binaries (su, mount) stay unprivileged
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.chdir(plan.get("cwd") or "/")
    os.execve(command[0], command, env)


def reap_until(child: int) -> None:
    """As process 1: reap every orphan; exit with the kernel's status when it ends."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w") as fh:
            fh.write(text)
    except OSError:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
