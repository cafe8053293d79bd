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
* ``cross_validate`` / ``cross_val_score`` / ``cross_val_predict`` (and ``learning_curve``,
  ``validation_curve``, ``permutation_test_score``): logged as ``cv`` with the estimator, cv,
  scoring, the data and the returned scores;
* scikit-learn's per-fold functions ``sklearn.model_selection._validation._fit_and_score`` (the
  one point every search and ``cross_validate`` goes through, given the cloned estimator, the
  fold and the candidate's parameters) and ``_fit_and_predict`` (``cross_val_predict``): they
  set the fold / candidate / parameter set of the origin, so a fit of a **clone** is
  attributed to its search, fold and parameters.

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
import importlib.util
import inspect
import itertools
import sys
import time
import weakref

from autograder.kernel import fingerprint as _fingerprint

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time

WRAPPER_METHODS = ("fit", "partial_fit", "score", "predict", "predict_proba", "decision_function")
CV_FUNCTIONS = ("cross_validate", "cross_val_score", "cross_val_predict", "learning_curve", "validation_curve",
                "permutation_test_score")
FOLD_FUNCTIONS = ("_fit_and_score", "_fit_and_predict")   # scikit-learn's per-fold functions
COUNTED_FOLDS = ("cross_validate", "cross_val_score", "cross_val_predict")   # one per-fold call per fold
WRAPPER_CLASSES = {   # module -> wrapper classes whose methods are recorded
    "keras.src.wrappers.sklearn_wrapper": ("SKLBase", "SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"),
    "scikeras.wrappers": ("BaseWrapper", "KerasClassifier", "KerasRegressor"),
}
SCIKERAS_FIT_PARAMS = ("epochs", "batch_size", "validation_split", "shuffle", "verbose", "callbacks",
                       "validation_batch_size", "class_weight")
MAX_ITEMS = 64            # items kept of a list / dict parameter value
MAX_TEXT = 200

_state: dict = {"installed": False, "patched": set(), "error": None}
_log: list[dict] = []      # the records
_frames: list[dict] = []   # the scikit-learn calls running now, outermost first
_serials: dict = {}        # id(object) -> (weakref or object, serial)
_first_fit: dict = {}      # serial -> construction-time facts taken before the object's first fit
_counter = itertools.count(1)
_isinstance, _type, _id, _len, _getattr, _hasattr = isinstance, type, id, len, getattr, hasattr


# ----------------------------------------------------------------------------- public
def install() -> None:
    """Patch scikit-learn / scikeras / the Keras wrappers now or when they are imported (idempotent)."""
    if _state["installed"]:
        return
    _state["installed"] = True
    watched = {"sklearn.model_selection": _patch_model_selection, "scikeras.wrappers": _patch_wrappers,
               "keras.src.wrappers.sklearn_wrapper": _patch_wrappers, "scikeras": _accept_library_patches}
    pending = {}
    for name, patch in watched.items():
        module = sys.modules.get(name)
        if module is not None:
            _safely(patch, module)
        else:
            pending[name] = patch
    if pending:
        sys.meta_path.insert(0, _PostImportHook(pending))


def records(private: bool = False) -> list[dict]:
    """Copies of the scikit-learn call records so far (``private`` keeps the fingerprints' row samples)."""
    out = []
    for record in _log:
        copy = dict(record)
        if _isinstance(copy.get("data"), dict):
            copy["data"] = {k: (dict(v) if private else _fingerprint.public(v)) if _isinstance(v, dict) else v
                            for k, v in copy["data"].items()}
        out.append(copy)
    return out


def current_origin() -> dict | None:
    """The origin of a Keras call made now (None outside any wrapper, search or cross-validation)."""
    if not _frames:
        return None
    origin = {"estimator": None, "estimator_class": None, "search": None, "cv_call": None, "stage": "fit",
              "fold": None, "n_splits": None, "candidate": None, "params": None}
    fold = None
    for frame in _frames:
        kind = frame["type"]
        if kind == "estimator":
            origin["estimator"], origin["estimator_class"] = frame["serial"], frame["class"]
        elif kind == "search":
            origin["search"], fold = frame["serial"], None
            origin["stage"] = "refit"
        elif kind == "cv":
            origin["cv_call"], fold = frame["index"], None
        elif kind == "fold":
            fold = frame
    if fold is not None:
        origin.update(stage="fold", fold=fold["fold"], n_splits=fold["n_splits"], candidate=fold["candidate"],
                      params=fold["params"])
    elif origin["search"] is None and origin["cv_call"] is not None:
        origin["stage"] = "fold"
    return origin


