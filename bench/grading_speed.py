"""Benchmark: grading a class with nbgrader autograde vs our --full vs our fast mode.

    python -m bench.grading_speed [--n 30] [--size offline|full] [--jobs 2] [--skip-nbgrader]

Builds a class of N submissions (cycling through the sample corpus of tests/submissions/,
correct and mistaken ones), then grades it

  (a) with ``nbgrader autograde`` over an nbgrader course tree (full execution, the anchor),
  (b) with ``python -m autograder grade --full``,
  (c) with ``python -m autograder grade`` (fast mode),

and prints wall time, seconds per submission, peak memory (whole process tree), speed-up vs
(a) and whether the per-question automatic scores are identical across (a)/(b)/(c). It also
measures the floor: starting a kernel and importing TensorFlow/Keras.

``--size full`` stands in for the lab network's MNIST: a 60000×784 / 10000×784 copy built by
repeating the offline real sample, served to every run through the ``lab`` data source.
Parallelism budget: nbgrader grades one notebook at a time, its kernel free to use every
core; ours runs ``--jobs`` kernels with cores/jobs threads each.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

KIT = Path(__file__).resolve().parents[1]
SAMPLES = KIT / "tests" / "submissions"
QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
AUTO_POINTS_OF_A_CORRECT_SUBMISSION = 16   # 20 minus the 4 written answers graded by hand


# ----------------------------------------------------------------------------- measuring
class PeakMemory(threading.Thread):
    """Peak resident memory of a process and all its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self._stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                root = psutil.Process(self.pid)
                procs = [root] + root.children(recursive=True)
                rss = sum(p.memory_info().rss for p in procs if p.is_running())
            except psutil.Error:
                continue
            self.peak_mb = max(self.peak_mb, rss / 2**20)

    def stop(self) -> float:
        self._stop.set()
        return self.peak_mb


def timed_run(cmd: list[str], *, cwd: Path, env: dict) -> tuple[float, float]:
    """(wall seconds, peak MB) of a command; raises if it fails."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    meter = PeakMemory(proc.pid)
    meter.start()
    output, _ = proc.communicate()
    peak = meter.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}… failed ({proc.returncode}):\n{output[-3000:]}")
    return time.monotonic() - started, peak


# ----------------------------------------------------------------------------- building
def build_class(n: int, folder: Path) -> list[str]:
    """N submissions cycling through the sample corpus, correct and mistaken ones alternating
    (so a small class mixes both); returns the student ids."""
    correct = sorted(SAMPLES.glob("correct_*.ipynb"))
    others = sorted(set(SAMPLES.glob("*.ipynb")) - set(correct))
    corpus = [nb for pair in zip(correct + correct, others) for nb in pair]
    folder.mkdir(parents=True)
    students = []
    for i in range(n):
        student = f"s{i:03d}_{corpus[i % len(corpus)].stem}"
        shutil.copy2(corpus[i % len(corpus)], folder / f"{student}.ipynb")
        students.append(student)
    return students


def build_full_size_lab_dir(folder: Path) -> Path:
    """mnist.npz of full MNIST's size (60000 / 10000 rows) made by repeating the real sample."""
    sys.path.insert(0, str(KIT / "source" / "td_keras_mlp"))
    import dataset_utils

    (x_train, y_train), (x_test, y_test) = dataset_utils._mnist_offline()
    x_train, x_test = x_train.reshape(-1, 28, 28), x_test.reshape(-1, 28, 28)   # keras.datasets' layout
    reps_train, reps_test = -(-60000 // len(x_train)), -(-10000 // len(x_test))
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "mnist.npz",
             x_train=np.tile(x_train, (reps_train, 1, 1))[:60000], y_train=np.tile(y_train, reps_train)[:60000],
             x_test=np.tile(x_test, (reps_test, 1, 1))[:10000], y_test=np.tile(y_test, reps_test)[:10000])
    from mlxtend.data import boston_housing_data

    x, y = boston_housing_data()
    np.savez(folder / "boston_housing.npz", x=x, y=y)
    return folder


def data_env(size: str, scratch: Path) -> dict:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    if size == "full":
        env.update(TD_KERAS_DATA_SOURCE="lab", AUTOGRADER_DATA_SOURCE="lab",
                   TD_KERAS_LAB_DIR=str(build_full_size_lab_dir(scratch / "lab_data")))
    else:
        env.update(TD_KERAS_DATA_SOURCE="offline", AUTOGRADER_DATA_SOURCE="offline")
    return env


# ----------------------------------------------------------------------------- the three runs
def run_nbgrader(class_dir: Path, students: list[str], scratch: Path, env: dict) -> tuple[float, float, dict]:
    course = scratch / "course"
    shutil.copytree(KIT / "source", course / "source")
    shutil.copy2(KIT / "nbgrader_config.py", course / "nbgrader_config.py")
    db_url = f"sqlite:///{course}/gradebook.db"
    from autograder.release import generate_release

    generate_release(assignment="td_keras_mlp", course_root=course, db_url=db_url)
    for student in students:
        target = course / "submitted" / student / "td_keras_mlp"
        target.mkdir(parents=True)
        shutil.copy2(class_dir / f"{student}.ipynb", target / "td_keras_mlp.ipynb")
    seconds, peak = timed_run([sys.executable, "-m", "nbgrader", "autograde", "td_keras_mlp", "--create",
                               f"--CourseDirectory.db_url={db_url}"], cwd=course, env=env)
    from nbgrader.api import Gradebook

    verdicts = {}
    with Gradebook(db_url) as gradebook:
        for student in students:
            nb = gradebook.find_submission_notebook("td_keras_mlp", "td_keras_mlp", student)
            scores = {g.name.split("_")[0]: g.auto_score for g in nb.grades if g.name.endswith("_tests")}
            verdicts[student] = {q: round(float(scores.get(q) or 0), 2) for q in QUESTIONS}
    return seconds, peak, verdicts


