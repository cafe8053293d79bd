"""Typed views of the scikit-learn objects a notebook built around Keras models.

The harvest (``autograder/kernel/estimators.py`` in the kernel) describes:

* an **estimator** bound to a contract name (``{"kind": "estimator"}``): a Keras 3 wrapper
  (``keras.wrappers.SKLearnClassifier`` / ``SKLearnRegressor``), a scikeras wrapper
  (``KerasClassifier`` / ``KerasRegressor``) or any other scikit-learn estimator →
  :class:`EstimatorFacts` (class, library, task, parameters, build function and its keyword
  arguments, construction-time fit parameters, whether fitted, the fitted Keras model as
  :class:`ModelFacts`);
* a **search** (``GridSearchCV``, ``RandomizedSearchCV``, any ``BaseSearchCV``:
  ``{"kind": "search"}``) → :class:`SearchFacts` (grid or distributions, folds, scoring, n_jobs,
  refit, ``cv_results_``, ``best_params_``, ``best_score_``, ``best_estimator_``);
* every call of the scikit-learn API the notebook made (``sub.estimator_calls``):
  :class:`EstimatorCall` for ``wrapper.fit / score / predict / predict_proba``, ``search.fit``,
  and :class:`CVCall` for ``cross_val_score`` / ``cross_validate`` / ``cross_val_predict``
  (the estimator, folds, scoring, the data and the returned scores);
* the :class:`Origin` of each Keras ``fit`` / ``evaluate`` / ``predict`` record (``FitFacts.origin``):
  the wrapper object (``estimator`` serial), the search or cross-validation call, the stage
  (``"fold"``, ``"refit"`` or ``"fit"``: a direct ``wrapper.fit``), the fold, the candidate and
  its parameter set; fits made inside a wrapper also carry the facts of the model they
  trained (``FitFacts.model``), although the wrapper fitted a clone that no longer exists.

Objects are identified by **serials** (small integers given by the kernel in creation order of
the records, unique in a run): ``search.best_estimator.serial`` is the serial of the refitted
wrapper, so ``sub.estimator("best").serial == sub.search("search").best_estimator.serial``
says the contract name is the search's own best estimator.

Parameter values are plain JSON when they are (numbers, strings, lists, dicts); other objects
are ``{"object": name, "type": "module.Class"}`` (a function: its name; a Keras optimizer:
its class). :func:`param_text` gives the text to compare or show; :func:`effective_params`
flattens a candidate's parameters the way the wrappers hand them to the build function
(``model_kwargs`` dicts lifted, ``model__`` / ``fit__`` routing prefixes dropped).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from autograder.checks.facts import ArrayUse, CallFacts, FitFacts, ModelFacts

KERAS_WRAPPER_LIBRARIES = ("keras", "scikeras")
DICT_PARAMS = ("model_kwargs", "fit_kwargs")   # Keras 3 wrappers: dicts handed to the build function / fit


def param_text(value) -> str:
    """A parameter value as text (``"sgd"``, ``"SGD"``, ``"build_model"``, ``"[64, 64]"``)."""
    if isinstance(value, dict) and "object" in value and set(value) <= {"object", "type"}:
        return str(value["object"])
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def same_param(a, b) -> bool:
    """Two parameter values are the same choice (text compared without case: ``"SGD"`` is ``"sgd"``)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    return param_text(a).strip().lower() == param_text(b).strip().lower()


def effective_params(params: dict | None) -> dict:
    """The parameters as the model sees them: a ``model_kwargs`` / ``fit_kwargs`` dict value is
    lifted (its keys become parameters), a routed name keeps its last part
    (``model__units`` → ``units``, ``clf__model__units`` → ``units``, ``fit__epochs`` → ``epochs``)."""
    flat: dict = {}
    for key, value in (params or {}).items():
        last = str(key).rsplit("__", 1)[-1]
        if last in DICT_PARAMS and isinstance(value, dict) and "object" not in value:
            for inner, inner_value in value.items():
                flat[str(inner)] = inner_value
        else:
            flat[last] = value
    return flat


def _floats(values) -> list[float | None]:
    out = []
    for v in values or []:
        try:
            number = float(v)
            out.append(number if math.isfinite(number) else None)
        except (TypeError, ValueError):
            out.append(None)
    return out


