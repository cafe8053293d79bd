"""Expectations over scikit-learn wrappers, searches and cross-validation (see ``estimator_facts``).

The checks judge **how** a model selection was set up and whether the student's reported
choices agree with the student's own results, never which candidate won (that depends on real
training, and fast mode trains a batch or two)::

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

import itertools
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


def call_values(calls: dict[str, CVCall], measure: Callable) -> dict[str, object]:
    """key → ``measure`` of the model a cross-validation call trained (its first fold's fit), or
    of its estimator's effective parameters (a :func:`param` measure): what each entry of a
    hand-written loop really compared."""
    out = {}
    for key, call in calls.items():
        if getattr(measure, "param", None):
            params = call.estimator.effective_params if call.estimator is not None else {}
            params.update(call.estimator.build_kwargs if call.estimator is not None else {})
            out[key] = measure(params)
        else:
            model = next((f.model for f in call.fits if f.model is not None), None)
            out[key] = measure(model) if model is not None else None
    return out


def _distinct(values) -> list:
    seen: list = []
    for value in values:
        if value is not None and not any(same_param(value, s) for s in seen):
            seen.append(value)
    return seen


# ----------------------------------------------------------------------------- wrappers
TASK_TEXT = {"classifier": Localized(fr="classifieur", en="classifier"),
             "regressor": Localized(fr="régresseur", en="regressor"), None: Localized(fr="estimateur", en="estimator")}
TASK_HINT = {"classifier": "SKLearnClassifier / KerasClassifier", "regressor": "SKLearnRegressor / KerasRegressor"}


def _values_text(values) -> str:
    return ", ".join(param_text(v) for v in values) or "-"


def _seen(use: ArrayUse | None) -> str | Localized:
    """The contract arrays an array's rows belong to, as text."""
    if use is None or not use.matches:
        return Localized(fr="d'autres données", en="other data")
    return " / ".join(f"`{n}`" for n in use.matches)


@expectation
def expect_keras_wrapper(est: EstimatorFacts, *, task: str | None = None) -> EstimatorFacts:
    """``est`` wraps a Keras model (Keras 3's ``keras.wrappers`` or scikeras) for ``task``
    (``"classifier"`` / ``"regressor"``, None: either)."""
    if not est.is_keras_wrapper:
        raise CheckFailed("wrapper_not_keras", name=est.name, actual=est.cls)
    if task is not None and est.task != task:
        raise CheckFailed("wrapper_wrong_task", name=est.name, actual=TASK_TEXT.get(est.task, est.task), cls=est.cls,
                          expected=TASK_TEXT[task], hint=TASK_HINT.get(task, task))
    verified("ok.wrapper", name=est.name, cls=est.cls, library=est.library, task=TASK_TEXT.get(est.task, est.task))
    return est


@expectation
def expect_construction_fit_params(est: EstimatorFacts, names: tuple[str, ...] = ("epochs", "batch_size")) -> dict:
    """Each fit parameter of ``names`` was set when the wrapper was built (Keras' ``fit_kwargs=``,
    scikeras' ``epochs=`` / ``batch_size=`` / ``fit__…``), not only passed to ``fit``; returns
    ``{name: value}``."""
    found = {}
    for name in names:
        if name in est.fit_parameters and est.fit_parameters[name] is not None:
            found[name] = est.fit_parameters[name]
            continue
        in_fit = any(name in call.arguments for call in est.calls_of("fit", "partial_fit", by_notebook=False))
        raise CheckFailed("wrapper_fit_param_in_fit_only" if in_fit else "wrapper_fit_param_missing",
                          name=est.name, param=name)
    verified("ok.wrapper_fit_params", name=est.name, params=", ".join(f"{k}={param_text(v)}" for k, v in found.items()))
    return found


@expectation
def expect_fitted_on(est: EstimatorFacts, *, train: tuple[str, ...], test: tuple[str, ...] = ()) -> EstimatorCall:
    """The notebook called ``est.fit`` on (a part of) one of the ``train`` arrays, not on test rows
    (a search's refitted best estimator counts: the search fitted it)."""
    calls = [c for c in est.calls if c.kind in ("fit", "partial_fit") and c.completed]
    if not calls:
        raise CheckFailed("wrapper_not_fitted", name=est.name, train=_names(train))
    for call in calls:
        if test and call.x is not None and call.x.overlaps(*test):
            raise CheckFailed("wrapper_fitted_on_test", name=est.name, test=_names(test), train=_names(train))
    good = [c for c in calls if c.x is None or c.x.within(*train)]
    if not good:
        raise CheckFailed("wrapper_fitted_elsewhere", name=est.name, train=_names(train), actual=_seen(calls[-1].x))
    call = good[-1]
    verified("ok.wrapper_fitted_on", name=est.name, train=f"`{call.x.within(*train)}`" if call.x else _names(train))
    return call


@expectation
def expect_scored_on(est: EstimatorFacts, *, test: tuple[str, ...], train: tuple[str, ...] = (),
                     kinds: tuple[str, ...] = ("score",)) -> list[EstimatorCall]:
    """The notebook called ``est.score`` (or ``kinds``) on the ``test`` arrays; a score on the
    training data only fails with a message saying so."""
    calls = est.calls_of(*kinds)
    good = [c for c in calls if c.x is not None and c.x.within(*test)]
    if good:
        verified("ok.wrapper_scored_on", name=est.name, test=f"`{good[-1].x.within(*test)}`")
        return good
    on_train = [c for c in calls if c.x is not None and train and c.x.overlaps(*train)]
    if on_train:
        raise CheckFailed("wrapper_scored_on_training", name=est.name, actual=_seen(on_train[-1].x), test=_names(test))
    raise CheckFailed("wrapper_not_scored", name=est.name, test=_names(test))


def _close(a: float, b: float, rel_tol: float) -> bool:
    return abs(a - b) <= rel_tol * max(1.0, abs(a), abs(b))


@expectation
def expect_reported_score(name: str, value, est: EstimatorFacts, *, test: tuple[str, ...],
                          train: tuple[str, ...] = (), rel_tol: float = 1e-4) -> EstimatorCall:
    """A number the notebook reports is what ``est.score`` returned on the ``test`` arrays (not
    the score on the training data, not a typed-in number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CheckFailed("reported_not_number", name=name, actual=repr(value)[:60])
    calls = [c for c in est.calls_of("score") if isinstance(c.result, (int, float))]
    for call in calls:
        if _close(float(value), float(call.result), rel_tol) and call.x is not None and call.x.within(*test):
            verified("ok.reported_score", name=name, value=number(value), estimator=est.name,
                     test=f"`{call.x.within(*test)}`")
            return call
    for call in calls:
        if _close(float(value), float(call.result), rel_tol) and call.x is not None and train and call.x.overlaps(*train):
            raise CheckFailed("reported_score_on_training", name=name, value=number(value), train=_names(train),
                              test=_names(test))
    results = ", ".join(f"{float(c.result):.4g}" for c in calls[-4:]) or "-"
    raise CheckFailed("reported_score_not_computed", name=name, value=number(value), estimator=est.name,
                      test=_names(test), results=results)


# ----------------------------------------------------------------------------- searches and cross-validation
def _what(obj, what: str | None) -> str:
    if what:
        return what
    if isinstance(obj, SearchFacts):
        return f"`{obj.name}`"
    return f"`{obj.function}` #{obj.index}" if isinstance(obj, CVCall) else str(obj)


@expectation
def expect_search_fitted(search: SearchFacts) -> SearchFacts:
    """The search was fitted (it has ``cv_results_``)."""
    if not search.fitted or search.results is None:
        raise CheckFailed("search_not_fitted", name=search.name)
    verified("ok.search_fitted", name=search.name, cls=search.cls, count=len(search.results.params))
    return search


@expectation
def expect_folds(obj: SearchFacts | CVCall, *, at_least: int = 3, what: str | None = None) -> int:
    """The search (or ``cross_val_score`` call) used at least ``at_least`` folds; returns the count."""
    count = obj.folds
    if count is None or count < at_least:
        raise CheckFailed("cv_too_few_folds", what=_what(obj, what), count=count if count is not None else "?",
                          expected=at_least)
    verified("ok.cv_folds", what=_what(obj, what), count=count)
    return count


def _cv_input(obj: SearchFacts | CVCall) -> ArrayUse | None:
    if isinstance(obj, SearchFacts):
        calls = [c for c in obj.fit_calls if c.completed] or obj.fit_calls
        return calls[-1].x if calls else None
    return obj.x


@expectation
def expect_cv_data(obj: SearchFacts | CVCall, *, train: tuple[str, ...], test: tuple[str, ...] = (),
                   whole: tuple[str, ...] = (), what: str | None = None) -> ArrayUse | None:
    """The data given to ``search.fit`` (or to ``cross_val_score``) are (a part of) the ``train``
    arrays: not test rows, not the ``whole`` data set (train + test). Data that could not be
    fingerprinted (a generator) pass: the facts say nothing against them."""
    label = _what(obj, what)
    if isinstance(obj, SearchFacts) and not obj.fit_calls:
        raise CheckFailed("cv_no_data", what=label)
    use = _cv_input(obj)
    if use is None:
        return None
    if test and use.within(*test):
        raise CheckFailed("cv_on_test", what=label, test=_names(test), train=_names(train))
    if not use.within(*train) and ((whole and use.is_(*whole)) or (use.overlaps(*train) and use.overlaps(*test))):
        raise CheckFailed("cv_on_whole", what=label, whole=_names(whole or (*train, *test)), train=_names(train))
    if test and use.overlaps(*test):
        raise CheckFailed("cv_on_test", what=label, test=_names(test), train=_names(train))
    name = use.within(*train)
    if name is None:
        raise CheckFailed("cv_not_training", what=label, train=_names(train), actual=_seen(use))
    verified("ok.cv_data", what=label, train=f"`{name}`")
    return use


def scoring_task(scoring, estimator_task: str | None) -> tuple[str | None, str]:
    """(``"regression"`` | ``"classification"`` | None when unknown, text) of a scoring
    (None: the estimator's own ``score``: R² for a regressor, accuracy for a classifier)."""
    if scoring is None:
        if estimator_task == "regressor":
            return "regression", "R² (score)"
        if estimator_task == "classifier":
            return "classification", "accuracy (score)"
        return None, "score"
    if isinstance(scoring, dict) and "object" in scoring:
        name = str(scoring["object"])
    elif isinstance(scoring, (list, tuple)):
        name = str(scoring[0]) if scoring else ""
    elif isinstance(scoring, dict):   # multi-metric: {name: scorer}, judged by its first scorer
        name = param_text(next(iter(scoring.values()))) if scoring else ""
    else:
        name = str(scoring)
    key = name.strip().lower()
    if key in REGRESSION_SCORINGS:
        return "regression", name
    if key in CLASSIFICATION_SCORINGS:
        return "classification", name
    return None, name


@expectation
def expect_scoring(obj: SearchFacts | CVCall, *, task: str, what: str | None = None) -> str:
    """The scoring suits ``task`` (``"regression"`` / ``"classification"``): a scorer name or
    metric of that task, or the default (the estimator's own ``score``: R² for a regressor,
    accuracy for a classifier). A scoring the kit cannot classify (a custom function) passes.
    Returns the scoring's text."""
    estimator_task = obj.estimator.task if obj.estimator is not None else None
    found, text = scoring_task(obj.scoring, estimator_task)
    if found is not None and found != task:
        examples = "r2, neg_mean_squared_error, neg_mean_absolute_error" if task == "regression" \
            else "accuracy, balanced_accuracy, f1_macro"
        raise CheckFailed("cv_scoring_wrong_task", what=_what(obj, what), scoring=text, actual=TASK_WORDS[found],
                          expected=TASK_WORDS[task], examples=examples)
    verified("ok.cv_scoring", what=_what(obj, what), scoring=text, task=TASK_WORDS[task])
    return text


def _label_values(search: SearchFacts, measure: Callable) -> list:
    return _distinct(candidate_values(search, measure).values())


def _lang_text(value, lang: str) -> str:
    return value[lang] if isinstance(value, Localized) else str(value)


@expectation
def expect_candidates_vary(search: SearchFacts, measures: dict[str, Callable], *, at_least: int = 2,
                           product: bool = False, labels: dict | None = None) -> dict[str, list]:
    """Over the search's candidates each measure (``label → measure``, see :func:`hidden_depth`,
    :func:`hidden_width`, :func:`optimizer_of`, :func:`param`) takes at least ``at_least``
    distinct values; with ``product``, every combination of those values is a candidate (a
    grid of depths × widths, not depths and widths changed together). ``labels``: label →
    text shown to the student (a ``Localized`` for both languages; default: the label).
    Returns label → values."""
    shown = {label: (labels or {}).get(label, label) for label in measures}
    found = {}
    per_candidate = {label: candidate_values(search, measure) for label, measure in measures.items()}
    for label, values in per_candidate.items():
        distinct = _distinct(values.values())
        if len(distinct) < at_least:
            raise CheckFailed("cv_too_few_values", what=f"`{search.name}`", count=len(distinct), label=shown[label],
                              values=_values_text(distinct), expected=at_least)
        found[label] = distinct
    if product and len(measures) > 1:
        names = list(measures)
        candidates = set(per_candidate[names[0]])
        for label in names[1:]:
            candidates &= set(per_candidate[label])
        combos = [tuple(param_text(per_candidate[label][i]).lower() for label in names) for i in sorted(candidates)]
        for combo in itertools.product(*(found[label] for label in names)):
            key = tuple(param_text(v).lower() for v in combo)
            if key not in combos:
                raise CheckFailed(
                    "cv_not_product", what=f"`{search.name}`",
                    labels=Localized(**{lang: " × ".join(_lang_text(shown[n], lang) for n in names)
                                        for lang in ("fr", "en")}),
                    missing=Localized(**{lang: ", ".join(f"{_lang_text(shown[n], lang)}={param_text(v)}"
                                                         for n, v in zip(names, combo)) for lang in ("fr", "en")}))
    summary = Localized(**{lang: " × ".join(f"{_lang_text(shown[label], lang)} ∈ {{{_values_text(values)}}}"
                                            for label, values in found.items()) for lang in ("fr", "en")})
    verified("ok.cv_candidates_vary", what=f"`{search.name}`", summary=summary)
    return found


@expectation
def expect_candidates_include(obj: SearchFacts | dict, measure: Callable, values: tuple, *, label: str,
                              what: str | None = None) -> list:
    """Every value of ``values`` is among the candidates (``"sgd"`` and ``"rmsprop"`` both
    compared): the candidates of a search, or the calls of a hand-written loop (the key →
    :class:`CVCall` dict of :func:`expect_scores_from_cv`, measured with :func:`call_values`).
    ``label``: a text or a ``Localized`` (shown in the student's language)."""
    if isinstance(obj, SearchFacts):
        seen, label_what = _label_values(obj, measure), what or f"`{obj.name}`"
    else:
        seen, label_what = _distinct(call_values(obj, measure).values()), what or "cross_val_score"
    for value in values:
        if not any(same_param(value, s) for s in seen):
            raise CheckFailed("cv_value_not_compared", what=label_what, label=label, value=param_text(value),
                              values=_values_text(seen))
    verified("ok.cv_candidates_include", what=label_what, label=label, values=_values_text(seen))
    return seen


def _score_values(item: dict) -> list[float] | None:
    """The numbers of a harvested dict item: an array's or list's values, a scalar, or the
    ``test_score`` of a ``cross_validate`` result."""
    if item.get("kind") == "dict" and isinstance(item.get("items", {}).get("test_score"), dict):
        item = item["items"]["test_score"]
    if item.get("kind") in ("array", "list") and isinstance(item.get("values"), list):
        return [float(v) for v in item["values"] if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if item.get("kind") == "scalar" and isinstance(item.get("value"), (int, float)) \
            and not isinstance(item.get("value"), bool):
        return [float(item["value"])]
    return None


def _matches_call(values: list[float], call: CVCall, rel_tol: float = 1e-6) -> bool:
    scores = [s for s in call.scores or [] if s is not None]
    if not scores:
        return False
    if len(values) == len(scores) and all(_close(a, b, rel_tol) for a, b in zip(values, scores)):
        return True
    mean = sum(scores) / len(scores)
    return len(values) == 1 and _close(values[0], mean, rel_tol)


@expectation
def expect_scores_from_cv(sub: Submission, name: str, *, keys: tuple | None = None) -> dict[str, CVCall]:
    """The contract dict ``name`` maps each choice to fold scores (an array, a list, or their mean)
    returned by a recorded ``cross_val_score`` / ``cross_validate`` call; returns key → call.
    With ``keys``, those keys must be there (compared without case)."""
    value = sub.raw(name)
    if value.get("kind") != "dict":
        raise CheckFailed("cv_scores_not_dict", name=name)
    items = value.get("items", {})
    for key in keys or ():
        if not any(same_param(key, k) for k in items):
            raise CheckFailed("cv_scores_missing_key", name=name, entry=f"`{key}`",
                              entries=", ".join(map(str, items)))
    calls = [c for c in sub.cv_calls if c.completed]
    found: dict[str, CVCall] = {}
    for key, item in items.items():
        values = _score_values(item)
        matching = [c for c in calls if values and _matches_call(values, c)]
        used = {id(c) for c in found.values()}
        call = next((c for c in reversed(matching) if id(c) not in used), matching[-1] if matching else None)
        if call is None:
            raise CheckFailed("cv_scores_not_recorded", name=name, entry=f"`{key}`")
        found[key] = call
    folds = sorted({c.folds for c in found.values() if c.folds is not None})
    verified("ok.cv_scores_from_cv", name=name, count=len(found),
             functions=" / ".join(dict.fromkeys(f"`{c.function}`" for c in found.values())),
             folds=", ".join(map(str, folds)) or "?")
    return found


def _dict_means(sub_items: dict) -> dict[str, float]:
    means = {}
    for key, item in sub_items.items():
        values = _score_values(item) if isinstance(item, dict) and "kind" in item else item
        if isinstance(values, (int, float)) and not isinstance(values, bool):
            values = [float(values)]
        values = [v for v in values or [] if isinstance(v, (int, float))]
        if values:
            means[key] = sum(values) / len(values)
    return means


@expectation
def expect_best_choice(name: str, reported, results: SearchFacts | dict, *, measure: Callable | None = None,
                       rel_tol: float = 1e-9) -> object:
    """``reported`` (the student's choice) is the best by the student's own results: the
    candidate(s) with the highest mean test score of a search (``measure`` of their model or
    parameters gives the choice), or the key with the highest mean of a dict key → fold scores
    (the harvested items of ``sub.dict(name)``, or plain key → list of scores). Ties accept
    any of the tied choices. Returns the best choice."""
    if isinstance(results, SearchFacts):
        if results.results is None:
            raise CheckFailed("search_not_fitted", name=results.name)
        if measure is None:
            raise ValueError("expect_best_choice on a search needs a measure (e.g. optimizer_of or param('optimizer'))")
        per_candidate = candidate_values(results, measure)
        means: dict = {}
        for index, choice in per_candidate.items():
            score = results.results.mean_test_score[index] if index < len(results.results.mean_test_score) else None
            if choice is None or score is None:
                continue
            key = param_text(choice)
            means[key] = max(means.get(key, float("-inf")), score)   # the choice's best candidate
    else:
        means = _dict_means(results)
    if not means:
        raise CheckFailed("cv_scores_not_dict", name=name)
    top = max(means.values())
    best = [k for k, v in means.items() if abs(v - top) <= rel_tol * max(1.0, abs(top))]
    chosen = next((k for k in means if same_param(k, reported)), None)
    if chosen is None:
        raise CheckFailed("choice_unknown", name=name, value=param_text(reported), choices=", ".join(means))
    if chosen not in best:
        raise CheckFailed("choice_not_best", name=name, value=param_text(reported), best=" / ".join(best),
                          best_score=number(top, 4), value_score=number(means[chosen], 4))
    verified("ok.choice_best", name=name, value=param_text(reported), score=number(top, 4))
    return chosen


@expectation
def expect_refitted_best(sub: Submission, search: SearchFacts, *, name: str | None = None) -> EstimatorFacts:
    """The search refitted its best parameters (``refit`` on, ``best_estimator_`` fitted by the
    search itself); with ``name``, the contract name is that very estimator (or its model)."""
    best = search.best_estimator
    if not search.refit or best is None or not best.fitted or not search.refit_fits():
        raise CheckFailed("search_no_refit", search=search.name)
    if name is not None:
        value = sub.raw(name)
        same = (value.get("kind") == "estimator" and value.get("serial") == best.serial) or (
            value.get("kind") == "model" and best.model is not None and value.get("id") == best.model.id)
        if not same:
            raise CheckFailed("not_best_estimator", name=name, search=search.name)
        best = sub.estimator(name) if value.get("kind") == "estimator" else best
    params = ", ".join(f"{k}={param_text(v)}" for k, v in (search.best_params or {}).items())
    verified("ok.search_refitted", name=name or f"{search.name}.best_estimator_", search=search.name, params=params)
    return best
