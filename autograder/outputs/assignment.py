"""Which assignment a set of results grades: the outputs take its titles and questions from it.

Every result records its assignment (``StudentResult.assignment``). Results written before
that field existed have none: then the assignment given by the caller (``--assignment``) or,
when the kit knows a single assignment, that one. A results folder mixing assignments is
refused: each assignment is graded into its own output folder.
"""
from __future__ import annotations

from collections.abc import Iterable

from autograder.assignments import AssignmentSpec, available_assignments, load_assignment
from autograder.results import StudentResult


class AssignmentMismatch(ValueError):
    """The results do not say (or disagree on) which assignment they grade."""


def assignments_of(results: Iterable[StudentResult]) -> list[str]:
    """The assignments named by the results, sorted (empty for results that name none)."""
    return sorted({r.assignment for r in results if r.assignment})


def spec_for_results(results: Iterable[StudentResult], assignment: str | None = None,
                     *, where: str = "") -> AssignmentSpec | None:
    """The ``AssignmentSpec`` the results grade; None only for no results and no assignment
    to go by. ``assignment`` (e.g. ``--assignment``) is used for results that name none and
    must agree with those that do. ``where`` (a folder) makes the messages precise."""
    results = list(results)
    named = assignments_of(results)
    place = f" in {where}" if where else ""
    if len(named) > 1:
        counts = ", ".join(f"{name} ({sum(r.assignment == name for r in results)})" for name in named)
        raise AssignmentMismatch(
            f"the results{place} grade several assignments: {counts}. Grade each assignment "
            f"into its own output folder (e.g. --out OUT/<assignment>) and report or export "
            f"each folder on its own.")
    if named:
        if assignment and assignment != named[0]:
            raise AssignmentMismatch(
                f"the results{place} grade {named[0]!r}, not {assignment!r}")
        unnamed = [r.student for r in results if not r.assignment]
        if unnamed and not assignment:
            raise AssignmentMismatch(
                f"some results{place} name no assignment ({', '.join(unnamed[:5])}"
                f"{'…' if len(unnamed) > 5 else ''}) while the others grade {named[0]!r}: "
                f"regrade them, or give --assignment {named[0]} if they grade it too")
        return load_assignment(named[0])
    if assignment:
        return load_assignment(assignment)
    known = available_assignments()
    if len(known) == 1:
        return load_assignment(known[0])
    if not results:
        return None
    raise AssignmentMismatch(
        f"the results{place} do not say which assignment they grade (written by an older "
        f"version of the kit): give --assignment NAME (known: {', '.join(known) or 'none'})")


def spec_for_result(result: StudentResult, assignment: str | None = None) -> AssignmentSpec:
    """The ``AssignmentSpec`` of one result (see ``spec_for_results``)."""
    return spec_for_results([result], assignment, where=result.student)
