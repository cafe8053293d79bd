"""Hidden checks of the TD (pytest tests run by the grader over the harvested artifact).

Automatic points: q1 1, q2 3, q3 3, q4 3, q5 2, q6 2, q7 2 (= 16; 4 more are graded by hand).

**Public checks** (``public=True``: the student runs them from the notebook's ``check("qN")``
before handing in, with the grader's verdict and message; the release ships their code and
their messages only). The policy of this lab: what the statement asks in so many words is
public, what grading judges is hidden.

* public: the data's shapes, scaling and one-hot labels (q1 data), the architectures asked
  (q2 output layer: 10 softmax units, q3 1/2/3 hidden layers of 128 ReLU, q4 one hidden layer),
  the loss of q2, the five histories of q5 (one per model);
* hidden: the task types of q1 (the answer itself), the epochs of q2, parameter counts (q4),
  validation (q5, q6, q7), regularizers and Dropout (q6, q7).

``check("q6")`` thus shows the contract and "2 vérification(s) cachée(s) à la correction".
"""
from autograder.assignments.td_keras_mlp.messages import MESSAGES
from autograder.checks import (
    CheckFailed, Dense, check, dense_params, expect_architecture, expect_dropout, expect_epochs,
    expect_history_of, expect_loss, expect_no_regularizer, expect_param_count,
    expect_regularizer_everywhere, expect_trained, expect_validation, number, quietly, register_messages,
    reworded, shape_text,
)

register_messages(MESSAGES, owner="td_keras_mlp")

# The lab's wording for generic failures (same parameters, see messages.py).
LAB_WORDING = {key.split(".", 1)[1]: key for key in MESSAGES
               if key.split(".", 1)[1] in ("input_dim", "loss", "not_trained", "param_far",
                                            "regularizer_wrong_kind", "regularizer_left")}
TRAIN, TEST = ("X_train",), ("X_test",)   # contract inputs: validation data are related to them

PIXELS, CLASSES, WIDTH = 784, 10, 128
OUTPUT = Dense(CLASSES, "softmax")
N_PARAMS_3 = dense_params(PIXELS, [WIDTH, WIDTH, WIDTH, CLASSES])  # 134,794
Q5_KEYS = ("q2", "q3_1", "q3_2", "q3_3", "q4")
SPLIT = 0.3


def lab_wording(function):
    """Run a check with the lab's wording of the generic failures."""
    import functools

    @functools.wraps(function)
    def run(sub):
        with reworded(LAB_WORDING):
            return function(sub)
    return run


def hidden(k):
    return [Dense(WIDTH, "relu")] * k


def expect_array(sub, name, columns, lo=None, hi=None):
    facts = sub.array(name)
    if len(facts.shape) != 2 or facts.shape[1] != columns:
        raise CheckFailed("array_shape", name=name, actual=tuple(facts.shape), expected=f"(n, {columns})")
    if lo is not None and (facts.min is None or facts.min < lo - 1e-6 or facts.max > hi + 1e-6):
        raise CheckFailed("td_keras_mlp.array_range", name=name, low=facts.min or 0, high=facts.max or 0)
    return facts


def expect_pair(sub, x, y, x_cols, y_cols, scaled=True):
    xf = expect_array(sub, x, x_cols, 0, 1) if scaled else expect_array(sub, x, x_cols)
    yf = expect_array(sub, y, y_cols)
    if xf.shape[0] != yf.shape[0]:
        raise CheckFailed("rows_mismatch", x=x, y=y, x_rows=xf.shape[0], y_rows=yf.shape[0])
    return xf, yf


def params_formula(input_dim, widths):
    """How a Dense chain's parameters add up: ``(784 + 1) × 128 + 2 × (128 + 1) × 128 + ...``."""
    terms, n_in, index = [], input_dim, 0
    while index < len(widths):
        count = 1
        while index + count < len(widths) and widths[index + count] == widths[index] and n_in == widths[index]:
            count += 1
        terms.append(f"{count} × ({n_in} + 1) × {widths[index]}" if count > 1 else f"({n_in} + 1) × {widths[index]}")
        n_in, index = widths[index], index + count
    return " + ".join(terms)


