"""Hidden checks of iris_mlp, written with the public check library (autograder.checks).

Automatic points: data 1, model 2 (the analysis is graded by hand). Public (the student runs it
from ``check("data")``): the shapes of the data; the rest stays hidden.
"""
from autograder.checks import (CheckFailed, Dense, check, expect_architecture, expect_loss, expect_trained,
                               shape_text)

FEATURES, CLASSES, ROWS, TEST_ROWS = 4, 3, 150, 30


def expect_columns(sub, name, columns):
    facts = sub.array(name)
    if len(facts.shape) != 2 or facts.shape[1] != columns:
        raise CheckFailed("array_shape", name=name, actual=tuple(facts.shape), expected=f"(n, {columns})")
    return facts


@check("data", 0.5, public=True)
def test_data_shapes(sub):
    for x, y in (("X_train", "y_train"), ("X_test", "y_test")):
        xf, yf = expect_columns(sub, x, FEATURES), expect_columns(sub, y, CLASSES)
        if xf.shape[0] != yf.shape[0]:
            raise CheckFailed("rows_mismatch", x=x, y=y, x_rows=xf.shape[0], y_rows=yf.shape[0])
        sub.note("ok.rows_match", x=x, y=y, x_shape=shape_text(xf.shape), y_shape=shape_text(yf.shape))


@check("data", 0.5)
def test_data_test_split(sub):
    test = sub.array("X_test")
    if tuple(test.shape) != (TEST_ROWS, FEATURES):
        raise CheckFailed("array_shape", name="X_test", actual=tuple(test.shape),
                          expected=f"({TEST_ROWS}, {FEATURES})")
    sub.note("ok.array_shape", name="X_test", shape=shape_text(test.shape))


@check("model", 1)
def test_model_architecture(sub):
    expect_architecture(sub.model("iris_net"), input_dim=FEATURES, hidden=[Dense(16, "relu")],
                        output=Dense(CLASSES, "softmax"))


@check("model", 1)
def test_model_trained(sub):
    model = sub.model("iris_net")
    expect_loss(model, "categorical_crossentropy")
    expect_trained(model)