@dataclass
class Origin:
    """Where a recorded Keras call (or scikit-learn call) came from.

    ``stage``: ``"fold"`` (a fit or a scoring of one fold of a search or of a
    ``cross_val_score`` call), ``"refit"`` (the search refitting its best parameters on the whole
    data it was given), ``"fit"`` (the notebook called the wrapper's ``fit`` itself)."""

    estimator: int | None = None          # serial of the wrapper object that made the call
    estimator_class: str | None = None
    search: int | None = None             # serial of the search object, if any
    cv_call: int | None = None            # index of the CVCall, if any
    stage: str = "fit"
    fold: int | None = None
    n_splits: int | None = None
    candidate: int | None = None          # index in the search's cv_results_["params"]
    params: dict | None = None            # the candidate's parameter set, as the search set it

    @classmethod
    def from_dict(cls, data) -> "Origin | None":
        if not isinstance(data, dict):
            return None
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


@dataclass
class CVSpec:
    """A ``cv`` argument: ``cls`` is ``"int"`` (``cv=5``), ``"default"`` (``cv=None``: 5 folds),
    a splitter class (``"KFold"``, ``"StratifiedKFold"``, ``"ShuffleSplit"`` ...), or ``"iterable"``
    (explicit splits); ``n_splits`` is what it says when known."""

    cls: str
    n_splits: int | None = None
    shuffle: bool | None = None
    text: str = ""

    @classmethod
    def from_dict(cls, data) -> "CVSpec":
        data = data if isinstance(data, dict) else {}
        return cls(cls=str(data.get("class") or "?"), n_splits=data.get("n_splits"), shuffle=data.get("shuffle"),
                   text=str(data.get("text") or data.get("class") or "?"))


@dataclass
class EstimatorCall:
    """One call of the scikit-learn API made by the notebook or by scikit-learn itself:
    ``kind`` is ``"fit"``, ``"partial_fit"``, ``"score"``, ``"predict"``, ``"predict_proba"``,
    ``"decision_function"`` (a wrapper's method) or ``"search_fit"`` (a search's ``fit``).
    ``origin`` is None for a call the notebook made itself (not inside a search or a
    cross-validation); ``arguments`` are the plain keyword arguments it was given
    (``wrapper.fit(X, y, epochs=5)`` → ``{"epochs": 5}``); ``result`` is ``score``'s float."""

    kind: str
    index: int
    serial: int | None
    cls: str
    completed: bool
    data: dict = field(default_factory=dict)     # "x", "y" -> ArrayUse
    arguments: dict = field(default_factory=dict)
    result: object = None
    origin: Origin | None = None
    n_jobs: object = None                        # search_fit: the n_jobs asked for
    n_jobs_run: int | None = None                # search_fit: how many jobs actually ran (1: in the kernel)

    @classmethod
    def from_dict(cls, data: dict) -> "EstimatorCall":
        return cls(kind=str(data.get("kind", "?")), index=int(data.get("index") or 0), serial=data.get("serial"),
                   cls=str(data.get("class") or "?"), completed=bool(data.get("completed")),
                   data=_uses(data.get("data")), arguments=dict(data.get("arguments") or {}),
                   result=data.get("result"), origin=Origin.from_dict(data.get("origin")),
                   n_jobs=data.get("n_jobs"), n_jobs_run=data.get("n_jobs_run"))

    @property
    def x(self) -> ArrayUse | None:
        return self.data.get("x")

    @property
    def y(self) -> ArrayUse | None:
        return self.data.get("y")

    @property
    def by_notebook(self) -> bool:
        """Called by the notebook itself (not by a search or a cross-validation)."""
        return self.origin is None


def _uses(data) -> dict:
    return {k: use for k, use in ((k, ArrayUse.from_dict(v)) for k, v in (data or {}).items()) if use is not None}


