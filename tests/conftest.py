"""Shared fixtures of the kit's own test suite."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

KIT_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = KIT_ROOT / "source" / "td_keras_mlp"
RELEASE_DIR = KIT_ROOT / "release" / "td_keras_mlp"
SOURCE_NB = SOURCE_DIR / "td_keras_mlp.ipynb"
RELEASE_NB = RELEASE_DIR / "td_keras_mlp.ipynb"

# the venv's bin/ first on PATH (nbgrader shells out to alembic)
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture
def dataset_utils(monkeypatch):
    """A fresh import of the shipped dataset_utils.py, with no data-source variable set."""
    for var in ("TD_KERAS_DATA_SOURCE", "TD_KERAS_LAB_DIR"):
        monkeypatch.delenv(var, raising=False)
    spec = importlib.util.spec_from_file_location("dataset_utils_under_test", SOURCE_DIR / "dataset_utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
