"""Hidden checks of the TD « Keras & validation croisée » (pytest tests run by the grader over
the harvested facts).

Automatic points: q1 4, q2 4, q3 8 (= 16; 4 more are graded by hand: q1 1, q2 1, q3 2).

The checks judge how each model and each search was set up, on which data it was fitted and
scored, and whether the numbers and choices the student reports agree with the student's own
results; never which candidate won (that depends on real training: fast mode trains two batches
per fit, and verdicts must be the same in both modes).

Public checks (the student may run them from the released self-check before handing in):
``q1_two_hidden_layers`` (the classifier's structure and softmax output) and
``q3_regression_model`` (regression wrapper, linear output, regression loss): they only read how
the models are built, which the student should get right before anything else. Every other check
(construction-time fit parameters, data of each fit and score, folds, grid, scoring, reported
choices and scores) stays hidden.
"""
from autograder.assignments.td_keras_cv.messages import MESSAGES
from autograder.checks import (
    CheckFailed, Localized, Dense, check, expect_architecture, expect_best_choice, expect_candidates_include,
    expect_candidates_vary, expect_construction_fit_params, expect_cv_data, expect_fitted_on, expect_folds,
    expect_keras_wrapper, expect_refitted_best, expect_reported_score, expect_scored_on, expect_scores_from_cv,
    expect_scoring, expect_search_fitted, hidden_depth, hidden_width, optimizer_of, param, quietly,
    register_messages,
    reworded,
)

register_messages(MESSAGES, owner="td_keras_cv")

PIXELS, CLASSES, HIDDEN = 784, 10, 2
OPTIMIZERS = ("rmsprop", "sgd")
MIN_FOLDS = 3
MNIST_TRAIN, MNIST_TEST = ("X_train",), ("X_test",)        # contract inputs (the locked data cell)
BOSTON_TRAIN, BOSTON_TEST = ("Xb_train",), ("Xb_test",)
REGRESSION_LOSSES = {"mse", "meansquarederror", "mae", "meanabsoluteerror", "huber", "huberloss", "logcosh",
                     "msle", "meansquaredlogarithmicerror", "mape", "meanabsolutepercentageerror"}


# what the candidates' measures are called in the messages
LABELS = {"depth": Localized(fr="profondeur (nombre de couches cachées)", en="depth (number of hidden layers)"),
          "width": Localized(fr="largeur (neurones par couche cachée)", en="width (units per hidden layer)"),
          "optimizer": Localized(fr="optimiseur", en="optimizer")}


def _loss_key(loss) -> str:
    return str(loss or "").replace("_", "").replace(" ", "").lower()


# ------------------------------------------------------------------------------------ Q1
def q1_model(sub):
    """The Keras model the classifier of Q1 fitted (its ``model_``)."""
    est = expect_keras_wrapper(sub.estimator("clf_q1"), task="classifier")
    if est.model is None:
        raise CheckFailed("td_keras_cv.no_candidate_model", name="clf_q1")
    return est, est.model


@check("q1", 2, public=True)
def test_q1_two_hidden_layers(sub):
    _, model = q1_model(sub)
    dense, _, _ = model.stack()
    widths = [unit.units for unit in dense[:-1]][:HIDDEN]
    widths += [64] * (HIDDEN - len(widths))       # only the count, activations and output are asked
    with reworded(hidden_count="td_keras_cv.hidden_count"):
        expect_architecture(model, input_dim=PIXELS, hidden=[Dense(w, "relu") for w in widths],
                            output=Dense(CLASSES, "softmax"))


@check("q1", 1)
def test_q1_epochs_at_construction(sub):
    est = expect_keras_wrapper(sub.estimator("clf_q1"), task="classifier")
    expect_construction_fit_params(est, ("epochs", "batch_size"))


@check("q1", 1)
def test_q1_fit_train_score_test(sub):
    est = expect_keras_wrapper(sub.estimator("clf_q1"), task="classifier")
    expect_fitted_on(est, train=MNIST_TRAIN, test=MNIST_TEST)
    expect_scored_on(est, test=MNIST_TEST, train=MNIST_TRAIN)
    expect_reported_score("score_q1", sub.scalar("score_q1"), est, test=MNIST_TEST, train=MNIST_TRAIN)


# ------------------------------------------------------------------------------------ Q2
def q2_results(sub):
    """("search", SearchFacts) or ("dict", {optimizer: CVCall}) for ``search_q2``."""
    kind = sub.raw("search_q2").get("kind")
    if kind == "dict":
        return "dict", expect_scores_from_cv(sub, "search_q2")
    if kind == "search":
        return "search", expect_search_fitted(sub.search("search_q2"))
    value = sub.raw("search_q2")
    raise CheckFailed("td_keras_cv.q2_kind", actual=str(value.get("type") or kind))


