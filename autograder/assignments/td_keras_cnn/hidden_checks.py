"""Hidden checks of the homework on convolutional networks (pytest tests over the harvested facts).

Automatic points: q1 2, q2 4, q3 6, q4 4 (= 16; 4 more are graded by hand: q3 2, q4 2).

Every student's network differs, so the checks judge rules, never one expected model: shapes,
kinds and order of layers (patterns of ``autograder.checks``), how the candidates were trained
and compared, which data each fit and evaluation saw (fingerprints), and parameter counts
relative to the student's own models. The choice of ``best_label`` is compared with the
student's own Histories as the notebook read them: a shortened (fast) run gives other scores,
and the notebook's code reads those same scores, so fast and full verdicts agree (except a
choice that was not computed and happens to be the best of one run but not of the other).

Public checks (``public=True``: the student may run them from the released self-check before
handing in): Q1 (shapes, pixel range, labels), Q2's structure, loss and training length, Q4's
structure (a fully connected network). Hidden: everything about validation and which data each
call saw, the selection rules (candidates, same training, test set unused, the choice and
``best_cnn``), pre-trained weights, parameter counts, and the test results.
"""
from autograder.assignments.td_keras_cnn.messages import MESSAGES
from autograder.checks import (
    DROPOUT_LAYERS, GLOBAL_POOLING_2D, NORMALIZATION_LAYERS, CheckFailed, L, Localized, any_of, check, count_layers,
    expect_best_by_validation, expect_distinct_architectures, expect_evaluated_on, expect_history_of, expect_layers,
    expect_loss, expect_no_pretrained_weights, expect_not_test_set, expect_params_near, expect_reported_result,
    expect_same_architecture, expect_same_fit_settings, expect_trained, expect_validation_from_training,
    fit_settings, number, one_or_more, optional, param_gap_pct, quietly, read_layers, register_messages, reworded,
    saw_test_set, seq, shape_text, stack_summary_text, trained_fits, zero_or_more,
)

register_messages(MESSAGES, owner="td_keras_cnn")

TRAIN, TEST = ("X_train_img",), ("X_test_img",)   # contract inputs (any shape with the same rows matches)
IMAGE = [28, 28, 1]
CLASSES = 10
EPOCHS_LOW, EPOCHS_HIGH = 3, 30
MIN_CANDIDATES = 4
PARAMS_TOLERANCE_PCT = 10
AT_LEAST_ONE = Localized(fr="au moins 1", en="at least 1")
SAME_TRAINING = ("epochs", "validation", "validation_percent")   # keys of fit_settings compared

# --- layer patterns (read as written: activations folded, nested models flattened)
BETWEEN = L(*NORMALIZATION_LAYERS, *DROPOUT_LAYERS,                 # allowed between the main layers
            label={"fr": "une normalisation ou un dropout", "en": "a normalization or dropout layer"})
CONV = seq(L("Conv2D", activation="relu"), zero_or_more(BETWEEN))
CONV_BLOCK = seq(one_or_more(CONV), L("MaxPooling2D"), zero_or_more(BETWEEN))
OUTPUT = L("Dense", units=CLASSES, activation="softmax")
HIDDEN_DENSE = seq(L("Dense"), zero_or_more(BETWEEN))
CNN = seq(one_or_more(CONV_BLOCK), any_of("Flatten", *GLOBAL_POOLING_2D), zero_or_more(BETWEEN),
          zero_or_more(HIDDEN_DENSE), OUTPUT)
FULLY_CONNECTED = seq(optional(any_of("Flatten", "Reshape")), zero_or_more(BETWEEN), one_or_more(HIDDEN_DENSE),
                      OUTPUT)
NOT_DENSE = ("Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D",
             "AveragePooling2D", *GLOBAL_POOLING_2D)

WORDING = {"loss": "td_keras_cnn.loss", "not_one_hot": "td_keras_cnn.not_one_hot"}


