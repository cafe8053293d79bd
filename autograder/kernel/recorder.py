"""Records every ``Model.fit`` call made in the kernel (installed before any student cell).

``install()`` wraps ``keras.Model.fit`` once: at once if Keras is already imported, else when the
notebook first imports it (an import hook; a notebook that never imports Keras does not pay for
it). Each call is logged with the model it trained, ``epochs``, ``batch_size``, the validation it
used (``validation_split`` or the size of ``validation_data``) and whether it returned. In **fast
mode** the call keeps the requested batch size and validation fraction but trains one epoch on
the first few batches, eagerly (for two batches, tracing a ``tf.function`` costs far more than
it saves); the returned ``History`` is then padded to the requested number of epochs (last
values repeated), so student code that reads it behaves as after full training. Fast mode also
evaluates on the first few batches only (``Model.evaluate`` returns the same kind of result, of
no meaning); ``predict`` is left whole, its output's shape is used by student code. The checks
look at *how* a model was trained, not at its accuracy: verdicts are the same in both modes.

This is the one deliberate patch of a foreign attribute in the kit; it is kept small. Before
any student code can touch Keras, the originals the harvest relies on are captured here: the
functions it calls and a snapshot of the attributes of the Keras classes it reads (a notebook
that redefines ``keras.Model.count_params`` or ``Layer.weights`` changes nothing for the
harvest). The log itself lives in a closure, not in a module attribute.
"""
from __future__ import annotations

import builtins
import importlib.util
import inspect
import sys
import time

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time

FAST_BATCHES = 2          # batches kept per fit in fast mode
FAST_MAX_EPOCHS = 1000    # above this, fast mode trains as written (a runaway stays a runaway)
DEFAULT_BATCH_SIZE = 32   # Keras' default when batch_size is None

_state: dict = {"installed": False, "fast": False, "originals": {}, "log": None}


def install(fast: bool = False) -> None:
    """Wrap ``keras.Model.fit`` as soon as Keras is imported (idempotent)."""
    if _state["installed"]:
        return
    _state["installed"], _state["fast"] = True, bool(fast)
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "Model"):
        _patch_keras(keras)
    else:
        sys.meta_path.insert(0, _KerasImportHook())


def records() -> list[dict]:
    """Copies of the fit records so far (the harvest serializes them)."""
    log = _state["log"]
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
        _state["originals"]["classes"] = _snapshot(keras)
    except Exception as exc:  # never break the student's import: the checks will see no fits
        _state["originals"]["error"] = f"{type(exc).__name__}: {exc}"[:300]


def _wrap_fit(keras) -> None:
    original_fit = keras.Model.fit
    signature = inspect.signature(original_fit)
    log: list[dict] = []
    alive: list = []  # models and histories stay referenced: their id() is never reused in a run
    new_record, fast_arguments, pad_history, clock = _new_record, _fast_arguments, _pad_history, time.perf_counter
    eagerly = _eagerly

    def fit(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        record = new_record(self, bound.arguments)
        log.append(record)
        alive.append(self)
        fast = _state["fast"] and isinstance(record["epochs"], int) and record["epochs"] <= FAST_MAX_EPOCHS
        if fast:
            history = eagerly(self, original_fit, fast_arguments(bound.arguments, record))
        else:
            history = original_fit(self, *args, **kwargs)
        if fast:
            pad_history(history, bound.arguments.get("initial_epoch", 0) or 0, record["epochs"])
        record["completed"] = True
        record["history_id"] = id(history)
        alive.append(history)
        record["seconds"] = round(clock() - record.pop("_t0"), 3)
        return history

    def read_log() -> list[dict]:
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in log]

    fit.__doc__ = original_fit.__doc__
    fit.__wrapped__ = original_fit
    keras.Model.fit = fit
    _state["log"] = read_log
    if _state["fast"]:
        _wrap_evaluate(keras)


def _wrap_evaluate(keras) -> None:
    """Fast mode: ``evaluate`` on the first FAST_BATCHES batches, eagerly."""
    original_evaluate = keras.Model.evaluate
    signature = inspect.signature(original_evaluate)
    eagerly, head = _eagerly, _head

    def evaluate(self, *args, **kwargs):
        try:
            arguments = signature.bind(self, *args, **kwargs).arguments
        except TypeError:
            return original_evaluate(self, *args, **kwargs)   # let Keras word the error
        call = {k: v for k, v in arguments.items() if k not in ("self", "kwargs")}
        call.update(arguments.get("kwargs", {}))
        if getattr(call.get("x"), "shape", None) is None and not isinstance(call.get("x"), (tuple, list)):
            return original_evaluate(self, *args, **kwargs)   # a dataset or generator: as written
        rows = (call.get("batch_size") or DEFAULT_BATCH_SIZE) * FAST_BATCHES
        for key in ("x", "y", "sample_weight"):
            if call.get(key) is not None:
                call[key] = head(call[key], rows)
        call["verbose"] = 0
        return eagerly(self, original_evaluate, call)

    evaluate.__doc__ = original_evaluate.__doc__
    evaluate.__wrapped__ = original_evaluate
    keras.Model.evaluate = evaluate


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


def _capture_originals(keras) -> None:
    from keras.src.models.functional import Functional

    _state["originals"].update(
        count_params=keras.Model.count_params,
        model_class=keras.Model,
        layer_class=keras.layers.Layer,
        history_class=keras.callbacks.History,
        serialize_activation=keras.activations.serialize,
        tracked_classes=(keras.Model, keras.Sequential, Functional, keras.layers.Layer, keras.layers.Dense,
                         keras.layers.Dropout, keras.layers.Activation, keras.layers.InputLayer,
                         keras.callbacks.History, keras.Variable, keras.regularizers.Regularizer,
                         keras.regularizers.L1, keras.regularizers.L2, keras.regularizers.L1L2,
                         keras.optimizers.Optimizer),
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
