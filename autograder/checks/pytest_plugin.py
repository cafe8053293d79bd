"""pytest plugin that runs hidden checks over a harvested artifact and writes verdicts.

    python -m pytest -p autograder.checks.pytest_plugin --artifact A.json --verdicts V.json CHECKS.py

Runs in a clean process, never in the student's kernel. A failed check's message is the
student-facing text of its CheckFailed; any other exception becomes a generic message that
names only the exception type, so no check code ever reaches a student. A passed check's
message is what it verified: the success notes recorded while it ran (one per line, see
``autograder.checks.notes``), never a failure's text.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.checks.facts import Submission
from autograder.checks.messages import CheckFailed, message
from autograder.checks.notes import Note, collect_notes, notes_text

_verdicts: list[dict] = []
_NOTES = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("autograder")
    group.addoption("--artifact", help="harvested facts of one submission (JSON)")
    group.addoption("--verdicts", help="where to write the verdicts (JSON)")


@pytest.fixture
def sub(request) -> Submission:
    return Submission.load(Path(request.config.getoption("--artifact")))


def verdict_of(spec, excinfo, notes: list[Note] = (), lang: str | None = None) -> dict:
    """One check's verdict from the exception it raised (None when it passed) and, when it
    passed, the notes it recorded; in ``lang`` (default: the run's, ``AUTOGRADER_LANG``).
    The student's self-check words its public verdicts with this function too."""
    if excinfo is None:
        passed, text = True, notes_text(list(notes), lang)
    elif isinstance(excinfo.value, CheckFailed):
        passed, text = False, excinfo.value.text(lang)
    else:
        passed, text = False, message("internal", lang, error=type(excinfo.value).__name__)
    return {"id": spec.id, "question": spec.question, "passed": passed,
            "points": spec.points if passed else 0.0, "max_points": spec.points, "message": text}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Run the check with its success notes collected."""
    with collect_notes() as notes:
        item.stash[_NOTES] = notes
        return (yield)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    spec = getattr(getattr(item, "function", None), "check_spec", None)
    if spec is None or report.when == "teardown":
        return
    if report.when == "setup" and report.passed:
        return
    notes = item.stash.get(_NOTES, []) if report.when == "call" else []
    _verdicts.append(verdict_of(spec, call.excinfo, notes))


def pytest_sessionstart(session):
    _verdicts.clear()   # one session's verdicts (pytest may run more than once in a process)


def pytest_sessionfinish(session):
    target = session.config.getoption("--verdicts")
    if target:
        Path(target).write_text(json.dumps(_verdicts, ensure_ascii=False, indent=1), encoding="utf-8")
