"""The nbgrader path: hidden test cells call the same checks as ``python -m autograder grade``.

A hidden test cell ends with ``hidden_score("q2", globals())``. It harvests the contract
names of the running kernel, runs the question's checks and returns the points earned, which
nbgrader takes as the cell's partial credit. Messages go to stdout (stderr would make
nbgrader give the cell zero).
"""
from __future__ import annotations

import os

from autograder.assignments import load_assignment
from autograder.checks.facts import Submission
from autograder.checks.messages import CheckFailed, message
from autograder.checks.registry import checks_of
from autograder.kernel import harvest, recorder


def hidden_score(question: str, namespace: dict, assignment: str = "td_keras_mlp") -> float:
    spec = load_assignment(assignment)
    recorder.install(fast=False)  # no-op when nbgrader's exec_lines already installed it
    payload = harvest.facts_of(namespace, spec.contract_names)
    sub, score = Submission(payload), 0.0
    for check_spec in checks_of(spec.hidden_checks_module(), question):
        try:
            check_spec.function(sub)
        except CheckFailed as exc:
            print(f"✘ {exc.text()}")
        except Exception as exc:  # a broken object must not reveal the check's code
            print(f"✘ {message('internal', error=type(exc).__name__)}")
        else:
            score += check_spec.points
    return round(score, 2)


