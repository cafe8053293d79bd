"""The reusable checks and the hidden checks, on hand-built artifacts (no kernel, no training)."""
from __future__ import annotations

import pytest

from autograder.assignments.td_keras_mlp import hidden_checks as hc
from autograder.checks import CheckFailed, Dense, Submission, dense_params, expect_architecture
from autograder.checks.messages import message


def dense(units, n_in, activation="relu", l1=None, l2=None):
    layer = {"class": "Dense", "units": units, "activation": activation, "weights": [[n_in, units], [units]]}
    if l1 is not None or l2 is not None:
        layer["kernel_regularizer"] = {"class": "L1L2", "l1": l1 or 0.0, "l2": l2 or 0.0}
    return layer


def mlp(model_id, widths, output_activation="softmax", **reg):
    layers, n_in = [], 784
    for width in widths:
        layers.append(dense(width, n_in, **reg))
        n_in = width
    layers.append(dense(10, n_in, output_activation, **reg))
    return {"kind": "model", "id": model_id, "class": "Sequential", "input_shape": [None, 784], "layers": layers,
            "n_params": dense_params(784, widths + [10]), "compiled": True, "loss": "categorical_crossentropy"}


def fit(model_id, history_id, split=0.3, epochs=10):
    return {"model_id": model_id, "epochs": epochs, "batch_size": 200, "validation_split": split,
            "validation_rows": None, "x_rows": 4000, "completed": True, "history_id": history_id}


def history(history_id, model_id):
    return {"kind": "history", "id": history_id, "model_id": model_id, "keys": ["val_accuracy"], "epochs_run": 10}


def q5_submission(histories: dict, fits: list) -> Submission:
    return Submission({"values": {"histories_q5": {"kind": "dict", "items": histories}}, "fits": fits})


def five_histories():
    keys = ("q2", "q3_1", "q3_2", "q3_3", "q4")
    return ({k: history(100 + i, i) for i, k in enumerate(keys)}, [fit(i, 100 + i) for i in range(len(keys))])


def test_an_activation_layer_after_a_linear_dense_counts_as_its_activation():
    model = mlp(1, [128])
    model["layers"][-1]["activation"] = "linear"
    model["layers"].append({"class": "Activation", "activation": "softmax", "weights": []})
    sub = Submission({"values": {"m": model}})
    expect_architecture(sub.model("m"), input_dim=784, hidden=[Dense(128, "relu")], output=Dense(10, "softmax"))


def test_sigmoid_output_message_names_both_activations():
    sub = Submission({"values": {"m": mlp(1, [], "sigmoid")}})
    with pytest.raises(CheckFailed) as error:
        expect_architecture(sub.model("m"), input_dim=784, hidden=[], output=Dense(10, "softmax"))
    assert "'sigmoid'" in str(error.value) and "'softmax'" in str(error.value)


def test_l1l2_without_l2_is_l1_but_with_l2_it_is_not():
    ok = Submission({"values": {"model_q6": mlp(1, [128] * 3, l1=1e-4, l2=0.0)}})
    hc.test_q6_l1_everywhere(ok)
    mixed = Submission({"values": {"model_q6": mlp(1, [128] * 3, l1=1e-4, l2=1e-4)}})
    with pytest.raises(CheckFailed, match="L1\\+L2"):
        hc.test_q6_l1_everywhere(mixed)


def test_layer_weights_that_contradict_declared_units_are_rejected():
    forged = mlp(1, [128] * 3)
    forged["layers"][1]["weights"] = [[64, 128], [128]]  # declared after a 128-wide layer
    with pytest.raises(CheckFailed) as error:
        hc.test_q3_three_hidden(Submission({"values": {"model_q3_3": forged}, "fits": [fit(1, 9)]}))
    assert error.value.key == "inconsistent_model"


def test_q5_accepts_five_histories_of_five_models_with_validation():
    histories, fits = five_histories()
    sub = q5_submission(histories, fits)
    hc.test_q5_histories(sub)
    hc.test_q5_validation(sub)


def test_q5_same_history_under_every_key_fails():
    sub = q5_submission({k: history(100, 0) for k in ("q2", "q3_1", "q3_2", "q3_3", "q4")}, [fit(0, 100)])
    with pytest.raises(CheckFailed) as error:
        hc.test_q5_histories(sub)
    assert error.value.key == "history_same_model"


def test_q5_empty_dict_gets_no_validation_point():
    sub = q5_submission({}, [])
    for check in (hc.test_q5_histories, hc.test_q5_validation):
        with pytest.raises(CheckFailed):
            check(sub)


def test_q5_validation_split_02_is_reported_with_both_percentages():
    histories, fits = five_histories()
    fits[2]["validation_split"] = 0.2
    with pytest.raises(CheckFailed) as error:
        hc.test_q5_validation(q5_submission(histories, fits))
    assert "20 %" in str(error.value) and "validation_split=0.3" in str(error.value)


def test_q5_validated_on_a_separate_set_names_validation_data():
    histories, fits = five_histories()
    fits[1].update(validation_split=0.0, validation_rows=1000)          # validation_data=(X_test, y_test)
    with pytest.raises(CheckFailed) as error:
        hc.test_q5_validation(q5_submission(histories, fits))
    assert "validation_data" in str(error.value) and "1000" in str(error.value)
    fits[1].update(validation_rows=1714)                                 # a manual 30 % split: accepted
    hc.test_q5_validation(q5_submission(histories, fits))


def test_every_message_exists_in_french_and_english():
    from autograder.checks.messages import CATALOG

    assert all(set(entry) == {"fr", "en"} for entry in CATALOG.values())
    assert "is not defined" in message("missing", "en", name="x")
