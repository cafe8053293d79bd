"""Which data each call saw, and where the weights came from.

The harvest fingerprints the arrays of every ``fit``, ``evaluate`` and ``predict`` call and
relates their rows to the contract arrays (see :class:`ArrayUse`): these expectations turn
those facts into verdicts. ``train`` and ``test`` name contract arrays of *inputs* (e.g.
``("train_inputs", "train_images")``): label arrays have too few distinct rows to tell sets apart.

    fit = expect_history_of(sub.history("history"), what="`history`")
    expect_validation_from_training(fit, what="`cnn`", train=("train_inputs",), test=("test_inputs",))
    expect_evaluated_on(sub, sub.model("best"), ("test_inputs",))
    expect_no_pretrained_weights(sub)

A fit whose data could not be fingerprinted (a ``tf.data`` dataset, a generator) passes the
checks that need fingerprints: they judge facts, not guesses.
"""
from __future__ import annotations

from autograder.checks.facts import ArrayUse, CallFacts, FileEvent, FitFacts, ModelFacts, Submission
from autograder.checks.messages import CheckFailed, Localized, message
from autograder.checks.notes import expectation, number, verified


def _names(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _value_text(value) -> Localized:
    """A reported number as the student reads it (``0.9125`` / ``0,9125``)."""
    return number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else Localized(fr=repr(value)[:60], en=repr(value)[:60])


def _labelled(use: ArrayUse | None, label: ArrayUse | None, names: tuple[str, ...]) -> str | None:
    """The contract name(s) an input array is (``test_inputs``, or ``test_inputs/test_labels`` with its labels)."""
    if use is None:
        return None
    name = use.within(*names)
    if name is None:
        return None
    label_name = next((n for n in (label.matches if label else {}) if label.relation(n) == "same"), None)
    return f"{name}/{label_name}" if label_name else name


def saw_test_set(fit: FitFacts, test: tuple[str, ...]) -> tuple[str, str] | None:
    """("x" | "validation_x", name) when the fit trained or validated on rows of a test array."""
    for key in ("x", "validation_x"):
        use = fit.data.get(key)
        if use is not None and use.overlaps(*test):
            label = fit.data.get("y" if key == "x" else "validation_y")
            return key, _labelled(use, label, test) or use.overlaps(*test)
    return None


@expectation
def expect_not_test_set(fit: FitFacts, *, what: str, test: tuple[str, ...], train: tuple[str, ...] = ()) -> None:
    """The fit neither trained nor validated on rows of the ``test`` arrays."""
    seen = saw_test_set(fit, test)
    if seen is None:
        verified("ok.not_test_set", what=what, test=_names(test))
        return
    key, name = seen
    if key == "x":
        raise CheckFailed("trained_on_test", what=what, test=name)
    raise CheckFailed("validated_on_test_data", what=what, test=name, train=_names(train) if train else "")


@expectation
def expect_trained_on(fit: FitFacts, *, what: str, train: tuple[str, ...]) -> str | None:
    """The fit's ``x`` is (a part of) one of the ``train`` arrays; returns its name."""
    if fit.x is None:
        verified("ok.data_not_traced", what=what)
        return None
    name = fit.x.within(*train)
    if name is None:
        raise CheckFailed("not_trained_on", what=what, train=_names(train))
    verified("ok.trained_on", what=what, train=name)
    return name


@expectation
def expect_validation_from_training(fit: FitFacts, *, what: str, train: tuple[str, ...],
                                    test: tuple[str, ...] = ()) -> str:
    """Validation taken from the training data: ``validation_split`` on a training array, or
    ``validation_data`` whose rows are rows of a training array and are not trained on.
    Returns ``"split"`` or ``"data"``."""
    source = fit.validation_source or ("split" if fit.validation_split else "data" if fit.validation_rows else "none")
    if source == "none" or (source == "split" and not fit.validation_split):
        raise CheckFailed("no_validation_data", what=what, train=_names(train))
    if test:
        expect_not_test_set(fit, what=what, test=test, train=train)
    held_out = fit.validation_x
    if held_out is not None and held_out.matches is not None and not held_out.within(*train):
        if source == "split" and fit.x is not None and fit.x.within(*train):
            _validation_note(fit, what, source, train)
            return source
        raise CheckFailed("validation_not_from_training", what=what, train=_names(train))
    shared = fit.validation_in_training_rows
    if source == "data" and shared:
        raise CheckFailed("validation_rows_trained", what=what, percent=round(shared * 100))
    _validation_note(fit, what, source, train)
    return source


def _validation_note(fit: FitFacts, what: str, source: str, train: tuple[str, ...]) -> None:
    if source == "split":
        verified("ok.validation_from_split", what=what, split=f"{fit.validation_split:g}",
                 percent=round(fit.validation_split * 100))
    else:
        verified("ok.validation_from_data", what=what, train=_names(train))


@expectation
def expect_evaluated_on(sub: Submission, model: ModelFacts, arrays: tuple[str, ...], *,
                        kinds: tuple[str, ...] = ("evaluate", "predict")) -> list[CallFacts]:
    """The completed ``evaluate`` / ``predict`` calls of ``model`` on (a part of) one of
    ``arrays``; fails when there is none, naming the data it was evaluated on instead."""
    calls = [c for c in sub.calls if c.model_id == model.id and c.kind in kinds and c.completed]
    good = [c for c in calls if c.x is not None and c.x.within(*arrays)]
    if good:
        data = " / ".join(dict.fromkeys(c.x.within(*arrays) for c in good))
        verified("ok.evaluated_on", name=model.name, data=data, calls=", ".join(dict.fromkeys(c.kind for c in good)))
        return good
    expected = " / ".join(f"`{a}`" for a in arrays)
    if not calls:
        raise CheckFailed("not_evaluated", name=model.name, expected=expected)
    seen = [c.x.overlaps(*c.x.matches) for c in calls if c.x is not None and c.x.matches]
    actual = " / ".join(dict.fromkeys(f"`{n}`" for n in seen if n)) or message("other_data")
    raise CheckFailed("evaluated_elsewhere", name=model.name, actual=actual, expected=expected)


NESTED_IN = ("application", "load_model", "load_weights")   # loads these calls make themselves


def pretrained_events(files: list[FileEvent]) -> list[FileEvent]:
    """Pre-trained weights: an application built with weights, or weights / a model loaded from
    a file this notebook had not written before (saving then reloading is fine)."""
    written: set[str] = set()
    found = []
    for event in sorted(files, key=lambda e: e.index):
        if event.kind in ("save", "save_weights") and event.completed and event.path:
            written.add(event.path)
        elif event.kind == "application" and event.weights not in (None, "None"):
            found.append(event)
        elif event.kind in ("load_weights", "load_model") and event.via not in NESTED_IN \
                and event.path not in written:
            found.append(event)
    return found


@expectation
def expect_no_pretrained_weights(sub: Submission) -> None:
    """No ``keras.applications`` model with weights, no load of a file the notebook did not write."""
    for event in pretrained_events(sub.files):
        if event.kind == "application":
            raise CheckFailed("pretrained_application", model=event.name or "keras.applications",
                              weights=event.weights)
        path = (event.path or "?").rsplit("/", 1)[-1]
        raise CheckFailed("pretrained_file", path=path)
    verified("ok.no_pretrained_weights")


def weights_origin(sub: Submission, model_id: int | None) -> int | None:
    """The id of the model whose file the model ``model_id`` got its weights from
    (``load_model`` or ``load_weights`` of a file this notebook saved before), else None."""
    saved: dict[str, int | None] = {}
    origin = None
    for event in sorted(sub.files, key=lambda e: e.index):
        if event.kind in ("save", "save_weights") and event.completed and event.path:
            saved[event.path] = event.model_id
        elif event.kind in ("load_model", "load_weights") and event.completed and event.model_id == model_id \
                and event.path in saved:
            origin = saved[event.path]
    return origin


def trained_fits(sub: Submission, model: ModelFacts) -> list[FitFacts]:
    """The completed fits that trained ``model``'s weights: its own, or, for a model that loaded
    a file this notebook saved (a chosen model saved then reloaded), those of the saved model."""
    model_id, seen = model.id, set()
    while model_id is not None and model_id not in seen:
        fits = [fit for fit in sub.fits if fit.model_id == model_id and fit.completed]
        if fits:
            return fits
        seen.add(model_id)
        model_id = weights_origin(sub, model_id)
    return []


# ----------------------------------------------------------------------------- several fits
def fit_settings(fit: FitFacts) -> dict:
    """How a model was trained, to compare fits: epochs, batch size, validation scheme."""
    source = fit.validation_source or ("split" if fit.validation_split else "data" if fit.validation_rows else "none")
    return {"epochs": fit.epochs, "batch_size": fit.batch_size, "validation": source,
            "validation_percent": round(fit.validation_fraction * 100)}


@expectation
def expect_same_fit_settings(fits: dict[str, FitFacts], *, keys: tuple[str, ...] = ("epochs", "validation",
                                                                                   "validation_percent")) -> dict:
    """Every fit (label -> fit) was trained with the same ``keys`` of :func:`fit_settings` as the
    first one; returns those settings."""
    items = list(fits.items())
    if not items:
        return {}
    first_label, first = items[0][0], fit_settings(items[0][1])
    for label, fit in items[1:]:
        settings = fit_settings(fit)
        for key in keys:
            if settings[key] != first[key]:
                raise CheckFailed("fit_settings_differ", what=label, other=first_label, setting=key,
                                  actual=settings[key], expected=first[key])
    verified("ok.same_fit_settings", count=len(items), settings=", ".join(f"{k}={first[k]}" for k in keys))
    return {k: first[k] for k in keys}


# ----------------------------------------------------------------------------- reported results
@expectation
def expect_reported_result(name: str, value, calls: list[CallFacts], *, rel_tol: float = 1e-4) -> CallFacts | None:
    """A number the notebook reports (``test_acc = model.evaluate(...)[1]``) is one of the numbers
    returned by ``calls`` (the ``evaluate`` calls that count, e.g. from :func:`expect_evaluated_on`);
    returns the matching call. When those calls are only ``predict`` calls the number cannot be
    checked (an accuracy computed from predictions) and None is returned."""
    evaluations = [c for c in calls if c.kind == "evaluate"]
    if not evaluations:
        verified("ok.reported_from_predict", name=name, value=_value_text(value))
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CheckFailed("reported_not_number", name=name, actual=repr(value)[:60])
    for call in evaluations:
        if any(abs(float(value) - v) <= rel_tol * max(1.0, abs(v)) for v in call.values()):
            verified("ok.reported_result", name=name, value=_value_text(value))
            return call
    results = "; ".join(", ".join(f"{v:.4g}" for v in call.values()) for call in evaluations[-3:])
    raise CheckFailed("reported_not_computed", name=name, actual=value, results=results)
