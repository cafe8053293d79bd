"""Reusable expectations on harvested Keras models: each raises CheckFailed or returns facts.

They accept every correct way of writing a model (Sequential list or ``add``, functional
API, ``Input`` or ``input_dim``, an ``Activation`` layer after a linear Dense, ``"l1"`` or
``regularizers.L1(...)`` or ``L1L2(l1=..., l2=0)``) because they look at the normalized
stack of :meth:`ModelFacts.stack`, never at the code. Each records what it verified when it
passes (a success note, see ``notes.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

from autograder.checks.facts import FitFacts, HistoryFacts, ModelFacts
from autograder.checks.messages import CheckFailed, Localized
from autograder.checks.notes import counted, epochs_text, expectation, number, verified
from autograder.checks.patterns import stack_summary_text


@dataclass(frozen=True)
class Dense:
    """An expected Dense layer."""

    units: int
    activation: str


def dense_params(input_dim: int, widths: list[int]) -> int:
    """Parameters of a chain of Dense layers with biases: sum of (n_in + 1) * n_out."""
    total, n_in = 0, input_dim
    for width in widths:
        total += (n_in + 1) * width
        n_in = width
    return total


@expectation
def expect_architecture(model: ModelFacts, *, input_dim: int, hidden: list[Dense], output: Dense,
                        allow_dropout: bool = False) -> None:
    """Input size, number/width/activation of hidden Dense layers, then the output layer."""
    dense, input_dropout, unexpected = model.stack()
    if unexpected:
        raise CheckFailed("unexpected_layer", name=model.name, layer=unexpected[0])
    if not allow_dropout and (input_dropout or any(u.dropout_after for u in dense)):
        raise CheckFailed("unexpected_layer", name=model.name, layer="Dropout")
    if model.input_dim is None:
        raise CheckFailed("not_built", name=model.name, input_dim=input_dim)
    if model.input_dim != input_dim:
        raise CheckFailed("input_dim", name=model.name, actual=model.input_dim, expected=input_dim)
    fan_in = input_dim   # cross-check: each kernel joins the previous width to the declared units
    for unit in dense:
        if unit.kernel_shape and (unit.kernel_shape[-1] != unit.units or unit.kernel_shape[0] != fan_in):
            raise CheckFailed("inconsistent_model", name=model.name, layer="Dense", units=unit.units)
        fan_in = unit.units
    if len(dense) - 1 != len(hidden):
        raise CheckFailed("hidden_count", name=model.name, actual=max(len(dense) - 1, 0), expected=len(hidden))
    for position, (got, want) in enumerate(zip(dense[:-1], hidden), start=1):
        if got.units != want.units:
            raise CheckFailed("hidden_units", name=model.name, position=position, actual=got.units, expected=want.units)
        if got.activation != want.activation:
            raise CheckFailed("hidden_activation", name=model.name, position=position,
                              actual=got.activation, expected=want.activation)
    last = dense[-1]
    if last.units != output.units:
        raise CheckFailed("output_units", name=model.name, actual=last.units, expected=output.units)
    if last.activation != output.activation:
        raise CheckFailed("output_activation", name=model.name, actual=last.activation,
                          expected=output.activation, classes=output.units)
    verified("ok.structure", name=model.name, stack=stack_summary_text(model))


def _loss_key(loss: str | None) -> str:
    return (loss or "").replace("_", "").replace(" ", "").lower()


@expectation
def expect_loss(model: ModelFacts, expected: str) -> None:
    if not model.compiled:
        raise CheckFailed("not_compiled", name=model.name)
    if _loss_key(model.loss) != _loss_key(expected):
        raise CheckFailed("loss", name=model.name, actual=model.loss, expected=expected)
    verified("ok.loss", name=model.name, loss=model.loss)


@expectation
def expect_trained(model: ModelFacts) -> list[FitFacts]:
    """The completed fit calls of the model (at least one), else a message saying why not."""
    completed = [f for f in model.fits if f.completed]
    if completed:
        if len(completed) == 1 and completed[0].epochs is not None:
            verified("ok.trained", name=model.name, epochs=epochs_text(completed[0].epochs))
        else:
            epochs = [f.epochs for f in completed]
            detail = Localized(fr="", en="") if None in epochs else Localized(
                fr=", " + " + ".join(map(str, epochs)) + " époques", en=", " + " + ".join(map(str, epochs)) + " epochs")
            verified("ok.trained_fits", name=model.name, detail=detail,
                     fits=counted(len(completed), ("appel à fit terminé", "appels à fit terminés"),
                                  ("completed call to fit", "completed calls to fit")))
        return completed
    if model.fits:
        raise CheckFailed("fit_failed", name=model.name)
    raise CheckFailed("not_trained", name=model.name)


@expectation
def expect_epochs(model: ModelFacts, *, target: int, low: int, high: int) -> FitFacts:
    fits = expect_trained(model)
    for fit in fits:
        if fit.epochs is not None and low <= fit.epochs <= high:
            verified("ok.epochs", name=model.name, epochs=epochs_text(fit.epochs), target=target)
            return fit
    raise CheckFailed("epochs", name=model.name, actual=fits[-1].epochs, target=target, low=low, high=high)


@expectation
def expect_validation(fit: FitFacts, *, what: str, split: float, tolerance: float = 0.02,
                      train: tuple[str, ...] = (), test: tuple[str, ...] = ()) -> None:
    """Validation on ``split`` of the training data (``validation_split``, or ``validation_data``
    of that share). With the contract names of the training / test inputs (``train``, ``test``),
    the message says what the validation data were: the test set, a share of the training
    data of another size, or another set."""
    fraction = fit.validation_fraction
    percent = round(split * 100)
    if fraction <= 0:
        raise CheckFailed("no_validation", what=what, percent=percent, split=split)
    held_out = fit.validation_x
    if test and held_out is not None and held_out.within(*test):
        name = held_out.within(*test)
        label = fit.data.get("validation_y")
        label_name = next((n for n in (label.matches if label else {}) if label.relation(n) == "same"), None)
        raise CheckFailed("validated_on_test", what=what, test=f"{name}/{label_name}" if label_name else name,
                          percent=percent, split=split)
    if abs(fraction - split) > tolerance and not fit.validation_split:
        source = held_out.within(*train) if train and held_out is not None else None
        if source:
            raise CheckFailed("validation_split_of_training", what=what, train=source,
                              actual_percent=round(fraction * 100), percent=percent, split=split)
        raise CheckFailed("validation_data_fraction", what=what, rows=fit.validation_rows,
                          actual_percent=round(fraction * 100), percent=percent, split=split)
    if abs(fraction - split) > tolerance:
        raise CheckFailed("validation_fraction", what=what, actual_percent=round(fraction * 100),
                          percent=percent, split=split)
    if fit.validation_split:
        verified("ok.validation_split", what=what, split=f"{fit.validation_split:g}",
                 percent=round(fit.validation_split * 100))
    else:
        verified("ok.validation_data", what=what, rows=number(fit.validation_rows or 0),
                 percent=round(fraction * 100))


@expectation
def expect_history_of(history: HistoryFacts, *, what: str, model: ModelFacts | None = None) -> FitFacts:
    """The fit call that returned ``history`` (and, if given, that trained ``model``)."""
    if history.fit is None or not history.fit.completed:
        raise CheckFailed("history_not_from_fit", what=what)
    if model is not None and history.fit.model_id != model.id:
        raise CheckFailed("history_other_model", what=what, name=model.name)
    epochs = epochs_text(history.epochs_run or history.fit.epochs or 0)
    if model is not None:
        verified("ok.history_of", what=what, name=model.name, epochs=epochs)
    else:
        verified("ok.history", what=what, epochs=epochs)
    return history.fit


@expectation
def expect_param_count(model: ModelFacts, *, target: int, tolerance_pct: float) -> None:
    gap = 100.0 * (model.n_params - target) / target
    if abs(gap) > tolerance_pct:
        raise CheckFailed("param_far", name=model.name, actual=model.n_params, gap=gap,
                          target=target, tolerance=tolerance_pct)
    verified("ok.param_count", name=model.name, actual=number(model.n_params), gap=number(round(gap, 1), sign=True),
             target=number(target), tolerance=number(tolerance_pct))


@expectation
def expect_regularizer_everywhere(model: ModelFacts, *, kind: str = "L1") -> None:
    """Every Dense layer, output included, has a kernel regularizer of exactly ``kind``."""
    dense, _, _ = model.stack()
    for position, unit in enumerate(dense, start=1):
        layer = f"Dense({unit.units})"
        if unit.regularizer is None:
            raise CheckFailed("regularizer_missing", name=model.name, position=position, layer=layer, kind=kind)
        if unit.regularizer.kind != kind:
            raise CheckFailed("regularizer_wrong_kind", name=model.name, position=position,
                              actual=unit.regularizer.kind, kind=kind)
    verified("ok.regularizer_everywhere", name=model.name, kind=kind, count=len(dense))


@expectation
def expect_no_regularizer(model: ModelFacts, *, kind: str = "L1") -> None:
    dense, _, _ = model.stack()
    for position, unit in enumerate(dense, start=1):
        if unit.regularizer is not None and kind in unit.regularizer.kind:
            raise CheckFailed("regularizer_left", name=model.name, actual=unit.regularizer.kind, position=position)
    verified("ok.no_regularizer", name=model.name, kind=kind)


@expectation
def expect_dropout(model: ModelFacts, *, rate: float) -> None:
    """A Dropout of ``rate`` after each hidden Dense layer (one on the input is accepted)."""
    dense, input_dropout, _ = model.stack()
    for position, unit in enumerate(dense[:-1], start=1):
        if not unit.dropout_after:
            raise CheckFailed("dropout_missing", name=model.name, position=position)
    rates = input_dropout + [r for unit in dense for r in unit.dropout_after]
    for actual in rates:
        if abs(actual - rate) > 1e-6:
            raise CheckFailed("dropout_rate", name=model.name, actual=actual, expected=rate,
                              actual_percent=round(actual * 100), percent=round(rate * 100))
    verified("ok.dropout", name=model.name, rate=f"{rate:g}", percent=round(rate * 100), count=len(dense) - 1)
