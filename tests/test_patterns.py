"""The layer-sequence pattern matcher, on hand-written harvested facts (no Keras needed)."""
from __future__ import annotations

import pytest

from autograder.checks import (
    CheckFailed, L, Submission, any_of, expect_layers, one_of, one_or_more, optional, read_layers, seq,
    zero_or_more,
)

CNN = seq(
    one_or_more(L("Conv2D", activation="relu"), optional(any_of("BatchNormalization", "Dropout")), L("MaxPool2D")),
    any_of("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"),
    zero_or_more("Dense"),
    L("Dense", units=10, activation="softmax"),
)


def conv(filters=32, activation="relu", kernel=(3, 3)):
    return {"class": "Conv2D", "filters": filters, "kernel_size": list(kernel), "activation": activation,
            "weights": [[*kernel, 1, filters], [filters]]}


def layer(cls, **facts):
    return {"class": cls, "weights": [], **facts}


def dense(units, activation="linear"):
    return {"class": "Dense", "units": units, "activation": activation, "weights": [[4, units], [units]]}


POOL = layer("MaxPooling2D", pool_size=[2, 2])


def model(layers, name="model_cnn"):
    sub = Submission({"values": {name: {"kind": "model", "id": 1, "class": "Sequential",
                                        "input_shape": [None, 28, 28, 1], "layers": layers, "n_params": 0}}})
    return sub.model(name)


def failure(layers, pattern=CNN, lang="fr", monkeypatch=None) -> CheckFailed:
    with pytest.raises(CheckFailed) as error:
        expect_layers(model(layers), pattern)
    return error.value


@pytest.mark.parametrize("layers", [
    [layer("InputLayer"), conv(), POOL, layer("Flatten"), dense(10, "softmax")],
    [conv(), layer("BatchNormalization"), POOL, conv(64), layer("Dropout", rate=0.25), POOL,
     layer("GlobalAveragePooling2D"), dense(64, "relu"), dense(32, "relu"), dense(10, "softmax")],
    # activations as their own layers: Conv2D -> BatchNormalization -> ReLU, Dense -> Activation(softmax)
    [conv(activation="linear"), layer("BatchNormalization"), layer("ReLU", activation="relu"), POOL,
     layer("Flatten"), dense(10), layer("Activation", activation="softmax")],
    # a nested Sequential block is read as its layers
    [{"class": "Sequential", "weights": [], "layers": [conv(), POOL]}, layer("Flatten"), dense(10, "softmax")],
], ids=["minimal", "two_blocks_bn_dropout_global", "activation_layers", "nested_block"])
def test_accepted_cnns(layers):
    read = expect_layers(model(layers), CNN)
    assert read[-1].cls == "Dense" and read[-1].activation == "softmax"
    assert all(layer.cls not in ("ReLU", "Activation", "InputLayer", "Sequential") for layer in read)


def test_missing_pooling_names_the_position_the_layer_and_the_expected_one(monkeypatch):
    error = failure([conv(), conv(64), POOL, layer("Flatten"), dense(10, "softmax")])
    text = error.text("fr")
    assert error.key == "pattern_layer" and error.params["position"] == 2
    assert "couche n°2" in text and "Conv2D(64, 3×3, relu)" in text and "MaxPooling2D" in text
    assert "BatchNormalization" in text                      # the optional layer was possible there too
    assert "Conv2D(32, 3×3, relu) → Conv2D(64, 3×3, relu)" in text   # the student's stack


def test_english_failure_message(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_LANG", "en")
    error = failure([conv(activation="sigmoid"), POOL, layer("Flatten"), dense(10, "softmax")])
    text = error.text("en")
    assert "layer #1" in text and "Conv2D(32, 3×3, sigmoid)" in text and "Conv2D(relu)" in text


def test_no_flatten_lists_every_accepted_alternative():
    error = failure([conv(), POOL, dense(10, "softmax")])
    text = error.text("fr")
    assert error.params["position"] == 3
    for name in ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Conv2D(relu)"):
        assert name in text


def test_model_that_ends_too_early():
    error = failure([conv(), POOL, layer("Flatten")])
    assert error.key == "pattern_end" and error.params["count"] == 3
    assert "Dense(10, softmax)" in error.text("fr")


def test_layer_after_the_output_is_named_with_the_end_of_the_model():
    error = failure([conv(), POOL, layer("Flatten"), dense(10, "softmax"), layer("Dropout", rate=0.5)])
    assert error.key == "pattern_layer" and error.params["position"] == 5
    assert "Dropout(0.5)" in error.text("en") and "the end of the model" in error.text("en")


def test_layer_too_many():
    error = failure([layer("Flatten"), dense(10, "softmax"), layer("Dropout", rate=0.5)],
                    pattern=seq("Flatten", L("Dense", units=10)))
    assert error.key == "pattern_extra" and error.params["position"] == 3
    assert "Dropout(0.5)" in error.text("fr") and "de trop" in error.text("fr")


def test_hidden_layer_with_the_wrong_activation_is_named_not_the_end():
    error = failure([conv(), POOL, layer("Flatten"), dense(64, "relu")])
    assert error.key == "pattern_layer" and error.params["position"] == 4
    assert "Dense(64, relu)" in error.text("fr")


def test_wrong_output_names_units_and_activation():
    error = failure([conv(), POOL, layer("Flatten"), dense(10, "sigmoid")])
    text = error.text("fr")
    assert error.key == "pattern_layer" and "Dense(10, sigmoid)" in text and "Dense(10, softmax)" in text


def test_conv1d_is_not_conv2d():
    error = failure([{**conv(), "class": "Conv1D", "kernel_size": [3]}, POOL, layer("Flatten"), dense(10, "softmax")])
    assert error.params["position"] == 1 and "Conv1D" in error.text("fr")


def test_fact_values_alternatives_and_predicates():
    layers = [conv(kernel=(5, 5)), POOL, layer("Flatten"), dense(10, "softmax")]
    expect_layers(model(layers), seq(L("Conv2D", kernel_size=one_of(3, 5)), "MaxPooling2D", "Flatten", "Dense"))
    expect_layers(model(layers), seq(L("Conv2D", filters=lambda f: f >= 16, kernel_size=(5, 5)), "MaxPool2D",
                                     "Flatten", L("Dense", where=lambda d: d.units == 10)))
    with pytest.raises(CheckFailed):
        expect_layers(model(layers), seq(L("Conv2D", kernel_size=3), "MaxPooling2D", "Flatten", "Dense"))


def test_backtracking_lets_a_greedy_repeat_give_back_layers():
    layers = [dense(64, "relu"), dense(32, "relu"), dense(10, "softmax")]
    expect_layers(model(layers), seq(one_or_more(L("Dense")), L("Dense", units=10, activation="softmax")))


def test_activation_layer_after_a_non_linear_layer_stays_a_layer():
    read = read_layers(model([conv(), layer("ReLU", activation="relu"), POOL]))
    assert [layer.cls for layer in read] == ["Conv2D", "ReLU", "MaxPooling2D"]
