"""Relations between two of the student's models (parameter counts).

    expect_params_near(sub.model("model_fc"), sub.model("best_cnn"), tolerance_pct=10)
    expect_param_ratio(sub.model("small"), sub.model("big"), high=0.5)   # at most half the size
"""
from __future__ import annotations

from autograder.checks.facts import ModelFacts
from autograder.checks.messages import CheckFailed


def param_gap_pct(model: ModelFacts, reference: ModelFacts) -> float:
    """How far ``model``'s parameter count is from ``reference``'s, in % of the latter (signed)."""
    if not reference.n_params:
        return float("inf") if model.n_params else 0.0
    return 100.0 * (model.n_params - reference.n_params) / reference.n_params


def expect_params_near(model: ModelFacts, reference: ModelFacts, *, tolerance_pct: float) -> float:
    """``model`` has within ``tolerance_pct`` % of ``reference``'s parameters; returns the gap."""
    gap = param_gap_pct(model, reference)
    if abs(gap) > tolerance_pct:
        raise CheckFailed("params_far_from_model", name=model.name, actual=model.n_params, gap=gap,
                          target=reference.n_params, reference=reference.name, tolerance=tolerance_pct)
    return gap


def expect_param_ratio(model: ModelFacts, reference: ModelFacts, *, low: float = 0.0,
                       high: float = float("inf")) -> float:
    """``low <= model.n_params / reference.n_params <= high``; returns the ratio."""
    ratio = model.n_params / reference.n_params if reference.n_params else float("inf")
    if not low <= ratio <= high:
        raise CheckFailed("params_ratio", name=model.name, actual=model.n_params, ratio=ratio,
                          target=reference.n_params, reference=reference.name, low=low, high=high)
    return ratio
