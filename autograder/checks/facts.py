"""Typed, normalized views of the harvested artifact (what the student's objects are).

The harvest runs in the student's kernel and only describes objects; this module turns its
JSON into dataclasses the checks can reason about: a model becomes a stack of Dense layers
(an ``Activation`` layer after a linear Dense is folded into it), with the Dropout layers
that follow each one and each layer's regularizer, whatever way the student wrote it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.messages import CheckFailed

NEUTRAL_LAYERS = {"InputLayer", "Flatten", "Reshape"}  # no parameters, no effect on a flat input
ACTIVATION_ALIASES = {"softmax_v2": "softmax", "relu6": "relu6", None: "linear", "": "linear"}

KIND_NAMES = {
    "model": {"fr": "un modèle Keras", "en": "a Keras model"},
    "history": {"fr": "l'objet History renvoyé par fit", "en": "the History object returned by fit"},
    "array": {"fr": "un tableau numpy", "en": "a numpy array"},
    "dict": {"fr": "un dictionnaire", "en": "a dictionary"},
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


@dataclass
class LayerFacts:
    cls: str
    name: str = ""
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    kernel_regularizer: Regularizer | None = None
    weights: list[list[int]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "LayerFacts":
        return cls(
            cls=data.get("class", "?"), name=data.get("name", ""), units=data.get("units"),
            activation=normalize_activation(data["activation"]) if "activation" in data else None,
            rate=data.get("rate"), kernel_regularizer=Regularizer.from_dict(data.get("kernel_regularizer")),
            weights=data.get("weights", []),
        )


@dataclass
class DenseUnit:
    """One Dense layer of the normalized stack, its effective activation, the Dropout after it."""

    units: int
    activation: str
    regularizer: Regularizer | None
    kernel_shape: list[int] | None
    dropout_after: list[float] = field(default_factory=list)


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

    @classmethod
    def from_dict(cls, data: dict) -> "FitFacts":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    @property
    def validation_fraction(self) -> float:
        if self.validation_split:
            return float(self.validation_split)
        if self.validation_rows and self.x_rows:
            return self.validation_rows / (self.x_rows + self.validation_rows)
        return 0.0


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
        for layer in self.layers:
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
    name: str
    id: int
    model_id: int | None
    keys: list[str]
    epochs_run: int
    fit: FitFacts | None


@dataclass
class ArrayFacts:
    name: str
    shape: list[int]
    dtype: str
    min: float | None = None
    max: float | None = None
    finite: bool = True
    one_hot: bool | None = None


class Submission:
    """The harvested facts of one submission, looked up by contract name."""

    def __init__(self, payload: dict):
        self.values: dict = (payload or {}).get("values", {})
        self.fits = [FitFacts.from_dict(f) for f in (payload or {}).get("fits", [])]

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
            from autograder.checks.messages import current_lang

            lang = current_lang()
            actual = KIND_NAMES.get(value.get("kind"), {}).get(lang) or _describe_other(value)
            raise CheckFailed("wrong_kind", name=name, expected=KIND_NAMES[kind][lang], actual=actual)
        return value

    # -- typed access
    def model(self, name: str) -> ModelFacts:
        data = self._expect_kind(name, self.raw(name), "model")
        return self.model_from(name, data)

    def model_from(self, name: str, data: dict) -> ModelFacts:
        return ModelFacts(
            name=name, id=data["id"], cls=data.get("class", "?"), input_shape=data.get("input_shape"),
            layers=[LayerFacts.from_dict(layer) for layer in data.get("layers", [])],
            n_params=int(data.get("n_params") or 0), compiled=bool(data.get("compiled")),
            loss=data.get("loss"), iterations=data.get("iterations"),
            fits=[f for f in self.fits if f.model_id == data["id"]],
        )

    def history(self, name: str) -> HistoryFacts:
        return self.history_from(name, self._expect_kind(name, self.raw(name), "history"))

    def history_from(self, name: str, data: dict) -> HistoryFacts:
        fit = next((f for f in self.fits if f.history_id == data["id"]), None)
        return HistoryFacts(name=name, id=data["id"], model_id=data.get("model_id"),
                            keys=list(data.get("keys", [])), epochs_run=int(data.get("epochs_run") or 0), fit=fit)

    def array(self, name: str) -> ArrayFacts:
        data = self._expect_kind(name, self.raw(name), "array")
        return ArrayFacts(name=name, shape=list(data["shape"]), dtype=data.get("dtype", "?"),
                          min=data.get("min"), max=data.get("max"), finite=data.get("finite", True),
                          one_hot=data.get("one_hot"))

    def dict(self, name: str) -> dict[str, dict]:
        return self._expect_kind(name, self.raw(name), "dict")["items"]

    def scalar(self, name: str):
        value = self.raw(name)
        return value.get("value") if value.get("kind") == "scalar" else value


def _describe_other(value: dict) -> str:
    if value.get("kind") == "scalar":
        return f"{value.get('type')} {value.get('value')!r}"
    return str(value.get("type") or value.get("kind"))