def run_ours(class_dir: Path, out: Path, env: dict, jobs: int, full: bool) -> tuple[float, float, dict]:
    cmd = [sys.executable, "-m", "autograder", "grade", str(class_dir), "--out", str(out),
           "--jobs", str(jobs), "--quiet"] + (["--full"] if full else [])
    seconds, peak = timed_run(cmd, cwd=KIT, env=env)
    verdicts = {}
    for path in (out / "results").glob("*.json"):
        result = json.loads(path.read_text())
        verdicts[result["student"]] = {
            q: round(sum(c["points"] for c in result["questions"][q]["checks"] if c["passed"] is not None), 2)
            for q in QUESTIONS}
    return seconds, peak, verdicts


def floor_once(data_source: str) -> float:
    """Seconds to start one kernel and import TensorFlow/Keras in it (what no grader avoids)."""
    import nbformat

    from autograder.assignments import DATA_SOURCE_ENV, load_assignment
    from autograder.execution.kernel_run import Limits, kernel_env, run_notebook

    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import keras")])
        data = load_assignment("td_keras_mlp").data.kernel_env({DATA_SOURCE_ENV: data_source})
        kenv = kernel_env(workdir=Path(tmp), threads=1, extra=data)
        started = time.monotonic()
        run_notebook(nb, workdir=Path(tmp), names=[], fast=True, limits=Limits(), env=kenv)
        return time.monotonic() - started


def measure_floor(env: dict, n: int, jobs: int) -> tuple[float, float]:
    """(one kernel alone, seconds per kernel when n kernels start ``jobs`` at a time): the
    floor of a single submission and of a class graded with the same parallelism."""
    code = ("import sys; from bench.grading_speed import floor_once; "
            f"print(floor_once({env['TD_KERAS_DATA_SOURCE']!r}))")
    alone = float(subprocess.run([sys.executable, "-c", code], cwd=KIT, env=env, capture_output=True,
                                 text=True, check=True).stdout.split()[-1])
    started, running = time.monotonic(), []
    for _ in range(n):
        if len(running) == jobs:
            running.pop(0).wait()
        running.append(subprocess.Popen([sys.executable, "-c", code], cwd=KIT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for proc in running:
        proc.wait()
    return alone, (time.monotonic() - started) / n


# ----------------------------------------------------------------------------- report
def table(rows: list[dict], n: int, floor: tuple[float, float]) -> str:
    anchor = next((r["seconds"] for r in rows if r["name"].startswith("(a)")), None)
    lines = ["| run | wall time (s) | s / submission | peak memory (MB) | speed-up vs (a) | × floor |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        speed = f"{anchor / r['seconds']:.1f}×" if anchor else "n/a"
        per = r["seconds"] / n
        lines.append(f"| {r['name']} | {r['seconds']:.0f} | {per:.1f} | {r['peak']:.0f} | {speed} | {per / floor[1]:.1f} |")
    lines.append(f"| floor: {n} kernels start + `import keras`, same parallelism | {floor[1] * n:.0f} | {floor[1]:.1f} | | | 1.0 |")
    lines.append(f"| floor: one kernel alone | | {floor[0]:.1f} | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.grading_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30, help="class size (default 30)")
    parser.add_argument("--size", choices=("offline", "full"), default="offline")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-nbgrader", action="store_true", help="only our two modes")
    parser.add_argument("--skip-full", action="store_true", help="without (b): fast mode against the floor only")
    parser.add_argument("--out", type=Path, default=KIT / "bench" / "out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        scratch = Path(tmp)
        students = build_class(args.n, scratch / "class")
        env = data_env(args.size, scratch)
        runs, rows = {}, []
        plan = [("(b) ours --full", lambda: run_ours(scratch / "class", scratch / "full", env, args.jobs, True)),
                ("(c) ours fast", lambda: run_ours(scratch / "class", scratch / "fast", env, args.jobs, False))]
        if args.skip_full:
            plan.pop(0)
        if not args.skip_nbgrader:
            plan.insert(0, ("(a) nbgrader autograde", lambda: run_nbgrader(scratch / "class", students, scratch, env)))
        for name, run in plan:
            print(f"{name} on {args.n} submissions ({args.size} data)…", flush=True)
            seconds, peak, verdicts = run()
            runs[name] = verdicts
            rows.append({"name": name, "seconds": seconds, "peak": peak})
        print("floor: kernel start + import keras…", flush=True)
        floor = measure_floor(env, args.n, args.jobs)
    same = all(v == list(runs.values())[0] for v in runs.values())
    broken = [(name, s) for name, v in runs.items() for s, scores in v.items()
              if "_correct_" in s and sum(scores.values()) < AUTO_POINTS_OF_A_CORRECT_SUBMISSION]
    if broken:   # identical verdicts mean nothing if the runs did not work
        print(f"ERROR: correct submissions lost points (run, student): {broken[:6]}", file=sys.stderr)
        return 2
    report = (f"N = {args.n}, data = {args.size}, jobs = {args.jobs}, {os.cpu_count()} cores\n\n"
              f"{table(rows, args.n, floor)}\n\nper-question verdicts identical across runs: {same}\n")
    if not same:
        first = list(runs)[0]
        diffs = [(s, name) for name, v in runs.items() for s in v if v[s] != runs[first].get(s)]
        report += f"differences (student, run): {diffs[:10]}\n"
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"grading_speed_{args.size}_{args.n}.md").write_text(report)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
