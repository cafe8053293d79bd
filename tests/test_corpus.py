"""The corpora of realistic submissions graded end to end by the CLI, one per assignment.

``tests/submissions/`` (td_keras_mlp) and every ``tests/submissions_<assignment>/``
(``corpus_folders()`` in conftest.py): each notebook is a student's hand-in built from the
release notebook by the folder's ``build_corpus.py``; ``expected.json`` holds its expected
automatic score per question, the substrings its feedback must contain, and the execution notes
expected. Each corpus is graded ONCE per mode and session, as an instructor would
(``graded_corpus(mode, corpus)`` in conftest.py, shared with the other test files):

    python -m autograder grade tests/submissions_<assignment> --out OUT --jobs 2 --quiet [--full]

and every result file, feedback page and the fast/full agreement are checked against it.
"""
from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import load_assignment
from conftest import KIT_ROOT as ROOT
from conftest import corpus_folders

CORPORA: dict[str, Path] = corpus_folders()
EXPECTED: dict[str, dict[str, dict]] = {
    assignment: json.loads((folder / "expected.json").read_text(encoding="utf-8")) for assignment, folder in CORPORA.items()}
MODES = ("fast", "full")
# Assignments whose check messages report what the run gave (validation scores, the candidate a
# selection chose and its architecture, test accuracies, cross-validation scores): a shortened run changes them by design,
# so fast and full are compared on each check's verdict and points (each mode's failed messages
# must still name the mistake: test_feedback_message_names_the_mistake). The others must give the
# very same messages in both modes.
MESSAGES_REPORT_TRAINING = {"td_keras_cnn", "td_keras_cv"}


def result_of(out: Path, scenario: str) -> dict:
    path = out / "results" / f"{scenario}.json"
    assert path.is_file(), f"no result file for {scenario} in {out / 'results'}"
    return json.loads(path.read_text(encoding="utf-8"))


def auto_checks(result: dict, question: str) -> list[dict]:
    """The automatic checks of a question (the hand-graded ones have passed = None)."""
    return [c for c in result["questions"][question]["checks"] if c["passed"] is not None]


def failed_checks(result: dict, question: str) -> list[dict]:
    return [c for c in auto_checks(result, question) if c["passed"] is False]


def visible_text(page: str) -> str:
    """Text of an HTML page: style and tags removed, entities decoded, spaces normalized."""
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", re.sub(r"<code>(.*?)</code>", r"`\1`", page, flags=re.S), flags=re.S)
    return normalize(htmllib.unescape(body))


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


CASES = [(a, m, s) for a in CORPORA for m in MODES for s in sorted(EXPECTED[a])]
corpus_mode_and_scenario = pytest.mark.parametrize("assignment,mode,scenario", CASES,
                                                   ids=[f"{a}-{m}-{s}" for a, m, s in CASES])
corpus_and_mode = pytest.mark.parametrize("assignment,mode", [(a, m) for a in CORPORA for m in MODES],
                                          ids=[f"{a}-{m}" for a in CORPORA for m in MODES])
corpus_and_scenario = pytest.mark.parametrize(
    "assignment,scenario", [(a, s) for a in CORPORA for s in sorted(EXPECTED[a])],
    ids=[f"{a}-{s}" for a in CORPORA for s in sorted(EXPECTED[a])])
each_corpus = pytest.mark.parametrize("assignment", list(CORPORA))


# ------------------------------------------------------------------ the corpus itself (no grading)
def test_the_corpora_are_found():
    assert {"td_keras_mlp", "td_keras_cnn"} <= set(CORPORA)


