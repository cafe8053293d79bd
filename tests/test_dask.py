"""Grading on a Dask cluster: the same files as a local run, and a worker killed mid-task loses
no submission. The cluster is real (``dask scheduler`` / ``dask worker`` on loopback)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from autograder.batch import run as batch
from autograder.batch.run import GradeOptions
from autograder.cli import main as cli
from autograder.collect import Submission
from autograder.batch.dask_executor import (MISMATCH, DaskExecutor, RemoteSubmission, grader_fingerprint,
                                      grade_remotely, release_files)

KIT_ROOT = Path(__file__).resolve().parents[1]
SOLUTION_NB = KIT_ROOT / "source" / "td_keras_mlp" / "td_keras_mlp.ipynb"
RELEASE_NB = KIT_ROOT / "release" / "td_keras_mlp" / "td_keras_mlp.ipynb"
DASK = str(Path(sys.executable).parent / "dask")
ELAPSED = re.compile(rb'"elapsed_s": [0-9.eE+-]+')
COMPARED = ("results", "feedback", "grades.csv")


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def class_dir(tmp_path_factory) -> Path:
    """A small class: the solution, the blank release and a file that is not a notebook."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "solution.ipynb").write_bytes(SOLUTION_NB.read_bytes())
    (folder / "blank.ipynb").write_bytes(RELEASE_NB.read_bytes())
    (folder / "bad.ipynb").write_text("{bad")
    return folder


@pytest.fixture(scope="module")
def local_run(class_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local")
    assert cli(["grade", str(class_dir), "--out", str(out), "--jobs", "2", "--quiet"]) == 0
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kill_tree(pid: int) -> list[int]:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)
    return [p.pid for p in procs]


