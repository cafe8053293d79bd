"""Layer-sequence patterns: say which stacks of layers a question accepts, as it reads.

A pattern is built from layer predicates and combinators::

    from autograder.checks.patterns import L, any_of, one_or_more, optional, zero_or_more, seq

    CNN = seq(
        one_or_more(L("Conv2D", activation="relu"),
                    optional(any_of("BatchNormalization", "Dropout")),
                    L("MaxPooling2D")),
        any_of("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"),
        zero_or_more("Dense"),
        L("Dense", units=10, activation="softmax"),
    )
    expect_layers(sub.model("cnn"), CNN)

* ``L(*classes, **facts)`` matches one layer: one of ``classes`` (aliases accepted:
  ``MaxPool2D`` is ``MaxPooling2D``; none = any class) whose facts equal the given values
  (``units``, ``filters``, ``kernel_size``, ``strides``, ``padding``, ``pool_size``, ``rate``,
  ``activation``, or any fact of :meth:`LayerFacts.get`). A value may be a plain value (an int
  for ``kernel_size=3`` means 3 on every axis), :func:`one_of` several values, or a function
  ``fact -> bool`` (then give ``label=`` so the message can say what is expected); ``where=``
  takes a function of the whole :class:`LayerFacts`. A string in a pattern is ``L(string)``.
* ``seq(a, b, ...)``, ``any_of(a, b, ...)``, ``optional(...)`` (0 or 1), ``one_or_more(...)``,
  ``zero_or_more(...)``, ``repeat(..., min=, max=)``; ``ANY`` is any one layer.

The student's layers are read as written whatever the API: nested models are flattened, the
``InputLayer`` is left out, and an activation written as its own layer (``Activation``,
``ReLU``, ``Softmax``, ``LeakyReLU``, ``ELU``, ``PReLU``) is folded into the layer before it when
that one is linear (``Conv2D`` → ``BatchNormalization`` → ``ReLU`` is a ``Conv2D`` with ReLU).

When the stack does not fit, the failure names where it departs: the layer number, the layer
found there and what the pattern accepts there (or that the model ends too early, or has a
layer too many), in French or English, with a summary of the student's stack. The position is
the furthest one any reading of the pattern reached; when that is the end of the model but a
layer of an expected class had other facts on the way (``Dense(10, sigmoid)``), that layer is
named instead.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterator

from autograder.checks.facts import LayerFacts, ModelFacts, canonical_class, normalize_activation
from autograder.checks.messages import CheckFailed, Localized, current_lang
from autograder.checks.notes import expectation, verified

ACTIVATION_LAYERS = ("Activation", "ReLU", "Softmax", "LeakyReLU", "ELU", "PReLU")
DROPOUT_LAYERS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
                  "AlphaDropout", "GaussianNoise")
NORMALIZATION_LAYERS = ("BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization")
TRANSPARENT_LAYERS = DROPOUT_LAYERS + NORMALIZATION_LAYERS   # an activation layer folds across them
GLOBAL_POOLING_2D = ("GlobalAveragePooling2D", "GlobalMaxPooling2D")
GLOBAL_POOLING_1D = ("GlobalAveragePooling1D", "GlobalMaxPooling1D")

_WORDS = {
    "or": {"fr": " ou ", "en": " or "},
    "any": {"fr": "une couche quelconque", "en": "any layer"},
    "end": {"fr": "la fin du modèle", "en": "the end of the model"},
    "none": {"fr": "(aucune couche)", "en": "(no layer)"},
}


def _word(key: str, lang: str) -> str:
    return _WORDS[key][lang]


class one_of:
    """Several accepted values for one fact: ``L("Conv2D", kernel_size=one_of(3, 5))``."""

    def __init__(self, *values):
        self.values = values

    def __repr__(self) -> str:
        return "|".join(_value_text(v) for v in self.values)


def _value_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    return str(value)


def _fact_matches(actual, expected, key: str) -> bool:
    if isinstance(expected, one_of):
        return any(_fact_matches(actual, v, key) for v in expected.values)
    if callable(expected):
        try:
            return bool(expected(actual))
        except Exception:
            return False
    if key == "activation":
        return normalize_activation(actual) == normalize_activation(expected)
    if isinstance(actual, list) and not isinstance(expected, (list, tuple)):
        return bool(actual) and all(a == expected for a in actual)   # kernel_size=3 on every axis
    if isinstance(actual, list) and isinstance(expected, (list, tuple)):
        return list(actual) == list(expected)
    if isinstance(expected, float) and isinstance(actual, (int, float)):
        return abs(actual - expected) <= 1e-6
    return actual == expected


class Pattern:
    """A set of accepted layer sequences (see the module docstring)."""

    def matches(self, layers: list[LayerFacts], pos: int, trace: "_Trace") -> Iterator[int]:
        raise NotImplementedError

    def describe(self, lang: str) -> str:
        raise NotImplementedError


def _as_pattern(item) -> Pattern:
    if isinstance(item, Pattern):
        return item
    if isinstance(item, str):
        return L(item)
    raise TypeError(f"not a layer pattern: {item!r}")


class L(Pattern):
    """One layer of one of ``classes`` with the given facts (see the module docstring)."""

    def __init__(self, *classes: str, where: Callable[[LayerFacts], bool] | None = None,
                 label: dict | str | None = None, **facts):
        self.classes = tuple(canonical_class(c) for c in classes)
        self.facts = facts
        self.where = where
        self.label = label

    def accepts(self, layer: LayerFacts) -> bool:
        if self.classes and layer.cls not in self.classes:
            return False
        for key, expected in self.facts.items():
            actual = getattr(layer, key, None) if key in _ATTRIBUTES else layer.get(key)
            if key == "activation" and actual is None:
                return False
            if not _fact_matches(actual, expected, key):
                return False
        if self.where is not None:
            try:
                return bool(self.where(layer))
            except Exception:
                return False
        return True

    def matches(self, layers, pos, trace):
        if pos < len(layers) and self.accepts(layers[pos]):
            yield pos + 1
        else:
            trace.fail(pos, self)
            if pos < len(layers) and self.classes and layers[pos].cls in self.classes:
                trace.near_miss(pos, self)   # the right class with other facts

    def describe(self, lang: str) -> str:
        if self.label is not None:
            return self.label if isinstance(self.label, str) else self.label.get(lang) or self.label["fr"]
        if not self.classes and not self.facts:
            return _word("any", lang)
        names = _word("or", lang).join(self.classes) if self.classes else _word("any", lang)
        details = []
        for key in ("units", "filters"):
            if key in self.facts:
                details.append(_value_text(self.facts[key]) if not callable(self.facts[key]) else key)
        for key, value in self.facts.items():
            if key in ("units", "filters"):
                continue
            text = key if callable(value) and not isinstance(value, one_of) else _value_text(value)
            details.append(text if key == "activation" else f"{key}={text}")
        return f"{names}({', '.join(details)})" if details else names


_ATTRIBUTES = {f.name for f in dataclasses.fields(LayerFacts)} - {"raw"}

ANY = L()


class seq(Pattern):
    """The items one after the other."""

    def __init__(self, *items):
        self.items = [_as_pattern(i) for i in items]

    def matches(self, layers, pos, trace):
        yield from self._from(0, layers, pos, trace)

    def _from(self, index, layers, pos, trace):
        if index == len(self.items):
            yield pos
            return
        for end in self.items[index].matches(layers, pos, trace):
            yield from self._from(index + 1, layers, end, trace)

    def describe(self, lang: str) -> str:
        return ", ".join(item.describe(lang) for item in self.items)


class any_of(Pattern):
    """One of the alternatives."""

    def __init__(self, *options):
        self.options = [_as_pattern(o) for o in options]

    def matches(self, layers, pos, trace):
        for option in self.options:
            yield from option.matches(layers, pos, trace)

    def describe(self, lang: str) -> str:
        return _word("or", lang).join(option.describe(lang) for option in self.options)


class repeat(Pattern):
    """The items (a sequence) between ``min`` and ``max`` times (``max=None``: no limit);
    greedy, with backtracking."""

    def __init__(self, *items, min: int = 0, max: int | None = None):
        self.item = _as_pattern(items[0]) if len(items) == 1 else seq(*items)
        self.min, self.max = min, max

    def matches(self, layers, pos, trace, count: int = 0):
        if self.max is None or count < self.max:
            for end in self.item.matches(layers, pos, trace):
                if end > pos:
                    yield from self.matches(layers, end, trace, count + 1)
        if count >= self.min:
            yield pos

    def describe(self, lang: str) -> str:
        return self.item.describe(lang)


def optional(*items) -> repeat:
    return repeat(*items, min=0, max=1)


def one_or_more(*items) -> repeat:
    return repeat(*items, min=1)


def zero_or_more(*items) -> repeat:
    return repeat(*items, min=0)


class _End(Pattern):
    def describe(self, lang: str) -> str:
        return _word("end", lang)


_END = _End()


class _Trace:
    """The furthest position a predicate failed at, and what was expected there."""

    def __init__(self):
        self.pos, self.expected = -1, []
        self.near_pos, self.near = -1, []

    def fail(self, pos: int, what: Pattern) -> None:
        if pos > self.pos:
            self.pos, self.expected = pos, [what]
        elif pos == self.pos and all(what is not e for e in self.expected):
            self.expected.append(what)

    def near_miss(self, pos: int, what: Pattern) -> None:
        if pos > self.near_pos:
            self.near_pos, self.near = pos, [what]
        elif pos == self.near_pos and all(what is not e for e in self.near):
            self.near.append(what)


@dataclass
class Departure:
    """Where a stack departs from a pattern: the 0-based ``position`` in the read layers, the
    layer there (None: the model ends) and the patterns accepted there (``_END``: the end)."""

    position: int
    found: LayerFacts | None
    expected: list


def fold_activations(layers: list[LayerFacts]) -> list[LayerFacts]:
    """Fold each activation layer into the closest linear layer before it (across dropout and
    normalization layers); one that cannot be folded stays a layer."""
    out: list[LayerFacts] = []
    for layer in layers:
        if layer.cls in ACTIVATION_LAYERS and layer.activation:
            target = None
            for index in range(len(out) - 1, -1, -1):
                previous = out[index]
                if previous.activation is not None:
                    target = index if previous.activation == "linear" else None
                    break
                if previous.cls not in TRANSPARENT_LAYERS:
                    break
            if target is not None:
                out[target] = dataclasses.replace(out[target], activation=layer.activation)
                continue
        out.append(layer)
    return out


def read_layers(model: ModelFacts, *, fold: bool = True, ignore: tuple[str, ...] = ("InputLayer",)) -> list[LayerFacts]:
    """The layers a pattern is matched against (flattened, activations folded, ``ignore`` out)."""
    layers = model.flat_layers(skip=tuple(canonical_class(c) for c in ignore))
    return fold_activations(layers) if fold else layers


def departure(layers: list[LayerFacts], pattern) -> Departure | None:
    """None when ``layers`` match ``pattern`` entirely, else where they depart from it."""
    pattern, trace = _as_pattern(pattern), _Trace()
    for end in pattern.matches(layers, 0, trace):
        if end == len(layers):
            return None
        trace.fail(end, _END)
    position = max(trace.pos, 0)
    if position >= len(layers) and trace.near_pos >= 0:
        # the model "ends early" only because a layer of the right class, with other facts
        # (Dense(10, sigmoid) for Dense(10, softmax)), was taken by a repetition: name that one
        return Departure(trace.near_pos, layers[trace.near_pos], trace.near)
    found = layers[position] if position < len(layers) else None
    return Departure(position, found, trace.expected)


def layer_text(layer: LayerFacts) -> str:
    """A short description of a harvested layer: ``Conv2D(32, 3×3, relu)``, ``Dense(10, softmax)``."""
    details = []
    for key in ("units", "filters"):
        value = getattr(layer, key)
        if value is not None:
            details.append(str(value))
    if layer.kernel_size:
        details.append(_value_text(layer.kernel_size))
    if layer.pool_size:
        details.append(_value_text(layer.pool_size))
    if layer.activation and layer.activation != "linear" and layer.cls not in ACTIVATION_LAYERS:
        details.append(layer.activation)
    if layer.cls in ACTIVATION_LAYERS and layer.activation:
        details.append(layer.activation)
    if layer.rate is not None:
        details.append(f"{layer.rate:g}")
    name = layer.custom_class or layer.cls
    return f"{name}({', '.join(details)})" if details else name


def stack_text(layers: list[LayerFacts], lang: str | None = None) -> str:
    lang = lang or current_lang()
    return " → ".join(layer_text(layer) for layer in layers) if layers else _word("none", lang)


@expectation
def expect_layers(model: ModelFacts, pattern, *, fold: bool = True,
                  ignore: tuple[str, ...] = ("InputLayer",)) -> list[LayerFacts]:
    """The model's layers (as read, see :func:`read_layers`) when they match ``pattern``; else
    ``CheckFailed`` naming the layer where they depart (``pattern_layer``), or that the model
    ends too early (``pattern_end``) or goes on (``pattern_extra``). Passed, it notes the
    structure it verified (``ok.structure``: :func:`stack_summary`)."""
    layers = read_layers(model, fold=fold, ignore=ignore)
    where = departure(layers, pattern)
    if where is None:
        verified("ok.structure", name=model.name, stack=stack_summary_text(model, fold=fold, ignore=ignore))
        return layers
    expected_layers = [e for e in where.expected if e is not _END]

    def expected_in(lang: str) -> str:
        text = _word("or", lang).join(e.describe(lang) for e in expected_layers)
        if expected_layers and any(e is _END for e in where.expected):
            text += _word("or", lang) + _word("end", lang)
        return text

    expected = Localized(fr=expected_in("fr"), en=expected_in("en"))
    stack = Localized(fr=stack_text(layers, "fr"), en=stack_text(layers, "en"))
    if where.found is None:
        raise CheckFailed("pattern_end", name=model.name, count=len(layers), expected=expected, stack=stack)
    if not expected_layers:
        raise CheckFailed("pattern_extra", name=model.name, position=where.position + 1,
                          found=layer_text(where.found), stack=stack)
    raise CheckFailed("pattern_layer", name=model.name, position=where.position + 1,
                      found=layer_text(where.found), expected=expected, stack=stack)


def count_layers(model: ModelFacts, *classes: str, fold: bool = True) -> int:
    """How many of the model's layers (as read) are of one of ``classes``."""
    wanted = {canonical_class(c) for c in classes}
    return sum(1 for layer in read_layers(model, fold=fold) if layer.cls in wanted)


