"""Typed, normalized views of the harvested artifact (what the student's objects are).

The harvest runs in the student's kernel and only describes objects; this module turns its
JSON into dataclasses the checks can reason about:

* :class:`ModelFacts`: a model's layers (:class:`LayerFacts`, any Keras layer: class, units,
  filters, kernel size, strides, padding, pool size, activation, rate, regularizers, shapes,
  parameters, the rest of its config), ``flat_layers()`` (a nested model used as a layer is
  replaced by its own layers, recursively) and ``stack()`` (the MLP view: Dense layers with
  their effective activation and the Dropout layers that follow each one);
* :class:`FitFacts` / :class:`CallFacts`: the recorded ``fit`` / ``evaluate`` / ``predict``
  calls, with :class:`ArrayUse` facts saying which data each call saw (relations of its rows
  with the contract arrays: ``same``, ``subset``, ``overlap``);
* :class:`FileEvent`: saves, loads and ``keras.applications`` constructors.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.messages import CheckFailed

NEUTRAL_LAYERS = {"InputLayer", "Flatten", "Reshape"}  # no parameters, no effect on a flat input
ACTIVATION_ALIASES = {"softmax_v2": "softmax", "relu6": "relu6", None: "linear", "": "linear"}

# Keras class aliases (in Keras 3 they are the same classes, so the harvest reports the first
# name; a check may use either): alias -> canonical name.
CLASS_ALIASES = {
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution2DTranspose": "Conv2DTranspose", "SeparableConvolution2D": "SeparableConv2D",
    "DepthwiseConvolution2D": "DepthwiseConv2D",
}


def canonical_class(name: str) -> str:
    """The canonical Keras class name of ``name`` (``MaxPool2D`` -> ``MaxPooling2D``)."""
    return CLASS_ALIASES.get(name, name)

KIND_NAMES = {
    "model": {"fr": "un modèle Keras", "en": "a Keras model"},
    "history": {"fr": "l'objet History renvoyé par fit", "en": "the History object returned by fit"},
    "array": {"fr": "un tableau numpy", "en": "a numpy array"},
    "dict": {"fr": "un dictionnaire", "en": "a dictionary"},
    "estimator": {"fr": "un estimateur scikit-learn", "en": "a scikit-learn estimator"},
    "search": {"fr": "une recherche d'hyperparamètres scikit-learn (GridSearchCV, RandomizedSearchCV)",
               "en": "a scikit-learn hyper-parameter search (GridSearchCV, RandomizedSearchCV)"},
}


def normalize_activation(name) -> str:
    name = ACTIVATION_ALIASES.get(name, name)
    return str(name).lower()


@dataclass
class Regularizer:
    cls: str
    l1: float = 0.0
    l2: float = 0.0

    @property
    def kind(self) -> str:
        """'L1', 'L2', 'L1+L2' or the class name of an unknown regularizer."""
        if self.l1 > 0 and self.l2 > 0:
            return "L1+L2"
        if self.l1 > 0:
            return "L1"
        if self.l2 > 0:
            return "L2"
        return self.cls

    @classmethod
    def from_dict(cls, data: dict | None) -> "Regularizer | None":
        if not data:
            return None
        return cls(cls=data.get("class", "?"), l1=float(data.get("l1") or 0), l2=float(data.get("l2") or 0))


LAYER_FIELDS = ("units", "filters", "kernel_size", "strides", "padding", "pool_size", "rate", "input_shape",
                "output_shape", "n_params")


@dataclass
class LayerFacts:
    """One harvested layer. Any other fact of the harvest (a config value such as ``axis`` or
    ``return_sequences``) is read with :meth:`get`."""

    cls: str
    name: str = ""
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    kernel_regularizer: Regularizer | None = None
    weights: list[list[int]] = field(default_factory=list)
    filters: int | None = None
    kernel_size: list | None = None
    strides: list | None = None
    padding: str | None = None
    pool_size: list | None = None
    input_shape: list | None = None
    output_shape: list | None = None
    n_params: int | None = None
    regularizers: dict = field(default_factory=dict)      # "kernel" / "bias" / ... -> Regularizer
    layers: list["LayerFacts"] = field(default_factory=list)   # a nested model's layers
    inner: "LayerFacts | None" = None                      # a wrapper's layer (Bidirectional, TimeDistributed)
    custom_class: str | None = None                        # a student's subclass of ``cls``
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: dict) -> "LayerFacts":
        regularizers = {key.removesuffix("_regularizer"): Regularizer.from_dict(value)
                        for key, value in data.items() if key.endswith("_regularizer") and isinstance(value, dict)}
        return cls(
            cls=canonical_class(data.get("class", "?")), name=data.get("name", ""), units=data.get("units"),
            activation=normalize_activation(data["activation"]) if "activation" in data else None,
            rate=data.get("rate"), kernel_regularizer=Regularizer.from_dict(data.get("kernel_regularizer")),
            weights=data.get("weights", []),
            **{k: data.get(k) for k in LAYER_FIELDS if k not in ("units", "rate")},
            regularizers={k: v for k, v in regularizers.items() if v is not None},
            layers=[LayerFacts.from_dict(layer) for layer in data.get("layers", [])],
            inner=LayerFacts.from_dict(data["layer"]) if isinstance(data.get("layer"), dict) else None,
            custom_class=data.get("custom_class"), raw=data,
        )

    def get(self, key: str, default=None):
        """A fact of the harvest by name: a top-level fact, else a value of the layer's config."""
        if key in self.raw:
            return self.raw[key]
        return self.raw.get("config", {}).get(key, default)

    @property
    def is_model(self) -> bool:
        """A nested model used as a layer."""
        return "layers" in self.raw


