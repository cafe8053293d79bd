"""Runs an assignment's public checks where the student works (the released self-check).

An instructor marks checks ``@check(..., public=True)``; the release ships, inside the
student's ``verification.py``, a copy of the kernel harvest, of the check-library code those
checks use, of the public checks themselves and of the messages they can emit (see
``autograder/self_check_kit.py``), with this module. In the student's kernel:

* :func:`start` (when ``verification`` is imported, at the top of the notebook) installs the
  harvest's fit recorder, so that the ``fit`` / ``evaluate`` / ``predict`` calls that follow
  are known as the grader knows them, and its tamper protection (snapshot of the Keras classes);
* :func:`public_verdicts` harvests the contract objects (the grader's own harvest, same facts),
  passes them through JSON as the grader does (the checks see plain data, never the student's
  objects) and runs the public checks over them: each verdict is the grader's (``verdict_of``
  of the pytest plugin: same pass/fail, same message, same language).

Nothing here changes the student's objects: the harvest reads them (with the Keras classes as
they were when the recorder was installed, as the grader reads them). The grader runs it too,
after the last harvest, to compare what the notebook says with the grade (``epilogue_code``).
"""
from __future__ import annotations

import json
import os

from autograder.checks.facts import Submission
from autograder.checks.messages import LANG_ENV, LANGS
from autograder.checks.notes import collect_notes
from autograder.checks.pytest_plugin import verdict_of
from autograder.checks.registry import checks_of
from autograder.kernel import harvest, recorder

MIME = "application/vnd.keras-autograder.self-check+json"   # the grader's epilogue output


class _Raised:
    """What ``verdict_of`` reads of the exception a check raised (pytest's ExceptionInfo)."""

    def __init__(self, value: BaseException):
        self.value = value


def start() -> None:
    """Install the harvest's recorder now (idempotent): every later Keras call is recorded."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and getattr(shell, "display_pub", None) is not None:
        harvest.install([], fast=False)
    else:
        recorder.install(fast=False)


def facts(namespace: dict, names: list[str]) -> dict:
    """The harvest of ``names`` as the grader's checks receive it: plain JSON data."""
    return json.loads(json.dumps(harvest.facts_of(namespace, list(names))))


def run_public_checks(module, payload: dict, question: str | None = None, lang: str = "fr") -> list[dict]:
    """Verdicts of the public checks of ``module`` (of ``question``, or all) over ``payload``:
    one fresh ``Submission`` per check, its notes collected, as the pytest plugin does."""
    lang = lang if lang in LANGS else "fr"
    previous = os.environ.get(LANG_ENV)
    os.environ[LANG_ENV] = lang     # checks that word text themselves read the run's language
    try:
        verdicts = []
        for spec in checks_of(module, question):
            if not spec.public:
                continue
            raised = None
            with collect_notes() as notes:
                try:
                    spec.function(Submission(payload))
                except Exception as exc:   # a CheckFailed, or a bug met on this notebook
                    raised = _Raised(exc)
            verdicts.append(verdict_of(spec, raised, notes, lang=lang))
        return verdicts
    finally:
        if previous is None:
            os.environ.pop(LANG_ENV, None)
        else:
            os.environ[LANG_ENV] = previous


def public_verdicts(module, namespace: dict, names: list[str], question: str | None = None,
                    lang: str = "fr") -> list[dict]:
    """Harvest ``names`` from ``namespace`` and run the public checks of ``module`` over the facts."""
    return run_public_checks(module, facts(namespace, names), question, lang)
