"""Result records of one graded submission, and their single JSON form.

``DIR/results/<student>.json`` looks like::

    {"student": "alice", "score": 3.5, "max_score": 4, "status": "graded",
     "assignment": "iris_mlp", "identity": {...}, "mode": "fast", "lang": "fr",
     "elapsed_s": 12.3, "submission_sha256": "...", "messages": [...],
     "questions": {"data": {"score": 1, "max_score": 1, "checks": [
          {"id": "data_shapes", "passed": true, "points": 0.5, "max_points": 0.5,
           "message": "..."}, ...]}, ...}}

``passed`` is ``None`` (JSON null) for checks graded by hand that are still to grade. Once an
instructor grades one (``python -m autograder merge``, autograder/outputs/manual.py), it has
``graded_by_hand: true``, the points given, ``passed`` true when they are the maximum, and the
instructor's ``comment`` (its ``message`` stays the check's label).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.files import write_json_atomic  # noqa: F401 - also imported from here

STATUSES = (
    "graded",            # executed and checked (some cells may have failed)
    "timeout",           # total time limit reached: graded on what was harvested before
    "memory",            # memory limit reached: graded on what was harvested before
    "kernel-died",       # the kernel exited or crashed: graded on what was harvested before
    "output-limit",      # the notebook printed more than the output limit
    "invalid-notebook",  # not a readable Jupyter notebook: nothing executed
    "crashed",           # the grader itself failed on this submission (see messages)
)


@dataclass
class CheckResult:
    id: str
    passed: bool | None
    points: float
    max_points: float
    message: str = ""
    graded_by_hand: bool = False   # a manual check an instructor has graded (points, comment)
    comment: str = ""              # the instructor's comment on a check graded by hand

    @property
    def pending(self) -> bool:
        """A check graded by hand that nobody has graded yet."""
        return self.passed is None

    def is_manual(self, manual_ids=frozenset()) -> bool:
        """Graded by hand (pending or graded), or one of the assignment's manual checks."""
        return self.pending or self.graded_by_hand or self.id in manual_ids


@dataclass
class QuestionResult:
    score: float
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def pending_points(self) -> float:
        """Points of the checks still to grade by hand."""
        return sum(c.max_points for c in self.checks if c.pending)


@dataclass
class StudentResult:
    student: str
    score: float
    max_score: float
    status: str
    assignment: str = ""                          # the plugin that graded it (AssignmentSpec.name)
    questions: dict[str, QuestionResult] = field(default_factory=dict)
    identity: dict = field(default_factory=dict)   # e.g. moodle participant id, full name
    messages: list[str] = field(default_factory=list)  # execution notes shown to the student
    mode: str = "fast"
    lang: str = "fr"
    elapsed_s: float = 0.0
    submission_sha256: str = ""
    self_check: dict = field(default_factory=dict)   # the notebook's public verdicts vs the grade (grading.compare_self_check)

    @property
    def pending_points(self) -> float:
        """Points still to grade by hand, over all questions."""
        return sum(q.pending_points for q in self.questions.values())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "StudentResult":
        questions = {
            qid: QuestionResult(
                score=q["score"], max_score=q["max_score"],
                checks=[CheckResult(**c) for c in q.get("checks", [])],
            )
            for qid, q in data.get("questions", {}).items()
        }
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["questions"] = questions
        return cls(**known)


def save_result(result: StudentResult, out_dir: Path) -> Path:
    path = Path(out_dir) / "results" / f"{result.student}.json"
    write_json_atomic(path, result.to_dict())
    return path


def load_results(out_dir: Path) -> list[StudentResult]:
    """Every result file of an output directory, sorted by student id."""
    folder = Path(out_dir) / "results"
    return [
        StudentResult.from_dict(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(folder.glob("*.json"))
    ]
