"""Turns the objects bound to the contract names into plain JSON facts, in the kernel.

``install()`` (the grader's bootstrap cell) installs the fit recorder and binds the emitter
under a per-run random name; the grader calls it in a cell after every student cell, so that
a kernel that dies later still leaves the facts of everything built before. The payload is
sent as a display output of a private MIME type; the grader reads it only from its own cells.

The payload (``facts_of``)::

    {"values": {name: facts},            # one per contract name ({"kind": "missing"} if unbound)
     "fits":  [fit record],              # every Model.fit call, in order (see recorder)
     "calls": [evaluate / predict record],
     "files": [save / save_weights / load_weights / load_model / application record],
     "sklearn": [scikit-learn call record],   # wrapper fit/score/predict, search fit, cross_val_score (see estimators)
     "fast": bool, "tampered": ["keras.Layer.get_config", ...]}

* a model: ``{"kind": "model", "id", "class", "built", "input_shape": [None, 28, 28, 1] (whole),
  "output_shape", "layers": [layer], "n_params", "count_params", "trainable_params", "compiled",
  "loss", "optimizer", "iterations"}``;
* a layer (any Keras layer): ``{"class" (its Keras class; "custom_class" for a student's
  subclass), "name", the usual config values lifted to the top when the layer has them (units,
  filters, kernel_size, strides, padding, pool_size, dilation_rate, data_format, rate, stddev,
  return_sequences, target_shape, input_dim, output_dim, axis, ...), "activation" (a name; the
  activation layers ReLU/Softmax/LeakyReLU/ELU/PReLU say theirs), "kernel_regularizer" /
  "bias_regularizer" / "activity_regularizer" / any "*_regularizer": {"class", "l1", "l2"},
  "config": {other plain config values}, "weights": [shapes], "n_params", "input_shape",
  "output_shape"}``; a nested model used as a layer also has ``"layers"`` (nested, not
  flattened: ``ModelFacts.flat_layers()`` flattens); a wrapper (Bidirectional, TimeDistributed)
  has ``"layer"``, its inner layer;
* an array: ``{"kind": "array", "shape", "dtype", "finite", "min", "max", "one_hot",
  "fingerprint"}`` (a 1-D array of at most SMALL_VALUES numbers also gives its ``"values"``:
  fold scores); a list of at most SMALL_VALUES numbers: ``{"kind": "list", "values"}``; a
  scikit-learn estimator: ``{"kind": "estimator", ...}``, a search (GridSearchCV ...):
  ``{"kind": "search", ...}`` (see ``estimators.describe_estimator``); a history: ``{"kind":
  "history", "id", "model_id", "keys", "params", "epochs_run", "values": {key: [float or None
  per epoch]}, "model": {model facts of the model it trained}}``; a dict, a scalar: as before;
* every fingerprint (contract arrays, and the ``data`` of the fit / evaluate / predict
  records) is ``{"shape", "dtype", "rows", "row_size", "checksum", "matches": {contract name:
  {"relation": "same" | "subset" | "overlap", "fraction"}}}`` (see ``fingerprint``): facts of
  which data each call saw, computed here from row samples that never leave the kernel.

The kernel belongs to the student, so this module protects itself against the cheap tricks:
its functions keep the builtins of install time, the IPython and numpy functions it calls are
captured at install time, and Keras attributes are read through the recorder's snapshot of the
Keras classes (every class of ``keras.layers``, ``keras.regularizers``, ``keras.optimizers``,
``keras.initializers``, the models, History, Variable: a notebook that redefines
``count_params``, ``get_config``, ``layers`` or ``weights`` on a Keras class or a subclass does
not change the facts; the redefinitions are reported as ``tampered``). A notebook that hooks
IPython's own machinery could still forge the payload: see the security model in README.
"""
from __future__ import annotations

import builtins
import math

from autograder.kernel import estimators, fingerprint, recorder

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time