@dataclass
class EstimatorFacts:
    """A scikit-learn estimator (a Keras wrapper or any other one).

    ``library``: ``"keras"`` (Keras 3's ``keras.wrappers``), ``"scikeras"``, or the top
    package of another estimator (``"sklearn"``); ``task``: ``"classifier"`` / ``"regressor"`` /
    None. ``build_function``: the name of the function (or model class) given as ``model=`` /
    ``build_fn=``; ``build_kwargs``: the keyword arguments the wrapper hands it
    (``model_kwargs=`` of Keras' wrappers, routed ``model__…`` and matching parameters of
    scikeras). ``fit_parameters``: fit parameters set **when the wrapper was built** (Keras:
    ``fit_kwargs=``; scikeras: ``epochs=`` / ``batch_size=`` / ``fit__…`` arguments that differ
    from the defaults), ``fit_parameter_sources``: where each came from. ``model``: the fitted
    Keras model (``model_``), None when not fitted. ``fits`` / ``calls``: the Keras fits and the
    scikit-learn calls made by this very object (not by its clones)."""

    name: str
    serial: int | None
    cls: str
    library: str
    task: str | None = None
    params: dict = field(default_factory=dict)
    build_function: str | None = None
    build_kwargs: dict = field(default_factory=dict)
    fit_parameters: dict = field(default_factory=dict)
    fit_parameter_sources: dict = field(default_factory=dict)
    fitted: bool = False
    model: ModelFacts | None = None
    fits: list[FitFacts] = field(default_factory=list)
    calls: list[EstimatorCall] = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def is_keras_wrapper(self) -> bool:
        return self.library in KERAS_WRAPPER_LIBRARIES

    @property
    def effective_params(self) -> dict:
        return effective_params(self.params)

    def calls_of(self, *kinds: str, by_notebook: bool = True) -> list[EstimatorCall]:
        """This object's completed calls of ``kinds`` (by the notebook itself unless told otherwise)."""
        return [c for c in self.calls if c.kind in kinds and c.completed and (c.by_notebook or not by_notebook)]


@dataclass
class CVResults:
    """``cv_results_`` of a search, one entry per candidate (in ``params`` order). ``split_scores``
    are the per-fold test scores of each candidate. A multi-metric search keeps each metric's
    ``mean_test_<name>`` in ``metrics``; ``mean_test_score`` then follows ``refit``'s metric."""

    params: list[dict]
    mean_test_score: list[float | None]
    std_test_score: list[float | None] = field(default_factory=list)
    split_scores: list[list[float | None]] = field(default_factory=list)
    rank_test_score: list[int] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data) -> "CVResults | None":
        if not isinstance(data, dict):
            return None
        return cls(params=list(data.get("params") or []), mean_test_score=_floats(data.get("mean_test_score")),
                   std_test_score=_floats(data.get("std_test_score")),
                   split_scores=[_floats(s) for s in data.get("split_scores") or []],
                   rank_test_score=list(data.get("rank_test_score") or []),
                   metrics={k: _floats(v) for k, v in (data.get("metrics") or {}).items()})

    def best_indices(self, rel_tol: float = 1e-9) -> list[int]:
        """The candidates with the highest mean test score (ties: all of them)."""
        scores = [(i, s) for i, s in enumerate(self.mean_test_score) if s is not None]
        if not scores:
            return []
        top = max(s for _, s in scores)
        return [i for i, s in scores if math.isclose(s, top, rel_tol=rel_tol, abs_tol=1e-12)]


