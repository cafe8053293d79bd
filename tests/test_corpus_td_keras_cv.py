"""The td_keras_cv corpus (tests/submissions_td_keras_cv/) graded end to end by the CLI.

Same contract as tests/test_corpus.py for the first lab: each notebook is a student's hand-in
built from the release notebook by ``build_corpus.py``; ``expected.json`` holds its expected
automatic score per question, the substrings its failed checks' messages must contain and the
execution notes expected. The corpus is graded ONCE per mode and session
(``graded_corpus(mode, corpus=CV_CORPUS)`` in conftest.py):

    python -m autograder grade tests/submissions_td_keras_cv --out OUT --jobs 2 --quiet [--full]

Fast mode trains two batches per fit, so the winners of the searches differ between modes: the
verdicts must not (the checks judge how the searches were set up and whether the reported
choices agree with the student's own results).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import KIT_ROOT as ROOT
from test_corpus import auto_checks, failed_checks, normalize, result_of, visible_text

CV_CORPUS = ROOT / "tests" / "submissions_td_keras_cv"
EXPECTED: dict[str, dict] = json.loads((CV_CORPUS / "expected.json").read_text(encoding="utf-8"))
SCENARIOS = sorted(EXPECTED)
MODES = ("fast", "full")
QUESTIONS = ["q1", "q2", "q3"]

mode_and_scenario = pytest.mark.parametrize(
    "mode,scenario", [(m, s) for m in MODES for s in SCENARIOS], ids=[f"{m}-{s}" for m in MODES for s in SCENARIOS])


def graded(graded_corpus, mode: str) -> Path:
    return graded_corpus(mode, corpus=CV_CORPUS)


# ------------------------------------------------------------------ the corpus itself (no grading)
def test_corpus_is_what_the_builder_writes(tmp_path):
    proc = subprocess.run([sys.executable, str(CV_CORPUS / "build_corpus.py"), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    built = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in CV_CORPUS.iterdir() if p.suffix in (".ipynb", ".json"))
    assert built == committed
    stale = [name for name in built if (tmp_path / name).read_bytes() != (CV_CORPUS / name).read_bytes()]
    assert not stale, f"{stale} differ from what build_corpus.py builds: rerun it and commit the result"


def test_expected_covers_every_notebook():
    assert len(SCENARIOS) >= 12
    assert sorted(p.stem for p in CV_CORPUS.glob("*.ipynb")) == SCENARIOS
    for scenario, expected in EXPECTED.items():
        assert expected["status"] == "graded", scenario
        assert sorted(expected["scores"]) == QUESTIONS, scenario
    # every kind of notebook the issue asks for is there
    assert sum(s.startswith("correct_") for s in SCENARIOS) >= 3
    assert any(EXPECTED[s]["notes"] for s in SCENARIOS), "one notebook crashes in the middle"


# ------------------------------------------------------------------ verdicts, per mode and scenario
@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_only_the_notebooks_are_graded(graded_corpus, mode):
    out = graded(graded_corpus, mode)
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == SCENARIOS
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == SCENARIOS


@pytest.mark.slow
@mode_and_scenario
def test_automatic_score_per_question(graded_corpus, mode, scenario):
    result = result_of(graded(graded_corpus, mode), scenario)
    assert result["status"] == EXPECTED[scenario]["status"], result["messages"]
    assert result["mode"] == mode
    got = {q: round(sum(c["points"] for c in auto_checks(result, q)), 2) for q in EXPECTED[scenario]["scores"]}
    failures = {q: [c["message"] for c in failed_checks(result, q)] for q in got}
    assert got == EXPECTED[scenario]["scores"], f"failed checks: {failures}"


@pytest.mark.slow
@mode_and_scenario
def test_feedback_message_names_the_mistake(graded_corpus, mode, scenario):
    result = result_of(graded(graded_corpus, mode), scenario)
    unexpected = {q: [c["message"] for c in failed_checks(result, q)]
                  for q in result["questions"] if q not in EXPECTED[scenario]["messages"]}
    assert not any(unexpected.values()), f"failed checks where none is expected: {unexpected}"
    for question, substrings in EXPECTED[scenario]["messages"].items():
        messages = [c["message"].lower() for c in failed_checks(result, question)]
        assert messages, f"{question}: no failed check, expected one naming {substrings}"
        for substring in substrings:
            assert any(substring in m for m in messages), f"{question}: {substring!r} in none of {messages}"
        for m in messages:
            assert any(s in m for s in substrings), f"{question}: message {m!r} names none of {substrings}"


@pytest.mark.slow
@mode_and_scenario
def test_execution_notes(graded_corpus, mode, scenario):
    notes = result_of(graded(graded_corpus, mode), scenario)["messages"]
    expected = EXPECTED[scenario]["notes"]
    if not expected:
        assert notes == [], "this notebook must run without any error"
    text = " ".join(notes).lower()
    for substring in expected:
        assert substring in text, f"{substring!r} not in the execution notes {notes}"


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_feedback_pages_show_each_failed_message(graded_corpus, mode):
    out = graded(graded_corpus, mode)
    for scenario in SCENARIOS:
        result = result_of(out, scenario)
        page = visible_text((out / "feedback" / f"{scenario}.html").read_text(encoding="utf-8"))
        for question in result["questions"]:
            for check in failed_checks(result, question):
                assert normalize(check["message"]) in page, f"{scenario} {check['id']}: message missing"


# ------------------------------------------------------------------ fast mode = full mode
@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fast_and_full_modes_agree(graded_corpus, scenario):
    def verdicts(mode):
        result = result_of(graded(graded_corpus, mode), scenario)
        return {(q, c["id"]): (c["passed"], c["points"]) for q, question in result["questions"].items()
                for c in question["checks"]}

    assert verdicts("fast") == verdicts("full")
