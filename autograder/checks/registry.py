"""The ``@check`` decorator: a hidden check is a pytest test with a question and points."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType
from typing import Callable


@dataclass(frozen=True)
class CheckSpec:
    id: str
    question: str
    points: float
    function: Callable
    public: bool = False       # shown to the student by the released self-check (False: hidden)


def check(question: str, points: float, id: str | None = None, *, public: bool = False):
    """Mark a test function ``test_<id>(sub)`` as a check worth ``points`` of ``question``;
    ``public=True`` lets the student run it from the notebook's self-check before handing in
    (verdict and message as the grader's); every other check stays hidden."""

    def decorate(function: Callable) -> Callable:
        check_id = id or function.__name__.removeprefix("test_")
        function.check_spec = CheckSpec(check_id, question, float(points), function, public)
        return function

    return decorate


def checks_of(module: ModuleType, question: str | None = None) -> list[CheckSpec]:
    """The checks of a module in definition order, optionally those of one question."""
    specs = [obj.check_spec for obj in vars(module).values() if hasattr(obj, "check_spec")]
    specs.sort(key=lambda spec: inspect.unwrap(spec.function).__code__.co_firstlineno)
    return [s for s in specs if question is None or s.question == question]