@each_corpus
def test_corpus_is_what_the_builder_writes(tmp_path, assignment):
    """The committed notebooks and expected.json are those build_corpus.py makes from the release."""
    corpus = CORPORA[assignment]
    proc = subprocess.run([sys.executable, str(corpus / "build_corpus.py"), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    built = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in corpus.iterdir() if p.suffix in (".ipynb", ".json"))
    assert built == committed
    stale = [name for name in built if (tmp_path / name).read_bytes() != (corpus / name).read_bytes()]
    builder = corpus.relative_to(ROOT) / "build_corpus.py"
    assert not stale, (f"{stale} differ from what {builder} builds from the release notebook: "
                       f"run `python {builder}` and commit the result")


@each_corpus
def test_expected_covers_every_notebook(assignment):
    corpus, expected = CORPORA[assignment], EXPECTED[assignment]
    assert sorted(p.stem for p in corpus.glob("*.ipynb")) == sorted(expected)
    assert len(expected) >= 9, "a corpus covers the correct styles, each typical mistake and a crash"
    spec = load_assignment(assignment)
    for scenario, wanted in expected.items():
        assert wanted["status"] == "graded", scenario
        assert sorted(wanted["scores"]) == sorted(spec.questions), scenario
        for question, points in wanted["scores"].items():
            assert 0 <= points <= spec.questions[question], (scenario, question, points)


# ------------------------------------------------------------------ verdicts, per mode and scenario
@pytest.mark.slow
@corpus_and_mode
def test_only_the_notebooks_are_graded(graded_corpus, assignment, mode):
    out = graded_corpus(mode, CORPORA[assignment])
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == sorted(EXPECTED[assignment])
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == sorted(EXPECTED[assignment])


@pytest.mark.slow
@corpus_mode_and_scenario
def test_status_is_graded(graded_corpus, assignment, mode, scenario):
    result = result_of(graded_corpus(mode, CORPORA[assignment]), scenario)
    assert result["status"] == EXPECTED[assignment][scenario]["status"], result["messages"]
    assert result["mode"] == mode
    assert result["assignment"] == assignment


@pytest.mark.slow
@corpus_mode_and_scenario
def test_automatic_score_per_question(graded_corpus, assignment, mode, scenario):
    result = result_of(graded_corpus(mode, CORPORA[assignment]), scenario)
    expected = EXPECTED[assignment][scenario]["scores"]
    got = {q: round(sum(c["points"] for c in auto_checks(result, q)), 2) for q in expected}
    failures = {q: [c["message"] for c in failed_checks(result, q)] for q in got}
    assert got == expected, f"failed checks: {failures}"


@pytest.mark.slow
@corpus_mode_and_scenario
def test_feedback_message_names_the_mistake(graded_corpus, assignment, mode, scenario):
    result = result_of(graded_corpus(mode, CORPORA[assignment]), scenario)
    expected = EXPECTED[assignment][scenario]["messages"]
    unexpected = {q: [c["message"] for c in failed_checks(result, q)] for q in result["questions"] if q not in expected}
    assert not any(unexpected.values()), f"failed checks where none is expected: {unexpected}"
    for question, substrings in expected.items():
        messages = [c["message"].lower() for c in failed_checks(result, question)]
        assert messages, f"{question}: no failed check, expected one naming {substrings}"
        for substring in substrings:
            assert any(substring in m for m in messages), f"{question}: {substring!r} in none of {messages}"
        for m in messages:
            assert any(s in m for s in substrings), f"{question}: failed check message {m!r} names none of {substrings}"


@pytest.mark.slow
@corpus_mode_and_scenario
def test_execution_notes(graded_corpus, assignment, mode, scenario):
    notes = result_of(graded_corpus(mode, CORPORA[assignment]), scenario)["messages"]
    expected = EXPECTED[assignment][scenario]["notes"]
    if not expected:
        assert notes == [], "this notebook must run without any error"
    text = " ".join(notes).lower()
    for substring in expected:
        assert substring in text, f"{substring!r} not in the execution notes {notes}"


@pytest.mark.slow
@corpus_mode_and_scenario
def test_feedback_page_shows_each_failed_message(graded_corpus, assignment, mode, scenario):
    out = graded_corpus(mode, CORPORA[assignment])
    result = result_of(out, scenario)
    page = visible_text((out / "feedback" / f"{scenario}.html").read_text(encoding="utf-8"))
    checks = [c["id"] for question in result["questions"].values() for c in question["checks"]]
    assert checks and all(check in page for check in checks), "every check is listed on the page"
    for question in result["questions"]:
        for check in failed_checks(result, question):
            assert normalize(check["message"]) in page, f"{check['id']}: message missing from the feedback page"
    for note in result["messages"]:
        assert normalize(note) in page


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_mlp_q5_tells_the_test_set_from_a_wrong_share_of_the_training_data(graded_corpus, mode):
    """The data fingerprints name what the validation data were: the test set
    (``validation_data=(X_test, y_test)``), or a 10 % share cut from the training data, which is a
    wrong split and must not be called the test set."""
    out = graded_corpus(mode, CORPORA["td_keras_mlp"])
    on_test = [c["message"] for c in failed_checks(result_of(out, "mistakes_untrained_q2_linear"), "q5")]
    assert any("jeu de test" in m and "`X_test/y_test`" in m for m in on_test), on_test
    cut = [c["message"] for c in failed_checks(result_of(out, "mistakes_q5_split10_of_training"), "q5")]
    assert len(cut) == 1, cut
    assert "10 %" in cut[0] and "`X_train`" in cut[0] and "30 %" in cut[0] and "test" not in cut[0].lower(), cut


# ------------------------------------------------------------------ fast mode = full mode
@pytest.mark.slow
@corpus_and_scenario
def test_fast_and_full_modes_agree(graded_corpus, assignment, scenario):
    exact = assignment not in MESSAGES_REPORT_TRAINING

    def verdicts(mode):
        result = result_of(graded_corpus(mode, CORPORA[assignment]), scenario)
        return {(q, c["id"]): (c["passed"], c["points"], c["message"] if exact else None)
                for q, question in result["questions"].items() for c in question["checks"]}

    assert verdicts("fast") == verdicts("full")

