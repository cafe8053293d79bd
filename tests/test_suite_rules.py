"""The rules of this test suite (tests/conftest.py) hold: a fast test that starts a kernel or
trains fails, a sandbox test fails as root without the sandbox, a class is graded once."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

import conftest
from autograder.execution import sandbox

FAKE_KERNEL = ("import subprocess, sys\n"
               "def start_a_kernel():\n"
               "    subprocess.run([sys.executable, '-c', 'import time; time.sleep(0.5)', 'ipykernel_launcher'])\n")


def run_suite(pytester, body: str):
    """Run a small test file under this suite's conftest, in a child pytest."""
    pytester.makeconftest(Path(conftest.__file__).read_text(encoding="utf-8"))
    pytester.makepyfile(test_small=FAKE_KERNEL + textwrap.dedent(body))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers",
                                         "-o", "markers=slow: s\nsandbox: s")


@pytest.mark.slow   # the child suite's fake kernel is a descendant of this test's process
def test_a_fast_test_that_starts_a_kernel_fails_and_a_slow_one_passes(pytester):
    result = run_suite(pytester, """
        import pytest

        def test_fast():
            start_a_kernel()

        @pytest.mark.slow
        def test_slow():
            start_a_kernel()

        def test_fast_without_kernel():
            assert True
    """)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_fast started a Jupyter kernel*mark it @pytest.mark.slow"])


def test_the_kernel_spy_sees_a_process_started_by_a_child():
    spy = conftest._KernelSpy(marks=("fake-kernel-4b1d",))
    spy.start()
    subprocess.run([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                    "'import time; time.sleep(0.4)', 'fake-kernel-4b1d'])"], check=True)
    seen = spy.stop()
    assert len(seen) == 1 and seen[0].endswith("-c import time; time.sleep(0.4) fake-kernel-4b1d")


def test_a_fast_test_that_trains_fails(monkeypatch):
    keras = SimpleNamespace(Model=type("Model", (), {"fit": lambda self: "trained"}))
    monkeypatch.setitem(sys.modules, "keras", keras)
    conftest._fast_tests_train_nothing.__wrapped__(
        SimpleNamespace(node=SimpleNamespace(nodeid="t::fast", get_closest_marker=lambda name: None)), monkeypatch)
    with pytest.raises(pytest.fail.Exception, match="trains a Keras model: mark it @pytest.mark.slow"):
        keras.Model().fit()


def sandbox_item():
    """A slow test marked sandbox (slow: no kernel watch)."""
    return SimpleNamespace(get_closest_marker=lambda name: object() if name in ("sandbox", "slow") else None)


@pytest.mark.parametrize("uid,outcome", [(0, pytest.fail.Exception), (1000, pytest.skip.Exception)])
def test_a_sandbox_test_fails_as_root_and_skips_otherwise_without_the_sandbox(monkeypatch, uid, outcome):
    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Level("limits", "no unshare here"))
    monkeypatch.setattr(conftest.os, "geteuid", lambda: uid)
    with pytest.raises(outcome, match="no unshare here"):
        conftest.pytest_runtest_setup(sandbox_item())


def test_a_sandbox_test_runs_with_the_sandbox(monkeypatch):
    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Level("namespaces"))
    monkeypatch.setattr(conftest.os, "geteuid", lambda: 0)
    assert conftest.pytest_runtest_setup(sandbox_item()) is None


def test_a_class_is_graded_once_and_a_failed_run_fails_every_test(tmp_path, monkeypatch):
    calls = []

    def fake_grade_cli(paths, out, *options, timeout=None):
        calls.append((tuple(map(str, paths)), options))
        return SimpleNamespace(returncode=0 if "good" in str(paths[0]) else 2, stdout="", stderr="boom")

    monkeypatch.setattr(conftest, "grade_cli", fake_grade_cli)
    factory = SimpleNamespace(mktemp=lambda name: tmp_path / name)
    grade = conftest.grade_once.__wrapped__(factory)
    assert grade("good", options=("--jobs", "2")) == grade("good", options=("--jobs", "2")) == tmp_path / "graded"
    for _ in range(2):
        with pytest.raises(pytest.fail.Exception, match="exited 2"):
            grade("bad")
    assert calls == [(("good",), ("--jobs", "2")), (("bad",), ())]


def test_the_kernel_spy_looks_for_cold_kernels_and_zygotes_of_warm_ones():
    # a warm kernel is a fork of `python -m autograder.execution.zygote`: same command line
    assert conftest._KernelSpy().marks == ("ipykernel_launcher", "autograder.execution.zygote")
