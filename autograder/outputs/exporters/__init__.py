"""LMS exports: one small exporter class per target, chosen by name (like nbgrader's plugins).

    export(out_dir=DIR, to="moodle", lang="fr")        # -> DIR/export/moodle/...
    export(out_dir=DIR, to="canvas", roster="canvas_gradebook.csv", assignment_id="1234")
    export(out_dir=DIR, to="mypackage.mymodule:MyExporter")   # any Exporter subclass

The assignment (names, questions, titles) is the one the results grade; ``assignment=NAME``
names it for results written before results recorded it. A folder mixing assignments is
refused (``AssignmentMismatch``).

Targets and their options (keyword arguments of ``export``):

* ``moodle``: offline grading worksheet CSV + feedback files zip (no option);
* ``canvas``: gradebook import CSV; ``roster`` (a Canvas gradebook export with, optionally, a
  ``student`` column holding our student ids), ``assignment_name`` (default: the assignment's
  title), ``assignment_id``;
* ``gradescope``: autograder zip + one ``results.json`` per student (no option);
* ``nbgrader``: scores into the course gradebook + ``nbgrader export``-style CSV;
  ``course_root``, ``db_url``, ``notebook`` (default: the assignment's notebook), ``course_id``.

An exporter class is built as ``cls(lang=..., spec=<AssignmentSpec>, **options)``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from autograder.outputs.assignment import AssignmentMismatch, spec_for_results
from autograder.outputs.exporters.base import Exporter
from autograder.results import load_results

EXPORTERS = {
    "moodle": "autograder.outputs.exporters.moodle:MoodleExporter",
    "canvas": "autograder.outputs.exporters.canvas:CanvasExporter",
    "gradescope": "autograder.outputs.exporters.gradescope:GradescopeExporter",
    "nbgrader": "autograder.outputs.exporters.nbgrader:NbgraderExporter",
}


def get_exporter(name: str) -> type[Exporter]:
    """An exporter class from its name (``moodle``…) or its path (``package.module:Class``)."""
    target = EXPORTERS.get(name, name)
    if ":" not in target:
        raise ValueError(f"unknown export target {name!r}: choose one of {', '.join(EXPORTERS)}"
                         " or give package.module:Class")
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exporter)):
        raise ValueError(f"{target} is not an Exporter subclass")
    return cls


def export(*, out_dir: Path, to: str, lang: str = "fr", dest: Path | None = None,
           assignment: str | None = None, **options) -> list[Path]:
    """Export the results of ``out_dir`` for ``to``; return the written paths.

    ``dest`` defaults to ``out_dir/export/<to>/``. Unknown options raise ``ValueError``."""
    cls = get_exporter(to)
    out_dir = Path(out_dir)
    results = load_results(out_dir)
    spec = spec_for_results(results, assignment, where=str(out_dir))
    if spec is None:
        raise AssignmentMismatch(f"{out_dir} has no results to export and names no assignment: "
                                 "give --assignment NAME")
    try:
        exporter = cls(lang=lang, spec=spec, **options)
    except TypeError as exc:
        raise ValueError(f"bad option for the {to} exporter: {exc}") from exc
    dest = Path(dest) if dest is not None else out_dir / "export" / (cls.name or "custom")
    dest.mkdir(parents=True, exist_ok=True)
    return exporter.export(results, out_dir=out_dir, dest=dest)