MIME = "application/vnd.keras-autograder.harvest+json"
_MISSING = object()
_array_cache: dict = {}
_index_cache: dict = {}
_relation_cache: dict = {}   # (id of a row index, fingerprint key) -> (the index, its relation)
_captured: dict = {}
MAX_DEPTH = 4            # nested models described this deep
MAX_HISTORY_KEYS, MAX_HISTORY_EPOCHS = 32, 1000   # a History's values kept (entries, last epochs)
SMALL_VALUES = 100       # a 1-D numeric array (or list) this small also gives its values (fold scores)
CONFIG_FACTS = ("units", "filters", "kernel_size", "strides", "padding", "pool_size", "dilation_rate",
                "data_format", "rate", "stddev", "return_sequences", "return_state", "target_shape", "input_dim",
                "output_dim", "axis", "momentum", "epsilon", "groups", "depth_multiplier", "size", "n",
                "merge_mode", "negative_slope", "max_value", "alpha", "keepdims", "use_bias", "mask_zero")
ACTIVATION_LAYERS = {"ReLU": "relu", "Softmax": "softmax", "LeakyReLU": "leaky_relu", "ELU": "elu", "PReLU": "prelu"}
_NOISE = ("_initializer", "_constraint", "_regularizer")
_SKIPPED_CONFIG = ("name", "dtype", "trainable", "layer", "layers", "build_config", "compile_config")
_prod, _type, _id = math.prod, type, id
_FUNCTION = _type(lambda: None)
_LIBRARIES = ("keras", "tensorflow", "tf_keras")
_NUMPY = ("asarray", "min", "max", "nanmin", "nanmax", "isin", "issubdtype", "number", "generic", "ndarray")


def install(names: list[str], fast: bool = False, token: str | None = None, secret: str = "") -> None:
    """Grader bootstrap: recorder, captured functions, and ``builtins.<token>()`` as the emitter.

    The emitter signs its payload with ``secret`` (held in its closure only): a display output
    of the harvest type published by student code lacks it and is ignored by the grader."""
    import numpy
    from IPython import get_ipython

    recorder.install(fast=fast)
    shell = get_ipython()
    _captured.update(
        np={n: getattr(numpy, n) for n in _NUMPY},
        namespace=shell.user_ns, publish=shell.display_pub.publish,
        records=recorder.records, calls=recorder.calls, files=recorder.file_events, is_fast=recorder.is_fast,
        sklearn=estimators.records,
    )
    names, emit_payload = list(names), _payload

    def emitter() -> None:
        _captured["publish"]({MIME: {**emit_payload(names), "secret": secret}})

    if token:
        vars(builtins)[token] = emitter
    _forget_source(secret)


def _forget_source(secret: str) -> None:
    """Drop the bootstrap cell's code from linecache, where IPython keeps every cell's source."""
    import linecache

    for key, entry in list(linecache.cache.items()):
        lines = entry[2] if len(entry) > 2 and isinstance(entry[2], list) else []
        if secret and any(secret in line for line in lines):
            del linecache.cache[key]


def _payload(names: list[str]) -> dict:
    """The emitter's payload: ``facts_of`` the contract names of the kernel's namespace."""
    return facts_of(_captured["namespace"], names)


def facts_of(namespace: dict, names: list[str]) -> dict:
    """Facts of ``names``, the fit / evaluate / predict / file records, the relations between the
    data those calls saw and the contract arrays, and the Keras attributes the notebook redefined."""
    changes = _changes()
    with _originals_in_place(changes):
        values = {n: describe(namespace[n]) if n in namespace else {"kind": "missing"} for n in names}
    records, calls, files = (_captured.get("records", recorder.records), _captured.get("calls", recorder.calls),
                             _captured.get("files", recorder.file_events))
    fits, calls = records(private=True), calls(private=True)
    sklearn = _captured.get("sklearn", estimators.records)(private=True)
    relate_data(namespace, names, values, fits, calls, sklearn)
    tampered = sorted(f"{cls.__module__.split('.')[0]}.{cls.__qualname__}.{name}" for cls, name, _, _ in changes)
    return {"values": values, "fits": fits, "calls": calls, "files": files(), "sklearn": sklearn,
            "fast": _captured.get("is_fast", recorder.is_fast)(), "tampered": tampered[:20]}