@dataclass
class SearchFacts:
    """A hyper-parameter search (``GridSearchCV``, ``RandomizedSearchCV`` ...).

    ``grid``: the parameter grid as a list of dicts (a dict grid is a list of one), each
    parameter → list of values; a ``RandomizedSearchCV``'s ``param_distributions`` is in
    ``distributions`` (a list: values; a scipy distribution: ``{"distribution": name, "args": [...]}``)
    and ``n_iter``. ``cv`` is the ``cv`` argument; ``n_splits`` the folds the fitted search used.
    ``fit_calls``: the search's ``fit`` calls with the data they were given; ``fits``: every Keras
    fit made under this search (folds and refit), each with its :class:`Origin` and model."""

    name: str
    serial: int | None
    cls: str
    estimator: EstimatorFacts | None
    grid: list[dict] = field(default_factory=list)
    distributions: list[dict] = field(default_factory=list)
    n_iter: int | None = None
    cv: CVSpec = field(default_factory=lambda: CVSpec("default"))
    n_splits: int | None = None
    scoring: object = None
    n_jobs: object = None
    refit: object = True
    fitted: bool = False
    results: CVResults | None = None
    best_params: dict | None = None
    best_score: float | None = None
    best_index: int | None = None
    best_estimator: EstimatorFacts | None = None
    fit_calls: list[EstimatorCall] = field(default_factory=list)
    fits: list[FitFacts] = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def folds(self) -> int | None:
        """The number of folds: the fitted search's, else what ``cv`` says."""
        return self.n_splits if self.n_splits is not None else self.cv.n_splits

    def candidates(self) -> list[dict]:
        """The effective parameters of every candidate (from ``cv_results_`` when fitted, else
        the grid's product), see :func:`effective_params`."""
        if self.results is not None and self.results.params:
            return [effective_params(p) for p in self.results.params]
        out = []
        for grid in self.grid:
            combos = [{}]
            for key, values in grid.items():
                values = values if isinstance(values, list) else [values]
                combos = [{**c, key: v} for c in combos for v in values]
            out.extend(effective_params(c) for c in combos)
        return out

    def param_values(self, name: str) -> list:
        """The distinct values a parameter (effective name, see :func:`effective_params`) takes
        over the candidates (a distribution's parameter: its listed values only)."""
        seen: list = []
        for candidate in self.candidates():
            if name in candidate and not any(same_param(candidate[name], v) for v in seen):
                seen.append(candidate[name])
        for spec in self.distributions:
            value = effective_params({k: v for k, v in spec.items()}).get(name)
            if isinstance(value, list):
                for v in value:
                    if not any(same_param(v, s) for s in seen):
                        seen.append(v)
        return seen

    def candidate_models(self) -> dict[int, ModelFacts]:
        """The model each candidate trained (the first fold's fit), candidate index → ModelFacts:
        facts of what was built whatever the student named the parameters."""
        models: dict[int, ModelFacts] = {}
        for fit in self.fits:
            origin = fit.origin
            if origin is None or origin.stage != "fold" or origin.candidate is None or fit.model is None:
                continue
            models.setdefault(origin.candidate, fit.model)
        return models

    def fold_fits(self) -> list[FitFacts]:
        return [f for f in self.fits if f.origin is not None and f.origin.stage == "fold"]

    def refit_fits(self) -> list[FitFacts]:
        return [f for f in self.fits if f.origin is not None and f.origin.stage == "refit"]


@dataclass
class CVCall:
    """A ``cross_val_score`` / ``cross_validate`` / ``cross_val_predict`` call: ``estimator`` as it
    was passed (its parameters at call time), ``cv``, ``n_splits`` (folds actually made),
    ``scoring``, the data (``x``, ``y``), ``scores`` (the test score of each fold; for
    ``cross_validate`` the ``test_score`` entry, or ``test_<name>`` of the first metric; None for
    ``cross_val_predict``), ``fits``: the Keras fits made for its folds."""

    index: int
    function: str
    estimator: EstimatorFacts | None
    cv: CVSpec
    n_splits: int | None
    scoring: object
    n_jobs: object
    n_jobs_run: int | None
    completed: bool
    data: dict = field(default_factory=dict)
    scores: list[float | None] | None = None
    metrics: dict = field(default_factory=dict)   # cross_validate: every returned "test_*" key
    fits: list[FitFacts] = field(default_factory=list)
    origin: Origin | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def x(self) -> ArrayUse | None:
        return self.data.get("x")

    @property
    def y(self) -> ArrayUse | None:
        return self.data.get("y")

    @property
    def folds(self) -> int | None:
        return self.n_splits if self.n_splits is not None else self.cv.n_splits

    @property
    def mean_score(self) -> float | None:
        values = [s for s in self.scores or [] if s is not None]
        return sum(values) / len(values) if values else None


def fits_with_origin(fits: list[FitFacts], **where) -> list[FitFacts]:
    """The fits whose origin has all of ``where`` (``estimator=3``, ``search=5``, ``stage="fold"`` ...)."""
    return [f for f in fits if f.origin is not None
            and all(getattr(f.origin, key) == value for key, value in where.items())]


def calls_with_origin(calls: list[CallFacts], **where) -> list[CallFacts]:
    return [c for c in calls if c.origin is not None
            and all(getattr(c.origin, key) == value for key, value in where.items())]


