"""Expectations over scikit-learn wrappers, searches and cross-validation (see ``estimator_facts``).

The checks judge **how** a model selection was set up and whether the student's reported
choices agree with the student's own results, never which candidate won (that depends on real
training, and fast mode trains two batches)::

    est = expect_keras_wrapper(sub.estimator("clf"), task="classifier")
    expect_construction_fit_params(est, ("epochs", "batch_size"))
    expect_scored_on(est, test=("x_test",), train=("x_train",))

    search = expect_search_fitted(sub.search("search"))
    expect_folds(search, at_least=3)
    expect_cv_data(search, train=("x_train",), test=("x_test",), whole=("x_all",))
    expect_candidates_vary(search, {"depth": hidden_depth, "width": hidden_width}, at_least=2, product=True)
    expect_candidates_vary(search, {"optimizer": optimizer_of}, at_least=2)
    expect_scoring(search, task="regression")
    expect_best_choice("best_opt", sub.scalar("best_opt"), search, measure=optimizer_of)
    best = expect_refitted_best(sub, search, name="best_model")
    expect_reported_score("test_score", sub.scalar("test_score"), best, test=("x_test",), train=("x_train",))

A hand-written loop (``scores = {"sgd": cross_val_score(...), ...}``) is related to the recorded
``cross_val_score`` calls by :func:`expect_scores_from_cv`, which returns the calls; the same
expectations (:func:`expect_folds`, :func:`expect_cv_data`, :func:`expect_scoring`) take a
:class:`CVCall` as well as a :class:`SearchFacts`; :func:`expect_best_choice` takes the dict's
scores.

Candidate measures (functions of a :class:`ModelFacts`, applied to the model each candidate
actually trained, whatever the student called the parameters): :func:`hidden_depth`,
:func:`hidden_width`, :func:`optimizer_of`, :func:`loss_of`; or :func:`param` (a parameter by its
effective name, see ``effective_params``).
"""
from __future__ import annotations

from typing import Callable

from autograder.checks.estimator_facts import (
    CVCall,
    EstimatorCall,
    EstimatorFacts,
    SearchFacts,
    param_text,
    same_param,
)
from autograder.checks.facts import ArrayUse, ModelFacts, Submission
from autograder.checks.messages import CheckFailed, Localized
from autograder.checks.notes import expectation, number, verified

# scikit-learn's scorer names (``sklearn.metrics.get_scorer_names()``) by task; a callable scorer
# is judged by its metric function's name.
REGRESSION_SCORINGS = {
    "r2", "explained_variance", "max_error", "neg_mean_squared_error", "neg_root_mean_squared_error",
    "neg_mean_absolute_error", "neg_median_absolute_error", "neg_mean_squared_log_error",
    "neg_root_mean_squared_log_error", "neg_mean_absolute_percentage_error", "neg_mean_poisson_deviance",
    "neg_mean_gamma_deviance", "d2_absolute_error_score", "d2_pinball_score", "d2_tweedie_score",
    "r2_score", "mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "median_absolute_error",
    "mean_squared_log_error", "root_mean_squared_log_error", "mean_absolute_percentage_error",
    "explained_variance_score", "mean_poisson_deviance", "mean_gamma_deviance", "mean_tweedie_deviance",
    "mean_pinball_loss",
}
CLASSIFICATION_SCORINGS = {
    "accuracy", "balanced_accuracy", "top_k_accuracy", "average_precision", "neg_brier_score", "neg_log_loss",
    "f1", "f1_micro", "f1_macro", "f1_weighted", "f1_samples", "precision", "precision_micro", "precision_macro",
    "precision_weighted", "precision_samples", "recall", "recall_micro", "recall_macro", "recall_weighted",
    "recall_samples", "jaccard", "jaccard_micro", "jaccard_macro", "jaccard_weighted", "jaccard_samples",
    "roc_auc", "roc_auc_ovr", "roc_auc_ovo", "roc_auc_ovr_weighted", "roc_auc_ovo_weighted", "matthews_corrcoef",
    "accuracy_score", "balanced_accuracy_score", "f1_score", "precision_score", "recall_score", "log_loss",
    "roc_auc_score", "jaccard_score", "brier_score_loss", "top_k_accuracy_score", "average_precision_score",
    "neg_negative_likelihood_ratio", "positive_likelihood_ratio", "adjusted_rand_score",
}
TASKS = {"regression": "regressor", "classification": "classifier"}
TASK_WORDS = {"regression": Localized(fr="de régression", en="regression"),
              "classification": Localized(fr="de classification", en="classification")}


