"""The sandbox of a student's kernel: which one this machine allows, and the command to start it.

Levels, best first; ``probe()`` picks the best available once per process:

``namespaces``  (root, util-linux ``unshare`` works) the kernel gets a private mount namespace
                where every top-level folder but the system ones (/usr, /etc, /var...) is hidden
                under an empty tmpfs, and so are the kit, the hidden checks, the output directory,
                the submissions, /var/tmp, /dev/shm; only the Python install, the kernel helpers
                (``autograder/kernel``) and the assignment's data folders (``read_only``: its
                ``DataSettings.data_dirs()`` and data cache) are bound back, read-only; its work
                dir is a tmpfs of its own (512 MB, like /tmp: 256 MB); no network (own net
                namespace, the kernel talks to the grader over Unix sockets); its own PID
                namespace (killing it kills every process it started); a uid of its own,
                unprivileged, unique to the kernel; the resource limits below.
``user``        (root, no namespaces) unprivileged uid and resource limits only: files every user
                may read (the hidden checks, other submissions) stay readable, network stays open.
``limits``      (not root) resource limits only.
``off``         nothing (``AUTOGRADER_SANDBOX=off``; the kit's own tests of the engine may use it).

``AUTOGRADER_SANDBOX`` = ``auto`` (default: best available, with a warning below
``namespaces``), ``require`` (refuse to grade below ``namespaces``) or ``off``.
``AUTOGRADER_SANDBOX_HIDE``: more paths to hide, separated by ``:``.
Memory and time are limited by the grader's watchdog (``execute.py``), not here: TensorFlow maps
too much virtual memory for RLIMIT_AS.
"""
from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MODE_ENV, HIDE_ENV = "AUTOGRADER_SANDBOX", "AUTOGRADER_SANDBOX_HIDE"
MODES = ("auto", "require", "off")
UNSHARE = ["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
SYSTEM_DIRS = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys", "var"}
ALWAYS_HIDDEN = ["/root", "/home", "/tmp", "/var/tmp", "/dev/shm", "/run"]
WRITABLE_TMPFS = {"/tmp": 256, "/var/tmp": 16, "/dev/shm": 64}   # MB, world-writable like the originals
WORKDIR_MB = 512                  # the kernel's work dir: a tmpfs that size (disk cannot be filled)
KERNEL_UID_BASE = 1_900_000_000   # + a per-kernel offset: uids no account uses
RLIMITS = {"nproc": 256, "core": 0, "fsize": 512 * 2**20, "nofile": 4096}
_uid_counter = itertools.count()


class SandboxUnavailable(RuntimeError):
    """AUTOGRADER_SANDBOX=require and this machine cannot isolate kernels (the message says why)."""


@dataclass(frozen=True)
class Level:
    name: str                   # namespaces | user | limits | off
    reason: str = ""            # why not a better level

    @property
    def warning(self) -> str | None:
        if self.name == "namespaces":
            return None
        return {
            "user": "kernels run under an unprivileged uid but see the whole filesystem and the network",
            "limits": "kernels run as the grader's user, with resource limits only",
            "off": "kernels run without any sandbox",
        }[self.name] + (f" ({self.reason})" if self.reason else "")

    def describe(self) -> str:
        return f"sandbox: {self.name}" + (f" - WARNING: {self.warning}" if self.warning else
                                          " (private filesystem view, no network, own uid and PID namespace)")


@dataclass
class KernelSandbox:
    """What run_notebook needs to start one kernel inside the sandbox."""

    level: Level
    argv_prefix: list[str] = field(default_factory=list)
    uid: int | None = None
    ipc_dir: Path | None = None      # Unix sockets of the kernel (None: TCP on localhost)
    plan: dict | None = None         # the launch plan (also what a warm kernel's zygote applies)

    @property
    def namespaces(self) -> bool:
        return self.level.name == "namespaces"

    def sweep(self) -> None:
        """Kill whatever still runs under the kernel's uid (orphans that left its process tree)."""
        if self.uid is None:
            return
        for proc in psutil.process_iter(["uids"]):
            try:
                if proc.info["uids"] and proc.info["uids"].real == self.uid:
                    proc.kill()
            except psutil.Error:
                pass


# ----------------------------------------------------------------------------- policy
def mode() -> str:
    value = os.environ.get(MODE_ENV, "auto").strip().lower() or "auto"
    if value not in MODES:
        raise ValueError(f"{MODE_ENV}={value!r} (from the environment): use one of {', '.join(MODES)}")
    return value


@functools.lru_cache(maxsize=None)
def probe() -> Level:
    """The best sandbox this machine allows (tried once per process)."""
    if mode() == "off":
        return Level("off", f"{MODE_ENV}=off")
    level = _probe_level()
    if mode() == "require" and level.name != "namespaces":
        raise SandboxUnavailable(f"{MODE_ENV}=require but only '{level.name}' is possible: {level.reason}")
    return level


def _probe_level() -> Level:
    if os.geteuid() != 0:
        return Level("limits", "the grader does not run as root")
    why = _namespaces_fail()
    if why is None:
        unreadable = [p for p in _kernel_needs() if not _world_readable(p, hidden_paths())]
        if not unreadable:
            return Level("namespaces")
        why = f"{unreadable[0]} is not readable by other users (chmod o+rX)"
    unreachable = [p for p in _kernel_needs() if not _world_readable(p, [])]
    if unreachable:
        return Level("limits", f"{why}; {unreachable[0]} is not reachable by other users")
    return Level("user", why)


def _namespaces_fail() -> str | None:
    """Why ``unshare`` cannot give a kernel its namespaces here (None: it can)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "util-linux unshare not found"
    try:
        proc = subprocess.run([unshare, *UNSHARE[1:], "true"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unshare failed: {exc}"
    return None if proc.returncode == 0 else f"unshare failed: {proc.stderr.strip()[:200]}"


def _kernel_needs() -> list[str]:
    """What the kernel reads from the grader's install (bound back into its view)."""
    package = Path(__file__).resolve().parents[1]   # the autograder package
    return sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                   str(package / "__init__.py"), str(package / "kernel")})