@dataclass
class DenseUnit:
    """One Dense layer of the normalized stack, its effective activation, the Dropout after it."""

    units: int
    activation: str
    regularizer: Regularizer | None
    kernel_shape: list[int] | None
    dropout_after: list[float] = field(default_factory=list)


@dataclass
class ArrayUse:
    """One array a Keras call saw (``x``, ``y``, ``validation_x`` ...): its shape and how its
    rows relate to the contract arrays (``matches``: name -> ``{"relation": "same" | "subset" |
    "overlap", "fraction": share of sampled rows found}``). ``same`` means the same rows (in any
    order, any shape with the same rows, any float dtype); label arrays have few distinct rows,
    so reason on inputs."""

    shape: list
    dtype: str = "?"
    rows: int | None = None
    row_size: int | None = None
    checksum: list | None = None
    matches: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data) -> "ArrayUse | None":
        if not isinstance(data, dict):
            return None
        return cls(shape=list(data.get("shape") or []), dtype=data.get("dtype", "?"), rows=data.get("rows"),
                   row_size=data.get("row_size"), checksum=data.get("checksum"), matches=dict(data.get("matches") or {}))

    def relation(self, name: str) -> str | None:
        return (self.matches.get(name) or {}).get("relation")

    def is_(self, *names: str) -> str | None:
        """The first of ``names`` whose rows are exactly these rows."""
        return next((n for n in names if self.relation(n) == "same"), None)

    def within(self, *names: str) -> str | None:
        """The first of ``names`` that holds all these rows (the same array or a part of it)."""
        return next((n for n in names if self.relation(n) in ("same", "subset")), None)

    def overlaps(self, *names: str) -> str | None:
        """The first of ``names`` that shares rows with this array."""
        return next((n for n in names if self.relation(n)), None)

    def same_data_as(self, other: "ArrayUse | None", rel_tol: float = 1e-4) -> bool:
        """Same rows as another recorded array (compared by their checksums)."""
        if other is None or self.checksum is None or other.checksum is None:
            return False
        if (self.rows, self.row_size) != (other.rows, other.row_size):
            return False
        scale = sum(abs(v) for v in self.checksum + other.checksum) / (2 * len(self.checksum)) + 1e-12
        return all(abs(a - b) <= rel_tol * scale for a, b in zip(self.checksum, other.checksum))


def _uses(data) -> dict[str, ArrayUse]:
    return {k: use for k, use in ((k, ArrayUse.from_dict(v)) for k, v in (data or {}).items()) if use is not None}