def homework_wording(function):
    """Run a check with the homework's wording of some generic failures."""
    import functools

    @functools.wraps(function)
    def run(sub):
        with reworded(WORDING):
            return function(sub)
    return run


# ------------------------------------------------------------------------------------ helpers
def expect_images(sub, name):
    """``name`` holds images (n, 28, 28, 1), pixels between 0 and 1; the message names the usual mistakes."""
    facts = sub.array(name)
    shape = list(facts.shape)
    if shape[1:] != IMAGE:
        actual = tuple(shape)
        if shape[1:] == IMAGE[:2]:
            raise CheckFailed("td_keras_cnn.no_channel_axis", name=name, actual=actual)
        if 784 in shape[1:]:
            raise CheckFailed("td_keras_cnn.still_flat", name=name, actual=actual)
        raise CheckFailed("td_keras_cnn.image_shape", name=name, actual=actual)
    if facts.min is None or facts.min < -1e-6 or facts.max > 1 + 1e-6:
        raise CheckFailed("td_keras_cnn.pixel_range", name=name, low=facts.min or 0, high=facts.max or 0)
    return facts


def input_shape(model):
    """The model's input shape without the batch axis (None when the harvest could not say)."""
    shape = model.input_shape
    if not shape:
        first = next(iter(read_layers(model)), None)
        shape = first.input_shape if first is not None else None
    return list(shape[1:]) if shape else None


def expect_image_model(model):
    """A 2D convolutional network on (28, 28, 1) images: no Conv1D, the right input."""
    if count_layers(model, "Conv1D"):
        raise CheckFailed("td_keras_cnn.conv1d", name=model.name)
    shape = input_shape(model)
    if shape is not None and shape != IMAGE:
        raise CheckFailed("td_keras_cnn.input_not_image", name=model.name, actual=tuple(shape))


def training_text(settings: dict) -> Localized:
    """``3 époques, validation_split de 20 %`` / ``3 epochs, validation_split of 20%``."""
    source = {"split": "validation_split", "data": "validation_data"}.get(settings.get("validation"),
                                                                          str(settings.get("validation")))
    epochs, percent = settings.get("epochs"), settings.get("validation_percent")
    return Localized(fr=f"{epochs} époques, {source} de {percent} %", en=f"{epochs} epochs, {source} of {percent}%")


def quoted(name: str) -> str:
    return f"`{name}`"


def candidates(sub):
    """label -> History facts of ``selection``."""
    return sub.histories("selection")


def candidate_fits(sub):
    """label -> the fit that returned each candidate's History."""
    with quietly():
        return {quoted(history.name): expect_history_of(history, what=quoted(history.name))
                for history in candidates(sub).values()}


def reference_fits(sub, best) -> list:
    """How ``best_cnn`` was trained: its last completed fit, then the fit of the chosen
    candidate's History (a copy retrained on all the training data may have no validation: the
    dense network may then be trained like the candidates were). Fails when there is none."""
    fits = trained_fits(sub, best)[-1:]
    label = sub.scalar("best_label")
    try:
        histories = candidates(sub)
    except CheckFailed:   # no usable selection: Q3's business, best_cnn's own fit decides
        histories = {}
    if isinstance(label, str) and label in histories and histories[label].fit is not None:
        fits.append(histories[label].fit)
    if not fits:
        with quietly():
            expect_trained(best)   # fails: best_cnn was never trained
    return fits


# ------------------------------------------------------------------------------------ Q1
@check("q1", 1.5, public=True)
def test_q1_images(sub):
    train, test = (expect_images(sub, name) for name in ("X_train_img", "X_test_img"))
    sub.note("td_keras_cnn.images_ok", train=shape_text(train.shape), test=shape_text(test.shape))


