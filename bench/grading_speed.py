"""Benchmark: grading a class with nbgrader autograde, our --full and our fast mode (warm and cold kernels).

For every assignment that has a test corpus:

    python -m bench.grading_speed [--assignment NAME]... [--n 30] [--size offline|full] [--jobs 2]
                                  [--skip-nbgrader] [--skip-full]

For each assignment (default: every one with a corpus: tests/submissions_<name>/, or
tests/submissions/ for the first one), builds a class of N submissions (cycling through the
corpus, correct and mistaken ones), then grades it

  (a) with ``nbgrader autograde`` over an nbgrader course tree (full execution, the anchor),
  (b) with ``python -m autograder grade --full`` (warm kernels),
  (c) with ``python -m autograder grade --no-warm`` (fast mode, cold kernels),
  (d) with ``python -m autograder grade`` (fast mode, warm kernels: the default),

and prints wall time, seconds per submission (wall time / N, and after the first result: the
time between the first and the last result files / (N - 1), what one more student costs),
peak memory (proportional set size of the whole
process tree: pages a zygote shares with its kernels are counted once), the zygote's peak
resident memory, the largest kernel's peak (the watchdog's measure), speed-up vs (a), × the
floor, and whether the per-question automatic scores are identical across the runs and equal
to the corpus' expected.json. Floors: a cold kernel started + ``import keras``; a warm kernel
forked from a zygote + ``import keras`` (the zygote's own start is shown apart).
Questions and points come from the assignment's SPEC.

``--size full`` (first assignment only) stands in for the lab network's MNIST: a 60000×784 /
10000×784 copy built by repeating the offline real sample, served through the ``lab`` data source.
Parallelism budget: nbgrader grades one notebook at a time, its kernel free to use every
core; ours runs ``--jobs`` kernels with cores/jobs threads each with ``--full``, one thread
each in fast mode (``autograder.batch.prestart.kernel_threads``).
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
FIRST_CORPUS = ("td_keras_mlp", KIT / "tests" / "submissions")   # the corpus from before the naming rule


def corpus_of(assignment: str) -> Path | None:
    """tests/submissions_<assignment>/ (tests/submissions/ for the first assignment), if it has
    notebooks and an expected.json."""
    folder = FIRST_CORPUS[1] if assignment == FIRST_CORPUS[0] else KIT / "tests" / f"submissions_{assignment}"
    if (folder / "expected.json").is_file() and any(folder.glob("*.ipynb")):
        return folder
    return None


def assignments_with_a_corpus() -> list[str]:
    from autograder.assignments import available_assignments

    return [name for name in available_assignments() if corpus_of(name) is not None]


def expected_scores(corpus: Path) -> dict[str, dict[str, float]]:
    """notebook stem -> per-question automatic scores, from the corpus' expected.json."""
    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    return {stem: {q: round(float(v), 2) for q, v in entry["scores"].items()} for stem, entry in expected.items()
            if isinstance(entry, dict) and isinstance(entry.get("scores"), dict)}


# ----------------------------------------------------------------------------- measuring
SAMPLE_EVERY_S = 0.5   # one look at the tree costs ~70 ms of CPU (smaps of the zygote and kernels)