@dataclass
class FitFacts:
    model_id: int | None
    epochs: int | None
    batch_size: int | None
    validation_split: float
    validation_rows: int | None
    x_rows: int | None
    completed: bool
    history_id: int | None
    data: dict = field(default_factory=dict)          # "x", "y", "validation_x", "validation_y" -> ArrayUse
    validation_source: str | None = None              # "none" | "split" | "data" | "dataset" | None (unknown)
    validation_in_training_rows: float | None = None  # share of validation rows that are trained rows too
    origin_data: dict | None = field(default=None, repr=False)   # see ``origin``
    model_data: dict | None = field(default=None, repr=False)    # see ``model``
    fast: bool = False                                # trained in fast mode (a batch or two)

    @classmethod
    def from_dict(cls, data: dict) -> "FitFacts":
        validation = data.get("validation") or {}
        return cls(model_id=data.get("model_id"), epochs=data.get("epochs"), batch_size=data.get("batch_size"),
                   validation_split=float(data.get("validation_split") or 0.0),
                   validation_rows=data.get("validation_rows"), x_rows=data.get("x_rows"),
                   completed=bool(data.get("completed")), history_id=data.get("history_id"),
                   data=_uses(data.get("data")), validation_source=validation.get("source"),
                   validation_in_training_rows=validation.get("in_training_rows"),
                   origin_data=data.get("origin") if isinstance(data.get("origin"), dict) else None,
                   model_data=data.get("model") if isinstance(data.get("model"), dict) else None,
                   fast=bool(data.get("fast")))

    @property
    def origin(self):
        """:class:`~autograder.checks.estimator_facts.Origin` of a fit made by a scikit-learn
        wrapper (the wrapper, search or cross-validation call, fold, candidate); None for a fit
        the notebook called itself."""
        from autograder.checks.estimator_facts import Origin

        return Origin.from_dict(self.origin_data)

    @property
    def model(self) -> "ModelFacts | None":
        """The model this fit trained, described when the fit ended (fits made by a wrapper
        only: the wrapper's clone may no longer exist)."""
        if not self.model_data:
            return None
        return model_facts("(fit)", self.model_data, [self], [])

    @property
    def validation_fraction(self) -> float:
        if self.validation_split:
            return float(self.validation_split)
        if self.validation_rows and self.x_rows:
            return self.validation_rows / (self.x_rows + self.validation_rows)
        return 0.0

    @property
    def x(self) -> ArrayUse | None:
        return self.data.get("x")

    @property
    def validation_x(self) -> ArrayUse | None:
        """The validation inputs: ``validation_data``'s, or the rows ``validation_split`` held out."""
        return self.data.get("validation_x")


@dataclass
class CallFacts:
    """A recorded ``evaluate`` or ``predict`` call of the notebook (not those made inside fit)."""

    kind: str
    model_id: int | None
    completed: bool
    data: dict = field(default_factory=dict)
    result: object = None            # evaluate: what it returned (a float, a list or a dict of floats)
    output_shape: list | None = None  # predict: the shape of its output
    origin_data: dict | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: dict) -> "CallFacts":
        return cls(kind=data.get("kind", "?"), model_id=data.get("model_id"), completed=bool(data.get("completed")),
                   data=_uses(data.get("data")), result=data.get("result"), output_shape=data.get("output_shape"),
                   origin_data=data.get("origin") if isinstance(data.get("origin"), dict) else None)

    @property
    def origin(self):
        """:class:`~autograder.checks.estimator_facts.Origin` of a call a scikit-learn wrapper made."""
        from autograder.checks.estimator_facts import Origin

        return Origin.from_dict(self.origin_data)

    @property
    def x(self) -> ArrayUse | None:
        return self.data.get("x")

    def values(self) -> list[float]:
        """The numbers ``evaluate`` returned (loss first, then the metrics)."""
        result = self.result
        if isinstance(result, dict):
            result = list(result.values())
        if not isinstance(result, list):
            result = [result]
        return [float(v) for v in result if isinstance(v, (int, float)) and not isinstance(v, bool)]


@dataclass
class FileEvent:
    """A save, a load or a ``keras.applications`` constructor, in call order."""

    kind: str                  # "save" | "save_weights" | "load_weights" | "load_model" | "application"
    index: int
    completed: bool
    path: str | None = None
    model_id: int | None = None
    name: str | None = None     # application: its constructor (``ResNet50``)
    weights: str | None = None  # application: its ``weights`` argument (None: random initialization)
    via: str | None = None      # the recorded call it happened in (e.g. an application loading its weights)

    @classmethod
    def from_dict(cls, data: dict) -> "FileEvent":
        values = {k: data.get(k) for k in cls.__dataclass_fields__}
        values.update(kind=data.get("kind", "?"), index=int(data.get("index") or 0),
                      completed=bool(data.get("completed")))
        return cls(**values)


