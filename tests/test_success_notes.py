"""Feedback that teaches on success: every passed check of a graded class says what it verified,
in French and in English, in its result and on the student's feedback page.

The corpus of ``tests/submissions`` is graded once per session in French (``graded_corpus``,
shared with test_corpus.py); a correct notebook of it is graded in English, and the iris_mlp
samples of ``tests/course`` in both languages.
"""
from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pytest

from autograder.assignments import COURSE_ROOT_ENV, load_assignment
from autograder.checks import checks_of
from autograder.outputs.feedback import LABELS
from conftest import CORPUS, KIT_ROOT

pytestmark = pytest.mark.slow

IRIS_COURSE = KIT_ROOT / "tests" / "course"
IRIS_SUBMISSIONS = IRIS_COURSE / "submissions" / "iris_mlp"
DEFAULT_TEXTS = {LABELS[lang]["default_passed"] for lang in LABELS} | {""}


def plain(text: str) -> str:
    """Spaces normalized: the no-break spaces of French typography read as spaces."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def page_text(out: Path, student: str) -> str:
    page = (out / "feedback" / f"{student}.html").read_text(encoding="utf-8")
    return plain(htmllib.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", re.sub(r"<code>(.*?)</code>", r"`\1`", page, flags=re.S), flags=re.S)))


def passed_checks(out: Path) -> list[tuple[str, dict]]:
    """(student, check) for every passed automatic check of the graded class."""
    found = []
    for path in sorted((out / "results").glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        for question in result["questions"].values():
            found += [(result["student"], c) for c in question["checks"] if c["passed"] is True]
    return found


def notes_of(out: Path, student: str) -> dict[str, str]:
    return {c["id"]: plain(c["message"]) for s, c in passed_checks(out) if s == student}


def assert_every_passed_check_says_what_it_verified(out: Path, lang: str) -> None:
    passed = passed_checks(out)
    assert passed, f"no passed check in {out}"
    bare = sorted({c["id"] for _, c in passed if c["message"].strip() in DEFAULT_TEXTS})
    assert not bare, f"passed checks with no note ({lang}): {bare}"
    for student, check in passed:
        for line in check["message"].splitlines():
            assert plain(line) in page_text(out, student), f"{student} {check['id']}: {line!r} not on the page"


def assert_translated(french: dict[str, str], english: dict[str, str]) -> None:
    """The same checks passed in both runs, each with a note of its own language."""
    assert sorted(french) == sorted(english)
    same = [check for check in french if french[check] == english[check]]
    assert not same, f"notes identical in French and English: {same}"


# --------------------------------------------------------------------------- td_keras_mlp
def test_every_passed_check_of_the_corpus_names_what_it_verified_in_french(graded_corpus):
    out = graded_corpus("fast")
    assert_every_passed_check_says_what_it_verified(out, "fr")
    notes = notes_of(out, "correct_sequential")
    assert notes["q3_three_hidden"].startswith("structure de `model_q3_3` : 784 → Dense(128, relu) ×3 → Dense(10, softmax)")
    assert "`n_params_q3_3` = 134 794 paramètres" in notes["q4_param_count"]
    assert "validation_split=0.3" in notes["q5_validation"]
    assert "Dropout de taux 0.1" in notes["q7_dropout_instead_of_l1"]
    assert "[Dense(128, relu) → Dropout(0.1)] ×3" in notes["q7_model_and_validation"]
    # a check passed by a student who failed others says what it verified all the same
    mistakes = notes_of(out, "mistakes_sigmoid_split02")
    assert mistakes and all(text not in DEFAULT_TEXTS for text in mistakes.values())


def test_every_passed_check_names_what_it_verified_in_english(grade_once, graded_corpus):
    out = grade_once(CORPUS / "correct_sequential.ipynb", options=("--lang", "en", "--quiet"))
    assert_every_passed_check_says_what_it_verified(out, "en")
    notes = notes_of(out, "correct_sequential")
    every_check = {spec.id for spec in checks_of(load_assignment("td_keras_mlp").hidden_checks_module())}
    assert set(notes) == every_check                # every automatic check of the lab passed
    assert_translated(notes_of(graded_corpus("fast"), "correct_sequential"), notes)
    assert notes["q2_architecture"] == "structure of `model_q2`: 784 → Dense(10, softmax)"
    assert "`n_params_q3_3` = 134,794 parameters" in notes["q4_param_count"]
    assert "validation_split=0.3" in notes["q6_model_and_validation"]


# --------------------------------------------------------------------------- iris_mlp
def test_every_passed_check_of_the_second_assignment_names_what_it_verified(grade_once, monkeypatch):
    monkeypatch.setenv(COURSE_ROOT_ENV, str(IRIS_COURSE))
    alice = {}
    for lang in ("fr", "en"):
        out = grade_once(IRIS_SUBMISSIONS, options=("--assignment", "iris_mlp", "--lang", lang, "--quiet"))
        assert_every_passed_check_says_what_it_verified(out, lang)
        alice[lang] = notes_of(out, "alice")
        assert set(alice[lang]) == {"data_shapes", "data_test_split", "model_architecture", "model_trained"}
        assert "(30, 4)" in alice[lang]["data_test_split"]
    structure = "4 → Dense(16, relu) → Dense(3, softmax)"
    assert alice["fr"]["model_architecture"] == f"structure de `iris_net` : {structure}"
    assert alice["en"]["model_architecture"] == f"structure of `iris_net`: {structure}"
    assert_translated(alice["fr"], alice["en"])