# ------------------------------------------------------------------------------------ Q1
@check("q1", 0.5, public=True)
@lab_wording
def test_q1_data(sub):
    shapes = {}
    for x, y in (("X_train", "y_train"), ("X_test", "y_test")):
        inputs, labels = expect_pair(sub, x, y, PIXELS, CLASSES)
        if not labels.one_hot:
            raise CheckFailed("td_keras_mlp.not_one_hot", name=y)
        shapes[x.lower()] = shape_text(inputs.shape)
    shapes["xb_train"] = shape_text(expect_pair(sub, "Xb_train", "yb_train", 13, 1)[0].shape)
    shapes["xb_test"] = shape_text(expect_pair(sub, "Xb_test", "yb_test", 13, 1, scaled=False)[0].shape)  # train's min-max
    sub.note("td_keras_mlp.data_ok", **shapes)


@check("q1", 0.5)
@lab_wording
def test_q1_task_types(sub):
    for name, expected in (("type_mnist", "classification"), ("type_boston", "regression")):
        value = sub.scalar(name)
        text = value.strip().lower().replace("é", "e") if isinstance(value, str) else value
        if text != expected:
            raise CheckFailed("td_keras_mlp.task_type", name=name, actual=value)
    sub.note("td_keras_mlp.task_types_ok", mnist=sub.scalar("type_mnist"), boston=sub.scalar("type_boston"))


# ------------------------------------------------------------------------------------ Q2
@check("q2", 1.5, public=True)
@lab_wording
def test_q2_architecture(sub):
    expect_architecture(sub.model("model_q2"), input_dim=PIXELS, hidden=[], output=OUTPUT)


@check("q2", 0.5, public=True)
@lab_wording
def test_q2_loss(sub):
    expect_loss(sub.model("model_q2"), "categorical_crossentropy")


@check("q2", 1)
@lab_wording
def test_q2_trained(sub):
    expect_epochs(sub.model("model_q2"), target=10, low=5, high=20)


# ------------------------------------------------------------------------------------ Q3
def expect_deep_model(sub, name, k):
    model = sub.model(name)
    expect_architecture(model, input_dim=PIXELS, hidden=hidden(k), output=OUTPUT)
    expect_trained(model)


@check("q3", 1, public=True)
@lab_wording
def test_q3_one_hidden(sub):
    expect_deep_model(sub, "model_q3_1", 1)


@check("q3", 1, public=True)
@lab_wording
def test_q3_two_hidden(sub):
    expect_deep_model(sub, "model_q3_2", 2)


@check("q3", 1, public=True)
@lab_wording
def test_q3_three_hidden(sub):
    expect_deep_model(sub, "model_q3_3", 3)


# ------------------------------------------------------------------------------------ Q4
@check("q4", 1)
@lab_wording
def test_q4_param_count(sub):
    value = sub.scalar("n_params_q3_3")
    if isinstance(value, bool) or not isinstance(value, int):
        raise CheckFailed("param_not_int", name="n_params_q3_3", actual=repr(value))
    accepted = {N_PARAMS_3}
    if sub.values.get("model_q3_3", {}).get("kind") == "model":
        accepted.add(sub.model("model_q3_3").n_params)  # consistent with the student's own model
    if value not in accepted:
        raise CheckFailed("td_keras_mlp.param_value", name="n_params_q3_3", actual=value)
    if value == N_PARAMS_3:
        sub.note("td_keras_mlp.param_value_ok", value=number(value), formula=params_formula(PIXELS, [WIDTH] * 3 + [CLASSES]))
    else:
        sub.note("td_keras_mlp.param_value_own_ok", value=number(value))