@check("q1", 0.5, public=True)
@homework_wording
def test_q1_labels(sub):
    shapes = {}
    for x, y in (("X_train_img", "y_train"), ("X_test_img", "y_test")):
        labels = sub.array(y)
        if len(labels.shape) != 2 or labels.shape[1] != CLASSES:
            raise CheckFailed("array_shape", name=y, actual=tuple(labels.shape), expected=f"(n, {CLASSES})")
        if not labels.one_hot:
            raise CheckFailed("not_one_hot", name=y)
        images = sub.array(x)
        if images.shape[0] != labels.shape[0]:
            raise CheckFailed("rows_mismatch", x=x, y=y, x_rows=images.shape[0], y_rows=labels.shape[0])
        shapes[y.split("_")[1]] = shape_text(labels.shape)
    sub.note("td_keras_cnn.labels_ok", **shapes)


# ------------------------------------------------------------------------------------ Q2
@check("q2", 2, public=True)
def test_q2_structure(sub):
    model = sub.model("model_cnn")
    expect_image_model(model)
    expect_layers(model, CNN)


@check("q2", 0.5, public=True)
@homework_wording
def test_q2_loss(sub):
    expect_loss(sub.model("model_cnn"), "categorical_crossentropy")


@check("q2", 0.5, public=True)
def test_q2_trained(sub):
    model = sub.model("model_cnn")
    fit = expect_history_of(sub.history("history_cnn"), what="`history_cnn`", model=model)
    if fit.epochs is None or not EPOCHS_LOW <= fit.epochs <= EPOCHS_HIGH:
        raise CheckFailed("td_keras_cnn.epochs", name=model.name, actual=fit.epochs, low=EPOCHS_LOW,
                          high=EPOCHS_HIGH)


@check("q2", 1)
def test_q2_validation_from_training(sub):
    history = sub.history("history_cnn")
    with quietly():
        fit = expect_history_of(history, what="`history_cnn`")
    expect_validation_from_training(fit, what="`model_cnn`", train=TRAIN, test=TEST)


# ------------------------------------------------------------------------------------ Q3
@check("q3", 1.5)
def test_q3_distinct_candidates(sub):
    histories = candidates(sub)
    if len(histories) < MIN_CANDIDATES:
        raise CheckFailed("td_keras_cnn.too_few_candidates", name="selection", count=len(histories),
                          expected=MIN_CANDIDATES)
    models = {}
    for label, history in histories.items():
        with quietly():
            expect_history_of(history, what=quoted(history.name))
        if history.model is None:
            raise CheckFailed("td_keras_cnn.candidate_model_unknown", what=quoted(history.name))
        if not count_layers(history.model, "Conv2D"):
            raise CheckFailed("td_keras_cnn.candidate_not_cnn", what=quoted(history.name),
                              stack=stack_summary_text(history.model))
        models[label] = history.model
    with quietly():
        distinct = expect_distinct_architectures(models, at_least=MIN_CANDIDATES, what="`selection`")
    sub.note("td_keras_cnn.candidates_ok", count=len(histories), distinct=distinct)


@check("q3", 1.5)
def test_q3_same_training_validated_on_training_data(sub):
    fits = candidate_fits(sub)
    with quietly():
        for what, fit in fits.items():
            if saw_test_set(fit, TEST) is None:   # the test set is the next check's business
                expect_validation_from_training(fit, what=what, train=TRAIN)
        settings = expect_same_fit_settings(fits, keys=SAME_TRAINING)
    sub.note("td_keras_cnn.selection_validation_ok", count=len(fits), settings=training_text(settings))


@check("q3", 1)
def test_q3_test_set_unused(sub):
    fits = candidate_fits(sub)
    with quietly():
        for what, fit in fits.items():
            expect_not_test_set(fit, what=what, test=TEST, train=TRAIN)
    sub.note("td_keras_cnn.selection_no_test_ok")


@check("q3", 1)
def test_q3_best_label_from_validation(sub):
    expect_best_by_validation(sub.scalar("best_label"), candidates(sub), name="best_label", what="`selection`")


