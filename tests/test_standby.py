"""Standby workers (autograder/batch/standby.py): started ahead, one job each, fall back when dead.

The pool is exercised with stand-in workers (tests/standby_stand_ins.py), the real standby
worker (slow: it starts its kernel ahead) until its channel closes; grading through standby
workers is what every batch test and the corpus tests do (tests/test_batch.py, test_corpus.py).
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest

from autograder.batch import standby
from autograder.batch.run import GradeOptions
from autograder.batch.worker_process import batch_command, run_worker, standby_key
from autograder.collect import Submission

import standby_stand_ins as stand_ins
from conftest import settled


def _wait_ready(pool, key, count=1):
    deadline = time.monotonic() + 30
    while len(pool._ready.get(key, [])) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return pool._ready.get(key, [])


def test_take_gives_nothing_without_an_expected_batch():
    pool = standby.StandbyPool()
    assert pool.take("never-expected") is None
    pool.close()


def test_a_standby_takes_one_job_and_its_replacement_starts_only_while_jobs_remain(tmp_path):
    pool = standby.StandbyPool()
    pool.expect("k", 2, [], {"WHO": "batch"}, target=stand_ins.echo)
    assert len(_wait_ready(pool, "k")) == 1                  # started with the batch
    first = pool.take("k")                                    # and its replacement for the second job
    assert len(_wait_ready(pool, "k")) == 1
    done = []
    taken, code, before = standby.give_job(first, {"student": "a", "result_file": str(tmp_path / "a.json")}, 30,
                                           kernel_done=lambda: done.append((tmp_path / "a.json").exists()))
    assert (taken, code, before) == (True, 0, "")
    assert done == [False]     # said while the worker still had its checks to run
    assert json.loads((tmp_path / "a.json").read_text()) == {"student": "a", "env": "batch"}
    assert not first.startup_log.exists()
    second = pool.take("k")
    assert second is not None and pool._ready["k"] == []    # the last job: no replacement
    assert standby.give_job(second, {"student": "b", "result_file": str(tmp_path / "b.json")}, 30)[:2] == (True, 0)
    assert pool.take("k") is None                           # more than expected
    pool.close()


def test_a_standby_has_the_environment_of_its_batch_not_the_fork_servers(tmp_path):
    """The fork server lives as long as the grading process; each batch's workers get the
    environment the batch gave (as new processes would), not the one the fork server has."""
    pool = standby.StandbyPool()
    pool.expect("k", 1, [], {"WHO": "this batch"}, target=stand_ins.reports_environment)
    assert standby.give_job(pool.take("k"), {"result_file": str(tmp_path / "env.json")}, 30)[:2] == (True, 0)
    assert json.loads((tmp_path / "env.json").read_text()) == {"who": "this batch", "path": None}
    pool.close()


def test_a_standby_that_died_before_its_job_says_why(tmp_path):
    pool = standby.StandbyPool()
    pool.expect("k", 1, [], {}, target=stand_ins.dies)
    dead = pool.take("k")
    dead.process.join(30)
    taken, code, before = standby.give_job(dead, {"student": "a"}, 30)
    assert (taken, code) == (False, 3) and "ImportError" in before
    pool.close()


def test_kernel_slots_hold_the_executing_notebooks_to_the_jobs():
    pool = standby.StandbyPool()
    pool.expect("k", 3, [], {}, kernels=1, target=stand_ins.waits)
    first = pool.slot("k").__enter__()
    waiting = threading.Thread(target=lambda: pool.slot("k").__enter__().release())
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()           # a second notebook waits for the slot
    first.release()
    first.release()                     # idempotent: a worker that ends after kernel-done
    waiting.join(5)
    assert not waiting.is_alive()
    with pool.slot("never-expected") as free:
        assert not free.held           # no batch, no limit (a Dask task)
    pool.close()


def test_close_ends_the_waiting_standbys():
    pool = standby.StandbyPool()
    pool.expect("k", 3, [], {}, target=stand_ins.waits)
    pool.take("k")
    waiting = list(_wait_ready(pool, "k"))
    pool.close()
    assert waiting and all(not s.process.is_alive() for s in waiting)


@pytest.mark.slow   # the standby starts its submission's kernel before its job
def test_the_real_worker_waits_for_its_job_and_leaves_quietly_without_one():
    """The standby worker starts its kernel, then waits for its job; without one (its channel
    closed) it exits 0 and its kernel is gone with it."""
    pool = standby.StandbyPool()
    options = GradeOptions("td_keras_mlp", False, "fr", 1, "/tmp/unused", warm=False)
    argv = batch_command(options)[3:]
    pool.expect("k", 1, argv, {})
    ready = _wait_ready(pool, "k")[0]
    worker = psutil.Process(ready.process.pid)
    deadline, kernels = time.monotonic() + 120, []
    while not kernels and time.monotonic() < deadline and ready.process.is_alive():
        kernels = [p for p in worker.children(recursive=True) if "ipykernel_launcher" in " ".join(p.cmdline())]
        time.sleep(0.2)
    assert kernels, "the standby worker started no kernel before its job"
    pool.close()
    assert ready.process.exitcode == 0
    # killed with the worker; the kernel's PID namespace may take a moment to tear down after
    assert not settled(lambda: _running(kernels), timeout=10)


def _running(procs: list[psutil.Process]) -> list[psutil.Process]:
    """The processes of ``procs`` still running (not gone, not zombies)."""
    running = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                running.append(proc)
        except psutil.NoSuchProcess:
            pass
    return running


def test_a_dead_standby_costs_nothing_the_job_is_graded_by_a_new_worker(monkeypatch, tmp_path):
    """The standby died before taking the job: run_worker starts the worker the usual way, and
    its log says why the standby died."""
    options = GradeOptions("td_keras_mlp", False, "fr", 1, str(tmp_path / "out"), warm=False)
    pool = standby.StandbyPool()
    pool.expect(standby_key(options), 1, [], {}, target=stand_ins.dies)
    monkeypatch.setattr(standby, "take", pool.take)
    started = []

    def fake_run(cmd, stdout, **kwargs):
        started.append(cmd)
        stdout.write("cold worker\n")
        result = Path(cmd[cmd.index("--result-file") + 1])
        result.write_text(json.dumps({"student": "alice", "score": 1.0, "max_score": 20.0, "status": "graded"}))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr("autograder.batch.worker_process.subprocess.run", fake_run)
    result = run_worker(Submission("alice", tmp_path / "alice.ipynb", {}), options)
    assert len(started) == 1
    assert (result.student, result.status, result.score) == ("alice", "graded", 1.0)
    log = (tmp_path / "out" / "logs" / "alice.log").read_text()
    assert "ImportError" in log and "cold worker" in log
    pool.close()


def _small_notebook(source: str):
    import nbformat

    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])


@pytest.mark.slow
def test_a_kernel_started_ahead_counts_its_time_from_the_notebook_and_is_replaced_if_it_died(tmp_path):
    """kernel_ahead: the wait before the notebook arrives is not the notebook's time; a kernel
    killed while waiting is started again instead of failing the student."""
    from autograder.assignments import load_assignment
    from autograder.execution.kernel_run import Limits, kill_tree
    from autograder.grading import kernel_ahead

    spec, limits = load_assignment("td_keras_mlp"), Limits(cell_timeout=20, total_timeout=3)
    with kernel_ahead(spec, full=False, limits=limits) as ahead:
        time.sleep(4)                                       # longer than the total limit
        execution = ahead.session.run(_small_notebook("witness = 41 + 1"), names=["witness"], fast=True)
    assert execution.status == "graded" and execution.cell_errors == []
    assert execution.harvest["values"]["witness"]["value"] == 42

    with kernel_ahead(spec, full=False, limits=Limits(cell_timeout=20, total_timeout=60)) as ahead:
        kill_tree(ahead.session.km.provisioner.process.pid)   # dies before its notebook comes
        time.sleep(1)
        execution = ahead.session.run(_small_notebook("witness = 7"), names=["witness"], fast=True)
    assert execution.status == "graded", execution.cell_errors
    assert execution.harvest["values"]["witness"]["value"] == 7
