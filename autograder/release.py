"""source/<assignment>/ → release/<assignment>/ with ``nbgrader generate_assignment``.

Also compares two releases cell by cell (what the sync test and ``make release`` rely on).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

KIT_ROOT = Path(__file__).resolve().parents[1]
VOLATILE_NBGRADER_KEYS = ("checksum",)


def nbgrader_env() -> dict:
    """nbgrader shells out to ``alembic``: this interpreter's bin/ must come first on PATH."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def generate_release(*, assignment: str = "td_keras_mlp", course_root: Path = KIT_ROOT,
                     db_url: str | None = None) -> Path:
    """Regenerate ``release/<assignment>`` of ``course_root``; returns that folder.

    Without ``db_url`` the gradebook is a throw-away one (the release alone is wanted); the
    nbgrader path (autograde) needs the course's own gradebook, which keeps the hidden tests.
    """
    course_root = Path(course_root)
    if not (course_root / "source" / assignment).is_dir():
        raise FileNotFoundError(f"no source/{assignment} in {course_root}")
    with tempfile.TemporaryDirectory(prefix="nbgrader-db-") as tmp:
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
               f"--CourseDirectory.root={course_root}",
               f"--CourseDirectory.db_url={db_url or f'sqlite:///{tmp}/gradebook.db'}"]
        proc = subprocess.run(cmd, cwd=course_root, env=nbgrader_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return course_root / "release" / assignment


def generate_release_copy(assignment: str, dest_root: Path) -> Path:
    """Generate the release from a copy of this kit's source/ into ``dest_root`` (for checks)."""
    dest_root = Path(dest_root)
    shutil.copytree(KIT_ROOT / "source" / assignment, dest_root / "source" / assignment)
    shutil.copy2(KIT_ROOT / "nbgrader_config.py", dest_root / "nbgrader_config.py")
    return generate_release(assignment=assignment, course_root=dest_root)


def comparable_cells(nb: nbformat.NotebookNode) -> list[dict]:
    """Cells without volatile metadata (ids, checksums, execution counts, outputs)."""
    cells = []
    for cell in nb.cells:
        meta = {k: v for k, v in cell.get("metadata", {}).get("nbgrader", {}).items()
                if k not in VOLATILE_NBGRADER_KEYS}
        cells.append({"cell_type": cell.cell_type, "source": cell.source, "nbgrader": meta})
    return cells


def release_differences(expected_dir: Path, actual_dir: Path) -> list[str]:
    """Human-readable differences between two release folders (empty when in sync)."""
    expected = {p.name: p for p in Path(expected_dir).iterdir() if p.is_file()}
    actual = {p.name: p for p in Path(actual_dir).iterdir() if p.is_file()}
    problems = [f"missing file {name}" for name in sorted(expected.keys() - actual.keys())]
    problems += [f"unexpected file {name}" for name in sorted(actual.keys() - expected.keys())]
    for name in sorted(expected.keys() & actual.keys()):
        if name.endswith(".ipynb"):
            want = comparable_cells(nbformat.read(str(expected[name]), as_version=4))
            got = comparable_cells(nbformat.read(str(actual[name]), as_version=4))
            problems += [f"{name}: cell {i} differs" for i, (a, b) in enumerate(zip(want, got)) if a != b]
            if len(want) != len(got):
                problems.append(f"{name}: {len(want)} cells expected, {len(got)} found")
        elif expected[name].read_bytes() != actual[name].read_bytes():
            problems.append(f"{name} differs")
    return problems
