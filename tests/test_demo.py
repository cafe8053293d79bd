"""``make demo``: which samples it grades for each assignment (no kernel: the grading itself is
the corpus tests' business)."""
from __future__ import annotations

import json

import pytest

from autograder import demo
from conftest import KIT_ROOT


def test_the_demo_grades_samples_of_both_assignments():
    classes = demo.demo_classes()
    assert {"td_keras_mlp", "td_keras_cnn"} <= set(classes)
    mlp = KIT_ROOT / "tests" / "submissions"
    assert classes["td_keras_mlp"] == sorted(mlp.glob("*.ipynb"))   # no demo.json: every sample
    cnn = KIT_ROOT / "tests" / "submissions_td_keras_cnn"
    listed = json.loads((cnn / "demo.json").read_text(encoding="utf-8"))
    assert [p.name for p in classes["td_keras_cnn"]] == listed
    assert 3 <= len(listed) < len(list(cnn.glob("*.ipynb"))), "a subset of the corpus, for a demo of reasonable length"
    assert any(name.startswith("correct_") for name in listed) and any(name.startswith("mistakes_") for name in listed)


def test_a_demo_list_naming_a_missing_notebook_is_an_error(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "demo.json").write_text(json.dumps(["a.ipynb", "gone.ipynb"]), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="gone.ipynb"):
        demo.demo_samples(tmp_path)
    (tmp_path / "demo.json").unlink()
    assert demo.demo_samples(tmp_path) == [tmp_path / "a.ipynb"]