@dataclass
class ModelFacts:
    name: str
    id: int
    cls: str
    input_shape: list | None
    layers: list[LayerFacts]
    n_params: int
    compiled: bool
    loss: str | None
    iterations: int | None
    fits: list[FitFacts]
    output_shape: list | None = None
    trainable_params: int | None = None
    calls: list[CallFacts] = field(default_factory=list)
    optimizer: str | None = None      # the optimizer's class (``SGD``, ``RMSprop``), None if not compiled

    def flat_layers(self, *, skip: tuple[str, ...] = ("InputLayer",)) -> list[LayerFacts]:
        """The layers in order, a nested model replaced by its own layers (recursively), the
        classes of ``skip`` left out."""
        def flatten(layers):
            for layer in layers:
                if layer.is_model:
                    yield from flatten(layer.layers)
                elif layer.cls not in skip:
                    yield layer
        return list(flatten(self.layers))

    @property
    def evaluations(self) -> list[CallFacts]:
        return [c for c in self.calls if c.kind == "evaluate"]

    @property
    def predictions(self) -> list[CallFacts]:
        return [c for c in self.calls if c.kind == "predict"]

    @property
    def input_dim(self) -> int | None:
        if self.input_shape and self.input_shape[-1]:
            return int(self.input_shape[-1])
        for layer in self.layers:
            if layer.cls == "Dense" and layer.weights:
                return int(layer.weights[0][0])
        return None

    def stack(self) -> tuple[list[DenseUnit], list[float], list[str]]:
        """(dense units, input dropout rates, unexpected layer classes) of a plain MLP."""
        dense, input_dropout, unexpected = [], [], []
        for layer in self.flat_layers(skip=()):
            if layer.cls == "Dense":
                kernel = layer.weights[0] if layer.weights else None
                dense.append(DenseUnit(layer.units, layer.activation or "linear",
                                       layer.kernel_regularizer, kernel))
            elif layer.cls == "Activation" and dense and dense[-1].activation == "linear":
                dense[-1].activation = layer.activation or "linear"
            elif layer.cls == "Dropout":
                (dense[-1].dropout_after if dense else input_dropout).append(float(layer.rate or 0))
            elif layer.cls not in NEUTRAL_LAYERS:
                unexpected.append(layer.cls)
        return dense, input_dropout, unexpected


@dataclass
class HistoryFacts:
    """A History: its entries (``keys``), their values per epoch (``values``: what the notebook
    could read, e.g. to choose a model), the fit call that returned it and the model it trained
    (``model``: its architecture, or None when the harvest could not describe it)."""

    name: str
    id: int
    model_id: int | None
    keys: list[str]
    epochs_run: int
    fit: FitFacts | None
    values: dict[str, list] = field(default_factory=dict)
    model: "ModelFacts | None" = None

    def series(self, *keys: str) -> tuple[str, list[float]] | None:
        """(key, its numbers) for the first of ``keys`` the History holds (epochs without a
        number left out), None when it holds none of them."""
        for key in keys:
            numbers = [v for v in self.values.get(key) or [] if isinstance(v, (int, float))]
            if numbers:
                return key, numbers
        return None


@dataclass
class ArrayFacts:
    name: str
    shape: list[int]
    dtype: str
    min: float | None = None
    max: float | None = None
    finite: bool = True
    one_hot: bool | None = None
    fingerprint: ArrayUse | None = None   # its rows, related to the other contract arrays