class PeakMemory(threading.Thread):
    """Peak memory of a process and all its descendants, sampled every ``SAMPLE_EVERY_S``: the
    proportional set size of the tree (pages shared by forked processes counted once) and the
    resident memory of the zygote of warm kernels (``python -m autograder.execution.zygote``, not
    its forks). The sampling thread runs at the lowest priority (nice 19): every 0.2 s at normal
    priority it took a third of a core from the run it measured (3.2 s / submission instead of
    2.7-3.0 for the same warm class on 2 cores); at nice 19 it looks when a core is free."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.zygote_mb, self._stop = pid, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)   # this thread only (Linux)
        except (AttributeError, OSError):
            pass
        while not self._stop.wait(SAMPLE_EVERY_S):
            try:
                root = psutil.Process(self.pid)
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                continue
            self.peak_mb = max(self.peak_mb, sum(_pss(p) for p in procs) / 2**20)
            for proc in procs:
                if _is_zygote(proc):
                    try:
                        self.zygote_mb = max(self.zygote_mb, proc.memory_info().rss / 2**20)
                    except psutil.Error:
                        pass

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        return self.peak_mb, self.zygote_mb


def _pss(proc) -> int:
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:"))
    except (OSError, ValueError, StopIteration):
        try:
            return proc.memory_info().rss
        except psutil.Error:
            return 0


def _is_zygote(proc) -> bool:
    """The zygote itself (its forks, the warm kernels, have its command line too)."""
    try:
        mark = "autograder.execution.zygote"
        return mark in proc.cmdline() and mark not in psutil.Process(proc.ppid()).cmdline()
    except psutil.Error:
        return False


def timed_run(cmd: list[str], *, cwd: Path, env: dict) -> tuple[float, tuple[float, float]]:
    """(wall seconds, (peak MB of the tree, peak MB of the zygote)) of a command; raises if it fails."""
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
def build_class(n: int, corpus: Path, folder: Path) -> dict[str, str]:
    """N submissions cycling through the corpus, correct and mistaken ones alternating (so a
    small class mixes both); returns student id -> corpus notebook stem."""
    notebooks = sorted(corpus.glob("*.ipynb"))
    correct = [nb for nb in notebooks if nb.stem.startswith("correct")]
    others = [nb for nb in notebooks if nb not in correct]
    pairs = [nb for pair in zip(correct * (1 + len(others) // max(1, len(correct))), others) for nb in pair]
    cycle = pairs or notebooks
    folder.mkdir(parents=True)
    students = {}
    for i in range(n):
        notebook = cycle[i % len(cycle)]
        student = f"s{i:03d}_{notebook.stem}"
        shutil.copy2(notebook, folder / f"{student}.ipynb")
        students[student] = notebook.stem
    return students


def build_full_size_lab_dir(folder: Path) -> Path:
    """mnist.npz of full MNIST's size (60000 / 10000 rows) made by repeating the real sample."""
    sys.path.insert(0, str(KIT / "source" / FIRST_CORPUS[0]))
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
def run_nbgrader(spec, class_dir: Path, students: dict, scratch: Path, env: dict) -> tuple[float, tuple, dict]:
    course = scratch / f"course-{spec.name}"
    shutil.copytree(KIT / "source", course / "source")
    shutil.copy2(KIT / "nbgrader_config.py", course / "nbgrader_config.py")
    db_url = f"sqlite:///{course}/gradebook.db"
    from autograder.release import generate_release

    generate_release(assignment=spec.name, course_root=course, db_url=db_url)
    for student in students:
        target = course / "submitted" / student / spec.name
        target.mkdir(parents=True)
        shutil.copy2(class_dir / f"{student}.ipynb", target / spec.notebook_name)
    seconds, peak = timed_run([sys.executable, "-m", "nbgrader", "autograde", spec.name, "--create",
                               f"--CourseDirectory.db_url={db_url}"], cwd=course, env=env)
    from nbgrader.api import Gradebook

    manual = {m.id for m in spec.manual}
    verdicts = {}
    with Gradebook(db_url) as gradebook:
        for student in students:
            nb = gradebook.find_submission_notebook(Path(spec.notebook_name).stem, spec.name, student)
            scores = dict.fromkeys(spec.questions, 0.0)
            for grade in nb.grades:
                question = _question_of(grade.name, spec.questions)
                if question and grade.name not in manual and grade.auto_score is not None:
                    scores[question] += float(grade.auto_score)
            verdicts[student] = {q: round(v, 2) for q, v in scores.items()}
    return seconds, peak, verdicts


def _question_of(grade_id: str, questions) -> str | None:
    """The question a grade cell belongs to: the longest question id that prefixes its id."""
    matches = [q for q in questions if grade_id == q or grade_id.startswith(f"{q}_")]
    return max(matches, key=len) if matches else None


def run_ours(spec, class_dir: Path, out: Path, env: dict, jobs: int, full: bool,
             warm: bool) -> tuple[float, tuple, dict, dict]:
    cmd = [sys.executable, "-m", "autograder", "grade", str(class_dir), "--out", str(out),
           "--assignment", spec.name, "--jobs", str(jobs), "--quiet"]
    cmd += (["--full"] if full else []) + ([] if warm else ["--no-warm"])
    seconds, peak = timed_run(cmd, cwd=KIT, env=env)
    verdicts, written = {}, sorted(p.stat().st_mtime for p in (out / "results").glob("*.json"))
    for path in (out / "results").glob("*.json"):
        result = json.loads(path.read_text())
        verdicts[result["student"]] = {
            q: round(sum(c["points"] for c in result["questions"][q]["checks"] if c["passed"] is not None), 2)
            for q in spec.questions}
    steady = (written[-1] - written[0]) / (len(written) - 1) if len(written) > 1 else None
    return seconds, peak, verdicts, {**kernel_logs(out), "steady": steady}


def kernel_logs(out: Path) -> dict:
    """From the workers' logs: how many kernels were warm, and the largest kernel's peak MB."""
    import re

    kernels = [re.search(r"\((warm|cold) kernel: [\d.]+ s, peak ([\d.]+) MB\)", log.read_text(errors="replace"))
               for log in (out / "logs").glob("*.log")]
    kernels = [k for k in kernels if k]
    return {"warm": sum(k.group(1) == "warm" for k in kernels), "kernels": len(kernels),
            "kernel_peak": max((float(k.group(2)) for k in kernels), default=0.0)}