def _world_readable(path: str, hidden: list[str]) -> bool:
    """Any user can read ``path`` (and search it, for a folder) and reach it from the nearest
    hidden folder above it (an empty tmpfs, mode 755, in the kernel's view) or from /."""
    try:
        mode_bits = os.stat(path).st_mode
    except OSError:
        return False
    needed = 0o005 if os.path.isdir(path) else 0o004
    if mode_bits & needed != needed:
        return False
    for parent in Path(path).parents:
        if str(parent) in hidden:
            return True
        if os.stat(parent).st_mode & 0o001 == 0:
            return False
    return True


def hidden_paths(extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Paths the kernel must not see: the kit (source, hidden checks, tests), the grader's
    package, ``extra`` (output dir, submissions), homes, temporary and runtime dirs."""
    package = Path(__file__).resolve().parents[1]   # the autograder package
    kit = [str(package.parent)] if (package.parent / "pyproject.toml").is_file() else []  # not site-packages
    top = [f"/{name}" for name in os.listdir("/") if name not in SYSTEM_DIRS
           and os.path.isdir(f"/{name}") and not os.path.islink(f"/{name}")]
    paths = [*ALWAYS_HIDDEN, *top, *kit, str(package), str(package / "assignments")]
    course = os.environ.get("AUTOGRADER_COURSE_ROOT")
    paths += [course] if course else []
    paths += [p for p in os.environ.get(HIDE_ENV, "").split(os.pathsep) if p]
    paths += [str(p) for p in extra]
    return sorted({os.path.realpath(p) for p in paths if p})


# ----------------------------------------------------------------------------- one kernel
def prepare(*, scratch: Path, workdir: Path, hide: list[str] | tuple[str, ...] = (),
            read_only: list[str] | tuple[str, ...] = ()) -> KernelSandbox:
    """Write the launch plan of one kernel and return how to start it."""
    level = probe()
    if level.name == "off":
        return KernelSandbox(level)
    launcher = [sys.executable, "-m", "autograder.execution.launcher"]
    plan: dict = {"rlimits": dict(RLIMITS), "oom_score_adj": 1000, "cwd": str(workdir)}
    box = KernelSandbox(level)
    if level.name in ("namespaces", "user"):
        box.uid = KERNEL_UID_BASE + (os.getpid() % 2**20) * 8 + next(_uid_counter) % 8
        plan.update(uid=box.uid, gid=box.uid, own=[str(workdir)])
        scratch.chmod(0o711)       # the kernel may cross it to its work dir, not list or write it
    if level.name == "namespaces":
        box.ipc_dir = _ipc_dir(scratch)
        plan["own"].append(str(box.ipc_dir))
        plan["mounts"] = mount_plan(hidden_paths(hide), read_only=[*_kernel_needs(), *read_only],
                                    writable=[str(box.ipc_dir)], workdir=str(workdir))
        launcher = [shutil.which("unshare") or "unshare", *UNSHARE[1:], *launcher]
    plan_file = scratch / "sandbox-plan.json"
    plan_file.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    box.plan = plan
    box.argv_prefix = [*launcher, str(plan_file), "--"]
    return box


def _ipc_dir(scratch: Path) -> Path:
    """A folder for the kernel's Unix sockets (shared with the grader: not in the kernel's
    tmpfs), with a path short enough for sockaddr_un (108 bytes)."""
    folder = scratch / "ipc"
    if len(str(folder)) > 90:
        raise ValueError(f"temporary folder path too long for Unix sockets: {scratch} (set TMPDIR=/tmp)")
    folder.mkdir(exist_ok=True)
    return folder


def mount_plan(hidden: list[str], *, read_only: list[str], writable: list[str],
               workdir: str | None = None) -> list[dict]:
    """Mount operations, shallow paths first: a bind inside a hidden path comes after the tmpfs
    that hides it, a hidden path inside a bind (hidden checks in site-packages) after the bind.
    ``workdir`` becomes a tmpfs holding a copy of its files."""
    ops = [{"kind": "hide", "path": p, "mode": "1777" if p in WRITABLE_TMPFS else "755",
            "size_mb": WRITABLE_TMPFS.get(p, 1)} for p in hidden]
    ops += [{"kind": "ro", "path": os.path.realpath(p)} for p in read_only if p and os.path.exists(p)]
    ops += [{"kind": "rw", "path": os.path.realpath(p)} for p in writable]
    if workdir:
        ops.append({"kind": "workdir", "path": os.path.realpath(workdir), "size_mb": WORKDIR_MB})
    order = {"hide": 0, "ro": 1, "rw": 1, "workdir": 1}
    return sorted(ops, key=lambda op: (len(Path(op["path"]).parts), order[op["kind"]], op["path"]))