class Submission:
    """The harvested facts of one submission, looked up by contract name."""

    def __init__(self, payload: dict):
        self.values: dict = (payload or {}).get("values", {})
        self.fits = [FitFacts.from_dict(f) for f in (payload or {}).get("fits", [])]
        self.calls = [CallFacts.from_dict(c) for c in (payload or {}).get("calls", [])]
        self.files = [FileEvent.from_dict(f) for f in (payload or {}).get("files", [])]
        self.sklearn: list[dict] = list((payload or {}).get("sklearn", []))   # scikit-learn call records

    @classmethod
    def load(cls, path: Path) -> "Submission":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    # -- raw access
    def raw(self, name: str) -> dict:
        value = self.values.get(name, {"kind": "missing"})
        if value.get("kind") == "missing":
            raise CheckFailed("missing", name=name)
        return value

    def _expect_kind(self, name: str, value: dict, kind: str) -> dict:
        if value.get("kind") != kind:
            from autograder.checks.messages import Localized

            known = KIND_NAMES.get(value.get("kind"))
            actual = Localized(**known) if known else _describe_other(value)
            raise CheckFailed("wrong_kind", name=name, expected=Localized(**KIND_NAMES[kind]), actual=actual)
        return value

    # -- typed access
    def model(self, name: str) -> ModelFacts:
        data = self._expect_kind(name, self.raw(name), "model")
        return self.model_from(name, data)

    def model_from(self, name: str, data: dict) -> ModelFacts:
        return model_facts(name, data, [f for f in self.fits if f.model_id == data.get("id")],
                           [c for c in self.calls if c.model_id == data.get("id")])

    # -- scikit-learn objects (see ``estimator_facts``)
    def estimator(self, name: str):
        """:class:`~autograder.checks.estimator_facts.EstimatorFacts` of a contract name bound to a
        scikit-learn estimator (a Keras wrapper, scikeras or any other)."""
        from autograder.checks.estimator_facts import estimator_from

        return estimator_from(self, name, self._expect_kind(name, self.raw(name), "estimator"))

    def search(self, name: str):
        """:class:`~autograder.checks.estimator_facts.SearchFacts` of a contract name bound to a
        ``GridSearchCV`` / ``RandomizedSearchCV`` (any ``BaseSearchCV``)."""
        from autograder.checks.estimator_facts import search_from

        return search_from(self, name, self._expect_kind(name, self.raw(name), "search"))

    @property
    def estimator_calls(self) -> list:
        """Every recorded scikit-learn call (``EstimatorCall``: wrapper fit / score / predict,
        search fit), in call order."""
        from autograder.checks.estimator_facts import EstimatorCall

        return [EstimatorCall.from_dict(c) for c in self.sklearn if c.get("kind") != "cv"]

    @property
    def cv_calls(self) -> list:
        """Every recorded ``cross_val_score`` / ``cross_validate`` / ``cross_val_predict`` call
        (``CVCall``), in call order."""
        from autograder.checks.estimator_facts import cv_call_from

        return [cv_call_from(self, c) for c in self.sklearn if c.get("kind") == "cv"]

    def history(self, name: str) -> HistoryFacts:
        return self.history_from(name, self._expect_kind(name, self.raw(name), "history"))

    def history_from(self, name: str, data: dict) -> HistoryFacts:
        fit = next((f for f in self.fits if f.history_id == data["id"]), None)
        model = data.get("model")
        return HistoryFacts(name=name, id=data["id"], model_id=data.get("model_id"),
                            keys=list(data.get("keys", [])), epochs_run=int(data.get("epochs_run") or 0), fit=fit,
                            values={str(k): list(v) for k, v in (data.get("values") or {}).items()
                                    if isinstance(v, list)},
                            model=self.model_from(f"{name}.model", model)
                            if isinstance(model, dict) and model.get("kind") == "model" else None)

    def histories(self, name: str) -> dict[str, HistoryFacts]:
        """The Histories of the dictionary ``name`` (label -> History facts, named
        ``name['label']``); a value that is not a History fails with ``dict_not_histories``."""
        histories = {}
        for label, value in self.dict(name).items():
            what = f"{name}[{label!r}]"
            if value.get("kind") != "history":
                what = f"`{what}`"
                from autograder.checks.messages import Localized

                known = KIND_NAMES.get(value.get("kind"))
                raise CheckFailed("dict_not_histories", name=name, what=what,
                                  actual=Localized(**known) if known else _describe_other(value))
            histories[label] = self.history_from(what, value)
        return histories

    def array(self, name: str) -> ArrayFacts:
        data = self._expect_kind(name, self.raw(name), "array")
        return ArrayFacts(name=name, shape=list(data["shape"]), dtype=data.get("dtype", "?"),
                          min=data.get("min"), max=data.get("max"), finite=data.get("finite", True),
                          one_hot=data.get("one_hot"), fingerprint=ArrayUse.from_dict(data.get("fingerprint")))

    def dict(self, name: str) -> dict[str, dict]:
        return self._expect_kind(name, self.raw(name), "dict")["items"]

    def scalar(self, name: str):
        value = self.raw(name)
        return value.get("value") if value.get("kind") == "scalar" else value

    # -- what a passed check verified
    def note(self, key: str, **params):
        """Record what the check verified (a success note, see ``autograder.checks.notes``)."""
        from autograder.checks.notes import verified

        return verified(key, **params)


def model_facts(name: str, data: dict, fits: list[FitFacts], calls: list[CallFacts]) -> ModelFacts:
    """:class:`ModelFacts` of the harvest's description of a model."""
    return ModelFacts(
        name=name, id=data.get("id"), cls=data.get("class", "?"), input_shape=data.get("input_shape"),
        layers=[LayerFacts.from_dict(layer) for layer in data.get("layers", [])],
        n_params=int(data.get("n_params") or 0), compiled=bool(data.get("compiled")),
        loss=data.get("loss"), iterations=data.get("iterations"), fits=fits,
        output_shape=data.get("output_shape"), trainable_params=data.get("trainable_params"),
        calls=calls, optimizer=data.get("optimizer"),
    )


def _describe_other(value: dict) -> str:
    if value.get("kind") == "scalar":
        return f"{value.get('type')} {value.get('value')!r}"
    return str(value.get("type") or value.get("kind"))