def floor_once(data_source: str, assignment: str = FIRST_CORPUS[0], zygote: str | None = None,
               threads: int = 1) -> float:
    """Seconds to start one kernel (cold, or forked from ``zygote``) and import Keras in it."""
    import nbformat

    from autograder.assignments import DATA_SOURCE_ENV, load_assignment
    from autograder.execution.environment import kernel_env
    from autograder.execution.kernel_run import Limits, run_notebook

    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import keras")])
        data = load_assignment(assignment).data.kernel_env({DATA_SOURCE_ENV: data_source})
        kenv = kernel_env(workdir=Path(tmp), threads=threads, extra=data, fast=True)
        started = time.monotonic()
        execution = run_notebook(nb, workdir=Path(tmp), names=[], fast=True, limits=Limits(), env=kenv,
                                 zygote=zygote)
        if zygote and not execution.warm:
            raise RuntimeError("the warm floor's kernel started cold")
        return time.monotonic() - started


def warm_floor(data_source: str, assignment: str, n: int, jobs: int, threads: int) -> dict:
    """Start a zygote (timed), then one warm kernel alone, then n warm kernels ``jobs`` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from autograder.assignments import DATA_SOURCE_ENV, load_assignment
    from autograder.execution.warm import Zygote
    from autograder.assignments.environment import warm_env

    started = time.monotonic()
    zygote = Zygote.start(warm_env(load_assignment(assignment), threads, {**os.environ, DATA_SOURCE_ENV: data_source}))
    start_s = time.monotonic() - started
    try:
        alone = floor_once(data_source, assignment, zygote.address, threads)
        started = time.monotonic()
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(lambda _: floor_once(data_source, assignment, zygote.address, threads), range(n)))
        return {"zygote_start": start_s, "alone": alone, "per_kernel": (time.monotonic() - started) / n}
    finally:
        zygote.close()


def measure_floor(env: dict, n: int, jobs: int, assignment: str) -> dict:
    """Cold: (one kernel alone, seconds per kernel when n kernels start ``jobs`` at a time);
    warm: the same for kernels forked from a zygote, and the zygote's start."""
    from autograder.batch.prestart import kernel_threads

    source, threads = env["AUTOGRADER_DATA_SOURCE"], kernel_threads(False, jobs)   # as fast mode's kernels
    code = ("from bench.grading_speed import floor_once; "
            f"print(floor_once({source!r}, {assignment!r}, None, {threads}))")
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
    cold = {"alone": alone, "per_kernel": (time.monotonic() - started) / n}
    code = ("import json; from bench.grading_speed import warm_floor; "
            f"print(json.dumps(warm_floor({source!r}, {assignment!r}, {n}, {jobs}, {threads})))")
    warm = json.loads(subprocess.run([sys.executable, "-c", code], cwd=KIT, env=env, capture_output=True,
                                     text=True, check=True).stdout.strip().splitlines()[-1])
    return {"cold": cold, "warm": warm}