def relate_data(namespace: dict, names: list[str], values: dict, fits: list[dict], calls: list[dict],
                others: list[dict] = ()) -> None:
    """Add ``matches`` (relations with the contract arrays, see ``fingerprint.relation``) to every
    fingerprint of the records and of the contract arrays; drop the fingerprints' private parts.

    ``matches`` maps a contract name to ``{"relation": "same" | "subset" | "overlap", "fraction": f}``:
    the rows of the call's array are the rows of that contract array, a part of them, or some of them."""
    indexes = {}
    for name in names:
        if values.get(name, {}).get("kind") == "array" and name in namespace:
            index = _row_index(namespace[name])
            if index is not None:
                indexes[name] = index
    for record in [*fits, *calls, *others]:
        data = record.get("data") or {}
        for key, fp in list(data.items()):
            if isinstance(fp, dict):
                data[key] = _with_matches(fp, indexes)
    for name, index in indexes.items():
        others = {n: i for n, i in indexes.items() if n != name}
        values[name] = {**values[name], "fingerprint": _with_matches(index.fp, others)}


def _with_matches(fp: dict, indexes: dict) -> dict:
    matches = {}
    key = _fingerprint_key(fp)
    for name, index in indexes.items():
        memo = (id(index), key) if key is not None else None
        if memo is not None and memo in _relation_cache:
            found = _relation_cache[memo][1]
        else:
            try:
                found = fingerprint.relation(fp, index)
            except Exception:
                found = None
            if memo is not None:
                _relation_cache.clear() if len(_relation_cache) > 4096 else None
                _relation_cache[memo] = (index, found)   # the index kept: its id is not reused
        if found:
            matches[name] = found
    public = fingerprint.public(fp)
    public["matches"] = matches
    return public


def _fingerprint_key(fp: dict):
    """What ``fingerprint.relation`` reads of ``fp`` (sizes, sample, checksum, scale), as a dict key: a
    record's relations are computed once, not again at every later harvest (None: no memo)."""
    try:
        sample = fp.get("_sample")
        return (fp.get("rows"), fp.get("row_size"), tuple(fp.get("checksum") or ()), tuple(fp.get("_scale") or ()),
                None if sample is None else sample.tobytes())
    except Exception:
        return None


def _row_index(value):
    """Row index of an array (cached while the array keeps its identity and its probed values)."""
    try:
        array = _captured["np"]["asarray"](value) if _captured.get("np") else value
        key = (_id(value), tuple(array.shape), str(array.dtype), _probe(array))
        if key not in _index_cache:
            _index_cache.clear() if len(_index_cache) > 64 else None
            _index_cache[key] = fingerprint.row_index(array)
        return _index_cache[key]
    except Exception:
        return None


def _probe(array) -> bytes:
    """A few values of an array, to tell an array changed in place from the one cached."""
    try:
        size = int(array.size)
        return array.flat[0:size:max(1, size // 61)][:64].tobytes()   # no copy of the whole array
    except Exception:
        return b""


def _changes() -> list[tuple]:
    """(class, name, original, current) of the methods and properties replaced on (or added
    to) Keras classes; ``_MISSING`` stands for "not there"."""
    changed = []
    for cls, attrs in recorder.originals().get("classes", {}).items():
        now = vars(cls)
        for name, value in attrs.items():
            current = now.get(name, _MISSING)
            if (callable(value) or _is_descriptor(value)) and current is not value \
                    and not (name in recorder.WRAPPED_METHODS and _recorded_over(current, value)):
                changed.append((cls, name, value, current))
        for name, value in now.items():
            if name not in attrs and (callable(value) or _is_descriptor(value)):
                changed.append((cls, name, _MISSING, value))
    return changed


def _recorded_over(current, original) -> bool:
    """``current`` is a recorder's wrapper (another copy of the recorder: the student's
    self-check, installed after the grader's) around ``original``, possibly several deep."""
    try:
        for _ in range(4):
            if current is original:
                return True
            if not _is_a(current, _FUNCTION) or not vars(current).get(recorder.RECORDER_MARK):
                return False
            current = vars(current).get("__wrapped__")
    except Exception:
        return False
    return current is original


class _originals_in_place:
    """Put the original Keras attributes back while the harvest reads the objects (Keras' own
    code calls them too), then the notebook's versions again: the notebook sees no difference."""

    def __init__(self, changes: list[tuple]):
        self.changes = changes

    def __enter__(self):
        for cls, name, original, _ in self.changes:
            if original is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, original)

    def __exit__(self, *exc):
        for cls, name, _, current in self.changes:
            if current is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, current)


