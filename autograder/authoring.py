"""Authoring: lay out a new assignment that releases and grades out of the box.

    python -m autograder new NAME [--course-root DIR] [--title-fr TEXT] [--title-en TEXT]

writes, for a course root ROOT (the kit unless ``--course-root`` or AUTOGRADER_COURSE_ROOT):

* the plugin: ``autograder/assignments/NAME/`` (in the kit) or ``ROOT/assignments/NAME/``, with
  ``__init__.py`` (the ``SPEC``) and ``hidden_checks.py`` (one check written with the public
  check library, ``autograder.checks``);
* the source notebook ``ROOT/source/NAME/NAME.ipynb`` (nbgrader cells: one example question
  with its solution cell and its hidden-test cell calling ``hidden_score``, one written answer
  graded by hand);
* one sample submission ``ROOT/samples/NAME/student_example.ipynb`` (the solution as a student
  would hand it in);
* ``ROOT/nbgrader_config.py`` when the course has none.

The files come from ``autograder/assignments/_template/*.tmpl`` with ``__NAME__``,
``__TITLE_FR__`` and ``__TITLE_EN__`` replaced. Then ``python -m autograder release NAME`` and
``python -m autograder grade ROOT/samples/NAME --out OUT --assignment NAME``.
"""
from __future__ import annotations

import copy
import json
import keyword
import shutil
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignments import KIT_ROOT, available_assignments, course_root as default_course_root

TEMPLATE_DIR = Path(__file__).resolve().parent / "assignments" / "_template"
KIT_PLUGINS = Path(__file__).resolve().parent / "assignments"
SAMPLE_NAME = "student_example.ipynb"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


class AuthoringError(ValueError):
    """The assignment cannot be created (bad name, already exists): the message says why."""


@dataclass(frozen=True)
class NewAssignment:
    name: str
    course_root: Path
    plugin_dir: Path
    source_notebook: Path
    sample: Path
    created: tuple[Path, ...]


def check_name(name: str) -> str:
    """A valid assignment name: a lowercase Python identifier (it names a package and a folder)."""
    if not NAME_PATTERN.match(name or "") or keyword.iskeyword(name):
        raise AuthoringError(
            f"invalid assignment name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (a Python identifier, e.g. lab_convnets)")
    return name


def create_assignment(name: str, *, course_root: Path | str | None = None,
                      title_fr: str | None = None, title_en: str | None = None) -> NewAssignment:
    """Lay out assignment ``name`` (see the module docstring); AuthoringError if it exists."""
    check_name(name)
    root = Path(course_root).resolve() if course_root else default_course_root().resolve()
    in_kit = root == KIT_ROOT.resolve()
    plugin_dir = (KIT_PLUGINS if in_kit else root / "assignments") / name
    source_dir, release_dir = root / "source" / name, root / "release" / name
    sample = root / "samples" / name / SAMPLE_NAME
    taken = [p for p in dict.fromkeys((plugin_dir, KIT_PLUGINS / name, source_dir, release_dir, sample.parent))
             if p.exists()]
    if taken or name in available_assignments():
        where = ", ".join(str(p) for p in taken) or "an assignment plugin of that name"
        raise AuthoringError(f"assignment {name!r} already exists ({where}): choose another name")

    texts = {"__NAME__": name,
             "__TITLE_FR__": title_fr or f"TP {name}",
             "__TITLE_EN__": title_en or f"Lab {name}"}
    created: list[Path] = []
    try:
        _lay_out(created, texts, plugin_dir, source_dir, sample, root)
    except BaseException:   # no half-made assignment left behind
        for path in reversed(created):
            path.unlink(missing_ok=True)
        for folder in (plugin_dir, source_dir, sample.parent):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return NewAssignment(name, root, plugin_dir, source_dir / f"{name}.ipynb", sample, tuple(created))


def _lay_out(created: list[Path], texts: dict, plugin_dir: Path, source_dir: Path, sample: Path,
             root: Path) -> None:
    name = texts["__NAME__"]
    for template, target in (("plugin/__init__.py.tmpl", plugin_dir / "__init__.py"),
                             ("plugin/hidden_checks.py.tmpl", plugin_dir / "hidden_checks.py")):
        created.append(_write(target, _fill(TEMPLATE_DIR / template, texts)))
    notebook_text = _fill(TEMPLATE_DIR / "source" / "notebook.ipynb.tmpl", texts)
    source_notebook = _write(source_dir / f"{name}.ipynb", notebook_text)
    created.append(source_notebook)
    nb = nbformat.reads(notebook_text, as_version=4)
    created.append(_write(sample, nbformat.writes(solution_as_submitted(nb))))
    config = root / "nbgrader_config.py"
    if not config.exists():
        created.append(_write(config, _fill(TEMPLATE_DIR / "nbgrader_config.py.tmpl", texts)))


def solution_as_submitted(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The source notebook as a student who found the solution would hand it in: solution
    markers removed, hidden tests removed, outputs empty."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        text = HIDDEN_TESTS.sub("", cell.source)
        cell.source = SOLUTION_MARKERS.sub("", text).rstrip("\n")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _fill(template: Path, texts: dict[str, str]) -> str:
    """The template's text with its tokens replaced, escaped for the file's kind."""
    kind = Path(template.name.removesuffix(".tmpl")).suffix
    text = template.read_text(encoding="utf-8")
    for token, value in texts.items():
        if kind == ".ipynb":        # inside JSON strings
            value = json.dumps(value, ensure_ascii=False)[1:-1]
        elif kind == ".py":         # inside "..." Python strings
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        text = text.replace(token, value)
    return text


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
