"""Assignments the kit can grade: one subpackage each, with a SPEC and a hidden_checks.py."""
from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

COURSE_ROOT_ENV = "AUTOGRADER_COURSE_ROOT"


@dataclass(frozen=True)
class ManualCheck:
    id: str
    question: str
    points: float
    label: dict  # {"fr": ..., "en": ...}


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    title: str
    contract_names: list[str]
    questions: dict[str, float]            # question id -> max points (auto + manual)
    manual: list[ManualCheck] = field(default_factory=list)
    data_source: str = "offline"           # what grading machines give prepare_* (see dataset_utils)
    # Fills a data cache once per grading machine (e.g. parsed datasets) so that kernels do not
    # redo slow work: called with a folder the kernel may read, returns the kernel's extra
    # environment pointing to it. None: no cache.
    prepare_data_cache: Callable[[Path], dict[str, str]] | None = None

    @property
    def max_score(self) -> float:
        return float(sum(self.questions.values()))

    @property
    def checks_file(self) -> Path:
        return Path(importlib.import_module(f"{__name__}.{self.name}.hidden_checks").__file__)

    def hidden_checks_module(self):
        return importlib.import_module(f"{__name__}.{self.name}.hidden_checks")

    def release_dir(self) -> Path:
        """Folder of the released assignment (its support files are copied beside the notebook)."""
        root = Path(os.environ.get(COURSE_ROOT_ENV) or Path(__file__).resolve().parents[2])
        return root / "release" / self.name

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

    def source_dir(self) -> Path:
        root = Path(os.environ.get(COURSE_ROOT_ENV) or Path(__file__).resolve().parents[2])
        return root / "source" / self.name


def load_assignment(name: str) -> AssignmentSpec:
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        raise ValueError(f"unknown assignment {name!r} (no package autograder/assignments/{name})") from exc
    return module.SPEC