# ----------------------------------------------------------------------------- attribute access
def _attr(obj, name: str, default=None):
    """``obj.name`` resolved with the Keras classes as they were at install time; classes that
    are neither Keras nor TensorFlow (a student's subclass) are skipped."""
    snapshot = recorder.originals().get("classes", {})
    cls = _type(obj)
    found = _class_attribute(cls, name, snapshot)
    if found is not _MISSING and _is_data_descriptor(found):
        return found.__get__(obj, cls)
    try:
        own = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        own = {}
    if name in own:
        return own[name]
    if found is not _MISSING:
        return found.__get__(obj, cls) if hasattr(_type(found), "__get__") else found
    return getattr(obj, name, default) if not snapshot else default


def _method(obj, name: str):
    """``obj.name`` for a method: the Keras class's function as captured, bound to ``obj``; an
    attribute the notebook set on the instance itself is ignored. None when there is none."""
    cls = _type(obj)
    found = _class_attribute(cls, name, recorder.originals().get("classes", {}))
    if found is _MISSING:
        return None
    return found.__get__(obj, cls) if hasattr(_type(found), "__get__") else found


def _class_attribute(cls, name: str, snapshot: dict):
    """``name`` in the first Keras / TensorFlow class of ``cls``'s MRO that defines it, read from
    the install-time snapshot (a student's class is skipped); ``_MISSING`` when none does."""
    for klass in cls.__mro__[:-1]:
        attrs = snapshot.get(klass)
        if attrs is None:
            if not klass.__module__.startswith(_LIBRARIES):
                continue
            attrs = vars(klass)
        if name in attrs:
            return attrs[name]
    return _MISSING


def _is_descriptor(value) -> bool:
    return hasattr(_type(value), "__get__")


def _is_data_descriptor(value) -> bool:
    kind = _type(value)
    return hasattr(kind, "__get__") and (hasattr(kind, "__set__") or hasattr(kind, "__delete__"))


def _is_a(value, cls) -> bool:
    """isinstance on the real type (a ``__class__`` property cannot pretend)."""
    return issubclass(_type(value), cls)


# ----------------------------------------------------------------------------- facts
def describe(value, depth: int = 0) -> dict:
    """Facts about one value; never raises (a broken object becomes kind 'unreadable')."""
    try:
        return _describe(value, depth)
    except Exception as exc:  # student objects can be arbitrarily broken
        return {"kind": "unreadable", "error": f"{_type(exc).__name__}: {exc}"[:300]}


def _describe(value, depth: int) -> dict:
    orig = recorder.originals()
    np = _captured.get("np") or _numpy()
    if "model_class" in orig and _is_a(value, orig["model_class"]):
        return _describe_model(value, orig)
    if "history_class" in orig and _is_a(value, orig["history_class"]):
        return _describe_history(value, orig)
    if value is None or value is True or value is False:
        return {"kind": "scalar", "type": _type(value).__name__, "value": value}
    if _is_a(value, (int, float, str)):
        return _describe_scalar(value)
    if hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__array__"):
        return _describe_array(value, np)
    if estimators.is_estimator(value):
        return estimators.describe_estimator(value, lambda model: _describe_model(model, orig))
    if _is_a(value, (list, tuple)) and 0 < len(value) <= SMALL_VALUES and all(
            _is_a(v, (int, float)) and not _is_a(v, bool) for v in value):
        return {"kind": "list", "values": [_describe_scalar(v)["value"] for v in value]}
    if _is_a(value, dict) and depth == 1 and "test_score" in value:   # cross_validate's result in a dict
        return {"kind": "dict", "items": {str(k)[:100]: _describe(v, 2) for k, v in list(dict.items(value))[:20]
                                          if _is_a(k, str)}}
    if _is_a(value, dict) and depth == 0:
        items = list(dict.items(value))[:50]
        return {"kind": "dict", "items": {str.__str__(k) if _is_a(k, str) else repr(k)[:100]: _describe(v, 1)
                                          for k, v in items}}
    if _is_a(value, np["generic"]) and _type(value).__name__ in ("int64", "int32", "float32", "float64"):
        return _describe_scalar(np["generic"].item(value))
    return {"kind": "other", "type": f"{_type(value).__module__}.{_type(value).__qualname__}"[:200]}


