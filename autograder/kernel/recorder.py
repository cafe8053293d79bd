"""Records the Keras calls made in the kernel (installed before any student cell).

``install()`` wraps ``keras.Model.fit`` once: at once if Keras is already imported, else when the
notebook first imports it (an import hook; a notebook that never imports Keras does not pay for
it). Each call is logged with the model it trained, ``epochs``, ``batch_size``, the validation it
used (``validation_split`` or the size of ``validation_data``) and whether it returned.

Each fit record also says **which data** the call saw: a fingerprint (see ``fingerprint``) of
``x``, ``y``, and of the validation inputs (``validation_data``, or the last rows of ``x`` that
``validation_split`` holds out), and the share of the validation rows that are rows of the
trained ``x``. ``evaluate`` and ``predict`` calls made by the notebook (not those Keras makes
inside ``fit``) are logged the same way with their result (``calls()``). Weights that come
from elsewhere are logged too (``file_events()``): ``Model.save`` / ``save_weights`` (the path
written), ``Model.load_weights``, ``keras.models.load_model`` / ``keras.saving.load_model`` (the
path read) and every ``keras.applications`` constructor (its ``weights`` argument). Records
keep fingerprints, never the data. In **fast mode** the call keeps the requested batch size and
validation fraction but trains one epoch, eagerly (for so few batches, tracing a ``tf.function``
costs far more than it saves), on the first batch of its data cut to two batches (so
``validation_split`` holds out the same rows and ``validation_data`` keeps two batches; one
training step is most of a fast fit's time); the returned ``History`` is then padded to the
requested number of epochs (last values repeated), so student code that reads it behaves as
after full training. Fast mode also evaluates on the first few batches only (``Model.evaluate`` returns the same kind of result, of
no meaning); ``predict`` is left whole, its output's shape is used by student code. The checks
look at *how* a model was trained, not at its accuracy: verdicts are the same in both modes.

A call made inside a scikit-learn wrapper, search or cross-validation (see ``estimators``,
installed with this module) also records its ``origin`` (wrapper, search, fold, candidate);
such a fit records the facts of the model it trained (``model``), and its model and History are
not kept alive (the notebook's own are): their ids are retired when they are collected. In fast
mode such a ``fit`` trains with ``train_on_batch`` on its two batches and such a ``predict`` (a
fold's scoring) calls the model on chunks of rows (the same output): Keras' per-call data
pipeline and callbacks cost more than the two batches on a search's many clones.

These wrappers (``Model.fit``, ``evaluate``, ``predict``, ``save``, ``save_weights``,
``load_weights``, ``load_model`` and the ``keras.applications`` constructors, replaced in every
loaded Keras module that names them) are the only patches of foreign attributes in the kit;
each calls the original unchanged (fast mode aside) and never lets a recording error reach the
student (the scikit-learn patches are in ``estimators``). Before any student code can touch Keras, the originals the harvest relies on are
captured here: the functions it calls and a snapshot of the attributes of the Keras classes it
reads (every class of ``keras.layers``, ``keras.regularizers``, ``keras.optimizers``,
``keras.initializers``, the models, History, Variable, KerasTensor: a notebook that redefines
``keras.Model.count_params``, ``Layer.get_config`` or ``Layer.weights`` changes nothing for the
harvest). The logs live in closures and private lists, not in public module attributes.
"""
from __future__ import annotations

import builtins
import importlib.util
import inspect
import os
import sys
import time
import weakref

from autograder.kernel import estimators as _estimators
from autograder.kernel import fingerprint as _fingerprint

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time

FAST_BATCHES = 2          # batches of data kept per fit in fast mode (validation_split holds out its share of them)
FAST_TRAIN_STEPS = 1      # of which a notebook's own fit trains on the first (an eager step is most of a fast fit)
FAST_MAX_EPOCHS = 1000    # above this, fast mode trains as written (a runaway stays a runaway)
DEFAULT_BATCH_SIZE = 32   # Keras' default when batch_size is None
RECORDER_MARK = "_autograder_recorder"   # set on every wrapper this module installs (see harvest._changes):
                                         # the student's self-check installs its own copy of the recorder
                                         # over the grader's, which is not a notebook redefining Keras
