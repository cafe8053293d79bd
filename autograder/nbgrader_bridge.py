"""The nbgrader path: hidden test cells call the same checks as ``python -m autograder grade``.

A hidden test cell ends with ``hidden_score("<question>", globals(), assignment="<name>")``. It
harvests the contract names of the running kernel, runs the question's checks and returns the
points earned, which nbgrader takes as the cell's partial credit. Messages go to stdout (stderr
would make nbgrader give the cell zero): "✔ ..." for what a passed check verified (its success
notes), "✘ ..." for what a failed one found. Without ``assignment``, the kernel's folder names it
(``nbgrader autograde`` runs a notebook in ``autograded/<student>/<assignment>/``).
"""
from __future__ import annotations

from pathlib import Path

from autograder.assignments import UnknownAssignment, available_assignments, load_assignment
from autograder.checks.facts import Submission
from autograder.checks.messages import CheckFailed, message
from autograder.checks.notes import collect_notes, note_lines, notes_text
from autograder.checks.registry import checks_of
from autograder.kernel import harvest, recorder


def hidden_score(question: str, namespace: dict, assignment: str | None = None) -> float:
    spec = load_assignment(assignment or _assignment_of_folder(Path.cwd()))
    recorder.install(fast=False)  # no-op when nbgrader's exec_lines already installed it
    payload = harvest.facts_of(namespace, spec.contract_names)
    sub, score = Submission(payload), 0.0
    for check_spec in checks_of(spec.hidden_checks_module(), question):
        try:
            with collect_notes() as notes:
                check_spec.function(sub)
        except CheckFailed as exc:
            print(f"✘ {exc.text()}")
        except Exception as exc:  # a broken object must not reveal the check's code
            print(f"✘ {message('internal', error=type(exc).__name__)}")
        else:
            score += check_spec.points
            for line in note_lines(notes_text(notes)):
                print(f"✔ {line}")
    return round(score, 2)


def _assignment_of_folder(folder: Path) -> str:
    if folder.name in available_assignments():
        return folder.name
    raise UnknownAssignment(f"hidden_score: give assignment=NAME (the folder {folder.name!r} names no "
                            f"assignment; known: {', '.join(available_assignments()) or 'none'})")