@contextmanager
def dask_cluster(log_dir: Path, workers: int = 2, scheduler_env: dict | None = None):
    """``dask scheduler`` and ``workers`` × ``dask worker --nworkers 1 --nthreads 1``."""
    address = f"tcp://127.0.0.1:{free_port()}"
    log = open(log_dir / "cluster.log", "w")
    common = dict(stdout=log, stderr=subprocess.STDOUT, cwd=log_dir, start_new_session=True)
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], env={**os.environ, **(scheduler_env or {})}, **common)]
    try:
        procs += [subprocess.Popen([DASK, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                    "--host", "127.0.0.1", "--no-dashboard"], **common)
                  for _ in range(workers)]
        from distributed import Client

        with Client(address, timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        yield SimpleNamespace(address=address, scheduler=procs[0], workers=procs[1:])
    finally:
        for proc in reversed(procs):
            kill_tree(proc.pid)
        log.close()


def assert_same_files(local: Path, remote: Path) -> None:
    """Results byte-identical but for ``elapsed_s``; feedback pages and grades.csv identical."""
    def files(root: Path) -> dict[str, bytes]:
        paths = [p for name in COMPARED for p in ([root / name] if name.endswith(".csv")
                                                  else sorted((root / name).iterdir()))]
        return {p.relative_to(root).as_posix(): ELAPSED.sub(b"", p.read_bytes()) for p in paths}

    expected, got = files(local), files(remote)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name
    for folder in ("logs", "executed"):
        assert sorted(os.listdir(remote / folder)) == sorted(os.listdir(local / folder))


# --------------------------------------------------------------------------- without a cluster
def options(out: Path) -> GradeOptions:
    return GradeOptions("td_keras_mlp", False, "en", 1, str(out))


def test_task_carries_notebook_and_support_files(tmp_path):
    task = RemoteSubmission.pack(Submission("alice", SOLUTION_NB, {"source": "file"}),
                                 release_files("td_keras_mlp"), grader_fingerprint())
    seen = {}

    def fake_grade(sub, local_options):
        seen["notebook"] = sub.notebook.read_bytes()
        seen["support"] = sorted(os.listdir(Path(local_options.course_root) / "release" / "td_keras_mlp"))
        seen["out_dir"] = local_options.out_dir
        (Path(local_options.out_dir) / "logs").mkdir(parents=True)
        (Path(local_options.out_dir) / "logs" / "alice.log").write_text("graded\n")
        return "the result"

    outcome = grade_remotely(fake_grade, task, options(tmp_path / "client"))
    assert outcome.result == "the result" and outcome.log == b"graded\n" and outcome.executed is None
    assert seen["notebook"] == SOLUTION_NB.read_bytes()
    assert seen["support"] == ["dataset_utils.py", "verification.py"]
    assert not seen["out_dir"].startswith(str(tmp_path)) and not Path(seen["out_dir"]).exists()


def test_worker_with_other_grader_refuses_to_grade(tmp_path):
    task = RemoteSubmission.pack(Submission("bob", RELEASE_NB, {}), {}, "a client with other sources")
    outcome = grade_remotely(lambda *_: pytest.fail("graded with another grader"), task, options(tmp_path))
    assert outcome.result.status == "crashed" and MISMATCH in outcome.result.messages


# --------------------------------------------------------------------------- on a real cluster
@pytest.mark.slow
def test_dask_batch_gives_the_same_files_as_local_even_when_a_worker_is_killed(class_dir, local_run, tmp_path,
                                                                               monkeypatch):
    """The CLI on a real cluster; the worker grading the solution is killed mid-task: each result
    is written once, and results, feedback and grades.csv are those of the local run."""
    out, written, errors, exit_codes = tmp_path / "dask", [], [], []
    save = batch.save_result

    def counting_save(result, out_dir):
        written.append(result.student)
        return save(result, out_dir)

    monkeypatch.setattr(batch, "save_result", counting_save)

    def run():
        try:
            exit_codes.append(cli(["grade", str(class_dir), "--out", str(out), "--jobs", "2", "--quiet",
                                   "--executor", "dask", "--scheduler", cluster.address]))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    with dask_cluster(tmp_path) as cluster:
        thread = threading.Thread(target=run)
        thread.start()
        victim = wait_for_grading(cluster.workers, "solution", timeout=240, batch=thread)
        assert victim is not None and not errors, f"no worker was seen grading the solution: {errors}"
        # At once: a warm kernel grades the solution in ~2 s after its worker process appears, and
        # the worker's own start (Python, the grading stack) leaves a margin of a second or more.
        killed = kill_tree(victim.pid)
        assert not (out / "results" / "solution.json").exists(), "the solution was graded before the kill"
        thread.join(timeout=300)
        assert not thread.is_alive() and not errors, errors
    assert exit_codes == [0]
    assert sorted(written) == ["bad", "blank", "solution"]  # each result written once
    assert_same_files(local_run, out)
    assert (out / "logs" / "solution.log").read_text().startswith("# graded on Dask worker tcp://")
    assert len(killed) >= 3  # nanny, worker, `python -m autograder.batch.worker` (and its kernel)


@pytest.mark.slow
def test_submission_that_keeps_killing_workers_is_marked_crashed(tmp_path):
    no_retry = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    sub = Submission("carol", RELEASE_NB, {})
    with dask_cluster(tmp_path, workers=1, scheduler_env=no_retry) as cluster:
        with pytest.warns(UserWarning, match="allowed-failures is 0"):
            executor = DaskExecutor(cluster.address)
        with executor:
            done = list(executor.map_unordered(lambda *_: os._exit(1), [sub], options(tmp_path)))
    [(item, result)] = done
    assert item is sub and result.status == "crashed" and "lost 1 Dask worker" in result.messages[1]
    assert "lost 1 Dask worker" in (tmp_path / "logs" / "carol.log").read_text()


def wait_for_grading(workers: list[subprocess.Popen], student: str, timeout: float,
                     batch: threading.Thread) -> subprocess.Popen | None:
    """The worker whose process tree is grading ``student`` right now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and batch.is_alive():
        for worker in workers:
            for child in psutil.Process(worker.pid).children(recursive=True):
                try:
                    cmd = child.cmdline()
                except psutil.Error:
                    continue
                if "autograder.batch.worker" in cmd and student in cmd:
                    return worker
        time.sleep(0.2)
    return None