WRAPPED_METHODS = ("fit", "evaluate", "predict", "save", "save_weights", "load_weights")   # of keras.Model

_state: dict = {"installed": False, "fast": False, "originals": {}, "log": None, "calls": None, "files": None}


def install(fast: bool = False) -> None:
    """Wrap ``keras.Model.fit`` as soon as Keras is imported (idempotent)."""
    if _state["installed"]:
        return
    _state["installed"], _state["fast"] = True, bool(fast)
    _estimators.install()
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "Model"):
        _patch_keras(keras)
    else:
        sys.meta_path.insert(0, _KerasImportHook())


def records(private: bool = False) -> list[dict]:
    """Copies of the fit records so far (the harvest serializes them). ``private`` keeps the
    fingerprints' private parts (row samples) the harvest needs to relate arrays."""
    log = _state["log"]
    return log(private) if log is not None else []


def calls(private: bool = False) -> list[dict]:
    """Copies of the ``evaluate`` / ``predict`` records so far (calls made inside fit excluded)."""
    log = _state["calls"]
    return log(private) if log is not None else []


def file_events() -> list[dict]:
    """Copies of the save / load / pre-trained model records so far, in call order."""
    log = _state["files"]
    return log() if log is not None else []


def originals() -> dict:
    return _state["originals"]


def is_fast() -> bool:
    return _state["fast"]


