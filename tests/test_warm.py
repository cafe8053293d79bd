"""Warm kernels (autograder/execution/warm.py, zygote.py): forked from a zygote that imported
Keras once, in the same sandbox as a cold kernel, and nothing one submission does reaches the next.

The hostile suite (tests/test_hostile.py) runs with warm kernels: ``grade`` uses them by default.
Here: a warm kernel sees the same world as a cold one; a polluting submission changes nothing
for the next one forked from the same zygote; the zygote serves threadless; the fallbacks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.assignments import load_assignment
from autograder.batch.prestart import default_jobs, kernel_threads, start_zygote
from autograder.batch.run import GradeOptions, start_warm_kernels
from autograder.batch.worker_process import worker_command, zygote_address
from autograder.cli import main as cli_main
from autograder.collect import Submission
from autograder.execution import sandbox, warm
from autograder.execution.kernel_run import Limits, run_notebook
from autograder.execution.zygote import import_time_env
from autograder.assignments.environment import assignment_kernel_env, warm_env
from autograder.grading import grade_submission, prepare_workdir

from conftest import CORPUS, settled

SPEC = "td_keras_mlp"
LEFTOVER = "warm-leftover-424242"

# what a kernel sees of its world, with the run's own paths replaced by placeholders
PROBE = r'''
import json, os, resource, signal, socket, sys
def _norm(text):
    return str(text).replace(os.getcwd(), "WORKDIR").replace(os.path.dirname(os.getcwd()), "SCRATCH")
_limits = {name: resource.getrlimit(getattr(resource, name)) for name in
           ("RLIMIT_NPROC", "RLIMIT_CORE", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_AS")}
_status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
_mounts = sorted({_norm(line.split()[4]) for line in open("/proc/self/mountinfo")})
print(json.dumps({
    "env": {k: _norm(v) for k, v in os.environ.items()},
    "argv": [_norm(a) for a in sys.argv[1:]],
    "path": [_norm(p) for p in sys.path],
    "pid": os.getpid(), "ppid": os.getppid(), "uid_is_kernel": os.getuid() >= 1_900_000_000,
    "uids": len(set(os.getresuid())), "groups": os.getgroups(), "cwd": _norm(os.getcwd()),
    "limits": _limits, "no_new_privs": _status.get("NoNewPrivs", "").strip(),
    "interfaces": sorted(name for _, name in socket.if_nameindex()), "mounts": _mounts,
    "tmp": sorted(os.listdir("/tmp")), "hash": hash("same seed"), "sigint": str(signal.getsignal(signal.SIGINT)),
    "pgrp_is_session": os.getpgrp() == os.getsid(0), "umask": os.umask(0o22),
    "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
}))
'''

POLLUTER = [
    "import keras, numpy as np, os, subprocess, sys, builtins\n"
    "keras.Model.fit = lambda *args, **kwargs: 'hijacked'\n"
    "keras.layers.Dense = None\n"
    "builtins.LEFT_BEHIND = True\n"
    "os.environ['LEFT_BEHIND'] = '1'\n"
    "open('/tmp/left_behind', 'w').write('x')\n"
    f"subprocess.Popen([sys.executable, '-c', 'import os, time\\nif os.fork(): os._exit(0)\\nos.setsid()\\ntime.sleep(600)', {LEFTOVER!r}])\n"
    "hog = np.ones(400 * 2**20 // 8)\n"
    "polluted = 'yes'",
]

AFTER = (
    "import builtins, json, os, numpy as np, keras\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
    "model.compile('sgd', 'mse')\n"
    "history = model.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)\n"
    "print(json.dumps({'fit': keras.Model.fit.__name__, 'dense': isinstance(keras.layers.Dense, type),\n"
    "    'builtins': hasattr(builtins, 'LEFT_BEHIND'), 'env': 'LEFT_BEHIND' in os.environ,\n"
    "    'tmp': os.path.exists('/tmp/left_behind'), 'trained': type(history).__name__,\n"
    "    'processes': sorted(p for p in os.listdir('/proc') if p.isdigit())}))"
)


# ----------------------------------------------------------------------------- fast (before the module's zygote starts)
def test_a_dead_zygote_is_reported_once_then_kernels_start_cold(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    process.wait()
    (tmp_path / "zygote.log").write_text("Killed\n")
    key, lines = {"TF_TEST": "dead"}, []
    warm._zygotes[json.dumps(sorted(key.items()))] = warm.Zygote(process, tmp_path, {"pid": process.pid})   # was ready, then died
    assert warm.shared_zygote(key, log=lines.append) is None
    assert warm.shared_zygote(key, log=lines.append) is None
    assert lines == ["warm kernels: off - the zygote died (it exited with status 3: Killed); "
                     "kernels start cold from now on"]


def test_no_warm_forces_cold_kernels(monkeypatch, tmp_path, capsys):
    seen = {}
    monkeypatch.setattr("autograder.batch.run.grade_batch", lambda **kwargs: seen.update(kwargs) or [])
    (tmp_path / "subs").mkdir()
    assert cli_main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--no-warm"]) == 0
    assert seen["warm"] is False
    assert cli_main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]) == 0
    assert seen["warm"] is True
    with pytest.raises(SystemExit):
        cli_main(["grade", "--help"])
    assert "--no-warm" in capsys.readouterr().out
    cold = GradeOptions(SPEC, False, "fr", 1, str(tmp_path), warm=False)
    assert start_warm_kernels(load_assignment(SPEC), cold) == "kernels: cold (--no-warm or AUTOGRADER_WARM=0)"
    assert zygote_address(cold) is None
    sub = Submission("alice", tmp_path / "alice.ipynb", {})
    assert "--zygote" not in worker_command(sub, cold, tmp_path / "r.json", None, zygote_address(cold))
    command = worker_command(sub, cold, tmp_path / "r.json", None, "/tmp/z.sock")
    assert command[command.index("--zygote") + 1] == "/tmp/z.sock"
    monkeypatch.setenv(warm.WARM_ENV, "0")
    assert not warm.enabled()


class _StubZygote:
    info = {"seconds": 0}

    def __init__(self, env, spawned):
        self.env = env
        spawned.append(env)

    def alive(self):
        return True

    def wait_ready(self, timeout=0):
        return self.info

    def describe(self):
        return "stub"

    def close(self):
        pass


def test_the_zygote_started_first_is_the_batch_zygote(monkeypatch):
    """``grade --assignment`` starts the zygote before importing the grading stack; the batch
    then finds that one (same environment), and --no-warm starts none."""
    spawned = []
    monkeypatch.setattr(warm, "_zygotes", {})
    monkeypatch.setattr(warm.Zygote, "spawn", classmethod(lambda cls, env: _StubZygote(env, spawned)))
    start_zygote(SPEC, executor="local", full=False, jobs=None, warm_kernels=False)
    start_zygote(SPEC, executor="dask", full=False, jobs=None)
    start_zygote(None, executor="local", full=False, jobs=None)
    assert spawned == []
    start_zygote(SPEC, executor="local", full=False, jobs=None)
    options = GradeOptions(SPEC, False, "fr", kernel_threads(False, default_jobs()), "/nonexistent")
    assert start_warm_kernels(load_assignment(SPEC), options) == "kernels: warm (stub)"
    assert len(spawned) == 1


def test_what_starts_the_zygote_first_imports_no_grading_stack():
    code = ("import sys, autograder.batch.prestart, autograder.cli\n"
            "print(sorted(m for m in ('jupyter_client', 'nbclient', 'pytest', 'keras', 'tensorflow') if m in sys.modules))")
    said = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert said.stdout.strip() == "[]"


def test_a_zygote_closed_while_importing_is_killed_at_once(tmp_path):
    """It reads its stdin (the signal to leave) only once ready: a batch with nothing to grade
    must not wait for its imports, nor ten seconds, to end."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    started = time.monotonic()
    warm.Zygote(process, tmp_path, {}).close()
    assert process.poll() is not None and time.monotonic() - started < 5