def _names(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


# ----------------------------------------------------------------------------- candidate measures
def hidden_dense(model: ModelFacts) -> list:
    """The Dense layers of a model but the last one (its output layer)."""
    dense = [layer for layer in model.flat_layers() if layer.cls == "Dense"]
    return dense[:-1]


def hidden_depth(model: ModelFacts) -> int:
    """The number of hidden Dense layers."""
    return len(hidden_dense(model))


def hidden_width(model: ModelFacts):
    """The width of the hidden Dense layers: their common number of units, or the tuple of their
    units when they differ (None without hidden layer)."""
    units = [layer.units for layer in hidden_dense(model)]
    if not units:
        return None
    return units[0] if len(set(units)) == 1 else tuple(units)


def optimizer_of(model: ModelFacts) -> str | None:
    """The optimizer's class, lower case (``"sgd"``, ``"rmsprop"``, ``"adam"``)."""
    return model.optimizer.lower() if model.optimizer else None


def loss_of(model: ModelFacts) -> str | None:
    return model.loss


def param(name: str) -> Callable:
    """A measure reading a candidate's parameter (its effective name: ``units`` for
    ``model__units`` or a ``model_kwargs`` key) instead of the model it built."""
    def measure(candidate: dict):
        return candidate.get(name)
    measure.param = name
    measure.__name__ = f"param({name})"
    return measure


def candidate_values(search: SearchFacts, measure: Callable) -> dict[int, object]:
    """candidate index → ``measure`` of it: of the model the candidate trained (a model measure),
    or of its effective parameters (a :func:`param` measure)."""
    if getattr(measure, "param", None):
        return {i: measure(c) for i, c in enumerate(search.candidates())}
    return {i: measure(model) for i, model in search.candidate_models().items()}


def _distinct(values) -> list:
    seen: list = []
    for value in values:
        if value is not None and not any(same_param(value, s) for s in seen):
            seen.append(value)
    return seen


# ----------------------------------------------------------------------------- wrappers
@expectation
def expect_keras_wrapper(est: EstimatorFacts, *, task: str | None = None) -> EstimatorFacts:
    """``est`` wraps a Keras model (Keras 3's ``keras.wrappers`` or scikeras) for ``task``
    (``"classifier"`` / ``"regressor"``, None: either)."""
    raise NotImplementedError


@expectation
def expect_construction_fit_params(est: EstimatorFacts, names: tuple[str, ...] = ("epochs", "batch_size")) -> dict:
    """Each fit parameter of ``names`` was set when the wrapper was built (Keras' ``fit_kwargs=``,
    scikeras' ``epochs=`` / ``batch_size=`` / ``fit__…``), not only passed to ``fit``; returns
    ``{name: value}``."""
    raise NotImplementedError


@expectation
def expect_fitted_on(est: EstimatorFacts, *, train: tuple[str, ...], test: tuple[str, ...] = ()) -> EstimatorCall:
    """The notebook called ``est.fit`` on (a part of) one of the ``train`` arrays, not on test rows."""
    raise NotImplementedError


@expectation
def expect_scored_on(est: EstimatorFacts, *, test: tuple[str, ...], train: tuple[str, ...] = (),
                     kinds: tuple[str, ...] = ("score",)) -> list[EstimatorCall]:
    """The notebook called ``est.score`` (or ``kinds``) on the ``test`` arrays; a score on the
    training data only fails with a message saying so."""
    raise NotImplementedError


@expectation
def expect_reported_score(name: str, value, est: EstimatorFacts, *, test: tuple[str, ...],
                          train: tuple[str, ...] = (), rel_tol: float = 1e-4) -> EstimatorCall:
    """A number the notebook reports is what ``est.score`` returned on the ``test`` arrays (not
    the score on the training data, not a typed-in number)."""
    raise NotImplementedError


# ----------------------------------------------------------------------------- searches and cross-validation
@expectation
def expect_search_fitted(search: SearchFacts) -> SearchFacts:
    """The search was fitted (it has ``cv_results_``)."""
    raise NotImplementedError


@expectation
def expect_folds(obj: SearchFacts | CVCall, *, at_least: int = 3, what: str | None = None) -> int:
    """The search (or ``cross_val_score`` call) used at least ``at_least`` folds; returns the count."""
    raise NotImplementedError


@expectation
def expect_cv_data(obj: SearchFacts | CVCall, *, train: tuple[str, ...], test: tuple[str, ...] = (),
                   whole: tuple[str, ...] = (), what: str | None = None) -> ArrayUse | None:
    """The data given to ``search.fit`` (or to ``cross_val_score``) are (a part of) the ``train``
    arrays: not test rows, not the ``whole`` data set (train + test)."""
    raise NotImplementedError


@expectation
def expect_scoring(obj: SearchFacts | CVCall, *, task: str) -> str:
    """The scoring suits ``task`` (``"regression"`` / ``"classification"``): a scorer name or
    metric of that task, or the default (the estimator's own ``score``: R² for a regressor,
    accuracy for a classifier). Returns the scoring's text."""
    raise NotImplementedError


@expectation
def expect_candidates_vary(search: SearchFacts, measures: dict[str, Callable], *, at_least: int = 2,
                           product: bool = False) -> dict[str, list]:
    """Over the search's candidates each measure (``label → measure``, see :func:`hidden_depth`,
    :func:`hidden_width`, :func:`optimizer_of`, :func:`param`) takes at least ``at_least``
    distinct values; with ``product``, every combination of those values is a candidate (a
    grid of depths × widths, not depths and widths changed together). Returns label → values."""
    raise NotImplementedError


@expectation
def expect_candidates_include(search: SearchFacts, measure: Callable, values: tuple, *, label: str) -> list:
    """Every value of ``values`` is among the candidates (``"sgd"`` and ``"rmsprop"`` both compared)."""
    raise NotImplementedError


@expectation
def expect_scores_from_cv(sub: Submission, name: str, *, keys: tuple | None = None) -> dict[str, CVCall]:
    """The contract dict ``name`` maps each choice to fold scores (an array, a list, or their mean)
    returned by a recorded ``cross_val_score`` / ``cross_validate`` call; returns key → call.
    With ``keys``, those keys must be there (compared without case)."""
    raise NotImplementedError


@expectation
def expect_best_choice(name: str, reported, results: SearchFacts | dict, *, measure: Callable | None = None) -> object:
    """``reported`` (the student's choice) is the best by the student's own results: the
    candidate(s) with the highest mean test score of a search (``measure`` of their model or
    parameters gives the choice), or the key with the highest mean of a dict key → fold scores.
    Ties accept any of the tied choices. Returns the best choice."""
    raise NotImplementedError


@expectation
def expect_refitted_best(sub: Submission, search: SearchFacts, *, name: str | None = None) -> EstimatorFacts:
    """The search refitted its best parameters (``refit`` on, ``best_estimator_`` fitted by the
    search itself); with ``name``, the contract name is that very estimator (or its model)."""
    raise NotImplementedError
