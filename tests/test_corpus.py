"""The corpus of realistic submissions (tests/submissions/) graded end to end by the CLI.

Each notebook of ``tests/submissions/`` is a student's hand-in built from the release notebook
by ``tests/submissions/build_corpus.py``; ``expected.json`` holds its expected automatic score
per question, the substrings its feedback must contain, and the execution notes expected.
The whole corpus is graded ONCE per mode and session, as an instructor would
(``graded_corpus(mode)`` in conftest.py, shared with the other test files):

    python -m autograder grade tests/submissions --out OUT --jobs 2 --quiet [--full]

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

from conftest import CORPUS, KIT_ROOT as ROOT

EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
SCENARIOS = sorted(EXPECTED)
MODES = ("fast", "full")


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
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    return normalize(htmllib.unescape(body))


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


mode_and_scenario = pytest.mark.parametrize(
    "mode,scenario", [(m, s) for m in MODES for s in SCENARIOS], ids=[f"{m}-{s}" for m in MODES for s in SCENARIOS])


# ------------------------------------------------------------------ the corpus itself (no grading)
def test_corpus_is_what_the_builder_writes(tmp_path):
    """The committed notebooks and expected.json are those build_corpus.py makes from the release."""
    proc = subprocess.run([sys.executable, str(CORPUS / "build_corpus.py"), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    built = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".ipynb", ".json"))
    assert built == committed
    stale = [name for name in built if (tmp_path / name).read_bytes() != (CORPUS / name).read_bytes()]
    assert not stale, (f"{stale} differ from what tests/submissions/build_corpus.py builds from the release "
                       "notebook: run `python tests/submissions/build_corpus.py` and commit the result")


def test_expected_covers_every_notebook():
    notebooks = sorted(p.stem for p in CORPUS.glob("*.ipynb"))
    assert notebooks == SCENARIOS
    for scenario, expected in EXPECTED.items():
        assert expected["status"] == "graded", scenario
        assert sorted(expected["scores"]) == [f"q{i}" for i in range(1, 8)], scenario


# ------------------------------------------------------------------ verdicts, per mode and scenario
@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_only_the_notebooks_are_graded(graded_corpus, mode):
    out = graded_corpus(mode)
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == SCENARIOS
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == SCENARIOS


@pytest.mark.slow
@mode_and_scenario
def test_status_is_graded(graded_corpus, mode, scenario):
    result = result_of(graded_corpus(mode), scenario)
    assert result["status"] == EXPECTED[scenario]["status"], result["messages"]
    assert result["mode"] == mode


@pytest.mark.slow
@mode_and_scenario
def test_automatic_score_per_question(graded_corpus, mode, scenario):
    result = result_of(graded_corpus(mode), scenario)
    got = {q: round(sum(c["points"] for c in auto_checks(result, q)), 2) for q in EXPECTED[scenario]["scores"]}
    failures = {q: [c["message"] for c in failed_checks(result, q)] for q in got}
    assert got == EXPECTED[scenario]["scores"], f"failed checks: {failures}"


@pytest.mark.slow
@mode_and_scenario
def test_feedback_message_names_the_mistake(graded_corpus, mode, scenario):
    result = result_of(graded_corpus(mode), scenario)
    unexpected = {q: [c["message"] for c in failed_checks(result, q)]
                  for q in result["questions"] if q not in EXPECTED[scenario]["messages"]}
    assert not any(unexpected.values()), f"failed checks where none is expected: {unexpected}"
    for question, substrings in EXPECTED[scenario]["messages"].items():
        messages = [c["message"].lower() for c in failed_checks(result, question)]
        assert messages, f"{question}: no failed check, expected one naming {substrings}"
        for substring in substrings:
            assert any(substring in m for m in messages), f"{question}: {substring!r} in none of {messages}"
        for m in messages:
            assert any(s in m for s in substrings), f"{question}: failed check message {m!r} names none of {substrings}"


@pytest.mark.slow
@mode_and_scenario
def test_execution_notes(graded_corpus, mode, scenario):
    notes = result_of(graded_corpus(mode), scenario)["messages"]
    expected = EXPECTED[scenario]["notes"]
    if not expected:
        assert notes == [], "this notebook must run without any error"
    text = " ".join(notes).lower()
    for substring in expected:
        assert substring in text, f"{substring!r} not in the execution notes {notes}"


@pytest.mark.slow
@mode_and_scenario
def test_feedback_page_shows_each_failed_message(graded_corpus, mode, scenario):
    out = graded_corpus(mode)
    result = result_of(out, scenario)
    page = visible_text((out / "feedback" / f"{scenario}.html").read_text(encoding="utf-8"))
    checks = [c["id"] for question in result["questions"].values() for c in question["checks"]]
    assert checks and all(check in page for check in checks), "every check is listed on the page"
    for question in result["questions"]:
        for check in failed_checks(result, question):
            assert normalize(check["message"]) in page, f"{check['id']}: message missing from the feedback page"
    for note in result["messages"]:
        assert normalize(note) in page


# ------------------------------------------------------------------ fast mode = full mode
@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fast_and_full_modes_agree(graded_corpus, scenario):
    def verdicts(mode):
        result = result_of(graded_corpus(mode), scenario)
        return {(q, c["id"]): (c["passed"], c["points"], c["message"])
                for q, question in result["questions"].items() for c in question["checks"]}

    assert verdicts("fast") == verdicts("full")
