"""Reusable checks for Keras assignments.

An instructor writes the hidden checks of a new assignment in a few lines::

    from autograder.checks import check, expect_architecture, expect_trained, Dense

    @check("q2", points=1.5)
    def test_q2_architecture(sub):
        model = sub.model("model_q2")
        expect_architecture(model, input_dim=784, hidden=[], output=Dense(10, "softmax"))

``sub`` is a :class:`Submission` built from the harvested artifact; every ``expect_*`` raises
:class:`CheckFailed` with a message in the student's terms (French or English).
"""
from autograder.checks.facts import ArrayFacts, FitFacts, HistoryFacts, LayerFacts, ModelFacts, Submission
from autograder.checks.keras_checks import (
    Dense,
    dense_params,
    expect_architecture,
    expect_dropout,
    expect_epochs,
    expect_history_of,
    expect_loss,
    expect_no_regularizer,
    expect_param_count,
    expect_regularizer_everywhere,
    expect_trained,
    expect_validation,
)
from autograder.checks.messages import CheckFailed, message
from autograder.checks.registry import CheckSpec, check, checks_of

__all__ = [name for name in dir() if not name.startswith("_")]
