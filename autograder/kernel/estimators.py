"""Records scikit-learn's model selection around Keras models (runs INSIDE the student's kernel).

Installed by ``recorder.install`` (so before any student cell), patched when the modules are
imported (an import hook; a notebook that never imports scikit-learn does not pay for it):

* the wrappers' ``fit`` / ``partial_fit`` / ``score`` / ``predict`` / ``predict_proba`` /
  ``decision_function`` of Keras 3 (``keras.wrappers.SKLearnClassifier``, ``SKLearnRegressor``,
  ``SKLearnTransformer``) and of scikeras (``KerasClassifier``, ``KerasRegressor``,
  ``BaseWrapper``): each call is logged (kind, object serial, data fingerprints, the plain
  keyword arguments, ``score``'s result) and sets the **origin** of the Keras calls made inside;
* ``BaseSearchCV.fit`` (GridSearchCV, RandomizedSearchCV, the halving searches): logged as
  ``search_fit`` with its data;
* ``cross_validate`` / ``cross_val_score`` / ``cross_val_predict``: logged as ``cv`` with the
  estimator, cv, scoring, the data and the returned scores;
* scikit-learn's per-fold function ``sklearn.model_selection._validation._fit_and_score`` (the
  one point every search and ``cross_validate`` goes through, given the cloned estimator, the
  fold and the candidate's parameters): it sets the fold / candidate / parameter set of the
  origin, so a fit of a **clone** is attributed to its search, fold and parameters.

**n_jobs.** joblib's default backend (loky) would run the folds in worker processes, out of the
recorder's sight (their fits unrecorded, their fast mode off) and out of the kernel's own
accounting. The kit runs every search and cross-validation call **in the kernel, one fold after
the other** (joblib's sequential backend around the call); the requested ``n_jobs`` is kept in
the records (``n_jobs``) with ``n_jobs_run: 1``. Results are the same (each fold is independent);
only the wall time differs, and fast mode keeps each fit at two batches.

**Memory.** Records keep facts, never objects: a fit made by a wrapper is not kept alive by the
recorder (unlike the notebook's own models, see ``recorder``); when the clone is collected, its
records' ``model_id`` / ``history_id`` are retired (replaced by unique negative numbers) so a
later object reusing the memory address cannot inherit them. Such a fit is described
(``"model"``: the harvest's model facts) when it ends.

Records (``records()``), in call order, each ``{"kind", "index", "completed", "seconds"}`` and:

* ``fit`` / ``partial_fit`` / ``score`` / ``predict`` / ``predict_proba`` / ``decision_function``:
  ``"serial"`` (the wrapper object's), ``"class"``, ``"data": {"x", "y"}`` (fingerprints),
  ``"arguments"`` (plain keyword arguments), ``"result"`` (``score``), ``"origin"`` (None: the
  notebook called it);
* ``search_fit``: ``"serial"`` (the search's), ``"class"``, ``"data"``, ``"n_jobs"``,
  ``"n_jobs_run"``, ``"origin"``;
* ``cv``: ``"function"``, ``"estimator"`` (estimator facts at call time), ``"cv"``,
  ``"n_splits"``, ``"scoring"``, ``"n_jobs"``, ``"n_jobs_run"``, ``"data"``, ``"scores"``,
  ``"metrics"``, ``"origin"``.

An origin (on these records and on the Keras ``fit`` / ``evaluate`` / ``predict`` records) is
``{"estimator": serial, "estimator_class", "search": serial | None, "cv_call": index | None,
"stage": "fold" | "refit" | "fit", "fold", "n_splits", "candidate", "params"}``.

The harvest describes the objects themselves (``describe_estimator`` / ``describe_search``):
see ``autograder/checks/estimator_facts.py`` for the facts and their meaning.
"""
from __future__ import annotations

import builtins

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time


def install() -> None:
    """Patch scikit-learn / scikeras / the Keras wrappers now or when they are imported (idempotent)."""
    raise NotImplementedError


def records(private: bool = False) -> list[dict]:
    """Copies of the scikit-learn call records so far (``private`` keeps the fingerprints' row samples)."""
    return []


def current_origin() -> dict | None:
    """The origin of a Keras call made now (None outside any wrapper call)."""
    return None


def is_estimator(value) -> bool:
    """A scikit-learn estimator (without importing scikit-learn when the notebook did not)."""
    return False


def describe_estimator(value, describe_model) -> dict:
    """Facts of an estimator (``{"kind": "estimator", ...}``, see ``EstimatorFacts``);
    a search is ``{"kind": "search", ...}`` (see ``SearchFacts``)."""
    raise NotImplementedError
