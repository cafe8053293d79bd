"""Model selection: did the notebook choose the candidate its own validation scores point to?

A selection is a dictionary ``label -> History`` (one per candidate) and the label the notebook
chose. The check compares that choice with the Histories *as the notebook read them* (their
values are harvested), so it holds whatever the training gave: a shortened run (fast mode) gives
other scores, and the notebook's own code reads those same scores.

    histories = sub.histories("selection")
    expect_best_by_validation(sub.scalar("best_label"), histories, name="best_label", what="`selection`")

A choice is accepted when it is the best (ties included) by one of the ``criteria``
(:data:`VALIDATION_CRITERIA` by default: the last or the best ``val_accuracy``, the last or the
lowest ``val_loss``). A label typed by hand that happens to be the best passes: only choices the
Histories contradict fail.
"""
from __future__ import annotations

from dataclasses import dataclass

from autograder.checks.facts import HistoryFacts
from autograder.checks.messages import CheckFailed, Localized
from autograder.checks.notes import expectation, number, verified

ACCURACY_KEYS = ("val_accuracy", "val_acc", "val_categorical_accuracy", "val_sparse_categorical_accuracy")
LOSS_KEYS = ("val_loss",)
_READING = {"last": {"fr": "à la dernière époque", "en": "at the last epoch"},
            "best": {"fr": "à sa meilleure époque", "en": "at its best epoch"}}


@dataclass(frozen=True)
class Criterion:
    """How a History scores a candidate: the first of ``keys`` it holds, read at the last epoch
    (``reading="last"``) or at its best epoch (``"best"``), higher (``goal="max"``) or lower
    (``"min"``) is better."""

    keys: tuple[str, ...]
    reading: str = "last"
    goal: str = "max"

    def __post_init__(self):
        if self.reading not in _READING or self.goal not in ("max", "min"):
            raise ValueError(f"criterion {self}: reading must be last/best, goal max/min")

    def score(self, history: HistoryFacts) -> tuple[str, float] | None:
        """(key read, score) of a History, None when it has none of the keys."""
        found = history.series(*self.keys)
        if found is None:
            return None
        key, numbers = found
        if self.reading == "last":
            return key, numbers[-1]
        return key, max(numbers) if self.goal == "max" else min(numbers)

    def text(self, key: str) -> Localized:
        return Localized(fr=f"{key} {_READING[self.reading]['fr']}", en=f"{key} {_READING[self.reading]['en']}")


VALIDATION_CRITERIA = (Criterion(ACCURACY_KEYS, "last", "max"), Criterion(ACCURACY_KEYS, "best", "max"),
                       Criterion(LOSS_KEYS, "last", "min"), Criterion(LOSS_KEYS, "best", "min"))


def ranking(histories: dict[str, HistoryFacts], criterion: Criterion) -> tuple[str, dict[str, float]] | None:
    """(key read, label -> score) when every History has one of the criterion's keys, else None."""
    scores, keys = {}, []
    for label, history in histories.items():
        found = criterion.score(history)
        if found is None:
            return None
        keys.append(found[0])
        scores[label] = found[1]
    return (keys[0] if keys else criterion.keys[0]), scores


def best_labels(scores: dict[str, float], goal: str, *, tolerance: float = 1e-9) -> list[str]:
    """The labels whose score is the best (ties within ``tolerance`` included)."""
    if not scores:
        return []
    best = max(scores.values()) if goal == "max" else min(scores.values())
    return [label for label, score in scores.items() if abs(score - best) <= tolerance]


@expectation
def expect_best_by_validation(chosen, histories: dict[str, HistoryFacts], *, name: str, what: str,
                              criteria: tuple[Criterion, ...] = VALIDATION_CRITERIA) -> Criterion:
    """``chosen`` (the value of the contract name ``name``) is a label of ``histories`` (the
    candidates of the dictionary ``what``) and the best one by one of ``criteria``; returns that
    criterion. Fails when it is not a label (``choice_not_a_candidate``), when no History holds
    a validation score (``choice_no_validation``), or when the scores point elsewhere
    (``selection_not_best``, naming the best by the first criterion the Histories can say)."""
    labels = ", ".join(repr(label) for label in histories)
    if not isinstance(chosen, str) or chosen not in histories:
        raise CheckFailed("choice_not_a_candidate", name=name, actual=repr(chosen)[:80], what=what, labels=labels)
    rankings = [(criterion, ranking(histories, criterion)) for criterion in criteria]
    rankings = [(criterion, found) for criterion, found in rankings if found is not None]
    if not rankings:
        keys = ", ".join(dict.fromkeys(key for criterion in criteria for key in criterion.keys))
        raise CheckFailed("choice_no_validation", what=what, keys=keys)
    for criterion, (key, scores) in rankings:
        if chosen in best_labels(scores, criterion.goal):
            verified("ok.best_by_validation", name=name, label=repr(chosen), what=what, count=len(histories),
                     criterion=criterion.text(key), score=number(round(scores[chosen], 4)))
            return criterion
    criterion, (key, scores) = rankings[0]
    best = best_labels(scores, criterion.goal)[0]
    raise CheckFailed("selection_not_best", name=name, actual=repr(chosen), what=what, best=repr(best),
                      criterion=criterion.text(key), best_score=number(round(scores[best], 4)),
                      score=number(round(scores[chosen], 4)))
