"""LMS exports: one small exporter class per target, chosen by name (like nbgrader's plugins).

    export(out_dir=DIR, to="moodle", lang="fr")        # -> DIR/export/moodle/...
    export(out_dir=DIR, to="canvas", roster="canvas_gradebook.csv", assignment_id="1234")
    export(out_dir=DIR, to="mypackage.mymodule:MyExporter")   # any Exporter subclass

Targets and their options (keyword arguments of ``export``):

* ``moodle``: offline grading worksheet CSV + feedback files zip (no option);
* ``canvas``: gradebook import CSV; ``roster`` (a Canvas gradebook export with, optionally, a
  ``student`` column holding our student ids), ``assignment_name``, ``assignment_id``;
* ``gradescope``: autograder zip + one ``results.json`` per student (no option);
* ``nbgrader``: scores into the course gradebook + ``nbgrader export``-style CSV;
  ``course_root``, ``db_url``, ``assignment``, ``course_id``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

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
           **options) -> list[Path]:
    """Export the results of ``out_dir`` for ``to``; return the written paths.

    ``dest`` defaults to ``out_dir/export/<to>/``. Unknown options raise ``ValueError``."""
    cls = get_exporter(to)
    try:
        exporter = cls(lang=lang, **options)
    except TypeError as exc:
        raise ValueError(f"bad option for the {to} exporter: {exc}") from exc
    out_dir = Path(out_dir)
    dest = Path(dest) if dest is not None else out_dir / "export" / (cls.name or "custom")
    dest.mkdir(parents=True, exist_ok=True)
    return exporter.export(load_results(out_dir), out_dir=out_dir, dest=dest)
