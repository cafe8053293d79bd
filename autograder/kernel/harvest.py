"""Turns the objects bound to the contract names into plain JSON facts, in the kernel.

Called by a grader-inserted cell after every student cell, so that a kernel that dies later
still leaves the facts of everything built before. The payload is sent as a display output
of a private MIME type; the grader reads it only from its own cells' outputs.

Facts are read from the objects themselves (layer classes, weight shapes, regularizer
coefficients) with functions captured by the recorder before any student cell ran.
"""
from __future__ import annotations

import math

from autograder.kernel import recorder

MIME = "application/vnd.keras-autograder.harvest+json"
_array_cache: dict = {}


def emit(names: list[str]) -> None:
    """Publish the facts of ``names`` from the user namespace (grader cell entry point)."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    namespace = get_ipython().user_ns
    payload = {"values": {n: describe(namespace[n]) if n in namespace else {"kind": "missing"}
                          for n in names},
               "fits": recorder.records(), "fast": recorder.is_fast()}
    publish_display_data({MIME: payload})


def describe(value, depth: int = 0) -> dict:
    """Facts about one value; never raises (a broken object becomes kind 'unreadable')."""
    try:
        return _describe(value, depth)
    except Exception as exc:  # student objects can be arbitrarily broken
        return {"kind": "unreadable", "error": f"{type(exc).__name__}: {exc}"[:300]}


def _describe(value, depth: int) -> dict:
    orig = recorder.originals()
    is_a, type_of = orig.get("isinstance", isinstance), orig.get("type", type)
    if "model_class" in orig and is_a(value, orig["model_class"]):
        return _describe_model(value, orig)
    if "history_class" in orig and is_a(value, orig["history_class"]):
        return _describe_history(value, orig)
    if is_a(value, bool) or value is None:
        return {"kind": "scalar", "type": type_of(value).__name__, "value": value}
    if is_a(value, (int, float, str)):
        return _describe_scalar(value)
    if hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__array__"):
        return _describe_array(value)
    if is_a(value, dict) and depth == 0:
        return {"kind": "dict", "items": {str(k): _describe(v, 1) for k, v in list(value.items())[:50]}}
    if type_of(value).__name__ in ("int64", "int32", "float32", "float64"):
        return _describe_scalar(value.item())
    return {"kind": "other", "type": f"{type_of(value).__module__}.{type_of(value).__qualname__}"}


def _describe_scalar(value) -> dict:
    if isinstance(value, str):
        return {"kind": "scalar", "type": "str", "value": value[:200]}
    if isinstance(value, float) and not math.isfinite(value):
        return {"kind": "scalar", "type": "float", "value": str(value)}
    return {"kind": "scalar", "type": type(value).__name__, "value": value}


def _describe_array(value) -> dict:
    import numpy as np

    key = (id(value), tuple(value.shape), str(value.dtype))
    if key in _array_cache:
        return _array_cache[key]
    array = np.asarray(value)
    facts = {"kind": "array", "shape": [int(d) for d in array.shape], "dtype": str(array.dtype)}
    if array.size and np.issubdtype(array.dtype, np.number):
        finite = bool(np.isfinite(array).all())
        facts.update(finite=finite, min=float(np.nanmin(array)), max=float(np.nanmax(array)))
        if array.ndim == 2:
            binary = bool(np.isin(array, (0, 1)).all())
            facts["one_hot"] = binary and bool((array.sum(axis=1) == 1).all())
    _array_cache[key] = facts
    return facts


def _describe_model(model, orig) -> dict:
    layers = [_describe_layer(layer, orig) for layer in model.layers]
    weights = [_shape(w) for w in model.weights]
    try:
        reported = int(orig["count_params"](model))
    except Exception:
        reported = None
    optimizer = getattr(model, "optimizer", None)
    iterations = None
    if optimizer is not None:
        try:
            iterations = int(optimizer.iterations.numpy())
        except Exception:
            iterations = None
    return {
        "kind": "model", "id": orig["id"](model), "class": type(model).__name__,
        "built": bool(getattr(model, "built", False)),
        "input_shape": _input_shape(model), "layers": layers,
        "n_params": int(sum(math.prod(s) for s in weights)), "count_params": reported,
        "compiled": bool(getattr(model, "compiled", False) or optimizer is not None),
        "loss": _name_of(getattr(model, "loss", None)),
        "optimizer": type(optimizer).__name__ if optimizer is not None else None,
        "iterations": iterations,
    }


def _describe_layer(layer, orig) -> dict:
    facts = {"class": type(layer).__name__, "name": getattr(layer, "name", "")}
    if hasattr(layer, "units"):
        facts["units"] = int(layer.units)
    if hasattr(layer, "activation"):
        facts["activation"] = _activation_name(layer.activation, orig)
    if hasattr(layer, "rate"):
        facts["rate"] = float(layer.rate)
    for attribute in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        regularizer = getattr(layer, attribute, None)
        if regularizer is not None:
            facts[attribute] = _describe_regularizer(regularizer)
    facts["weights"] = [_shape(w) for w in layer.weights]
    return facts


def _describe_regularizer(regularizer) -> dict:
    facts = {"class": type(regularizer).__name__}
    for coefficient in ("l1", "l2"):
        value = getattr(regularizer, coefficient, None)
        if value is not None:
            facts[coefficient] = float(value)
    return facts


def _activation_name(function, orig) -> str | None:
    if function is None:
        return None
    try:
        name = orig["serialize_activation"](function)
        if isinstance(name, dict):
            name = name.get("config", {}).get("name") or name.get("class_name")
        if isinstance(name, str):
            return name
    except Exception:
        pass
    return getattr(function, "__name__", type(function).__name__)


def _name_of(obj) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (list, tuple)):
        return ",".join(str(_name_of(o)) for o in obj)
    if isinstance(obj, dict):
        return ",".join(f"{k}:{_name_of(v)}" for k, v in obj.items())
    name = getattr(obj, "name", None) if not callable(obj) or hasattr(obj, "get_config") else None
    return name or getattr(obj, "__name__", None) or type(obj).__name__


def _shape(weight) -> list:
    return [int(d) for d in weight.shape]


def _input_shape(model):
    try:
        inputs = model.inputs
        if inputs:
            return [None if d is None else int(d) for d in inputs[0].shape]
    except Exception:
        pass
    return None


def _describe_history(history, orig) -> dict:
    model = getattr(history, "model", None)
    return {
        "kind": "history", "id": orig["id"](history),
        "model_id": orig["id"](model) if model is not None else None,
        "keys": sorted(getattr(history, "history", {}) or {}),
        "params": {k: v for k, v in (getattr(history, "params", {}) or {}).items()
                   if isinstance(v, (int, float, str, type(None)))},
        "epochs_run": len(next(iter((history.history or {}).values()), [])),
    }