def _numpy() -> dict:
    import numpy

    return {n: getattr(numpy, n) for n in _NUMPY}


def _describe_scalar(value) -> dict:
    """Plain int/float/str values, read with the base types' own methods."""
    if _is_a(value, str):
        return {"kind": "scalar", "type": "str", "value": str.__getitem__(value, slice(0, 200))}
    if _is_a(value, bool):
        return {"kind": "scalar", "type": "bool", "value": value is True}
    if _is_a(value, int):
        return {"kind": "scalar", "type": "int", "value": int.__int__(value)}
    number = float.__float__(value)
    return {"kind": "scalar", "type": "float", "value": number if math.isfinite(number) else str(number)}


def _describe_array(value, np) -> dict:
    array = np["asarray"](value)
    key = (_id(value), tuple(array.shape), str(array.dtype), _probe(array))
    if key in _array_cache:
        return _array_cache[key]
    facts = {"kind": "array", "shape": [int(d) for d in array.shape], "dtype": str(array.dtype)}
    if array.size and np["issubdtype"](array.dtype, np["number"]):
        low, high = float(np["min"](array)), float(np["max"](array))
        finite = math.isfinite(low) and math.isfinite(high)   # a NaN anywhere makes min/max NaN
        if not finite:
            low, high = float(np["nanmin"](array)), float(np["nanmax"](array))
        facts.update(finite=finite, min=low, max=high)
        if array.ndim == 2:   # one-hot: 0/1 only, one 1 per row (first rows first: cheap refusal)
            facts["one_hot"] = all(_binary_rows(part, np) for part in (array[:64], array))
        if array.ndim == 1 and array.size <= SMALL_VALUES:
            facts["values"] = [_describe_scalar(v)["value"] for v in array.tolist()]
    if len(_array_cache) > 256:
        _array_cache.clear()
    _array_cache[key] = facts
    return facts


def _binary_rows(array, np) -> bool:
    return bool(np["isin"](array, (0, 1)).all()) and bool((array.sum(axis=1) == 1).all())


def _describe_model(model, orig, depth: int = 0) -> dict:
    layers = [_describe_layer(layer, orig, depth + 1) for layer in _attr(model, "layers", [])]
    weights = [_shape(w) for w in _attr(model, "weights", [])]
    try:
        reported = int(orig["count_params"](model))
    except Exception:
        reported = None
    optimizer = _attr(model, "optimizer")
    iterations = None
    if optimizer is not None:
        try:
            iterations = int(_attr(_attr(optimizer, "iterations"), "numpy")())
        except Exception:
            iterations = None
    return {
        "kind": "model", "id": _id(model), "class": _keras_class_name(model),
        "built": bool(_attr(model, "built", False)),
        "input_shape": _input_shape(model), "output_shape": _tensor_shape(_attr_or_none(model, "outputs")),
        "layers": layers,
        "n_params": int(sum(_prod(s) for s in weights)), "count_params": reported,
        "trainable_params": int(sum(_prod(_shape(w)) for w in _attr(model, "trainable_weights", []))),
        "compiled": bool(_attr(model, "compiled", False) or optimizer is not None),
        "loss": _name_of(_attr(model, "loss")),
        "optimizer": _type(optimizer).__name__ if optimizer is not None else None,
        "iterations": iterations,
    }


def _keras_class_name(obj) -> str:
    """The Keras class of an object (a student's subclass reports its first Keras base)."""
    for klass in _type(obj).__mro__:
        if klass.__module__.startswith(_LIBRARIES):
            return klass.__name__
    return _type(obj).__name__


def _describe_layer(layer, orig, depth: int = 1) -> dict:
    """Facts of one layer: its Keras class, the plain values of its config (``config``), the
    usual ones lifted to the top (units, filters, kernel_size, strides, padding, pool_size, rate,
    activation ...), its regularizers, weights, parameter count, input and output shapes; a
    nested model lists its own ``layers``, a wrapper (Bidirectional, TimeDistributed) its ``layer``."""
    try:
        return _describe_layer_unsafe(layer, orig, depth)
    except Exception as exc:
        return {"class": _keras_class_name(layer), "name": "", "error": f"{_type(exc).__name__}: {exc}"[:200],
                "weights": []}


