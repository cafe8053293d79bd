"""``make demo``: the whole pipeline on the bundled material, offline, for every assignment
that has sample submissions.

The samples are the kit's corpora of realistic submissions: ``tests/submissions/`` and every
``tests/submissions_<name>/`` (each says its assignment, read from the notebooks as ``grade``
does); a corpus with a ``demo.json`` (a list of notebook names) contributes those samples only.
For each assignment:

1. regenerate release/ from source/ with nbgrader and say whether it was in sync;
2. execute the instructor's solution notebook top to bottom on the offline data and print
   the key answers (each contract name: shapes, values, parameter counts, validation scores);
3. grade the sample submissions in fast mode;
4. write the class report, the Moodle, Canvas and Gradescope exports, and the written answers
   to grade by hand (pages + manual_grades.csv, then ``python -m autograder merge``);

then print where each class report is.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

from autograder.assignments import AssignmentSpec, load_assignment
from autograder.assignments.detection import choose_assignment
from autograder.collect import collect_submissions
from autograder.execution.kernel_run import KERNEL_NAME, write_kernelspec
from autograder.release import KIT_ROOT, generate_release, release_differences

OUT = KIT_ROOT / "demo-output"
TESTS = KIT_ROOT / "tests"
DEMO_LIST = "demo.json"   # in a corpus folder: the notebooks the demo grades (default: all)


def sample_folders() -> list[Path]:
    """The corpora bundled with the kit: ``tests/submissions`` then ``tests/submissions_*``."""
    folders = [TESTS / "submissions", *sorted(TESTS.glob("submissions_*"))]
    return [folder for folder in folders if folder.is_dir() and any(folder.glob("*.ipynb"))]


def demo_samples(folder: Path) -> list[Path]:
    """The notebooks of a corpus the demo grades: those of its ``demo.json``, else all of them."""
    listed = folder / DEMO_LIST
    if not listed.is_file():
        return sorted(folder.glob("*.ipynb"))
    names = json.loads(listed.read_text(encoding="utf-8"))
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{listed} lists notebooks that are not in {folder}: {missing}")
    return [folder / name for name in names]


def demo_classes() -> dict[str, list[Path]]:
    """assignment -> its sample notebooks (the assignment read from the samples, as ``grade`` does)."""
    classes: dict[str, list[Path]] = {}
    for folder in sample_folders():
        samples = demo_samples(folder)
        with tempfile.TemporaryDirectory() as tmp:
            assignment = choose_assignment(collect_submissions(samples, Path(tmp)))[0]
        classes.setdefault(assignment, []).extend(samples)
    return classes


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def summary_cell(spec: AssignmentSpec) -> str:
    """Code printing the key answers of the solution: each contract name, briefly."""
    return f"""
def _describe(value):
    if hasattr(value, "count_params"):
        return f"model, {{value.count_params()}} parameters"
    if isinstance(getattr(value, "history", None), dict):
        return "history, last " + ", ".join(f"{{k}}={{v[-1]:.3f}}" for k, v in value.history.items() if k.startswith("val_"))
    if isinstance(value, dict):
        return "{{" + ", ".join(f"{{k}}: {{_describe(v)}}" for k, v in value.items()) + "}}"
    if hasattr(value, "shape"):
        return f"array {{value.shape}}"
    return repr(value)[:80]

print("KEY ANSWERS")
for _name in {spec.contract_names!r}:
    print(f"  {{_name:14s}}:", _describe(globals()[_name]) if _name in globals() else "(not defined)")
"""


def run_solution(spec: AssignmentSpec, out: Path) -> float:
    """Execute the solution notebook (source/) on the assignment's default data; save it
    executed; return the seconds it took."""
    source = spec.source_dir()
    nb = nbformat.read(str(source / spec.notebook_name), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(summary_cell(spec)))
    with tempfile.TemporaryDirectory(prefix="solution-") as tmp:
        for name in spec.released_files:
            shutil.copy2(source / name, tmp)
        env = {**os.environ, **spec.data.kernel_env(), "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
        started = time.monotonic()
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(
            kernel_dirs=[str(write_kernelspec(Path(tmp) / ".kernels"))]))
        client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": tmp}})
        with _environ(env):
            try:
                client.execute()
            finally:   # nbclient leaves running a kernel manager it was given
                run_sync(km.shutdown_kernel)(now=True)
        seconds = time.monotonic() - started
    nbformat.write(nb, str(out / "solution_executed.ipynb"))
    print("".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream"))
    return seconds


class _environ:
    """Temporarily set environment variables (the kernel inherits them)."""

    def __init__(self, values: dict):
        self.values, self.saved = values, dict(os.environ)

    def __enter__(self):
        os.environ.update(self.values)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


def run_demo() -> int:
    classes = demo_classes()
    OUT.mkdir(exist_ok=True)
    print("assignments with samples:", ", ".join(f"{name} ({len(samples)})" for name, samples in classes.items()))
    reports = {name: demo_assignment(load_assignment(name), samples, OUT / name) for name, samples in classes.items()}
    step("class reports")
    for name, report in reports.items():
        print(f"  {name:16s} {report}")
    return 0


def demo_assignment(spec: AssignmentSpec, samples: list[Path], out: Path) -> Path:
    """Steps 1-4 for one assignment, in ``out``; returns the class report."""
    from autograder.batch.run import grade_batch
    from autograder.outputs.answers import write_answers
    from autograder.outputs.exporters import export
    from autograder.outputs.report import write_report
    from autograder.release import generate_release_copy

    out.mkdir(parents=True, exist_ok=True)
    grading = out / "grading"
    step(f"{spec.name} 1/4 release: nbgrader generate_assignment source/ → release/")
    with tempfile.TemporaryDirectory() as tmp:
        drift = release_differences(spec.release_dir(), generate_release_copy(spec.name, Path(tmp)))
    print("committed release/ was in sync with source/" if not drift else f"release/ was out of date: {drift}")
    print("release:", generate_release(spec.name))
    step(f"{spec.name} 2/4 solution notebook (the assignment's default data: offline unless "
         "AUTOGRADER_DATA_SOURCE says otherwise)")
    print(f"solution notebook ran in {run_solution(spec, out):.0f} s → {out / 'solution_executed.ipynb'}")
    folders = sorted({str(p.parent.relative_to(KIT_ROOT)) for p in samples})
    step(f"{spec.name} 3/4 grade {len(samples)} sample submissions of {', '.join(folders)}/ (fast mode)")
    results = grade_batch(paths=samples, out_dir=grading, lang="fr", assignment=spec.name)
    for result in results:
        print(f"  {result.student:42s} {result.status:16s} {result.score:5.1f} / {result.max_score:g}")
    step(f"{spec.name} 4/4 class report, LMS exports and the written answers to grade by hand")
    report = write_report(out_dir=grading, lang="fr")
    exported = [p for target in ("moodle", "canvas", "gradescope") for p in export(out_dir=grading, to=target)]
    answers = write_answers(out_dir=grading, lang="fr") if spec.manual else []
    print(f"""
grades        {grading / 'grades.csv'}
results       {grading / 'results'}/<student>.json
feedback      {grading / 'feedback'}/<student>.html
class report  {report}
exports       {grading / 'export'}/ ({len(exported)} files: moodle, canvas, gradescope)""")
    if answers:
        print(f"""written answers {answers[0]}
  fill the points of {answers[-1]}, then:
  python -m autograder merge {grading} {answers[-1]}""")
    return report
