"""Relations between two of the student's models (parameter counts).

    expect_params_near(sub.model("dense_net"), sub.model("cnn"), tolerance_pct=10)
    expect_param_ratio(sub.model("small"), sub.model("big"), high=0.5)   # at most half the size
"""
from __future__ import annotations

from autograder.checks.facts import ModelFacts
from autograder.checks.messages import CheckFailed
from autograder.checks.notes import expectation, number, verified


def param_gap_pct(model: ModelFacts, reference: ModelFacts) -> float:
    """How far ``model``'s parameter count is from ``reference``'s, in % of the latter (signed)."""
    if not reference.n_params:
        return float("inf") if model.n_params else 0.0
    return 100.0 * (model.n_params - reference.n_params) / reference.n_params


@expectation
def expect_params_near(model: ModelFacts, reference: ModelFacts, *, tolerance_pct: float) -> float:
    """``model`` has within ``tolerance_pct`` % of ``reference``'s parameters; returns the gap."""
    gap = param_gap_pct(model, reference)
    if abs(gap) > tolerance_pct:
        raise CheckFailed("params_far_from_model", name=model.name, actual=model.n_params, gap=gap,
                          target=reference.n_params, reference=reference.name, tolerance=tolerance_pct)
    verified("ok.params_near", name=model.name, actual=number(model.n_params), gap=number(round(gap, 1), sign=True),
             target=number(reference.n_params), reference=reference.name, tolerance=number(tolerance_pct))
    return gap


@expectation
def expect_param_ratio(model: ModelFacts, reference: ModelFacts, *, low: float = 0.0,
                       high: float = float("inf")) -> float:
    """``low <= model.n_params / reference.n_params <= high``; returns the ratio."""
    ratio = model.n_params / reference.n_params if reference.n_params else float("inf")
    if not low <= ratio <= high:
        raise CheckFailed("params_ratio", name=model.name, actual=model.n_params, ratio=ratio,
                          target=reference.n_params, reference=reference.name, low=low, high=high)
    verified("ok.params_ratio", name=model.name, actual=number(model.n_params), ratio=number(round(ratio, 2)),
             target=number(reference.n_params), reference=reference.name)
    return ratio


# ----------------------------------------------------------------------------- architectures
ARCHITECTURE_FACTS = ("units", "filters", "kernel_size", "strides", "padding", "pool_size", "activation", "rate")


def architecture(model: ModelFacts) -> tuple:
    """What makes the model's architecture, whatever the way it was written: per layer (as
    read by :func:`~autograder.checks.patterns.read_layers`: nested models flattened,
    activation layers folded) its class and the facts of ``ARCHITECTURE_FACTS``. Optimizer,
    epochs and initial weights are not part of it."""
    from autograder.checks.patterns import read_layers

    return tuple((layer.cls, *(_hashable(getattr(layer, key)) for key in ARCHITECTURE_FACTS))
                 for layer in read_layers(model))


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def same_architecture(model: ModelFacts, other: ModelFacts) -> bool:
    return architecture(model) == architecture(other)


@expectation
def expect_same_architecture(model: ModelFacts, reference: ModelFacts) -> None:
    """``model`` has ``reference``'s architecture (e.g. the retrained copy of a chosen candidate)."""
    from autograder.checks.messages import Localized
    from autograder.checks.patterns import read_layers, stack_summary_text, stack_text

    if not same_architecture(model, reference):
        mine, theirs = read_layers(model), read_layers(reference)
        raise CheckFailed("architecture_differs", name=model.name, reference=reference.name,
                          stack=Localized(fr=stack_text(mine, "fr"), en=stack_text(mine, "en")),
                          reference_stack=Localized(fr=stack_text(theirs, "fr"), en=stack_text(theirs, "en")))
    verified("ok.same_architecture", name=model.name, reference=reference.name, stack=stack_summary_text(model))


def distinct_architectures(models: dict[str, ModelFacts]) -> dict[tuple, list[str]]:
    """Labels of the models grouped by architecture."""
    groups: dict[tuple, list[str]] = {}
    for label, model in models.items():
        groups.setdefault(architecture(model), []).append(label)
    return groups


@expectation
def expect_distinct_architectures(models: dict[str, ModelFacts], *, at_least: int, what: str) -> int:
    """At least ``at_least`` different architectures among ``models`` (label -> model); models
    that differ only by optimizer, epochs or weights count once. Returns the count."""
    groups = distinct_architectures(models)
    if len(groups) < at_least:
        same = next((labels for labels in groups.values() if len(labels) > 1), [])
        raise CheckFailed("architectures_not_distinct", what=what, count=len(groups), candidates=len(models),
                          expected=at_least, same=", ".join(f"{label!r}" for label in same) or "-")
    verified("ok.distinct_architectures", what=what, count=len(groups), candidates=len(models), expected=at_least)
    return len(groups)