def _describe_layer_unsafe(layer, orig, depth: int) -> dict:
    keras_class = _keras_class_name(layer)
    facts = {"class": keras_class, "name": str(_attr(layer, "name", ""))[:100]}
    if _type(layer).__name__ != keras_class:
        facts["custom_class"] = _type(layer).__name__[:100]
    is_model = "model_class" in orig and _is_a(layer, orig["model_class"])
    config = {} if is_model else _config(layer)
    plain = {str(k): v for k, v in ((k, _plain(v)) for k, v in dict.items(config)
                                    if _is_a(k, str) and k not in _SKIPPED_CONFIG and not k.endswith(_NOISE))
             if v is not _MISSING and v is not None}
    for key in CONFIG_FACTS:
        if key in plain:
            facts[key] = plain.pop(key)
    facts["config"] = plain   # the other plain values of the config (lifted ones, None, initializers left out)
    plain.pop("activation", None)   # the activation fact below says it (and folds aliases)
    units = _attr(layer, "units", _MISSING)
    if units is not _MISSING and _is_a(units, int):
        facts["units"] = int(units)
    activation = _attr(layer, "activation", _MISSING)
    if activation is not _MISSING:
        facts["activation"] = _activation_name(activation, orig)
    elif keras_class in ACTIVATION_LAYERS:
        facts["activation"] = ACTIVATION_LAYERS[keras_class]
    rate = _attr(layer, "rate", _MISSING)
    if rate is not _MISSING and _is_a(rate, (int, float)):
        facts["rate"] = float(rate)
    for attribute in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        regularizer = _attr(layer, attribute)
        if regularizer is not None:
            facts[attribute] = _describe_regularizer(regularizer)
    for key, value in dict.items(config):
        if _is_a(key, str) and key.endswith("_regularizer") and key not in facts and _is_a(value, dict):
            inner = value.get("config") if _is_a(value.get("config"), dict) else {}
            facts[key] = {"class": str(value.get("class_name", "?"))[:100],
                          **{c: float(inner[c]) for c in ("l1", "l2") if _is_a(inner.get(c), (int, float))}}
    weights = [_shape(w) for w in _attr(layer, "weights", [])]
    facts["weights"] = weights
    facts["n_params"] = int(sum(_prod(s) for s in weights))
    facts["input_shape"] = _tensor_shape(_attr_or_none(layer, "input"))
    facts["output_shape"] = _tensor_shape(_attr_or_none(layer, "output"))
    if is_model:
        nested = _describe_model(layer, orig, depth) if depth < MAX_DEPTH else {"layers": []}
        facts["layers"] = nested["layers"]
    else:
        inner = _attr(layer, "forward_layer") or _attr(layer, "layer")
        if inner is not None and "layer_class" in orig and _is_a(inner, orig["layer_class"]) and depth < MAX_DEPTH:
            facts["layer"] = _describe_layer(inner, orig, depth + 1)
    return facts


def _config(layer) -> dict:
    """The layer's own ``get_config()`` (the Keras one, as captured), {} when it cannot say."""
    try:
        get_config = _method(layer, "get_config")
        config = get_config() if get_config is not None else {}
        return config if _is_a(config, dict) else {}
    except Exception:
        return {}


def _plain(value, depth: int = 0):
    """A config value as a small plain JSON value; a serialized Keras object becomes its class
    name; anything else is ``_MISSING`` (left out)."""
    if value is None or value is True or value is False:
        return value
    if _is_a(value, bool):
        return value is True
    if _is_a(value, int):
        return int.__int__(value)
    if _is_a(value, float):
        number = float.__float__(value)
        return number if math.isfinite(number) else str(number)
    if _is_a(value, str):
        return str.__getitem__(value, slice(0, 100))
    if _is_a(value, (list, tuple)) and len(value) <= 16 and depth < 2:
        items = [_plain(v, depth + 1) for v in value]
        return _MISSING if any(i is _MISSING for i in items) else items
    if _is_a(value, dict) and "class_name" in value:
        return _plain(value.get("class_name"), depth + 1)
    return _MISSING