@check("q4", 1, public=True)
@lab_wording
def test_q4_one_hidden_layer(sub):
    model = sub.model("model_q4")
    dense, _, _ = model.stack()
    # any width and hidden activation: only the shape of the network is asked here
    first = dense[0] if len(dense) == 2 else Dense(WIDTH, "relu")
    expect_architecture(model, input_dim=PIXELS, hidden=[Dense(first.units, first.activation)], output=OUTPUT)


@check("q4", 1)
@lab_wording
def test_q4_comparable_and_trained(sub):
    model = sub.model("model_q4")
    expect_param_count(model, target=N_PARAMS_3, tolerance_pct=5)
    expect_trained(model)


# ------------------------------------------------------------------------------------ Q5
def q5_histories(sub) -> dict:
    """The History facts stored under the expected keys (those that are Histories)."""
    items = sub.dict("histories_q5")
    return {key: sub.history_from(f"histories_q5[{key!r}]", items[key])
            for key in Q5_KEYS if key in items and items[key].get("kind") == "history"}


@check("q5", 1, public=True)
@lab_wording
def test_q5_histories(sub):
    items = sub.dict("histories_q5")
    missing = [k for k in Q5_KEYS if k not in items]
    if missing:
        raise CheckFailed("dict_keys", name="histories_q5", expected=list(Q5_KEYS), missing=missing)
    histories = q5_histories(sub)
    trained = {}
    for key in Q5_KEYS:
        what = f"histories_q5[{key!r}]"
        if key not in histories:
            raise CheckFailed("history_not_from_fit", what=what)
        with quietly():
            fit = expect_history_of(histories[key], what=what)
        if fit.model_id in trained:  # one model per compared architecture
            raise CheckFailed("history_same_model", what=what, other=f"histories_q5[{trained[fit.model_id]!r}]")
        trained[fit.model_id] = key
    sub.note("td_keras_mlp.histories_ok", count=len(Q5_KEYS), keys=", ".join(Q5_KEYS))


@check("q5", 1)
@lab_wording
def test_q5_validation(sub):
    histories = q5_histories(sub)
    if not histories:
        raise CheckFailed("history_not_from_fit", what="histories_q5")
    for key, history in histories.items():
        what = f"histories_q5[{key!r}]"
        if history.fit is None:
            raise CheckFailed("history_not_from_fit", what=what)
        with quietly():
            expect_validation(history.fit, what=what, split=SPLIT, train=TRAIN, test=TEST)
    sub.note("ok.validation_split_all", what="`histories_q5`", count=len(histories), percent=round(SPLIT * 100),
             split=f"{SPLIT:g}")


# ------------------------------------------------------------------------------------ Q6 / Q7
def expect_regularized_run(sub, model_name, history_name, allow_dropout):
    model = sub.model(model_name)
    expect_architecture(model, input_dim=PIXELS, hidden=hidden(3), output=OUTPUT, allow_dropout=allow_dropout)
    fit = expect_history_of(sub.history(history_name), what=f"`{history_name}`", model=model)
    expect_validation(fit, what=f"`{model_name}`", split=SPLIT, train=TRAIN, test=TEST)


@check("q6", 1)
@lab_wording
def test_q6_l1_everywhere(sub):
    expect_regularizer_everywhere(sub.model("model_q6"), kind="L1")


@check("q6", 1)
@lab_wording
def test_q6_model_and_validation(sub):
    expect_regularized_run(sub, "model_q6", "history_q6", allow_dropout=False)


@check("q7", 1)
@lab_wording
def test_q7_dropout_instead_of_l1(sub):
    model = sub.model("model_q7")
    expect_no_regularizer(model, kind="L1")
    expect_dropout(model, rate=0.1)


@check("q7", 1)
@lab_wording
def test_q7_model_and_validation(sub):
    expect_regularized_run(sub, "model_q7", "history_q7", allow_dropout=True)
