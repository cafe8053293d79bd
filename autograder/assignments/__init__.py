"""Assignments the kit can grade: each one is a plugin, described once by an ``AssignmentSpec``.

An assignment is a package ``autograder/assignments/<name>/`` (or ``<course root>/assignments/<name>/``
for a course kept outside the kit) whose ``__init__.py`` defines ``SPEC`` and which holds its
``hidden_checks.py``. Its notebook lives in ``source/<name>/`` (nbgrader solution and hidden test
cells) and its student version in ``release/<name>/``. Everything the generic layers need to
know about an assignment comes from its ``SPEC``: titles, questions and points, manual checks,
the contract (names the student must define, per question), support files and data settings.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

COURSE_ROOT_ENV = "AUTOGRADER_COURSE_ROOT"
DATA_SOURCE_ENV = "AUTOGRADER_DATA_SOURCE"   # overrides an assignment's default data source
KIT_ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr", "en")

# The kinds of object a contract name may hold (what the student self-check verifies).
CONTRACT_KINDS = ("array", "text", "int", "number", "model", "history", "history_dict", "object")


def course_root() -> Path:
    """The folder holding ``source/`` and ``release/`` (this kit, unless AUTOGRADER_COURSE_ROOT)."""
    return Path(os.environ.get(COURSE_ROOT_ENV) or KIT_ROOT)


@dataclass(frozen=True)
class ManualCheck:
    """Points graded by hand (a written answer): pending until an instructor grades them."""

    id: str
    question: str
    points: float
    label: dict  # {"fr": ..., "en": ...}


@dataclass(frozen=True)
class ContractItem:
    """One name the student must define: its kind and, for a dictionary, its keys."""

    name: str
    kind: str
    keys: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in CONTRACT_KINDS:
            raise ValueError(f"contract item {self.name!r}: kind {self.kind!r} not in {CONTRACT_KINDS}")


@dataclass(frozen=True)
class DataSettings:
    """How the kernels of this assignment get their data on a grading machine.

    * ``source_env``: the kernel variable that chooses the data source (read by the
      assignment's support files); it gets ``default_source``, or ``AUTOGRADER_DATA_SOURCE``
      when the grader sets it (e.g. ``lab`` on the lab network).
    * ``passthrough_env``: grader variables copied into the kernel when they are set.
    * ``read_only_dirs``: ``{variable: default folder}``: the folder named by the variable (or
      the default) is bound read-only into the sandbox when it exists.
    * ``prepare_cache``: called once per grading machine with a folder the kernels may read;
      fills it (e.g. parsed data sets) and returns the kernel variables pointing to it.
    """

    source_env: str | None = None
    default_source: str = "offline"
    passthrough_env: tuple[str, ...] = ()
    read_only_dirs: dict = field(default_factory=dict)
    prepare_cache: Callable[[Path], dict[str, str]] | None = None

    def kernel_env(self, environ: dict | None = None) -> dict[str, str]:
        """Variables given to the kernel (before the data cache's)."""
        environ = os.environ if environ is None else environ
        env = {}
        if self.source_env:
            env[self.source_env] = environ.get(DATA_SOURCE_ENV) or self.default_source
        for name in self.passthrough_env:
            if name in environ:
                env[name] = environ[name]
        return env

    def data_dirs(self, environ: dict | None = None) -> list[str]:
        """Folders bound read-only into the kernel's sandbox (those that exist)."""
        environ = os.environ if environ is None else environ
        folders = [environ.get(var) or default for var, default in self.read_only_dirs.items()]
        return [f for f in folders if f and os.path.isdir(f)]


@dataclass(frozen=True)
class AssignmentSpec:
    """Everything the kit knows about one assignment (see the module docstring)."""

    name: str
    title: dict                                   # {"fr": ..., "en": ...}
    questions: dict[str, float]                   # question id -> max points (auto + manual), in order
    question_titles: dict[str, dict]              # question id -> {"fr": ..., "en": ...}
    contract: dict[str, list[ContractItem]]       # question id -> names the student defines
    manual: list[ManualCheck] = field(default_factory=list)
    support_files: tuple[str, ...] = ()           # files of source/<name>/ released beside the notebook
    data: DataSettings = field(default_factory=DataSettings)
    package_dir: Path | None = None               # folder of the plugin (set by load_assignment)

    def __post_init__(self):
        for lang in LANGS:
            if not self.title.get(lang):
                raise ValueError(f"assignment {self.name}: title has no {lang!r} text")
        unknown = [q for q in [*self.question_titles, *self.contract, *(m.question for m in self.manual)]
                   if q not in self.questions]
        if unknown:
            raise ValueError(f"assignment {self.name}: unknown question(s) {sorted(set(unknown))}")
        for qid in self.questions:
            titles = self.question_titles.get(qid, {})
            if any(not titles.get(lang) for lang in LANGS):
                raise ValueError(f"assignment {self.name}: question {qid} needs a title in {LANGS}")

    # -- what the generic layers read
    @property
    def contract_names(self) -> list[str]:
        """Every contract name, in question order (what the harvest describes)."""
        names: list[str] = []
        for items in self.contract.values():
            names += [item.name for item in items if item.name not in names]
        return names

    @property
    def max_score(self) -> float:
        return float(sum(self.questions.values()))

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["fr"]

    def question_title(self, qid: str, lang: str) -> str:
        titles = self.question_titles.get(qid, {})
        return titles.get(lang) or titles.get("fr") or ""

    # -- where its parts are
    @property
    def checks_file(self) -> Path:
        return Path(self.hidden_checks_module().__file__)

    def hidden_checks_module(self):
        return _import_plugin_module(self.name, "hidden_checks", self.package_dir)

    def source_dir(self) -> Path:
        return course_root() / "source" / self.name

    def release_dir(self) -> Path:
        """Folder of the released assignment (its support files are copied beside the notebook)."""
        return course_root() / "release" / self.name

    def support_module(self, name: str):
        """Import a released support file (e.g. ``dataset_utils.py``) in the grader's process
        (instructor code, trusted), under a private module name."""
        path = self.release_dir() / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"_autograder_{self.name}_{name}", path)
        if spec is None or not path.is_file():
            raise FileNotFoundError(path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    # -- compatibility with the callers written before DataSettings (to be removed)
    @property
    def data_source(self) -> str:
        return self.data.default_source

    @property
    def prepare_data_cache(self):
        return self.data.prepare_cache


class UnknownAssignment(ValueError):
    """No plugin of that name (the message lists the known ones)."""


def _plugin_dirs() -> list[Path]:
    """Where assignment plugins are looked for: the kit's package, then the course's folder."""
    dirs = [Path(__file__).resolve().parent]
    course = course_root() / "assignments"
    if course.is_dir() and course.resolve() != dirs[0]:
        dirs.append(course)
    return dirs


def available_assignments() -> list[str]:
    names = set()
    for folder in _plugin_dirs():
        names |= {p.name for p in folder.iterdir()
                  if p.is_dir() and (p / "__init__.py").is_file() and not p.name.startswith("_")}
    return sorted(names)


def _import_plugin_module(name: str, module: str | None, package_dir: Path | None):
    """``autograder.assignments.<name>[.<module>]``, or the same from a course's folder."""
    if package_dir is None or package_dir.parent == Path(__file__).resolve().parent:
        return importlib.import_module(f"{__name__}.{name}" + (f".{module}" if module else ""))
    qualified = f"_autograder_course_assignments.{name}" + (f".{module}" if module else "")
    if qualified in sys.modules:
        return sys.modules[qualified]
    path = package_dir / (f"{module}.py" if module else "__init__.py")
    spec = importlib.util.spec_from_file_location(
        qualified, path, submodule_search_locations=None if module else [str(package_dir)])
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def load_assignment(name: str) -> AssignmentSpec:
    """The ``SPEC`` of assignment ``name``; UnknownAssignment naming the known ones otherwise."""
    for folder in _plugin_dirs():
        package_dir = folder / name
        if name.isidentifier() and (package_dir / "__init__.py").is_file():
            spec = _import_plugin_module(name, None, package_dir).SPEC
            if spec.package_dir is None:
                object.__setattr__(spec, "package_dir", package_dir)
            return spec
    known = ", ".join(available_assignments()) or "none"
    raise UnknownAssignment(f"unknown assignment {name!r} (known: {known}); an assignment is a package "
                            f"autograder/assignments/{name}/ with a SPEC")