def _attr_or_none(obj, name: str):
    try:
        return _attr(obj, name)
    except Exception:   # e.g. a layer without inbound node has no ``input``
        return None


def _tensor_shape(tensor):
    """Shape of a Keras tensor as a list (None for an unknown axis); the first of a list of tensors."""
    if tensor is None:
        return None
    if _is_a(tensor, (list, tuple)):
        if not tensor:
            return None
        tensor = tensor[0]
    try:
        shape = _attr(tensor, "shape")
        return [None if d is None else int(d) for d in shape]
    except Exception:
        return None


def _describe_regularizer(regularizer) -> dict:
    facts = {"class": _keras_class_name(regularizer)}
    for coefficient in ("l1", "l2"):
        value = _attr(regularizer, coefficient)
        if value is not None:
            facts[coefficient] = float(value)
    return facts


def _activation_name(function, orig) -> str | None:
    if function is None:
        return None
    try:
        name = orig["serialize_activation"](function)
        if _is_a(name, dict):
            name = name.get("config", {}).get("name") or name.get("class_name")
        if _is_a(name, str):
            return str.__str__(name)
    except Exception:
        pass
    return str(getattr(function, "__name__", _type(function).__name__))[:100]


def _name_of(obj) -> str | None:
    if obj is None:
        return None
    if _is_a(obj, str):
        return str.__getitem__(obj, slice(0, 200))
    if _is_a(obj, (list, tuple)):
        return ",".join(str(_name_of(o)) for o in obj)
    if _is_a(obj, dict):
        return ",".join(f"{k}:{_name_of(v)}" for k, v in dict.items(obj))
    name = getattr(obj, "name", None) if not callable(obj) or hasattr(obj, "get_config") else None
    name = name or getattr(obj, "__name__", None) or _type(obj).__name__
    return str(name)[:200]


def _shape(weight) -> list:
    return [int(d) for d in _attr(weight, "shape")]


def _input_shape(model):
    try:
        inputs = _attr(model, "inputs")
        if inputs:
            return [None if d is None else int(d) for d in _attr(inputs[0], "shape")]
    except Exception:
        pass
    return None


def _describe_history(history, orig) -> dict:
    model = _attr(history, "model")
    values = _attr(history, "history") or {}
    params = _attr(history, "params") or {}
    facts = {
        "kind": "history", "id": _id(history),
        "model_id": _id(model) if model is not None else None,
        "keys": sorted(str(k) for k in dict.keys(values)) if _is_a(values, dict) else [],
        "params": {str(k): v for k, v in dict.items(params)
                   if _type(v) in (int, float, str, _type(None))} if _is_a(params, dict) else {},
        "epochs_run": len(next(iter(dict.values(values)), [])) if _is_a(values, dict) else 0,
        "values": _history_values(values),
    }
    if model is not None and "model_class" in orig and _is_a(model, orig["model_class"]):
        facts["model"] = describe(model)   # the architecture of the model that fit trained
    return facts


def _history_values(values) -> dict:
    """``history.history`` as plain numbers (``{"val_accuracy": [0.91, 0.95], ...}``, the last
    MAX_HISTORY_EPOCHS epochs of each entry): what the notebook read to choose a model."""
    if not _is_a(values, dict):
        return {}
    np = _captured.get("np") or _numpy()
    plain = {}
    for key, series in list(dict.items(values))[:MAX_HISTORY_KEYS]:
        if not _is_a(key, str) or not _is_a(series, (list, tuple)):
            continue
        numbers = []
        for value in list(series)[-MAX_HISTORY_EPOCHS:]:
            number = None   # read with the base types' own methods: no code of the notebook runs here
            try:
                if _is_a(value, (int, float)) and not _is_a(value, bool):
                    number = float.__float__(float(int.__int__(value)) if _is_a(value, int) else value)
                elif _is_a(value, np["generic"]):
                    item = np["generic"].item(value)
                    number = float(item) if _is_a(item, (int, float)) and not _is_a(item, bool) else None
            except Exception:
                number = None
            numbers.append(number if number is not None and math.isfinite(number) else None)
        plain[str.__str__(key)[:100]] = numbers
    return plain