# ----------------------------------------------------------------------------- report
def table(rows: list[dict], n: int, floor: dict) -> str:
    anchor = next((r["seconds"] for r in rows if r["name"].startswith("(a)")), None)
    lines = ["| run | wall time (s) | s / submission | s / submission after the first | peak memory, tree PSS (MB) "
             "| zygote peak RSS (MB) | largest kernel peak (MB) | speed-up vs (a) | × floor |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        speed = f"{anchor / r['seconds']:.1f}×" if anchor else "n/a"
        per = r["seconds"] / n
        kind = "warm" if r.get("warm") else "cold"
        zygote = f"{r['zygote']:.0f}" if r.get("zygote") else ""
        kernel = f"{r['kernel_peak']:.0f}" if r.get("kernel_peak") else ""
        steady = f"{r['steady']:.1f}" if r.get("steady") else ""
        lines.append(f"| {r['name']} | {r['seconds']:.0f} | {per:.1f} | {steady} | {r['peak']:.0f} | {zygote} | {kernel} | "
                     f"{speed} | {per / floor[kind]['per_kernel']:.1f} |")
    cold, warm = floor["cold"], floor["warm"]
    lines.append(f"| floor, cold: {n} kernels start + `import keras`, same parallelism | {cold['per_kernel'] * n:.0f} "
                 f"| {cold['per_kernel']:.1f} | | | | | | 1.0 |")
    lines.append(f"| floor, cold: one kernel alone | | {cold['alone']:.1f} | | | | | | |")
    lines.append(f"| floor, warm: {n} kernels forked + `import keras`, same parallelism | {warm['per_kernel'] * n:.0f} "
                 f"| {warm['per_kernel']:.2f} | | | | | | 1.0 |")
    lines.append(f"| floor, warm: one kernel alone (zygote start: {warm['zygote_start']:.1f} s, once) | | "
                 f"{warm['alone']:.2f} | | | | | | |")
    return "\n".join(lines)


def bench_assignment(name: str, args, scratch: Path) -> tuple[str, bool]:
    """Grade a class of ``name`` every way; (report, verdicts identical and as expected)."""
    from autograder.assignments import load_assignment

    spec, corpus = load_assignment(name), corpus_of(name)
    students = build_class(args.n, corpus, scratch / name / "class")
    env = data_env(args.size, scratch / name)
    class_dir = scratch / name / "class"
    runs, rows = {}, []
    plan = [("(b) ours --full, warm kernels", lambda: run_ours(spec, class_dir, scratch / name / "full", env, args.jobs, True, True)),
            ("(c) ours fast, cold kernels (--no-warm)", lambda: run_ours(spec, class_dir, scratch / name / "fast-cold", env, args.jobs, False, False)),
            ("(d) ours fast, warm kernels (default)", lambda: run_ours(spec, class_dir, scratch / name / "fast-warm", env, args.jobs, False, True))]
    if args.skip_full:
        plan.pop(0)
    if not args.skip_nbgrader:
        plan.insert(0, ("(a) nbgrader autograde", lambda: run_nbgrader(spec, class_dir, students, scratch / name, env) + ({},)))
    for label, run in plan:
        print(f"[{name}] {label} on {args.n} submissions ({args.size} data)…", flush=True)
        seconds, (peak, zygote), verdicts, kernels = run()
        runs[label] = verdicts
        rows.append({"name": label, "seconds": seconds, "peak": peak, "zygote": zygote, **kernels})
        if "warm kernels" in label and kernels.get("warm") != kernels.get("kernels"):
            print(f"WARNING: {label}: only {kernels.get('warm')} of {kernels.get('kernels')} kernels were warm", flush=True)
    print(f"[{name}] floors: kernel start + import keras, cold and warm…", flush=True)
    floor = measure_floor(env, args.n, args.jobs, name)
    expected = expected_scores(corpus)
    want = {s: expected[stem] for s, stem in students.items() if stem in expected}
    same = all(v == list(runs.values())[0] for v in runs.values())
    as_expected = {label: [s for s in want if v.get(s) != want[s]] for label, v in runs.items()}
    report = (f"## {name}: N = {args.n}, data = {args.size}, jobs = {args.jobs}, {os.cpu_count()} cores\n\n"
              f"{table(rows, args.n, floor)}\n\nper-question verdicts identical across runs: {same}\n"
              f"verdicts equal to {corpus.relative_to(KIT)}/expected.json: "
              f"{all(not bad for bad in as_expected.values())}\n")
    if not same:
        first = list(runs)[0]
        diffs = [(s, label) for label, v in runs.items() for s in v if v[s] != runs[first].get(s)]
        report += f"differences (student, run): {diffs[:10]}\n"
    for label, bad in as_expected.items():
        if bad:
            report += f"{label}: not as expected: {[(s, runs[label].get(s), want[s]) for s in bad[:4]]}\n"
    return report, same and all(not bad for bad in as_expected.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.grading_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--assignment", action="append", default=None, metavar="NAME",
                        help="an assignment with a corpus (repeatable; default: all of them)")
    parser.add_argument("--n", type=int, default=30, help="class size (default 30)")
    parser.add_argument("--size", choices=("offline", "full"), default="offline")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-nbgrader", action="store_true", help="only our runs")
    parser.add_argument("--skip-full", action="store_true", help="without (b): fast mode (warm and cold) only")
    parser.add_argument("--out", type=Path, default=KIT / "bench" / "out")
    args = parser.parse_args(argv)
    names = args.assignment or assignments_with_a_corpus()
    missing = [name for name in names if corpus_of(name) is None]
    if missing:
        parser.error(f"no corpus for {', '.join(missing)} (tests/submissions_<name>/ with an expected.json); "
                     f"assignments with one: {', '.join(assignments_with_a_corpus())}")
    if args.size == "full" and names != [FIRST_CORPUS[0]]:
        parser.error(f"--size full is for {FIRST_CORPUS[0]} only (add --assignment {FIRST_CORPUS[0]})")
    reports, ok = [], True
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            report, good = bench_assignment(name, args, Path(tmp))
            print(report, flush=True)
            reports.append(report)
            ok = ok and good
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "all" if args.assignment is None else "_".join(names)
    (args.out / f"grading_speed_{suffix}_{args.size}_{args.n}.md").write_text("\n".join(reports))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