def serial_of(obj) -> int:
    """A small integer naming ``obj`` for the run (the same while it lives, never reused)."""
    key = _id(obj)
    entry = _serials.get(key)
    if entry is not None:
        ref, serial = entry
        if (ref() if _isinstance(ref, weakref.ref) else ref) is obj:
            return serial
    serial = next(_counter)
    try:
        ref = weakref.ref(obj, lambda _, key=key, serial=serial: _forget(key, serial))
    except TypeError:
        ref = obj
    _serials[key] = (ref, serial)
    return serial


def _forget(key, serial) -> None:
    entry = _serials.get(key)
    if entry is not None and entry[1] == serial:
        del _serials[key]


def is_estimator(value) -> bool:
    """A scikit-learn estimator (without importing scikit-learn when the notebook did not)."""
    base = sys.modules.get("sklearn.base")
    cls = _getattr(base, "BaseEstimator", None) if base is not None else None
    return cls is not None and issubclass(_type(value), cls)


def is_search(value) -> bool:
    module = sys.modules.get("sklearn.model_selection._search")
    cls = _getattr(module, "BaseSearchCV", None) if module is not None else None
    return cls is not None and issubclass(_type(value), cls)


# ----------------------------------------------------------------------------- import hook
class _PostImportHook:
    """Meta path finder that runs a patch right after a watched module is first executed."""

    def __init__(self, pending: dict):
        self.pending = pending
        self.busy = False

    def find_spec(self, name, path=None, target=None):
        patch = self.pending.get(name)
        if patch is None or self.busy:
            return None
        self.busy = True
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self.busy = False
        del self.pending[name]
        if not self.pending and self in sys.meta_path:
            sys.meta_path.remove(self)
        loader = _getattr(spec, "loader", None)
        if loader is not None and _hasattr(loader, "exec_module"):
            run = loader.exec_module

            def exec_module(module):
                run(module)
                _safely(patch, module)

            loader.exec_module = exec_module
        return spec


def _safely(patch, module) -> None:
    try:
        patch(module)
    except Exception as exc:   # never break the student's import: the facts will lack these records
        _state["error"] = f"{_type(exc).__name__}: {exc}"[:300]


def _accept_library_patches(module) -> None:
    """scikeras replaces Keras methods at import (``Model.__reduce__``, ``Model.__deepcopy__``,
    ``Loss`` / ``Metric`` / ``Optimizer.__reduce__``, to pickle models): the very functions of
    ``scikeras._saving_utils`` become part of the recorder's snapshot of the Keras classes, so
    the harvest does not report them as the notebook's redefinitions (anything else still is)."""
    from autograder.kernel import recorder

    saving = sys.modules.get("scikeras._saving_utils")
    if saving is None:
        return
    functions = {_id(v) for v in vars(saving).values() if inspect.isfunction(v)}
    for cls, attrs in recorder.originals().get("classes", {}).items():
        for name, value in list(vars(cls).items()):
            if _id(value) in functions and attrs.get(name) is not value:
                attrs[name] = value


