"""scikit-learn around Keras: facts (estimator_facts), expectations (model_selection) on synthetic
payloads, and the kernel-side recorder (kernel/estimators) on scikit-learn estimators that train
nothing. The slow tests run wrappers, searches and a hand loop in a real kernel."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from autograder.checks import (
    CheckFailed,
    Localized,
    Submission,
    call_values,
    candidate_values,
    effective_params,
    expect_best_choice,
    expect_candidates_include,
    expect_candidates_vary,
    expect_construction_fit_params,
    expect_cv_data,
    expect_fitted_on,
    expect_folds,
    expect_keras_wrapper,
    expect_refitted_best,
    expect_reported_score,
    expect_scored_on,
    expect_scores_from_cv,
    expect_scoring,
    expect_search_fitted,
    hidden_depth,
    hidden_width,
    optimizer_of,
    param,
    param_text,
    same_param,
)
from autograder.checks.notes import collect_notes, notes_text

TRAIN, TEST, WHOLE = ("x_train",), ("x_test",), ("x_all",)


# ----------------------------------------------------------------------------- synthetic payloads
def fp(name: str | None, relation: str = "same", rows: int = 100, seed: float = 1.0) -> dict:
    """A harvested fingerprint whose rows are (a part of) the contract array ``name``."""
    matches = {name: {"relation": relation, "fraction": 1.0}} if name else {}
    if name == "x_train":
        matches["x_all"] = {"relation": "subset", "fraction": 1.0}
    if name == "x_test":
        matches["x_all"] = {"relation": "subset", "fraction": 1.0}
    return {"shape": [rows, 13], "dtype": "float32", "rows": rows, "row_size": 13, "checksum": [seed] * 4,
            "matches": matches}


def model(model_id: int, depth: int, width: int, optimizer: str = "SGD", *, out=(1, "linear"), loss="mse") -> dict:
    dense = [{"class": "Dense", "units": width, "activation": "relu", "weights": [[13, width], [width]]}
             for _ in range(depth)]
    dense.append({"class": "Dense", "units": out[0], "activation": out[1], "weights": [[width, out[0]], [out[0]]]})
    return {"kind": "model", "id": model_id, "class": "Sequential", "input_shape": [None, 13],
            "output_shape": [None, out[0]], "layers": dense, "n_params": 100, "compiled": True, "loss": loss,
            "optimizer": optimizer}


def estimator(serial: int, *, cls="SKLearnRegressor", library="keras", task="regressor", fit_parameters=None,
              fitted=False, model_facts=None, params=None) -> dict:
    fit_parameters = {"epochs": 20, "batch_size": 16} if fit_parameters is None else fit_parameters
    return {"kind": "estimator", "serial": serial, "class": cls, "library": library, "task": task,
            "params": params or {"model": {"object": "build", "type": "function"}, "fit_kwargs": fit_parameters},
            "build_function": "build", "build_kwargs": {}, "fit_parameters": fit_parameters,
            "fit_parameter_sources": {k: "fit_kwargs" for k in fit_parameters}, "fitted": fitted,
            "model": model_facts}


GRID = [{"depth": d, "width": w, "optimizer": o} for d in (1, 2) for w in (8, 16) for o in ("sgd", "rmsprop")]


def search_payload(*, grid=GRID, folds=3, fit_on="x_train", relation="same", scoring=None, refit=True,
                   task="regressor", cls="SKLearnRegressor", means=None, best_bound=True) -> dict:
    """A fitted GridSearchCV over a Keras regressor: a fold fit per (candidate, fold), a refit,
    the best estimator bound to ``best``, its score on the test set bound to ``test_score``."""
    means = means or [-(10.0 + i) for i in range(len(grid))]     # candidate 0 is the best
    fits, records = [], []
    model_id = itertools.count(-1, -1)
    for index, candidate in enumerate(grid):
        for fold in range(folds):
            fits.append({"model_id": next(model_id), "epochs": 1, "completed": True, "data": {"x": fp("x_train", "subset")},
                         "origin": {"estimator": 100 + index * folds + fold, "search": 1, "stage": "fold",
                                    "fold": fold, "n_splits": folds, "candidate": index,
                                    "params": {"model_kwargs": candidate}},
                         "model": model(0, candidate["depth"], candidate["width"], candidate["optimizer"].upper()
                                        if candidate["optimizer"] == "sgd" else "RMSprop")})
    best = grid[max(range(len(grid)), key=lambda i: means[i])]
    best_model = model(7777, best["depth"], best["width"])
    if refit:
        fits.append({"model_id": 7777, "epochs": 1, "completed": True, "data": {"x": fp(fit_on, relation)},
                     "origin": {"estimator": 50, "search": 1, "stage": "refit"}, "model": best_model})
        records.append({"kind": "fit", "index": 1, "serial": 50, "class": cls, "completed": True,
                        "data": {"x": fp(fit_on, relation)}, "origin": {"estimator": 50, "search": 1, "stage": "refit"}})
    records.insert(0, {"kind": "search_fit", "index": 0, "serial": 1, "class": "GridSearchCV", "completed": True,
                       "data": {"x": fp(fit_on, relation)}, "n_jobs": -1, "n_jobs_run": 1, "origin": None})
    records.append({"kind": "score", "index": 2, "serial": 50, "class": cls, "completed": True,
                    "data": {"x": fp("x_test"), "y": None}, "result": 0.61, "origin": None})
    records.append({"kind": "score", "index": 3, "serial": 50, "class": cls, "completed": True,
                    "data": {"x": fp("x_train"), "y": None}, "result": 0.83, "origin": None})
    best_estimator = estimator(50, cls=cls, task=task, fitted=refit, model_facts=best_model if refit else None)
    search = {"kind": "search", "serial": 1, "class": "GridSearchCV",
              "estimator": estimator(2, cls=cls, task=task),
              "grid": [{"model_kwargs": grid}], "distributions": [], "n_iter": None,
              "cv": {"class": "int", "n_splits": folds, "text": f"cv={folds}"}, "n_splits": folds,
              "scoring": scoring, "n_jobs": -1, "refit": refit, "fitted": True,
              "cv_results": {"params": [{"model_kwargs": c} for c in grid], "mean_test_score": means,
                             "std_test_score": [0.1] * len(grid),
                             "split_scores": [[m] * folds for m in means], "rank_test_score": []},
              "best_params": {"model_kwargs": best}, "best_score": max(means), "best_index": means.index(max(means)),
              "best_estimator": best_estimator if refit else None}
    values = {"search": search, "test_score": {"kind": "scalar", "type": "float", "value": 0.61},
              "train_score": {"kind": "scalar", "type": "float", "value": 0.83}}
    if best_bound and refit:
        values["best"] = best_estimator
    return {"values": values, "fits": fits, "calls": [], "files": [], "sklearn": records}


def test_a_correct_grid_search_passes_every_expectation_with_notes():
    sub = Submission(search_payload())
    with collect_notes() as notes:
        search = expect_search_fitted(sub.search("search"))
        assert expect_folds(search, at_least=3) == 3
        expect_cv_data(search, train=TRAIN, test=TEST, whole=WHOLE)
        expect_keras_wrapper(search.estimator, task="regressor")
        found = expect_candidates_vary(search, {"depth": hidden_depth, "width": hidden_width}, product=True)
        assert found == {"depth": [1, 2], "width": [8, 16]}
        expect_candidates_include(search, optimizer_of, ("sgd", "rmsprop"), label="optimizer")
        expect_scoring(search, task="regression")
        assert expect_best_choice("best_opt", "SGD", search, measure=optimizer_of) == "sgd"
        best = expect_refitted_best(sub, search, name="best")
        expect_reported_score("test_score", 0.61, best, test=TEST, train=TRAIN)
    text = notes_text(notes, "en")
    assert "3 folds" in text and "depth ∈ {1, 2} × width ∈ {8, 16}" in text and "refitted by `search`" in text
    assert search.fits[0].origin.stage == "fold" and search.refit_fits()[0].origin.stage == "refit"
    assert len(search.fold_fits()) == 24 and sorted(search.candidate_models()) == list(range(8))
    assert search.param_values("depth") == [1, 2] and search.candidates()[0] == GRID[0]
    assert search.fit_calls[0].n_jobs == -1 and search.fit_calls[0].n_jobs_run == 1


def test_folds_data_and_scoring_mistakes_are_named():
    with pytest.raises(CheckFailed, match="2 plis"):
        expect_folds(Submission(search_payload(folds=2)).search("search"), at_least=3)
    with pytest.raises(CheckFailed, match="ensemble de test"):
        expect_cv_data(Submission(search_payload(fit_on="x_test")).search("search"), train=TRAIN, test=TEST,
                       whole=WHOLE)
    whole = search_payload(fit_on="x_all")
    whole["sklearn"][0]["data"]["x"]["matches"].update(x_train={"relation": "overlap", "fraction": 0.7},
                                                      x_test={"relation": "overlap", "fraction": 0.3})
    with pytest.raises(CheckFailed, match="tout le jeu de données"):
        expect_cv_data(Submission(whole).search("search"), train=TRAIN, test=TEST, whole=WHOLE)
    concatenated = search_payload(fit_on=None)           # np.concatenate([x_train, x_test]), no contract name
    concatenated["sklearn"][0]["data"]["x"]["matches"] = {"x_train": {"relation": "overlap", "fraction": 0.8},
                                                          "x_test": {"relation": "overlap", "fraction": 0.2}}
    with pytest.raises(CheckFailed) as failure:
        expect_cv_data(Submission(concatenated).search("search"), train=TRAIN, test=TEST)
    assert "whole data set `x_train`, `x_test` (training and test)" in failure.value.text("en")
    with pytest.raises(CheckFailed, match="classification.*régression"):
        expect_scoring(Submission(search_payload(scoring="accuracy")).search("search"), task="regression")
    for ok in (None, "neg_mean_squared_error", "r2", {"object": "mean_absolute_error", "type": "scorer"}):
        expect_scoring(Submission(search_payload(scoring=ok)).search("search"), task="regression")
    classifier = Submission(search_payload(task="classifier", cls="SKLearnClassifier")).search("search")
    with pytest.raises(CheckFailed, match="accuracy"):
        expect_scoring(classifier, task="regression")      # the default score of a classifier
    with pytest.raises(CheckFailed, match="régresseur"):
        expect_keras_wrapper(classifier.estimator, task="regressor")


def test_grids_that_vary_one_thing_or_change_depth_and_width_together_fail():
    only_optimizer = [{"depth": 1, "width": 8, "optimizer": o} for o in ("sgd", "rmsprop")]
    search = Submission(search_payload(grid=only_optimizer)).search("search")
    with pytest.raises(CheckFailed, match="1 valeur"):
        expect_candidates_vary(search, {"depth": hidden_depth, "width": hidden_width})
    together = [{"depth": 1, "width": 8, "optimizer": "sgd"}, {"depth": 2, "width": 16, "optimizer": "sgd"}]
    search = Submission(search_payload(grid=together)).search("search")
    expect_candidates_vary(search, {"depth": hidden_depth, "width": hidden_width})   # 2 values each
    with pytest.raises(CheckFailed, match="combinaison absente"):
        expect_candidates_vary(search, {"depth": hidden_depth, "width": hidden_width}, product=True)
    with pytest.raises(CheckFailed, match="rmsprop"):
        expect_candidates_include(search, optimizer_of, ("sgd", "rmsprop"), label="optimizer")
    assert candidate_values(search, param("width")) == {0: 8, 1: 16}   # by parameter name as well
    labels = {"depth": Localized(fr="profondeur", en="depth"), "width": Localized(fr="largeur", en="width")}
    with pytest.raises(CheckFailed) as failure:
        expect_candidates_vary(search, {"depth": hidden_depth, "width": hidden_width}, product=True, labels=labels)
    assert "profondeur × largeur" in failure.value.text("fr") and "depth × width" in failure.value.text("en")
    with collect_notes() as notes:
        expect_candidates_vary(search, {"depth": hidden_depth}, labels=labels)
    assert "profondeur ∈ {1, 2}" in notes_text(notes, "fr") and "depth ∈ {1, 2}" in notes_text(notes, "en")


def test_the_reported_choice_must_be_the_best_by_the_students_own_results():
    means = [-12.0, -10.0] + [-20.0] * 6                     # candidate 1 (rmsprop) is the best
    search = Submission(search_payload(means=means)).search("search")
    with pytest.raises(CheckFailed, match="meilleur choix est rmsprop"):
        expect_best_choice("best_opt", "sgd", search, measure=optimizer_of)
    assert expect_best_choice("best_opt", "RMSprop", search, measure=optimizer_of) == "rmsprop"
    with pytest.raises(CheckFailed, match="ne fait pas partie"):
        expect_best_choice("best_opt", "adam", search, measure=optimizer_of)
    tie = {"sgd": [0.9, 0.8, 0.7], "rmsprop": [0.8, 0.8, 0.8]}             # equal means: either is right
    assert expect_best_choice("b", "sgd", tie) in ("sgd", "rmsprop")
    assert expect_best_choice("b", "rmsprop", tie) in ("sgd", "rmsprop")
    with pytest.raises(CheckFailed, match="choice_not_best|meilleur"):
        expect_best_choice("b", "sgd", {"sgd": 0.5, "rmsprop": 0.7})


def test_refit_and_the_best_estimator_and_its_test_score():
    with pytest.raises(CheckFailed, match="refit=True"):
        expect_refitted_best(Submission(search_payload(refit=False, best_bound=False)), 
                             Submission(search_payload(refit=False, best_bound=False)).search("search"))
    payload = search_payload()
    payload["values"]["best"] = estimator(99, fitted=True, model_facts=model(1234, 1, 8))   # another wrapper
    sub = Submission(payload)
    with pytest.raises(CheckFailed, match="n'est pas `search.best_estimator_`"):
        expect_refitted_best(sub, sub.search("search"), name="best")
    sub = Submission(search_payload())
    best = expect_refitted_best(sub, sub.search("search"), name="best")
    with pytest.raises(CheckFailed, match="données d'apprentissage"):
        expect_reported_score("train_score", 0.83, best, test=TEST, train=TRAIN)
    with pytest.raises(CheckFailed, match="n'est pas un score"):
        expect_reported_score("test_score", 0.5, best, test=TEST, train=TRAIN)
    expect_scored_on(best, test=TEST, train=TRAIN)
    expect_fitted_on(best, train=TRAIN, test=TEST)


def wrapper_payload(*, fit_parameters=None, fit_arguments=None, score_on="x_test", library="keras") -> dict:
    est = estimator(1, cls="SKLearnClassifier", library=library, task="classifier", fitted=True,
                    fit_parameters=fit_parameters, model_facts=model(42, 2, 64, out=(10, "softmax")))
    records = [{"kind": "fit", "index": 0, "serial": 1, "class": "SKLearnClassifier", "completed": True,
                "data": {"x": fp("x_train")}, "arguments": fit_arguments or {}, "origin": None},
               {"kind": "score", "index": 1, "serial": 1, "class": "SKLearnClassifier", "completed": True,
                "data": {"x": fp(score_on)}, "result": 0.97, "origin": None}]
    fits = [{"model_id": 42, "epochs": 5, "completed": True, "data": {"x": fp("x_train")},
             "origin": {"estimator": 1, "stage": "fit"}}]
    return {"values": {"clf": est, "score": {"kind": "scalar", "type": "float", "value": 0.97}},
            "fits": fits, "calls": [], "files": [], "sklearn": records}


def test_a_wrapper_built_with_its_fit_parameters_trained_and_scored_on_the_test_set():
    sub = Submission(wrapper_payload())
    est = expect_keras_wrapper(sub.estimator("clf"), task="classifier")
    assert expect_construction_fit_params(est) == {"epochs": 20, "batch_size": 16}
    assert expect_fitted_on(est, train=TRAIN, test=TEST).kind == "fit"
    expect_scored_on(est, test=TEST, train=TRAIN)
    expect_reported_score("score", sub.scalar("score"), est, test=TEST, train=TRAIN)
    assert est.model.optimizer == "SGD" and [l.units for l in est.model.flat_layers()] == [64, 64, 10]
    assert est.fits[0].origin.stage == "fit" and est.fits[0].origin.estimator == 1


def test_wrapper_mistakes_fit_parameters_in_fit_only_and_scored_on_training():
    sub = Submission(wrapper_payload(fit_parameters={}, fit_arguments={"epochs": 5, "batch_size": 32}))
    with pytest.raises(CheckFailed, match="n'est donné qu'à `fit`"):
        expect_construction_fit_params(sub.estimator("clf"))
    sub = Submission(wrapper_payload(fit_parameters={"epochs": 5}))
    with pytest.raises(CheckFailed, match="`batch_size` n'est pas fixé"):
        expect_construction_fit_params(sub.estimator("clf"))
    sub = Submission(wrapper_payload(score_on="x_train"))
    with pytest.raises(CheckFailed, match="évalué sur les données d'apprentissage"):
        expect_scored_on(sub.estimator("clf"), test=TEST, train=TRAIN)
    with pytest.raises(CheckFailed, match="données d'apprentissage"):
        expect_reported_score("score", 0.97, sub.estimator("clf"), test=TEST, train=TRAIN)
    other = wrapper_payload()
    other["values"]["clf"].update(library="sklearn", cls="LogisticRegression")
    with pytest.raises(CheckFailed, match="pas un modèle Keras"):
        expect_keras_wrapper(Submission(other).estimator("clf"))


def hand_loop_payload(*, stored=None, folds=3, data="x_train") -> dict:
    scores = {"sgd": [0.81, 0.8, 0.79], "rmsprop": [0.9, 0.91, 0.92]}
    records, fits = [], []
    for index, (name, values) in enumerate(scores.items()):
        records.append({"kind": "cv", "index": index, "function": "cross_val_score",
                        "estimator": estimator(10 + index, cls="SKLearnClassifier", task="classifier",
                                               params={"model_kwargs": {"optimizer": name}}),
                        "cv": {"class": "KFold", "n_splits": folds, "text": f"KFold(n_splits={folds})"},
                        "n_splits": folds, "scoring": None, "n_jobs": -1, "n_jobs_run": 1, "completed": True,
                        "data": {"x": fp(data)}, "scores": values, "metrics": {}, "origin": None})
        fits += [{"model_id": -1, "epochs": 1, "completed": True, "data": {"x": fp("x_train", "subset")},
                  "origin": {"estimator": 20 + f, "cv_call": index, "stage": "fold", "fold": f},
                  "model": model(0, 2, 64, "SGD" if name == "sgd" else "RMSprop", out=(10, "softmax"))}
                 for f in range(folds)]
    stored = stored or {k: {"kind": "array", "shape": [folds], "dtype": "float64", "values": v}
                        for k, v in scores.items()}
    return {"values": {"scores": {"kind": "dict", "items": stored}}, "fits": fits, "calls": [], "files": [],
            "sklearn": records}


def test_a_hand_loop_over_cross_val_score_is_related_to_the_recorded_calls():
    sub = Submission(hand_loop_payload())
    calls = expect_scores_from_cv(sub, "scores", keys=("sgd", "rmsprop"))
    assert [c.index for c in calls.values()] == [0, 1]
    assert call_values(calls, optimizer_of) == {"sgd": "sgd", "rmsprop": "rmsprop"}
    assert call_values(calls, param("optimizer")) == {"sgd": "sgd", "rmsprop": "rmsprop"}
    expect_candidates_include(calls, optimizer_of, ("sgd", "rmsprop"), label="optimizer", what="`scores`")
    with pytest.raises(CheckFailed, match="ne compare pas optimizer = adam"):
        expect_candidates_include(calls, optimizer_of, ("adam",), label="optimizer", what="`scores`")
    for call in calls.values():
        assert expect_folds(call) == 3 and call.n_jobs == -1 and call.n_jobs_run == 1
        expect_cv_data(call, train=TRAIN, test=TEST, whole=WHOLE)
        expect_scoring(call, task="classification")
    assert expect_best_choice("best", "rmsprop", sub.dict("scores")) == "rmsprop"
    with pytest.raises(CheckFailed, match="meilleur choix est rmsprop"):
        expect_best_choice("best", "sgd", sub.dict("scores"))
    means = {"sgd": {"kind": "scalar", "type": "float", "value": 0.8},
             "rmsprop": {"kind": "scalar", "type": "float", "value": 0.91}}          # the means are accepted
    expect_scores_from_cv(Submission(hand_loop_payload(stored=means)), "scores")
    results = {k: {"kind": "dict", "items": {"test_score": {"kind": "array", "shape": [3], "values": v},
                                             "fit_time": {"kind": "array", "shape": [3], "values": [1, 1, 1]}}}
               for k, v in (("sgd", [0.81, 0.8, 0.79]), ("rmsprop", [0.9, 0.91, 0.92]))}   # cross_validate's dicts
    assert len(expect_scores_from_cv(Submission(hand_loop_payload(stored=results)), "scores")) == 2
    assert expect_best_choice("best", "rmsprop", results) == "rmsprop"


def test_hand_loop_mistakes_typed_scores_two_folds_and_test_data():
    typed = {"sgd": {"kind": "array", "shape": [3], "values": [0.5, 0.6, 0.7]},
             "rmsprop": {"kind": "array", "shape": [3], "values": [0.9, 0.91, 0.92]}}
    with pytest.raises(CheckFailed, match="n'est pas le résultat d'un appel"):
        expect_scores_from_cv(Submission(hand_loop_payload(stored=typed)), "scores")
    with pytest.raises(CheckFailed, match="pas d'entrée pour `adam`"):
        expect_scores_from_cv(Submission(hand_loop_payload()), "scores", keys=("adam",))
    calls = expect_scores_from_cv(Submission(hand_loop_payload(folds=2, stored={
        "sgd": {"kind": "list", "values": [0.81, 0.8, 0.79]}})), "scores")
    with pytest.raises(CheckFailed, match="2 plis"):
        expect_folds(calls["sgd"])
    calls = expect_scores_from_cv(Submission(hand_loop_payload(data="x_test")), "scores")
    with pytest.raises(CheckFailed, match="ensemble de test"):
        expect_cv_data(calls["sgd"], train=TRAIN, test=TEST)


def test_parameter_values_are_compared_as_the_model_sees_them():
    assert effective_params({"model_kwargs": {"units": 8}, "fit_kwargs": {"epochs": 3}, "model__depth": 2,
                             "clf__model__width": 4, "optimizer": "sgd"}) == \
        {"units": 8, "epochs": 3, "depth": 2, "width": 4, "optimizer": "sgd"}
    assert same_param("SGD", "sgd") and same_param({"object": "SGD", "type": "keras.optimizers.SGD"}, "sgd")
    assert same_param(2, 2.0) and not same_param(True, 1.5) and not same_param("adam", "sgd")
    assert param_text({"object": "build", "type": "function"}) == "build"


# ----------------------------------------------------------------------------- kernel side (nothing trained)
@pytest.fixture(scope="module")
def recording():
    import sys

    from autograder.kernel import estimators

    estimators.install()
    import sklearn.model_selection   # noqa: F401  (patched by the import hook)

    if not getattr(sys.modules["sklearn.model_selection._search"].BaseSearchCV.fit, estimators._MARK, False):
        estimators._patch_model_selection(sys.modules["sklearn.model_selection"])   # imported before install
    return estimators


class OriginProbe:
    """A scikit-learn estimator that trains nothing and remembers the origin of each of its fits."""

    seen: list = []

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def get_params(self, deep=True):
        return {"alpha": self.alpha}

    def set_params(self, **params):
        self.alpha = params.get("alpha", self.alpha)
        return self

    def fit(self, X, y):
        from autograder.kernel import estimators

        OriginProbe.seen.append(estimators.current_origin())
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)

    def score(self, X, y):
        return -float(np.mean((np.asarray(y) - self.mean_) ** 2)) - self.alpha


def _probe_class():
    from sklearn.base import BaseEstimator, RegressorMixin

    return type("Probe", (RegressorMixin, BaseEstimator), {k: v for k, v in vars(OriginProbe).items()
                                                           if k in ("__init__", "fit", "predict", "score")})


def test_searches_and_cv_calls_run_in_the_kernel_with_each_fold_attributed(recording):
    from scipy.stats import uniform
    from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, cross_val_score

    Probe = _probe_class()
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 3)), rng.random(60)
    OriginProbe.seen.clear()
    before = len(recording.records())
    search = GridSearchCV(Probe(), {"alpha": [0.0, 1.0, 2.0]}, cv=KFold(4), n_jobs=-1).fit(X, y)
    origins = list(OriginProbe.seen)
    folds = [o for o in origins if o["stage"] == "fold"]
    assert len(folds) == 12 and origins[-1]["stage"] == "refit"      # in this process: every fold seen
    assert {(o["candidate"], o["fold"]) for o in folds} == set(itertools.product(range(3), range(4)))
    assert all(o["params"] == {"alpha": [0.0, 1.0, 2.0][o["candidate"]]} for o in folds)
    assert len({o["search"] for o in origins}) == 1
    OriginProbe.seen.clear()
    scores = cross_val_score(Probe(alpha=0.5), X, y, cv=3, n_jobs=2)
    assert [o["fold"] for o in OriginProbe.seen] == [0, 1, 2] and OriginProbe.seen[0]["stage"] == "fold"
    records = recording.records()[before:]
    (search_fit,) = [r for r in records if r["kind"] == "search_fit"]
    (cv,) = [r for r in records if r["kind"] == "cv"]
    assert search_fit["n_jobs"] == -1 and search_fit["n_jobs_run"] == 1 and search_fit["data"]["x"]["rows"] == 60
    assert cv["function"] == "cross_val_score" and cv["n_jobs"] == 2 and cv["n_splits"] == 3
    assert cv["scores"] == pytest.approx(list(scores)) and cv["cv"]["n_splits"] == 3
    assert OriginProbe.seen[0]["cv_call"] == cv["index"]

    facts = recording.describe_estimator(search, None)
    assert facts["kind"] == "search" and facts["grid"] == [{"alpha": [0.0, 1.0, 2.0]}]
    assert facts["cv"] == {"class": "KFold", "n_splits": 4, "shuffle": False, "text": "KFold(n_splits=4)"}
    assert facts["n_splits"] == 4 and len(facts["cv_results"]["params"]) == 3
    assert len(facts["cv_results"]["split_scores"]) == 3 and len(facts["cv_results"]["split_scores"][0]) == 4
    assert facts["best_estimator"]["serial"] == recording.serial_of(search.best_estimator_)
    assert facts["estimator"]["task"] == "regressor"
    randomized = RandomizedSearchCV(Probe(), {"alpha": uniform(0, 2)}, n_iter=2, cv=2)
    assert recording.describe_estimator(randomized, None)["distributions"] == \
        [{"alpha": {"distribution": "uniform", "args": [0, 2], "kwds": {}}}]


def test_keras_and_scikeras_wrappers_are_described_before_any_fit(recording):
    keras = pytest.importorskip("keras")
    from keras.wrappers import SKLearnClassifier, SKLearnRegressor
    from autograder.kernel import estimators

    def build(X=None, y=None, units=8):
        return None

    facts = estimators.describe_estimator(
        SKLearnClassifier(model=build, model_kwargs={"units": 32}, fit_kwargs={"epochs": 5, "batch_size": 64}), None)
    assert (facts["class"], facts["library"], facts["task"], facts["fitted"]) == \
        ("SKLearnClassifier", "keras", "classifier", False)
    assert facts["build_function"] == "build" and facts["build_kwargs"] == {"units": 32}
    assert facts["fit_parameters"] == {"epochs": 5, "batch_size": 64}
    assert estimators.describe_estimator(SKLearnRegressor(model=build), None)["fit_parameters"] == {}
    scikeras = pytest.importorskip("scikeras.wrappers")
    facts = estimators.describe_estimator(
        scikeras.KerasRegressor(model=build, epochs=7, fit__batch_size=16, model__units=4, loss="mse"), None)
    assert (facts["library"], facts["task"], facts["build_function"]) == ("scikeras", "regressor", "build")
    assert facts["build_kwargs"] == {"units": 4}
    assert facts["fit_parameters"] == {"epochs": 7, "batch_size": 16}
    assert facts["fit_parameter_sources"] == {"epochs": "constructor", "batch_size": "fit__batch_size"}
    assert estimators.describe_estimator(scikeras.KerasClassifier(model=build), None)["fit_parameters"] == {}


# ----------------------------------------------------------------------------- in a real kernel
KERNEL_CELLS = [
    "import gc, numpy as np, keras\n"
    "from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score\n"
    "rng = np.random.default_rng(0)\n"
    "x_all = rng.random((240, 12), dtype=np.float32)\n"
    "y_reg = x_all.sum(axis=1); y_cls = (x_all[:, 0] > 0.5).astype('int64') + (x_all[:, 1] > 0.5)\n"
    "x_train, x_test, y_train, y_test = x_all[:180], x_all[180:], y_reg[:180], y_reg[180:]\n"
    "c_train, c_test = y_cls[:180], y_cls[180:]",
    # Keras 3's regressor in a grid over depth and optimizer, n_jobs=-1
    "def build(X=None, y=None, depth=1, optimizer='sgd'):\n"
    "    model = keras.Sequential([keras.Input((12,))] + [keras.layers.Dense(8, activation='relu')\n"
    "                             for _ in range(depth)] + [keras.layers.Dense(1)])\n"
    "    model.compile(optimizer=optimizer, loss='mse')\n"
    "    return model\n"
    "search = GridSearchCV(keras.wrappers.SKLearnRegressor(model=build, fit_kwargs={'epochs': 4, 'batch_size': 16}),\n"
    "                      {'model_kwargs': [dict(depth=d, optimizer=o) for d in (1, 2) for o in ('sgd', 'rmsprop')]},\n"
    "                      cv=3, n_jobs=-1, scoring='neg_mean_squared_error').fit(x_train, y_train)\n"
    "best = search.best_estimator_\n"
    "test_score = best.score(x_test, y_test)",
    # scikeras' classifier: fitted, scored, and a hand loop over cross_val_score
    "from scikeras.wrappers import KerasClassifier\n"
    "def build_clf(hidden=8, meta=None):\n"
    "    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(hidden, activation='relu'),\n"
    "                             keras.layers.Dense(hidden, activation='relu'), keras.layers.Dense(3, activation='softmax')])\n"
    "clf = KerasClassifier(model=build_clf, loss='sparse_categorical_crossentropy', epochs=3, batch_size=32,\n"
    "                      model__hidden=6, verbose=0)\n"
    "clf.fit(x_train, c_train)\n"
    "score = clf.score(x_test, c_test)\n"
    "scores = {o: cross_val_score(KerasClassifier(model=build_clf, loss='sparse_categorical_crossentropy', optimizer=o,\n"
    "                                             epochs=2, verbose=0), x_train, c_train, cv=StratifiedKFold(3), n_jobs=2)\n"
    "          for o in ('sgd', 'rmsprop')}\n"
    "best_optimizer = max(scores, key=lambda k: scores[k].mean())",
    "gc.collect()\n"
    "live_models = sum(isinstance(o, keras.Model) for o in gc.get_objects())",
]


@pytest.fixture(scope="module")
def kernel_facts(tmp_path_factory):
    pytest.importorskip("scikeras")
    import nbformat

    from autograder.execution.environment import kernel_env
    from autograder.execution.kernel_run import Limits, run_notebook

    tmp = tmp_path_factory.mktemp("model_selection")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in KERNEL_CELLS])
    names = ["x_all", "x_train", "x_test", "search", "best", "test_score", "clf", "score", "scores",
             "best_optimizer", "live_models"]
    execution = run_notebook(nb, workdir=tmp, names=names, fast=True, limits=Limits(),
                             env=kernel_env(workdir=tmp, threads=1))
    assert not execution.cell_errors, execution.cell_errors
    return Submission(execution.harvest)


@pytest.mark.slow   # one kernel, 13 + 7 tiny fast-mode fits
def test_kernel_search_with_n_jobs_is_recorded_fold_by_fold_and_attributed(kernel_facts):
    sub = kernel_facts
    search = expect_search_fitted(sub.search("search"))
    assert search.n_jobs == -1 and search.fit_calls[0].n_jobs_run == 1
    assert expect_folds(search) == 3
    expect_cv_data(search, train=("x_train",), test=("x_test",), whole=("x_all",))
    assert expect_keras_wrapper(search.estimator, task="regressor").library == "keras"
    assert search.estimator.fit_parameters == {"epochs": 4, "batch_size": 16}
    fold_fits = search.fold_fits()
    assert len(fold_fits) == 12 and len(search.refit_fits()) == 1
    assert {(f.origin.candidate, f.origin.fold) for f in fold_fits} == set(itertools.product(range(4), range(3)))
    assert all(f.fast and f.x.within("x_train") for f in search.fits)
    assert len({f.origin.estimator for f in fold_fits}) == 12       # each fold fitted its own clone
    found = expect_candidates_vary(search, {"depth": hidden_depth, "optimizer": optimizer_of}, product=True)
    assert found == {"depth": [1, 2], "optimizer": ["sgd", "rmsprop"]}
    for fit in fold_fits:                                          # the model each clone trained
        assert fit.origin.params["model_kwargs"]["depth"] == hidden_depth(fit.model)
    expect_scoring(search, task="regression")
    best = expect_refitted_best(sub, search, name="best")
    expect_reported_score("test_score", sub.scalar("test_score"), best, test=("x_test",), train=("x_train",))
    assert sub.scalar("live_models") <= 4                         # clones are not kept alive


@pytest.mark.slow
def test_kernel_scikeras_wrapper_and_hand_loop_are_recorded(kernel_facts):
    sub = kernel_facts
    clf = expect_keras_wrapper(sub.estimator("clf"), task="classifier")
    assert clf.library == "scikeras" and clf.build_kwargs == {"hidden": 6}
    assert expect_construction_fit_params(clf) == {"epochs": 3, "batch_size": 32}
    expect_fitted_on(clf, train=("x_train",), test=("x_test",))
    expect_scored_on(clf, test=("x_test",), train=("x_train",))
    expect_reported_score("score", sub.scalar("score"), clf, test=("x_test",), train=("x_train",))
    assert [l.units for l in clf.model.flat_layers()] == [6, 6, 3] and clf.model.fits[0].origin.stage == "fit"
    calls = expect_scores_from_cv(sub, "scores", keys=("sgd", "rmsprop"))
    assert call_values(calls, optimizer_of) == {"sgd": "sgd", "rmsprop": "rmsprop"}
    for call in calls.values():
        assert expect_folds(call) == 3 and call.cv.cls == "StratifiedKFold" and call.n_jobs == 2
        assert len(call.fits) == 3 and {f.origin.fold for f in call.fits} == {0, 1, 2}
        expect_cv_data(call, train=("x_train",), test=("x_test",), whole=("x_all",))
    expect_best_choice("best_optimizer", sub.scalar("best_optimizer"), sub.dict("scores"))


def test_scikeras_own_patches_of_keras_are_not_reported_as_the_notebooks(monkeypatch):
    """scikeras replaces Keras methods at import (pickling): the import hook puts those very
    functions in the recorder's snapshot, so the harvest's change detection does not report them."""
    import sys

    from autograder.kernel import estimators, recorder

    keras = pytest.importorskip("keras")
    pytest.importorskip("scikeras.wrappers")
    saving = sys.modules["scikeras._saving_utils"]
    snapshot = {keras.Model: {"__reduce__": object.__reduce__}, keras.optimizers.Optimizer: {},
                keras.layers.Dense: {}}
    monkeypatch.setattr(recorder, "originals", lambda: {"classes": snapshot})   # not the suite's recorder
    estimators._accept_library_patches(None)
    assert snapshot[keras.Model]["__reduce__"] is saving.pack_keras_model
    assert snapshot[keras.Model]["__deepcopy__"] is saving.deepcopy_model
    assert snapshot[keras.optimizers.Optimizer]["__reduce__"] is saving.pack_keras_optimizer
    assert snapshot[keras.layers.Dense] == {}                  # nothing else is accepted