def test_the_zygote_is_keyed_by_the_import_time_environment():
    env = {"PATH": "/bin", "HOME": "/w", "KERAS_HOME": "/w/.keras", "PYTHONHASHSEED": "0",
           "OMP_NUM_THREADS": "2", "TF_NUM_INTRAOP_THREADS": "2", "KERAS_BACKEND": "tensorflow",
           "TD_KERAS_DATA_SOURCE": "offline", "MPLCONFIGDIR": "/w/.config"}
    assert import_time_env(env) == {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2",
                                    "TF_NUM_INTRAOP_THREADS": "2", "KERAS_BACKEND": "tensorflow"}
    spec = load_assignment(SPEC)
    assert warm_env(spec, 1) != warm_env(spec, 2)      # thread counts: a zygote each
    assert warm_env(spec, 1)["TF_ENABLE_ONEDNN_OPTS"] == "0" and "TF_ENABLE_ONEDNN_OPTS" not in warm_env(spec, 1, full=True)
    assert "HOME" not in warm_env(spec, 1) and warm_env(spec, 1)["PYTHONHASHSEED"] == "0"


@pytest.fixture(scope="module")
def zygote():
    """A zygote for the first assignment's kernels (one job's thread count)."""
    spec = load_assignment(SPEC)
    started = warm.Zygote.start(warm_env(spec, 1))
    yield started
    started.close()