# ----------------------------------------------------------------------------- plain values
def _plain(value, depth: int = 0):
    """A parameter value as plain JSON: numbers, strings, lists, dicts; another object becomes
    ``{"object": its name, "type": "module.Class"}``."""
    if value is None or value is True or value is False:
        return value
    if _isinstance(value, bool):
        return bool(value)
    if _isinstance(value, int):
        return int(value)
    if _isinstance(value, float):
        return float(value) if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if _isinstance(value, str):
        return value[:MAX_TEXT]
    generic = _numpy_generic()
    if generic is not None and _isinstance(value, generic):
        try:
            return _plain(value.item(), depth)
        except Exception:
            pass
    if depth < 4 and _isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in list(value)[:MAX_ITEMS]]
    if depth < 4 and _isinstance(value, dict):
        return {str(k)[:100]: _plain(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    shape = _getattr(value, "shape", None) if _hasattr(value, "__array__") else None
    if depth < 4 and shape is not None and _len(shape) == 1 and shape[0] <= MAX_ITEMS:
        try:
            return [_plain(v, depth + 1) for v in value.tolist()]
        except Exception:
            pass
    return _object(value)


def _object(value) -> dict:
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isbuiltin(value):
        return {"object": str(_getattr(value, "__name__", "?"))[:100], "type": "function"}
    if _isinstance(value, type):
        return {"object": value.__name__[:100], "type": "class"}
    functools = sys.modules.get("functools")
    if functools is not None and _isinstance(value, functools.partial):
        return {"object": str(_getattr(value.func, "__name__", "partial"))[:100], "type": "functools.partial"}
    cls = _type(value)
    name = cls.__name__
    if name == "_Scorer" or _hasattr(value, "_score_func"):   # make_scorer(...)
        func = _getattr(value, "_score_func", None)
        return {"object": str(_getattr(func, "__name__", name))[:100], "type": "scorer"}
    return {"object": name[:100], "type": f"{cls.__module__}.{cls.__qualname__}"[:MAX_TEXT]}


def _numpy_generic():
    numpy = sys.modules.get("numpy")
    return _getattr(numpy, "generic", None) if numpy is not None else None


def _fp(value):
    """Fingerprint of the first array of ``value`` (None when it is not one)."""
    try:
        if _isinstance(value, (tuple, list)) and value and _hasattr(value[0], "shape"):
            value = value[0]
        elif _isinstance(value, dict) and value:
            value = next(iter(value.values()))
        if value is not None and not _hasattr(value, "shape") and _hasattr(value, "__len__"):
            numpy = sys.modules.get("numpy")
            value = numpy.asarray(value) if numpy is not None else None
        return _fingerprint.fingerprint(value)
    except Exception:
        return None


def _data(x, y) -> dict:
    return {"x": _fp(x), "y": _fp(y) if y is not None else None}


# ----------------------------------------------------------------------------- wrappers
def _patch_wrappers(module) -> None:
    """Record the methods of the wrapper classes of ``module`` (Keras 3 or scikeras)."""
    for class_name in WRAPPER_CLASSES.get(module.__name__, ()):
        cls = _getattr(module, class_name, None)
        if not _isinstance(cls, type):
            continue
        for method in WRAPPER_METHODS:
            original = _getattr(cls, method, None)
            if original is None or _getattr(original, "_autograder_recorded", False):
                continue
            setattr(cls, method, _recorded_method(method, original))


def _recorded_method(method: str, original):
    signature = _signature(original)

    def recorded(self, *args, **kwargs):
        top = _frames[-1] if _frames else None
        if top is not None and top["type"] == "estimator" and top["object"] == _id(self):
            return original(self, *args, **kwargs)   # score -> predict, a subclass's fit -> super().fit
        record = None
        try:
            record = _wrapper_record(self, method, signature, args, kwargs)
        except Exception:
            pass
        serial = record["serial"] if record else serial_of(self)
        _frames.append({"type": "estimator", "object": _id(self), "serial": serial, "class": _type(self).__name__})
        t0 = time.perf_counter()
        try:
            result = original(self, *args, **kwargs)
        finally:
            _frames.pop()
        if record is not None:
            try:
                if method == "score":
                    record["result"] = _plain(result)
            except Exception:
                pass
            record.update(completed=True, seconds=round(time.perf_counter() - t0, 3))
        return result

    recorded.__doc__, recorded.__name__ = _getattr(original, "__doc__", None), method
    recorded.__wrapped__ = original
    recorded._autograder_recorded = True
    return recorded


def _signature(function):
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _wrapper_record(obj, method: str, signature, args, kwargs) -> dict:
    arguments = {}
    if signature is not None:
        try:
            bound = signature.bind(obj, *args, **kwargs)
            arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
            for name, parameter in signature.parameters.items():
                if parameter.kind == parameter.VAR_KEYWORD and name in arguments:
                    arguments.update(arguments.pop(name))
        except TypeError:
            arguments = {}
    x = arguments.pop("X", args[0] if args else None)
    y = arguments.pop("y", args[1] if _len(args) > 1 else None)
    serial = serial_of(obj)
    if method in ("fit", "partial_fit") and serial not in _first_fit:
        _first_fit[serial] = _construction_facts(obj)
    record = {"kind": method, "index": _len(_log), "serial": serial, "class": _type(obj).__name__,
              "completed": False, "origin": current_origin(), "data": _data(x, y),
              "arguments": {str(k): _plain(v) for k, v in arguments.items()
                            if not _hasattr(v, "shape") and k not in ("sample_weight",)}}
    _log.append(record)
    return record


# ----------------------------------------------------------------------------- searches, cross-validation
def _patch_model_selection(module) -> None:
    validation = sys.modules.get("sklearn.model_selection._validation")
    search = sys.modules.get("sklearn.model_selection._search")
    if validation is None or search is None:
        raise RuntimeError("sklearn.model_selection without _validation/_search")
    replacements = {}
    for name in FOLD_FUNCTIONS:
        function = _getattr(validation, name, None)
        if function is not None:
            replacements[function] = _recorded_fold(function)
    for name in CV_FUNCTIONS:
        function = _getattr(validation, name, None)
        if function is not None:
            replacements[function] = _recorded_cv(name, function)
    _replace_in_sklearn(replacements)
    base = _getattr(search, "BaseSearchCV")
    if not _getattr(base.fit, "_autograder_recorded", False):
        base.fit = _recorded_search_fit(base.fit)


def _replace_in_sklearn(replacements: dict) -> None:
    """Replace functions by their wrappers in every loaded scikit-learn module that names them."""
    for name, module in list(sys.modules.items()):
        if not (name == "sklearn" or name.startswith("sklearn.")) or module is None:
            continue
        try:
            namespace = vars(module)
        except TypeError:
            continue
        for attribute, value in list(namespace.items()):
            try:
                wrapper = replacements.get(value)
            except TypeError:
                continue
            if wrapper is not None:
                namespace[attribute] = wrapper


def _sequential():
    """joblib's sequential backend: every fold runs here, in the kernel, one after the other."""
    import joblib

    return joblib.parallel_config(backend="sequential")


def _recorded_fold(original):
    def fit_and_score(*args, **kwargs):
        frame = {"type": "fold", "fold": None, "n_splits": None, "candidate": None, "params": None}
        try:
            _fold_frame(frame, kwargs)
        except Exception:
            pass
        _frames.append(frame)
        try:
            return original(*args, **kwargs)
        finally:
            _frames.pop()

    fit_and_score.__doc__, fit_and_score.__wrapped__ = original.__doc__, original
    fit_and_score.__name__ = original.__name__
    return fit_and_score


def _fold_frame(frame: dict, kwargs: dict) -> None:
    owner = next((f for f in reversed(_frames) if f["type"] in ("search", "cv")), None)
    split, candidate = kwargs.get("split_progress"), kwargs.get("candidate_progress")
    params = kwargs.get("parameters")
    if owner is None:
        return
    if owner["type"] == "search" and split is not None and candidate is not None:
        if split[0] == 0 and candidate[0] == 0 and owner["calls"]:
            owner["offset"] += owner["batch"]      # a new batch of candidates (halving, custom searches)
        owner["batch"] = candidate[1]
        frame.update(fold=int(split[0]), n_splits=int(split[1]), candidate=owner["offset"] + int(candidate[0]))
    else:
        test = kwargs.get("test")
        frame.update(fold=owner["calls"], n_splits=owner.get("n_splits"))
        owner.setdefault("folds", []).append(
            {"train_rows": _len(kwargs["train"]) if _hasattr(kwargs.get("train"), "__len__") else None,
             "test_rows": _len(test) if _hasattr(test, "__len__") else None})
    owner["calls"] += 1
    frame["params"] = _plain(params) if params is not None else None


def _recorded_search_fit(original):
    def fit(self, *args, **kwargs):
        top = next((f for f in reversed(_frames) if f["type"] == "search"), None)
        if top is not None and top["object"] == _id(self):
            return original(self, *args, **kwargs)
        record = None
        try:
            x = args[0] if args else kwargs.get("X")
            y = args[1] if _len(args) > 1 else kwargs.get("y")
            record = {"kind": "search_fit", "index": _len(_log), "serial": serial_of(self),
                      "class": _type(self).__name__, "completed": False, "origin": current_origin(),
                      "data": _data(x, y), "n_jobs": _plain(_getattr(self, "n_jobs", None)), "n_jobs_run": 1}
            _log.append(record)
        except Exception:
            pass
        serial = record["serial"] if record else serial_of(self)
        _frames.append({"type": "search", "object": _id(self), "serial": serial, "calls": 0, "offset": 0,
                        "batch": 0})
        t0 = time.perf_counter()
        try:
            with _sequential():
                result = original(self, *args, **kwargs)
        finally:
            _frames.pop()
        if record is not None:
            record.update(completed=True, seconds=round(time.perf_counter() - t0, 3))
        return result

    fit.__doc__, fit.__wrapped__, fit.__name__ = original.__doc__, original, "fit"
    fit._autograder_recorded = True
    return fit


def _recorded_cv(function_name: str, original):
    signature = _signature(original)

    def cv_function(*args, **kwargs):
        if any(f["type"] == "cv" for f in _frames):
            return original(*args, **kwargs)   # cross_val_score -> cross_validate: one record
        record, arguments = None, {}
        try:
            arguments = dict(signature.bind(*args, **kwargs).arguments) if signature is not None else dict(kwargs)
            estimator = arguments.get("estimator")
            record = {"kind": "cv", "function": function_name, "index": _len(_log), "completed": False,
                      "origin": current_origin(), "estimator": describe_estimator(estimator, None),
                      "cv": _describe_cv(arguments.get("cv")), "n_splits": None,
                      "scoring": _plain(arguments.get("scoring")), "n_jobs": _plain(arguments.get("n_jobs")),
                      "n_jobs_run": 1, "data": _data(arguments.get("X"), arguments.get("y")),
                      "scores": None, "metrics": {}, "folds": []}
            _log.append(record)
        except Exception:
            record = None
        frame = {"type": "cv", "index": record["index"] if record else -1, "calls": 0,
                 "n_splits": record["cv"].get("n_splits") if record else None}
        _frames.append(frame)
        t0 = time.perf_counter()
        try:
            with _sequential():
                result = original(*args, **kwargs)
        finally:
            _frames.pop()
        if record is not None:
            try:
                counted = frame["calls"] if function_name in COUNTED_FOLDS else None
                record.update(n_splits=counted or record["cv"].get("n_splits"), folds=frame.get("folds", []),
                              **(_cv_scores(result) if function_name in ("cross_val_score", "cross_validate")
                                 else {"scores": None, "metrics": {}}))
            except Exception:
                pass
            record.update(completed=True, seconds=round(time.perf_counter() - t0, 3))
        return result

    cv_function.__doc__, cv_function.__wrapped__ = original.__doc__, original
    cv_function.__name__ = original.__name__
    if signature is not None:
        cv_function.__signature__ = signature
    return cv_function


def _cv_scores(result) -> dict:
    """``scores`` (test score of each fold) and ``metrics`` (every ``test_*`` of ``cross_validate``)."""
    if _isinstance(result, dict):
        metrics = {str(k)[5:]: _plain(v) for k, v in result.items() if str(k).startswith("test_")}
        first = metrics.get("score", next(iter(metrics.values()), None))
        return {"scores": first if _isinstance(first, list) else None, "metrics": metrics}
    shape = _getattr(result, "shape", None)
    if shape is not None and _len(shape) == 1 and shape[0] <= MAX_ITEMS:
        return {"scores": _plain(result), "metrics": {}}
    return {"scores": None, "metrics": {}}


def _describe_cv(cv) -> dict:
    """A ``cv`` argument: None (5 folds), an int, a splitter, or explicit splits."""
    if cv is None:
        return {"class": "default", "n_splits": 5, "text": "cv=None (5)"}
    if _isinstance(cv, int) and not _isinstance(cv, bool):
        return {"class": "int", "n_splits": int(cv), "text": f"cv={int(cv)}"}
    if _hasattr(cv, "split") and _hasattr(cv, "get_n_splits"):
        n_splits = _getattr(cv, "n_splits", None)
        if not _isinstance(n_splits, int):
            try:
                n_splits = int(cv.get_n_splits())
            except Exception:
                n_splits = None
        shuffle = _getattr(cv, "shuffle", None)
        return {"class": _type(cv).__name__, "n_splits": n_splits,
                "shuffle": shuffle if _isinstance(shuffle, bool) else None,
                "text": f"{_type(cv).__name__}(n_splits={n_splits})"}
    if _isinstance(cv, (list, tuple)):
        return {"class": "iterable", "n_splits": _len(cv), "text": f"{_len(cv)} splits"}
    return {"class": _type(cv).__name__, "n_splits": None, "text": _type(cv).__name__}


# ----------------------------------------------------------------------------- describing objects
def _library_class(cls) -> type:
    """The first class of ``cls``'s MRO defined by a library (a student's subclass reports its base)."""
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] in ("keras", "scikeras", "sklearn", "tensorflow"):
            return klass
    return cls


def _library(obj) -> str:
    module = _library_class(_type(obj)).__module__
    return module.split(".")[0]


def _task(obj) -> str | None:
    """``"classifier"`` / ``"regressor"`` by scikit-learn's tags, else by its mixins (scikeras puts
    them after ``BaseEstimator``, which hides them from the tags)."""
    base = sys.modules.get("sklearn.base")
    try:
        if base.is_classifier(obj):
            return "classifier"
        if base.is_regressor(obj):
            return "regressor"
    except Exception:
        pass
    for task, mixin in (("classifier", "ClassifierMixin"), ("regressor", "RegressorMixin")):
        cls = _getattr(base, mixin, None)
        if cls is not None and issubclass(_type(obj), cls):
            return task
    return None


def _params(obj) -> dict:
    try:
        params = obj.get_params(deep=False)
    except Exception:
        return {}
    return {str(k): _plain(v) for k, v in list(params.items())[:MAX_ITEMS]} if _isinstance(params, dict) else {}


def _construction_facts(obj) -> dict:
    """Build function, its keyword arguments and the fit parameters set at construction."""
    library = _library(obj)
    raw = {}
    try:
        raw = obj.get_params(deep=False)
    except Exception:
        pass
    facts = {"build_function": None, "build_kwargs": {}, "fit_parameters": {}, "fit_parameter_sources": {}}
    if library == "keras":
        model = raw.get("model")
        facts["build_function"] = _plain(model)["object"] if model is not None and not _isinstance(
            _plain(model), (str, int, float)) else _plain(model)
        facts["build_kwargs"] = _plain(dict(raw.get("model_kwargs") or {}))
        fit_kwargs = raw.get("fit_kwargs") or {}
        if _isinstance(fit_kwargs, dict):
            facts["fit_parameters"] = {str(k): _plain(v) for k, v in fit_kwargs.items() if str(k) != "callbacks"}
            facts["fit_parameter_sources"] = {str(k): "fit_kwargs" for k in fit_kwargs}
    elif library == "scikeras":
        model = raw.get("model") if raw.get("model") is not None else raw.get("build_fn")
        if model is None and _hasattr(obj, "_keras_build_fn"):
            model = obj._keras_build_fn
        if model is not None:
            facts["build_function"] = _plain(model)["object"] if _isinstance(_plain(model), dict) else str(model)
        user = set(_getattr(obj, "_user_params", ()) or ())
        facts["build_kwargs"] = {str(k)[7:]: _plain(v) for k, v in raw.items() if str(k).startswith("model__")}
        facts["build_kwargs"].update({str(k): _plain(v) for k, v in raw.items()
                                      if k in user and "__" not in str(k)})
        defaults = {}
        try:
            for klass in _type(obj).__mro__:
                if klass.__module__.startswith("scikeras"):
                    for name, parameter in inspect.signature(klass.__init__).parameters.items():
                        defaults.setdefault(name, parameter.default)
        except (TypeError, ValueError):
            pass
        for name in SCIKERAS_FIT_PARAMS:
            if f"fit__{name}" in raw:
                facts["fit_parameters"][name] = _plain(raw[f"fit__{name}"])
                facts["fit_parameter_sources"][name] = f"fit__{name}"
            elif name in raw and name in defaults and not _same(raw[name], defaults[name]):
                facts["fit_parameters"][name] = _plain(raw[name])
                facts["fit_parameter_sources"][name] = "constructor"
    return facts


def _same(a, b) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:
        return False


def _fitted(obj) -> bool:
    if _hasattr(obj, "model_"):
        return True
    try:
        return any(k.endswith("_") and not k.startswith("_") for k in vars(obj))
    except TypeError:
        return False


def describe_estimator(value, describe_model) -> dict:
    """Facts of an estimator (``{"kind": "estimator", ...}``, see ``EstimatorFacts``); a search
    is ``{"kind": "search", ...}`` (see ``SearchFacts``). ``describe_model``: the harvest's model
    description (None: the fitted model is left out)."""
    if is_search(value):
        return _describe_search(value, describe_model)
    serial = serial_of(value)
    cls = _library_class(_type(value))
    facts = {"kind": "estimator", "serial": serial, "class": cls.__name__, "library": _library(value),
             "task": _task(value), "params": _params(value), "fitted": _fitted(value), "model": None}
    if _type(value) is not cls:
        facts["custom_class"] = _type(value).__name__[:100]
    facts.update(_first_fit.get(serial) or _construction_facts(value))
    model = _getattr(value, "model_", None) if facts["fitted"] else None
    if model is not None and describe_model is not None:
        try:
            facts["model"] = describe_model(model)
        except Exception as exc:
            facts["model"] = {"kind": "unreadable", "error": f"{_type(exc).__name__}: {exc}"[:200]}
    return facts


def _grid(grid) -> list[dict]:
    grids = grid if _isinstance(grid, (list, tuple)) else [grid]
    out = []
    for item in grids[:MAX_ITEMS]:
        if _isinstance(item, dict):
            out.append({str(k): _plain(list(v)) if _isinstance(v, (list, tuple)) or (
                _hasattr(v, "__array__") and _hasattr(v, "__len__")) else _distribution(v) for k, v in item.items()})
    return out


def _distribution(value):
    """A scipy distribution as ``{"distribution": name, "args": [...], "kwds": {...}}``."""
    if _hasattr(value, "rvs"):
        dist = _getattr(value, "dist", None)
        name = _getattr(dist, "name", None) or _type(value).__name__
        return {"distribution": str(name)[:100], "args": _plain(list(_getattr(value, "args", ()) or ())),
                "kwds": _plain(dict(_getattr(value, "kwds", {}) or {}))}
    return _plain(value)


def _describe_search(search, describe_model) -> dict:
    facts = {"kind": "search", "serial": serial_of(search), "class": _type(search).__name__,
             "estimator": describe_estimator(_getattr(search, "estimator", None), None)
             if is_estimator(_getattr(search, "estimator", None)) else None,
             "grid": _grid(_getattr(search, "param_grid", None)) if _hasattr(search, "param_grid") else [],
             "distributions": _grid(_getattr(search, "param_distributions", None))
             if _hasattr(search, "param_distributions") else [],
             "n_iter": _plain(_getattr(search, "n_iter", None)), "cv": _describe_cv(_getattr(search, "cv", None)),
             "n_splits": _plain(_getattr(search, "n_splits_", None)),
             "scoring": _plain(_getattr(search, "scoring", None)), "n_jobs": _plain(_getattr(search, "n_jobs", None)),
             "refit": _plain(_getattr(search, "refit", True)), "fitted": _hasattr(search, "cv_results_"),
             "cv_results": None, "best_params": None, "best_score": None, "best_index": None,
             "best_estimator": None}
    results = _getattr(search, "cv_results_", None)
    if _isinstance(results, dict):
        facts["cv_results"] = _describe_results(results, facts["n_splits"], _getattr(search, "refit", True))
    for name, key in (("best_params", "best_params_"), ("best_score", "best_score_"), ("best_index", "best_index_")):
        if _hasattr(search, key):
            facts[name] = _plain(_getattr(search, key))
    best = _getattr(search, "best_estimator_", None)
    if best is not None and is_estimator(best):
        facts["best_estimator"] = describe_estimator(best, describe_model)
    return facts


def _describe_results(results: dict, n_splits, refit) -> dict:
    def floats(key):
        value = results.get(key)
        return [_plain(v) for v in list(value)[:1000]] if value is not None else []

    metrics = {str(k)[10:]: floats(k) for k in results if str(k).startswith("mean_test_")}
    main = "score" if "score" in metrics else (refit if _isinstance(refit, str) and refit in metrics
                                               else next(iter(metrics), "score"))
    splits = []
    for i in range(n_splits if _isinstance(n_splits, int) else 0):
        splits.append(floats(f"split{i}_test_{main}"))
    per_candidate = [list(scores) for scores in zip(*splits)] if splits else []
    return {"params": [_plain(p) for p in list(results.get("params") or [])[:1000]], "mean_test_score": metrics.get(main, []),
            "std_test_score": floats(f"std_test_{main}"), "split_scores": per_candidate,
            "rank_test_score": floats(f"rank_test_{main}"), "metrics": metrics, "main_metric": main}