class _KerasImportHook:
    """Meta path finder that patches Keras right after its first import, before the importer
    gets the module back."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = getattr(spec, "loader", None)
        if loader is not None and hasattr(loader, "exec_module"):
            run = loader.exec_module

            def exec_module(module):
                run(module)
                _patch_keras(module)

            loader.exec_module = exec_module
        return spec


def _patch_keras(keras) -> None:
    try:
        _capture_originals(keras)
        _wrap_fit(keras)
        _wrap_files(keras)
        _state["originals"]["classes"] = _snapshot(keras)
    except Exception as exc:  # never break the student's import: the checks will see no fits
        _state["originals"]["error"] = f"{type(exc).__name__}: {exc}"[:300]
    if _state["fast"]:
        _feed_arrays_without_tf_data(keras)


def _feed_arrays_without_tf_data(keras) -> None:
    """Fast mode: Keras' TensorFlow trainer feeds in-memory arrays to ``fit``, ``evaluate`` and
    ``predict`` through the batches of its own numpy iterator (what Keras does on its other
    backends) instead of building a ``tf.data`` pipeline for every call. Same batches, same
    shuffling, same callbacks, History and validation: only the feeding changes. For the two
    batches of a fast fit, the pipeline (traced dataset functions, an iterator) costs several
    times the training (0.3 s against 0.1 s per fit on the lab's MLPs). Datasets, generators
    and every other input keep Keras' own path; anything unexpected leaves Keras as it is."""
    try:
        if keras.backend.backend() != "tensorflow":
            return
        from keras.src.backend.tensorflow import trainer
        from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
        from keras.src.trainers.epoch_iterator import EpochIterator

        keras_iterator = trainer.TFEpochIterator
        if getattr(keras_iterator, RECORDER_MARK, False):
            return

        class ArrayEpochIterator(keras_iterator):
            def __init__(self, distribute_strategy=None, *args, **kwargs):
                EpochIterator.__init__(self, *args, **kwargs)
                if isinstance(self.data_adapter, ArrayDataAdapter):
                    self._distribute_strategy, self._distributed_dataset = distribute_strategy, None
                else:
                    keras_iterator.__init__(self, distribute_strategy, *args, **kwargs)

            def _get_iterator(self):
                if self._distributed_dataset is None:
                    return self.data_adapter.get_numpy_iterator()
                return self._distributed_dataset

        setattr(ArrayEpochIterator, RECORDER_MARK, True)
        ArrayEpochIterator.__name__ = ArrayEpochIterator.__qualname__ = keras_iterator.__name__
        trainer.TFEpochIterator = ArrayEpochIterator
    except Exception:   # another Keras layout: fast mode just pays for the pipelines
        return


def _wrap_fit(keras) -> None:
    original_fit = keras.Model.fit
    signature = inspect.signature(original_fit)
    log = _fit_log
    track, origin_now, describe_trained, on_batches = (_track, _estimators.current_origin, _describe_trained,
                                                       _fit_on_batches)
    new_record, fast_arguments, pad_history, clock = _new_record, _fast_arguments, _pad_history, time.perf_counter
    one_step = _train_steps_of_fast_fit
    eagerly, data_facts, depth = _eagerly, _fit_data, _depth

    def fit(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        record = new_record(self, bound.arguments)
        record["data"], record["validation"] = data_facts(bound.arguments, record)
        origin = origin_now()
        if origin is not None:
            record["origin"] = origin
        log.append(record)
        track(self, origin)
        fast = _state["fast"] and isinstance(record["epochs"], int) and record["epochs"] <= FAST_MAX_EPOCHS
        depth.append("fit")
        try:
            history = None
            if fast and origin is not None:   # a wrapper's clone: train on batches, without a data pipeline
                history = on_batches(self, fast_arguments(bound.arguments, record))
            if fast and history is None:
                history = eagerly(self, original_fit, one_step(fast_arguments(bound.arguments, record), record))
            elif not fast:
                history = original_fit(self, *args, **kwargs)
        finally:
            depth.pop()
        if fast:
            pad_history(history, bound.arguments.get("initial_epoch", 0) or 0, record["epochs"])
        record["completed"] = True
        record["history_id"] = id(history)
        track(history, origin)
        record["seconds"] = round(clock() - record.pop("_t0"), 3)
        if origin is not None:
            record["model"] = describe_trained(self)
        return history

    def read_log(private: bool = False) -> list[dict]:
        return [_copy_record(r, private) for r in log]

    fit.__doc__ = original_fit.__doc__
    fit.__wrapped__ = original_fit
    fit.__dict__[RECORDER_MARK] = True
    keras.Model.fit = fit
    _state["log"] = read_log
    _wrap_evaluate(keras)
    _wrap_predict(keras)


_fit_log: list[dict] = []  # fit records
_calls: list[dict] = []   # evaluate / predict records
_files: list[dict] = []   # save / load / application records
_alive: list = []         # the notebook's models and histories stay referenced: their id() is never reused
_retired = [0]            # retired ids so far (see _track)


def _track(obj, origin) -> None:
    """Keep the ids of the records true: an object the notebook trained or used itself stays
    referenced (its id is never reused in the run); one a scikit-learn wrapper made (``origin``)
    is not kept alive (a search fits dozens of clones): when it is collected its records' ids are
    retired, replaced by a unique negative number no live object has."""
    if origin is None:
        _alive.append(obj)
        return
    try:
        weakref.finalize(obj, _retire, id(obj))
    except TypeError:   # not weakly referenceable: kept, as before
        _alive.append(obj)


def _retire(old_id: int) -> None:
    _retired[0] += 1
    new_id = -_retired[0]
    for record in (*_fit_log, *_calls):
        for key in ("model_id", "history_id"):
            if record.get(key) == old_id:
                record[key] = new_id


def _describe_trained(model):
    """The harvest's facts of a model a wrapper trained (its clone may be gone by the harvest)."""
    try:
        from autograder.kernel import harvest

        return harvest.describe(model)
    except Exception as exc:
        return {"kind": "unreadable", "error": f"{type(exc).__name__}: {exc}"[:200]}
_depth: list = []         # the recorded Keras calls running now (calls Keras makes inside them are not logged)


def _copy_record(record: dict, private: bool) -> dict:
    """A copy of a record; fingerprints lose their private parts unless ``private``."""
    copy = {}
    for key, value in record.items():
        if key.startswith("_"):
            continue
        if key == "data" and isinstance(value, dict):
            value = {k: (dict(v) if private else _fingerprint.public(v)) if isinstance(v, dict) else v
                     for k, v in value.items()}
        elif isinstance(value, dict):
            value = dict(value)
        copy[key] = value
    return copy


def _safe_fingerprint(value):
    """Fingerprint of the first array of ``value`` (an array, or a tuple/list/dict of arrays)."""
    try:
        if isinstance(value, (tuple, list)) and value:
            value = value[0]
        elif isinstance(value, dict) and value:
            value = next(iter(value.values()))
        return _fingerprint.fingerprint(value)
    except Exception:   # an exotic input: no fingerprint rather than a broken call
        return None


def _plain_result(value):
    """A Keras result as plain JSON values (floats, lists or a dict of floats)."""
    try:
        if isinstance(value, dict):
            return {str(k)[:50]: _plain_result(v) for k, v in list(value.items())[:20]}
        if isinstance(value, (list, tuple)):
            return [_plain_result(v) for v in list(value)[:20]]
        number = float(value)
        return number if number == number and abs(number) != float("inf") else str(number)
    except Exception:
        return None


def _call_arguments(signature, model, args, kwargs):
    try:
        arguments = signature.bind(model, *args, **kwargs).arguments
    except TypeError:
        return None
    call = {k: v for k, v in arguments.items() if k not in ("self", "kwargs")}
    call.update(arguments.get("kwargs", {}))
    return call


def _wrap_evaluate(keras) -> None:
    """Record ``evaluate`` calls; in fast mode, run them on the first FAST_BATCHES batches, eagerly."""
    original_evaluate = keras.Model.evaluate
    signature = inspect.signature(original_evaluate)
    eagerly, head, log, depth, track, origin_now = _eagerly, _head, _calls, _depth, _track, _estimators.current_origin
    arguments_of, fingerprint, plain, clock = _call_arguments, _safe_fingerprint, _plain_result, time.perf_counter

    def evaluate(self, *args, **kwargs):
        call = arguments_of(signature, self, args, kwargs)
        if call is None:
            return original_evaluate(self, *args, **kwargs)   # let Keras word the error
        record = None
        if not depth:
            origin = origin_now()
            record = {"kind": "evaluate", "model_id": id(self), "completed": False, "fast": _state["fast"],
                      "data": {"x": fingerprint(call.get("x")), "y": fingerprint(call.get("y"))}, "result": None}
            if origin is not None:
                record["origin"] = origin
            log.append(record)
            track(self, origin)
        t0 = clock()
        depth.append("evaluate")
        try:
            if not _state["fast"] or (getattr(call.get("x"), "shape", None) is None
                                      and not isinstance(call.get("x"), (tuple, list))):
                result = original_evaluate(self, *args, **kwargs)   # a dataset or generator: as written
            else:
                rows = (call.get("batch_size") or DEFAULT_BATCH_SIZE) * FAST_BATCHES
                for key in ("x", "y", "sample_weight"):
                    if call.get(key) is not None:
                        call[key] = head(call[key], rows)
                call["verbose"] = 0
                result = eagerly(self, original_evaluate, call)
        finally:
            depth.pop()
        if record is not None:
            record.update(completed=True, result=plain(result), seconds=round(clock() - t0, 3))
        return result

    evaluate.__doc__ = original_evaluate.__doc__
    evaluate.__wrapped__ = original_evaluate
    evaluate.__dict__[RECORDER_MARK] = True
    keras.Model.evaluate = evaluate

    def read_calls(private: bool = False) -> list[dict]:
        return [_copy_record(r, private) for r in log]

    _state["calls"] = read_calls


def _wrap_predict(keras) -> None:
    """Record ``predict`` calls (run as written: student code uses their output)."""
    original_predict = keras.Model.predict
    signature = inspect.signature(original_predict)
    log, depth, track, arguments_of, fingerprint = _calls, _depth, _track, _call_arguments, _safe_fingerprint
    clock, origin_now, eagerly, direct = time.perf_counter, _estimators.current_origin, _eagerly, _direct_predict

    def predict(self, *args, **kwargs):
        call = arguments_of(signature, self, args, kwargs)
        record = None
        if call is not None and not depth:
            origin = origin_now()
            record = {"kind": "predict", "model_id": id(self), "completed": False, "fast": _state["fast"],
                      "data": {"x": fingerprint(call.get("x"))}, "output_shape": None}
            if origin is not None:
                record["origin"] = origin
            log.append(record)
            track(self, origin)
        t0 = clock()
        depth.append("predict")
        try:
            if record is not None and "origin" in record and _state["fast"]:
                # a wrapper's predict (a fold's scoring): the same output, without Keras' data pipeline
                # and tracing for every clone (calling the model on chunks), else eagerly and quietly
                output = direct(self, call.get("x"))
                if output is None:
                    output = eagerly(self, original_predict, {**call, "verbose": 0})
            else:
                output = original_predict(self, *args, **kwargs)
        finally:
            depth.pop()
        if record is not None:
            shape = getattr(output, "shape", None)
            record.update(completed=True, seconds=round(clock() - t0, 3),
                          output_shape=[int(d) for d in shape] if shape is not None else None)
        return output

    predict.__doc__ = original_predict.__doc__
    predict.__wrapped__ = original_predict
    predict.__dict__[RECORDER_MARK] = True
    keras.Model.predict = predict


# ----------------------------------------------------------------------------- weights from files
def _path(value):
    try:
        return os.path.abspath(os.fspath(value))[:500]
    except Exception:
        return None if value is None else repr(value)[:200]


def _wrap_files(keras) -> None:
    """Log saves, loads and pre-trained constructors (see the module docstring)."""
    log, depth, alive, path_of, clock = _files, _depth, _alive, _path, time.perf_counter

    def logged(kind: str, original, describe):
        def wrapper(*args, **kwargs):
            record = {"kind": kind, "index": len(log), "completed": False, "via": depth[-1] if depth else None}
            try:
                record.update(describe(*args, **kwargs))
            except Exception:
                pass
            log.append(record)
            depth.append(kind)
            t0 = clock()
            try:
                result = original(*args, **kwargs)
            finally:
                depth.pop()
            if kind in ("load_model", "application") and result is not None:
                record["model_id"] = id(result)
                alive.append(result)
            record.update(completed=True, seconds=round(clock() - t0, 3))
            return result

        wrapper.__doc__, wrapper.__wrapped__, wrapper.__name__ = original.__doc__, original, original.__name__
        wrapper.__dict__[RECORDER_MARK] = True
        return wrapper

    def first(name, position):
        def describe(*args, **kwargs):
            value = kwargs.get(name, args[position] if len(args) > position else None)
            return {"path": path_of(value)}
        return describe

    def method_describe(*args, **kwargs):
        model = args[0]
        value = kwargs.get("filepath", args[1] if len(args) > 1 else None)
        return {"path": path_of(value), "model_id": id(model)}

    for method, kind in (("save", "save"), ("save_weights", "save_weights"), ("load_weights", "load_weights")):
        setattr(keras.Model, method, logged(kind, getattr(keras.Model, method), method_describe))

    replacements = {}
    saving_api = sys.modules.get("keras.src.saving.saving_api")
    if saving_api is not None and hasattr(saving_api, "load_model"):
        original = saving_api.load_model
        replacements[original] = logged("load_model", original, first("filepath", 0))
    applications = getattr(keras, "applications", None)
    for module in [applications, *(v for v in vars(applications).values() if inspect.ismodule(v))] \
            if applications is not None else []:
        for name, value in vars(module).items():
            if inspect.isfunction(value) and name[:1].isupper() and value not in replacements:
                def describe(*args, _name=name, _signature=inspect.signature(value), **kwargs):
                    bound = _signature.bind_partial(*args, **kwargs)
                    bound.apply_defaults()
                    weights = bound.arguments.get("weights")
                    return {"name": _name, "weights": None if weights is None else str(weights)[:300],
                            "path": path_of(weights) if weights not in (None, "imagenet") else None}
                replacements[value] = logged("application", value, describe)
    _replace_everywhere(replacements)

    def read_files() -> list[dict]:
        return [dict(r) for r in log]

    _state["files"] = read_files


def _replace_everywhere(replacements: dict) -> None:
    """Replace functions by their wrappers in every loaded Keras module that names them (their
    defining modules included, so that modules imported later, e.g. ``tf.keras``, get the
    wrappers too)."""
    if not replacements:
        return
    for name, module in list(sys.modules.items()):
        if not (name == "keras" or name.startswith("keras.")) or module is None:
            continue
        try:
            namespace = vars(module)
        except TypeError:
            continue
        for attribute, value in list(namespace.items()):
            try:
                wrapper = replacements.get(value)
            except TypeError:   # unhashable
                continue
            if wrapper is not None:
                namespace[attribute] = wrapper


def _fit_on_batches(model, kwargs: dict):
    """Fast mode's fit of a wrapper's clone: ``train_on_batch`` on the FAST_BATCHES batches of
    ``kwargs`` (the fast arguments), eagerly, and a History like ``fit``'s (one epoch, the last
    batch's logs). Keras' ``fit`` builds a data pipeline and callbacks for every call, which
    costs more than the two batches on a search's many clones. None when the call is not a
    plain one (validation, callbacks, datasets, several inputs): the caller runs ``fit``."""
    try:
        import numpy

        keras = sys.modules.get("keras")
        x, y = kwargs.get("x"), kwargs.get("y")
        plain = (keras is not None and y is not None and not kwargs.get("callbacks")
                 and not kwargs.get("validation_split") and kwargs.get("validation_data") is None
                 and kwargs.get("steps_per_epoch") is None and all(
                     hasattr(v, "shape") and hasattr(v, "__array__") and not isinstance(v, (tuple, list, dict))
                     for v in (x, y)))
        if not plain:
            return None
        x, y = numpy.asarray(x), numpy.asarray(y)
        weights = kwargs.get("sample_weight")
        batch = kwargs.get("batch_size") or DEFAULT_BATCH_SIZE
        initial = kwargs.get("initial_epoch", 0) or 0
        history = keras.callbacks.History()
        history.set_model(model)
        steps = max(1, -(-len(x) // batch))
        history.set_params({"verbose": 0, "epochs": kwargs.get("epochs", 1), "steps": steps})
        history.on_train_begin()
        logs = {}

        def train():
            out = {}
            for start in range(0, len(x), batch):
                out = model.train_on_batch(
                    x[start:start + batch], y[start:start + batch],
                    sample_weight=None if weights is None else numpy.asarray(weights)[start:start + batch],
                    class_weight=kwargs.get("class_weight"), return_dict=True)
            return out

        logs = _eagerly(model, lambda m, **_: train(), {})
        for epoch in range(initial, kwargs.get("epochs", initial + 1)):
            history.on_epoch_end(epoch, {str(k): float(v) for k, v in dict(logs or {}).items()})
        model.history = history
        return history
    except Exception:
        return None


DIRECT_CHUNK = 4096   # rows per call of the model in _direct_predict


def _direct_predict(model, x):
    """``model.predict(x)``'s output computed by calling the model on chunks of rows (same
    values, no tf.data pipeline); None when ``x`` is not one numeric array or the model has
    several outputs (the caller then uses ``predict``)."""
    try:
        import numpy

        if not hasattr(x, "shape") or not hasattr(x, "__array__") or isinstance(x, (tuple, list, dict)):
            return None
        x = numpy.asarray(x)
        if x.ndim == 0 or not len(x) or x.dtype.kind not in "biuf":
            return None
        parts = []
        for start in range(0, len(x), DIRECT_CHUNK):
            out = model(x[start:start + DIRECT_CHUNK], training=False)
            if isinstance(out, (tuple, list, dict)):
                return None
            parts.append(numpy.asarray(out))
        return numpy.concatenate(parts) if len(parts) > 1 else parts[0]
    except Exception:
        return None


def _eagerly(model, function, kwargs: dict):
    """``function(model, **kwargs)`` with ``model.run_eagerly`` on, restored afterwards."""
    try:
        previous = model.run_eagerly
        model.run_eagerly = True
    except Exception:   # a model class of the student's without the attribute: as it is
        return function(model, **kwargs)
    try:
        return function(model, **kwargs)
    finally:
        try:
            model.run_eagerly = previous
        except Exception:
            pass


def _classes_of(*modules) -> list:
    """The classes a Keras API module exports (``keras.layers``, ``keras.regularizers`` ...)."""
    found = []
    for module in modules:
        for value in vars(module).values() if module is not None else ():
            if isinstance(value, type) and value not in found:
                found.append(value)
    return found


def _capture_originals(keras) -> None:
    from keras.src.models.functional import Functional

    tracked = [keras.Model, keras.Sequential, Functional, keras.callbacks.History, keras.Variable,
               getattr(keras, "KerasTensor", None)]
    tracked += _classes_of(keras.layers, keras.regularizers, keras.optimizers, keras.initializers)
    _state["originals"].update(
        count_params=keras.Model.count_params,
        model_class=keras.Model,
        layer_class=keras.layers.Layer,
        history_class=keras.callbacks.History,
        serialize_activation=keras.activations.serialize,
        serialize=keras.saving.serialize_keras_object,
        tracked_classes=tuple(c for c in tracked if c is not None),
        isinstance=isinstance,
        type=type,
        id=id,
    )


def _snapshot(keras) -> dict:
    """{class: copy of its attributes} for the tracked Keras classes and all their bases."""
    classes = {}
    for tracked in _state["originals"]["tracked_classes"]:
        for cls in tracked.__mro__[:-1]:   # not object
            classes.setdefault(cls, dict(vars(cls)))
    return classes


def _rows(value):
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) > 0 and shape[0] is not None:
        return int(shape[0])
    if isinstance(value, (list, tuple)) and value and getattr(value[0], "shape", None) is not None:
        return _rows(value[0])
    return None


def _cols(value):
    shape = getattr(value, "shape", None)
    return [int(d) if d is not None else None for d in shape[1:]] if shape is not None else None


def _new_record(model, arguments: dict) -> dict:
    validation_data = arguments.get("validation_data")
    kwargs = arguments.get("kwargs", {})
    return {
        "model_id": id(model),
        "epochs": arguments.get("epochs", 1),
        "batch_size": arguments.get("batch_size"),
        "validation_split": float(arguments.get("validation_split", 0.0) or 0.0),
        "validation_rows": _rows(validation_data[0]) if isinstance(validation_data, (tuple, list)) and validation_data else None,
        "x_rows": _rows(arguments.get("x")),
        "x_cols": _cols(arguments.get("x")),
        "y_cols": _cols(arguments.get("y")),
        "extra_arguments": sorted(kwargs) if isinstance(kwargs, dict) else [],
        "completed": False,
        "history_id": None,
        "fast": _state["fast"],
        "_t0": time.perf_counter(),
    }


def _first(value):
    """The first array of a tuple/list/dict of inputs (a model with several inputs), else the value."""
    if isinstance(value, (tuple, list)) and value and not hasattr(value, "shape"):
        return value[0]
    if isinstance(value, dict) and value:
        return next(iter(value.values()))
    return value


def _fit_data(arguments: dict, record: dict) -> tuple[dict, dict]:
    """(fingerprints of the arrays a fit saw, facts about its validation); never raises."""
    try:
        return _fit_data_unsafe(arguments, record)
    except Exception as exc:   # exotic inputs: the fit runs, its data stays unknown
        return {}, {"source": "unknown", "error": f"{type(exc).__name__}"[:100]}


def _fit_data_unsafe(arguments: dict, record: dict) -> tuple[dict, dict]:
    fp = _fingerprint
    x = fp.as_array(_first(arguments.get("x")))
    x_sigs = fp.signatures(x) if x is not None else None
    data = {"x": fp.summary(x_sigs, x.shape, str(x.dtype)) if x is not None else None,
            "y": _safe_fingerprint(arguments.get("y"))}
    validation = {"source": "none", "fraction": 0.0, "rows": None, "in_training_rows": None}
    validation_data = arguments.get("validation_data")
    split = record["validation_split"]
    trained = x_sigs
    if isinstance(validation_data, (tuple, list)) and validation_data:
        data["validation_x"] = _safe_fingerprint(validation_data[0])
        data["validation_y"] = _safe_fingerprint(validation_data[1]) if len(validation_data) > 1 else None
        rows, x_rows = record["validation_rows"], record["x_rows"]
        validation.update(source="data", rows=rows,
                          fraction=round(rows / (x_rows + rows), 4) if rows and x_rows else 0.0)
    elif validation_data is not None:
        validation["source"] = "dataset"
    elif split > 0 and x_sigs is not None:
        rows = len(x_sigs)
        split_at = int(rows * (1.0 - split))   # what Keras does: the last rows, before shuffling
        data["validation_x"] = fp.slice_summary(x_sigs, x.shape, str(x.dtype), split_at, rows)
        y = fp.as_array(_first(arguments.get("y")))
        if y is not None and len(y) == rows:
            y_sigs = fp.signatures(y)
            data["validation_y"] = fp.slice_summary(y_sigs, y.shape, str(y.dtype), split_at, rows) \
                if y_sigs is not None else None
        trained = x_sigs[:split_at]
        validation.update(source="split", rows=rows - split_at, fraction=split)
    elif split > 0:
        validation.update(source="split", fraction=split)
    held_out = data.get("validation_x")
    if held_out is not None and trained is not None and len(trained):
        index = fp.RowIndex(trained, fp.summary(trained, [len(trained), *x.shape[1:]], str(x.dtype)))
        found = fp.relation(held_out, index)
        validation["in_training_rows"] = found["fraction"] if found else 0.0
    return data, validation


def _head(value, rows: int):
    """First rows of an array (or of each array of a tuple/list); other inputs unchanged."""
    if isinstance(value, (tuple, list)):
        return type(value)(_head(v, rows) for v in value)
    if getattr(value, "shape", None) is not None and len(value.shape) > 0:
        return value[:rows]
    return value


def _fast_arguments(arguments: dict, record: dict) -> dict:
    """Same call with only FAST_BATCHES batches of data (and of validation data)."""
    kwargs = {k: v for k, v in arguments.items() if k not in ("self", "kwargs")}
    kwargs.update(arguments.get("kwargs", {}))
    batch = record["batch_size"] or DEFAULT_BATCH_SIZE
    rows = batch * FAST_BATCHES
    if record["x_rows"] is not None:
        kwargs["x"] = _head(kwargs.get("x"), rows)
        if kwargs.get("y") is not None:
            kwargs["y"] = _head(kwargs["y"], rows)
        if kwargs.get("sample_weight") is not None:
            kwargs["sample_weight"] = _head(kwargs["sample_weight"], rows)
    if record["validation_rows"] is not None:
        kwargs["validation_data"] = _head(kwargs["validation_data"], rows)
    kwargs["verbose"] = 0
    initial = kwargs.get("initial_epoch", 0) or 0
    kwargs["epochs"] = min(record["epochs"], initial + 1)
    return kwargs


def _train_steps_of_fast_fit(kwargs: dict, record: dict) -> dict:
    """A fast fit on arrays trains FAST_TRAIN_STEPS batches of its FAST_BATCHES: the validation
    it holds out (``validation_split``) or is given is the same, the History the same kind."""
    if record["x_rows"] is not None:
        steps = kwargs.get("steps_per_epoch")
        kwargs["steps_per_epoch"] = FAST_TRAIN_STEPS if steps is None else max(1, min(steps, FAST_TRAIN_STEPS))
    return kwargs


def _pad_history(history, initial_epoch: int, epochs: int) -> None:
    """Make a one-epoch History look like the requested run (same keys, same length)."""
    if history is None or not hasattr(history, "history"):
        return
    length = max(epochs - initial_epoch, 0)
    for key, values in history.history.items():
        if values:
            history.history[key] = (list(values) + [values[-1]] * length)[:length]
    history.epoch = list(range(initial_epoch, epochs))
    if isinstance(getattr(history, "params", None), dict):
        history.params["epochs"] = epochs