def run_cells(tmp_path: Path, cells: list[str], names: list[str], zygote_address: str | None,
              memory_mb: int = 1500):
    """The cells in a sandboxed kernel, as ``grading.kernel_session`` starts one (warm or cold)."""
    spec = load_assignment(SPEC)
    scratch = tmp_path / ("warm" if zygote_address else "cold")
    scratch.mkdir(parents=True)
    workdir = prepare_workdir(spec, scratch)
    env, data_dirs = assignment_kernel_env(spec, workdir=workdir, threads=1, fast=True)   # fast mode's, as the zygote's
    box = sandbox.prepare(scratch=scratch, workdir=workdir, read_only=data_dirs)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return run_notebook(nb, workdir=workdir, names=names, fast=True, env=env, sandbox=box, zygote=zygote_address,
                        limits=Limits(cell_timeout=120, total_timeout=240, memory_mb=memory_mb))


def printed(execution):
    """The JSON the last cell printed."""
    text = "".join(out.get("text", "") for out in execution.executed.cells[-1].outputs)
    return json.loads(text.strip().splitlines()[-1])


def leftovers(wait: float = 0) -> list[int]:
    """The leftover daemons still running, after up to ``wait`` s for a namespace being torn down."""
    return settled(lambda: [p.pid for p in psutil.process_iter(["cmdline"])
                            if LEFTOVER in " ".join(p.info["cmdline"] or [])], timeout=wait)