# ----------------------------------------------------------------------------- summaries
def collapse_repeats(items: list[str], *, max_block: int = 4) -> list[str]:
    """Consecutive repeats written once with their count: ``[a, a, a, b]`` -> ``["a ×3", "b"]``;
    a repeated block of several items is bracketed (``"[a → b] ×3"``). At each place the
    repeat covering the most items wins (the shorter block on a tie)."""
    out, i = [], 0
    while i < len(items):
        best_block, best_count = 1, 1
        for size in range(1, max_block + 1):
            block = items[i:i + size]
            if len(block) < size:
                break
            count = 1
            while items[i + count * size:i + (count + 1) * size] == block:
                count += 1
            if count >= 2 and size * count > best_block * best_count:
                best_block, best_count = size, count
        if best_count >= 2:
            block = items[i:i + best_block]
            body = block[0] if best_block == 1 else "[" + " → ".join(block) + "]"
            out.append(f"{body} ×{best_count}")
        else:
            out.append(items[i])
        i += best_block * best_count
    return out


def input_text(model: ModelFacts) -> str | None:
    """The model's input as a summary starts with it: ``64``, ``28×28×1``; None when unknown."""
    shape = model.input_shape
    if isinstance(shape, list) and len(shape) > 1 and all(isinstance(d, int) for d in shape[1:]):
        return "×".join(str(d) for d in shape[1:])
    try:
        dim = model.input_dim
    except (TypeError, ValueError):   # several inputs: no single size
        return None
    return str(dim) if dim else None


def stack_summary(model: ModelFacts, lang: str | None = None, *, fold: bool = True,
                  ignore: tuple[str, ...] = ("InputLayer",)) -> str:
    """The model as read (:func:`read_layers`), its input first and repeats collapsed:
    ``64 → Dense(32, relu) ×3 → Dense(10, softmax)``,
    ``28×28×1 → [Conv2D(32, 3×3, relu) → MaxPooling2D(2×2)] ×2 → Flatten → Dense(10, softmax)``."""
    layers = read_layers(model, fold=fold, ignore=ignore)
    parts = collapse_repeats([layer_text(layer) for layer in layers]) or [_word("none", lang or current_lang())]
    source = input_text(model)
    return " → ".join([source, *parts] if source else parts)


def stack_summary_text(model: ModelFacts, **options) -> Localized:
    """:func:`stack_summary` in both languages, for a message parameter."""
    return Localized(fr=stack_summary(model, "fr", **options), en=stack_summary(model, "en", **options))