@check("q2", 1.5)
def test_q2_folds_on_training_data(sub):
    kind, results = q2_results(sub)
    runs = [results] if kind == "search" else list(results.values())
    for run in runs:
        expect_folds(run, at_least=MIN_FOLDS)
        expect_cv_data(run, train=MNIST_TRAIN, test=MNIST_TEST)


@check("q2", 1.5)
def test_q2_both_optimizers(sub):
    kind, results = q2_results(sub)
    if kind == "search":
        expect_candidates_include(results, optimizer_of, OPTIMIZERS, label=LABELS["optimizer"])
        return
    with quietly():
        calls = expect_scores_from_cv(sub, "search_q2", keys=OPTIMIZERS)
    for key, call in calls.items():
        trained = {optimizer_of(fit.model) for fit in call.fits if fit.model is not None} - {None}
        wrong = sorted(o for o in trained if o != str(key).lower())
        if wrong:
            raise CheckFailed("td_keras_cv.scores_wrong_optimizer", key=key, actual=wrong[0])
    sub.note("td_keras_cv.q2_scores_ok", count=len(calls), keys=", ".join(map(str, calls)))


def reported_choice_measure(search):
    """How a candidate's optimizer is read to judge the reported choice: by its ``optimizer``
    parameter when every candidate names one (the student reports what the search says, e.g.
    ``best_params_["model_kwargs"]["optimizer"]``), else by the optimizer its model trained with.
    Whether the parameter really reached the model is judged by ``q2_both_optimizers``."""
    named = param("optimizer")
    candidates = search.candidates()
    if candidates and all(named(c) is not None for c in candidates):
        return named
    return optimizer_of


@check("q2", 1)
def test_q2_best_optimizer_reported(sub):
    kind, results = q2_results(sub)
    reported = sub.scalar("best_optimizer_q2")
    if kind == "search":
        expect_best_choice("best_optimizer_q2", reported, results, measure=reported_choice_measure(results))
    else:
        expect_best_choice("best_optimizer_q2", reported, {key: call.scores for key, call in results.items()})


# ------------------------------------------------------------------------------------ Q3
def q3_search(sub):
    return expect_search_fitted(sub.search("search_q3"))


@check("q3", 1.5, public=True)
def test_q3_regression_model(sub):
    search = sub.search("search_q3")
    est = expect_keras_wrapper(search.estimator, task="regressor")
    models = list(search.candidate_models().values())
    if not models and search.best_estimator is not None and search.best_estimator.model is not None:
        models = [search.best_estimator.model]
    if not models:
        raise CheckFailed("td_keras_cv.no_candidate_model", name="search_q3")
    for model in models:
        dense, _, _ = model.stack()
        last = dense[-1] if dense else None
        if last is None or last.units != 1 or last.activation != "linear":
            raise CheckFailed("td_keras_cv.regression_output", name="search_q3",
                              units=last.units if last else "?", activation=last.activation if last else "?")
        if _loss_key(model.loss) not in REGRESSION_LOSSES:
            raise CheckFailed("td_keras_cv.regression_loss", name="search_q3", actual=model.loss)
    sub.note("td_keras_cv.regression_model_ok", name="search_q3", wrapper=est.cls, loss=models[0].loss)


@check("q3", 2)
def test_q3_structure_grid(sub):
    with reworded(cv_too_few_values="td_keras_cv.structure_too_few"):
        expect_candidates_vary(q3_search(sub), {"depth": hidden_depth, "width": hidden_width}, at_least=2,
                               product=True, labels=LABELS)


@check("q3", 1)
def test_q3_optimizer_in_grid(sub):
    expect_candidates_include(q3_search(sub), optimizer_of, OPTIMIZERS, label=LABELS["optimizer"])


@check("q3", 1.5)
def test_q3_folds_training_scoring(sub):
    search = q3_search(sub)
    expect_folds(search, at_least=MIN_FOLDS)
    expect_cv_data(search, train=BOSTON_TRAIN, test=BOSTON_TEST)
    expect_scoring(search, task="regression")


@check("q3", 2)
def test_q3_refit_and_test_score(sub):
    search = q3_search(sub)
    best = expect_refitted_best(sub, search, name="best_model_q3")
    expect_reported_score("test_score_q3", sub.scalar("test_score_q3"), best, test=BOSTON_TEST, train=BOSTON_TRAIN)