# ----------------------------------------------------------------------------- from the payload
def estimator_from(sub, name: str, data: dict) -> EstimatorFacts:
    """:class:`EstimatorFacts` of a harvested estimator description (``sub``: the Submission)."""
    from autograder.checks.facts import model_facts

    serial = data.get("serial")
    model = None
    if isinstance(data.get("model"), dict) and data["model"].get("kind") == "model":
        model_id = data["model"].get("id")
        model = model_facts(f"{name}.model_", data["model"], [f for f in sub.fits if f.model_id == model_id],
                            [c for c in sub.calls if c.model_id == model_id])
    calls = [EstimatorCall.from_dict(c) for c in sub.sklearn
             if c.get("kind") not in ("cv", "search_fit") and serial is not None and c.get("serial") == serial]
    return EstimatorFacts(
        name=name, serial=serial, cls=str(data.get("class") or "?"), library=str(data.get("library") or "?"),
        task=data.get("task"), params=dict(data.get("params") or {}), build_function=data.get("build_function"),
        build_kwargs=dict(data.get("build_kwargs") or {}), fit_parameters=dict(data.get("fit_parameters") or {}),
        fit_parameter_sources=dict(data.get("fit_parameter_sources") or {}), fitted=bool(data.get("fitted")),
        model=model, fits=[f for f in sub.fits if serial is not None and f.origin_data
                           and f.origin_data.get("estimator") == serial],
        calls=calls, raw=data)


def search_from(sub, name: str, data: dict) -> SearchFacts:
    """:class:`SearchFacts` of a harvested search description."""
    serial = data.get("serial")
    estimator = data.get("estimator")
    best = data.get("best_estimator")
    best_score = data.get("best_score")
    return SearchFacts(
        name=name, serial=serial, cls=str(data.get("class") or "?"),
        estimator=estimator_from(sub, f"{name}.estimator", estimator) if isinstance(estimator, dict) else None,
        grid=[dict(g) for g in data.get("grid") or [] if isinstance(g, dict)],
        distributions=[dict(g) for g in data.get("distributions") or [] if isinstance(g, dict)],
        n_iter=data.get("n_iter"), cv=CVSpec.from_dict(data.get("cv")), n_splits=data.get("n_splits"),
        scoring=data.get("scoring"), n_jobs=data.get("n_jobs"), refit=data.get("refit", True),
        fitted=bool(data.get("fitted")), results=CVResults.from_dict(data.get("cv_results")),
        best_params=data.get("best_params") if isinstance(data.get("best_params"), dict) else None,
        best_score=_floats([best_score])[0] if best_score is not None else None, best_index=data.get("best_index"),
        best_estimator=estimator_from(sub, f"{name}.best_estimator_", best) if isinstance(best, dict) else None,
        fit_calls=[EstimatorCall.from_dict(c) for c in sub.sklearn
                   if c.get("kind") == "search_fit" and serial is not None and c.get("serial") == serial],
        fits=[f for f in sub.fits if serial is not None and f.origin_data and f.origin_data.get("search") == serial],
        raw=data)


def cv_call_from(sub, data: dict) -> CVCall:
    """:class:`CVCall` of a harvested ``cross_val_score`` / ``cross_validate`` record."""
    index = int(data.get("index") or 0)
    estimator = data.get("estimator")
    scores = data.get("scores")
    return CVCall(
        index=index, function=str(data.get("function") or "?"),
        estimator=estimator_from(sub, "estimator", estimator) if isinstance(estimator, dict) else None,
        cv=CVSpec.from_dict(data.get("cv")), n_splits=data.get("n_splits"), scoring=data.get("scoring"),
        n_jobs=data.get("n_jobs"), n_jobs_run=data.get("n_jobs_run"), completed=bool(data.get("completed")),
        data=_uses(data.get("data")), scores=_floats(scores) if isinstance(scores, list) else None,
        metrics={k: _floats(v) for k, v in (data.get("metrics") or {}).items() if isinstance(v, list)},
        fits=[f for f in sub.fits if f.origin_data and f.origin_data.get("cv_call") == index],
        origin=Origin.from_dict(data.get("origin")), raw=data)