@check("q3", 0.5)
def test_q3_best_cnn(sub):
    best = sub.model("best_cnn")
    histories = candidates(sub)
    label = sub.scalar("best_label")
    if not isinstance(label, str) or label not in histories:
        raise CheckFailed("choice_not_a_candidate", name="best_label", actual=repr(label)[:80], what="`selection`",
                          labels=", ".join(repr(key) for key in histories))
    chosen = histories[label].model
    if chosen is None:
        raise CheckFailed("td_keras_cnn.candidate_model_unknown", what=quoted(histories[label].name))
    expect_same_architecture(best, chosen)
    if trained_fits(sub, best) and not any(fit.completed for fit in best.fits):
        sub.note("td_keras_cnn.best_reloaded_ok")   # the chosen model, saved trained and reloaded
        return
    with reworded(not_trained="td_keras_cnn.best_not_trained"):
        expect_trained(best)


@check("q3", 0.5)
def test_q3_nothing_pretrained(sub):
    expect_no_pretrained_weights(sub)


# ------------------------------------------------------------------------------------ Q4
@check("q4", 1, public=True)
def test_q4_fully_connected(sub):
    model = sub.model("model_fc")
    found = next((layer.cls for layer in read_layers(model) if layer.cls in NOT_DENSE), None)
    if found:
        raise CheckFailed("td_keras_cnn.fc_has_conv", name=model.name, layer=found)
    dense = count_layers(model, "Dense")
    if dense < 2:
        raise CheckFailed("hidden_count", name=model.name, actual=max(dense - 1, 0), expected=AT_LEAST_ONE)
    expect_layers(model, FULLY_CONNECTED)


@check("q4", 1.5)
def test_q4_same_size(sub):
    model, best = sub.model("model_fc"), sub.model("best_cnn")
    gap = param_gap_pct(model, best)
    if abs(gap) > PARAMS_TOLERANCE_PCT:
        raise CheckFailed("td_keras_cnn.fc_params", name=model.name, actual=number(model.n_params),
                          gap=number(round(gap, 1), sign=True), target=number(best.n_params), reference=best.name,
                          tolerance=PARAMS_TOLERANCE_PCT)
    expect_params_near(model, best, tolerance_pct=PARAMS_TOLERANCE_PCT)


@check("q4", 0.5)
def test_q4_trained_like_best_cnn(sub):
    model, best = sub.model("model_fc"), sub.model("best_cnn")
    with quietly():
        fit = expect_history_of(sub.history("history_fc"), what="`history_fc`", model=model)
    mine = fit_settings(fit)
    references = [fit_settings(other) for other in reference_fits(sub, best)]
    same = next((ref for ref in references if all(mine[key] == ref[key] for key in SAME_TRAINING)), None)
    if same is None:
        reference = references[0]
        key = next(key for key in SAME_TRAINING if mine[key] != reference[key])
        raise CheckFailed("td_keras_cnn.fc_training_differs", name=model.name, reference=best.name, setting=key,
                          actual=mine[key], expected=reference[key])
    sub.note("td_keras_cnn.fc_trained_ok", settings=training_text(same))


@check("q4", 1)
def test_q4_test_accuracies(sub):
    values = {}
    with quietly():
        for name, model_name in (("test_acc_cnn", "best_cnn"), ("test_acc_fc", "model_fc")):
            value = sub.scalar(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CheckFailed("reported_not_number", name=name, actual=repr(value)[:60])
            if not 0 <= value <= 1:
                raise CheckFailed("td_keras_cnn.accuracy_range", name=name, actual=value)
            calls = expect_evaluated_on(sub, sub.model(model_name), TEST)
            expect_reported_result(name, value, calls)
            values[name] = number(round(value, 4))
    sub.note("td_keras_cnn.test_results_ok", cnn=values["test_acc_cnn"], fc=values["test_acc_fc"])