# ----------------------------------------------------------------------------- the sandbox holds
@pytest.mark.slow
@pytest.mark.sandbox
def test_a_warm_kernel_sees_the_world_of_a_cold_one(zygote, tmp_path):
    """Same environment, sys.path, argv, PID namespace (pid 2 under a process 1), unprivileged
    uid, limits, no new privileges, no network, filesystem view, hash seed, SIGINT handler."""
    cold = run_cells(tmp_path, [PROBE], [], None)
    hot = run_cells(tmp_path, [PROBE], [], zygote.address)
    assert (cold.status, cold.warm, hot.status, hot.warm) == ("graded", False, "graded", True), (cold, hot)
    cold_world, warm_world = printed(cold), printed(hot)
    assert warm_world == cold_world
    assert warm_world["pid"] == 2 and warm_world["ppid"] == 1 and warm_world["uid_is_kernel"]
    assert warm_world["interfaces"] == ["lo"] and warm_world["no_new_privs"] == "1"
    assert warm_world["processes"] == ["1", "2"]


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_polluting_submission_changes_nothing_for_the_next(zygote, tmp_path):
    """Monkeypatched Keras, 400 MB held, a file in /tmp, a daemon left running: the next
    kernel forked from the same zygote sees none of it, and the zygote has not grown."""
    zygote_mb = zygote.memory_mb()
    before = run_cells(tmp_path / "0", [AFTER], [], zygote.address)     # the next one's memory, unpolluted
    assert (before.status, before.cell_errors) == ("graded", []), before
    polluter = run_cells(tmp_path / "1", POLLUTER, ["polluted"], zygote.address)
    assert (polluter.status, polluter.warm) == ("graded", True), polluter.cell_errors
    assert polluter.harvest["values"]["polluted"]["value"] == "yes"
    assert polluter.peak_mb > 400
    assert leftovers(wait=10) == []     # the daemon died with the kernel's PID namespace
    after = run_cells(tmp_path / "2", [AFTER], [], zygote.address)
    assert (after.status, after.warm, after.cell_errors) == ("graded", True, [])
    assert printed(after) == {"fit": "fit", "dense": True, "builtins": False, "env": False, "tmp": False,
                                     "trained": "History", "processes": ["1", "2"]}
    assert after.peak_mb < before.peak_mb + 100 < polluter.peak_mb, (before.peak_mb, after.peak_mb, polluter.peak_mb)
    assert zygote.alive() and zygote.memory_mb() < zygote_mb + 50
    assert len(os.listdir(f"/proc/{zygote.pid}/task")) == 1      # still no thread: safe to fork


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_correct_submission_forked_after_others_gets_its_grade(zygote, tmp_path):
    result, execution = grade_submission(notebook=CORPUS / "correct_sequential.ipynb", student="s",
                                         spec=load_assignment(SPEC), zygote=zygote.address)
    assert (execution.warm, result.status, result.score, result.messages) == (True, "graded", 16.0, [])
    assert zygote.info["threads"] == 1


# ----------------------------------------------------------------------------- fallbacks
@pytest.mark.slow
def test_a_kernel_the_zygote_cannot_give_starts_cold_with_one_line(tmp_path, capfd):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("witness = 'cold'")])
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    execution = run_notebook(nb, workdir=tmp_path, names=["witness"], fast=True, env=env,
                             limits=Limits(cell_timeout=60, total_timeout=120), zygote=str(tmp_path / "gone.sock"))
    assert (execution.status, execution.warm) == ("graded", False)
    assert execution.harvest["values"]["witness"]["value"] == "cold"
    lines = [line for line in capfd.readouterr().err.splitlines() if "warm kernel unavailable" in line]
    assert len(lines) == 1 and "this kernel starts cold" in lines[0] and "gone.sock" in lines[0]


@pytest.mark.slow
def test_a_zygote_that_cannot_start_says_why_once(tmp_path, monkeypatch):
    """Keras made unimportable for the zygote: one line, then cold kernels (None)."""
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text("raise ImportError('keras broken for the test')\n")
    lines = []
    monkeypatch.setattr(warm, "_zygotes", {})
    expected = {**warm_env(load_assignment(SPEC), 1), "PYTHONPATH": str(tmp_path)}
    pending = warm.shared_zygote(expected, log=lines.append, wait=False)   # its address, before its imports
    assert pending is not None and pending.address.endswith("zygote.sock") and lines == []
    assert warm.shared_zygote(expected, log=lines.append) is None
    assert warm.shared_zygote(expected, log=lines.append) is None
    assert len(lines) == 1 and "the zygote could not start" in lines[0] and "kernels start cold" in lines[0]
    assert "keras broken for the test" in lines[0]


@pytest.mark.slow
def test_the_hostile_batch_ran_on_warm_kernels(hostile_batch):
    """The hostile suite (one batch, shared with tests/test_hostile.py) used warm kernels."""
    assert "kernels: warm (zygote pid" in hostile_batch.stderr
    logs = [path.read_text(errors="replace") for path in (hostile_batch.out / "logs").glob("*.log")]
    kernels = [log for log in logs if " kernel: " in log]
    assert len(kernels) > 20 and all("(warm kernel: " in log for log in kernels), [l[-200:] for l in kernels][:3]
