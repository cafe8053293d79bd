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


# ----------------------------------------------------------------------------- messages
def test_an_unknown_message_key_fails_at_once():
    from autograder.checks import UnknownMessageKey

    with pytest.raises(UnknownMessageKey):
        CheckFailed("no_such_key", name="x")


def _keys_used(path) -> set[str]:
    """Literal keys of ``CheckFailed("key", ...)`` calls in a source file."""
    import ast

    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "CheckFailed" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            keys.add(node.args[0].value)
    return keys


def test_every_message_key_of_every_assignment_and_of_the_library_exists_in_both_languages():
    from pathlib import Path

    import autograder.checks as library
    from autograder.assignments import available_assignments, load_assignment
    from autograder.checks.messages import LANGS, known_keys, lookup

    files = list(Path(library.__file__).parent.glob("*.py"))
    for name in available_assignments():
        module = load_assignment(name).hidden_checks_module()   # registers the assignment's messages
        files += list(Path(module.__file__).parent.glob("*.py"))
    used = set().union(*(_keys_used(f) for f in files))
    assert "td_keras_mlp.param_value" in used and "pattern_layer" in used
    assert used <= known_keys(), sorted(used - known_keys())
    for key in known_keys():
        assert all(lookup(key).get(lang) for lang in LANGS), key


def test_the_generic_catalog_names_no_assignment():
    from autograder.assignments import available_assignments, load_assignment
    from autograder.checks.messages import CATALOG

    texts = " ".join(text for entry in CATALOG.values() for text in entry.values()).lower()
    words = {"mnist", "boston", "prepare_", "784", "couches cachées", "hidden-layer", "l1"}
    for name in available_assignments():
        spec = load_assignment(name)
        words |= {name.lower(), *(n.lower() for n in spec.contract_names)}
    assert not [w for w in words if w in texts]


def test_register_messages_refuses_half_translated_and_generic_keys():
    from autograder.checks import register_messages

    with pytest.raises(ValueError, match="en"):
        register_messages({"demo.x": {"fr": "texte"}}, owner="demo")
    with pytest.raises(ValueError, match="generic"):
        register_messages({"missing": {"fr": "a", "en": "b"}}, owner="demo")
    register_messages({"demo.x": {"fr": "texte {n}", "en": "text {n}"}}, owner="demo")
    with pytest.raises(ValueError, match="already registered"):
        register_messages({"demo.x": {"fr": "autre", "en": "other"}}, owner="other_demo")
    assert CheckFailed("demo.x", n=3).text("en") == "text 3"


def test_reworded_gives_a_generic_failure_an_assignment_wording():
    from autograder.checks import UnknownMessageKey, expect_loss, reworded

    model = Submission({"values": {"m": mlp(1, [])}}).model("m")
    with pytest.raises(CheckFailed) as error, reworded(loss="td_keras_mlp.loss"):
        expect_loss(model, "mse")
    assert error.value.key == "td_keras_mlp.loss" and "one-hot" in error.value.text("en")
    with pytest.raises(UnknownMessageKey), reworded(loss="td_keras_mlp.typo"):
        pass


# ----------------------------------------------------------------------------- data fingerprints
def use(rows, **matches):
    """A fingerprint fact: ``use(1000, X_test="same")``."""
    return {"shape": [rows, 784], "dtype": "float32", "rows": rows, "row_size": 784, "checksum": [1.0, 2.0, 3.0, 4.0],
            "matches": {name: {"relation": relation, "fraction": 1.0} for name, relation in matches.items()}}


def fit_with_data(model_id, history_id, *, x, validation_x=None, validation_y=None, split=0.0, source=None,
                  shared=0.0):
    record = fit(model_id, history_id, split=split)
    record["x_rows"] = x["rows"]
    record["validation_rows"] = validation_x["rows"] if validation_x and not split else None
    record["data"] = {"x": x, "validation_x": validation_x, "validation_y": validation_y}
    record["validation"] = {"source": source or ("split" if split else "data" if validation_x else "none"),
                            "in_training_rows": shared}
    return record


def test_q5_validation_on_the_test_set_is_named_as_such():
    histories, fits = five_histories()
    fits[1] = fit_with_data(1, 101, x=use(4000, X_train="same"), validation_x=use(1000, X_test="same"),
                            validation_y={**use(1000, y_test="same", y_train="subset"), "row_size": 10})
    with pytest.raises(CheckFailed) as error:
        hc.test_q5_validation(q5_submission(histories, fits))
    text = error.value.text("fr")
    assert error.value.key == "validated_on_test" and "jeu de test" in text and "`X_test/y_test`" in text
    assert "30 %" in text and "validation_split=0.3" in text and "1000" not in text


def test_q5_a_ten_percent_split_of_the_training_data_is_a_wrong_split_not_the_test_set():
    histories, fits = five_histories()
    fits[2] = fit_with_data(2, 102, x=use(3600, X_train="subset"), validation_x=use(400, X_train="subset"))
    with pytest.raises(CheckFailed) as error:
        hc.test_q5_validation(q5_submission(histories, fits))
    text = error.value.text("fr")
    assert error.value.key == "validation_split_of_training"
    assert "10 %" in text and "`X_train`" in text and "test" not in text and "30 %" in text


def test_q5_thirty_percent_cut_from_the_training_data_passes():
    histories, fits = five_histories()
    fits[3] = fit_with_data(3, 103, x=use(2800, X_train="subset"), validation_x=use(1200, X_train="subset"))
    hc.test_q5_validation(q5_submission(histories, fits))


def test_q5_validation_on_unknown_data_does_not_guess_the_test_set():
    histories, fits = five_histories()
    fits[0] = fit_with_data(0, 100, x=use(4000, X_train="same"), validation_x=use(500))
    with pytest.raises(CheckFailed) as error:
        hc.test_q5_validation(q5_submission(histories, fits))
    assert error.value.key == "validation_data_fraction" and "test" not in error.value.text("fr")


def data_submission(fits=(), calls=(), files=()):
    model = mlp(7, [32])
    return Submission({"values": {"m": model}, "fits": list(fits), "calls": list(calls), "files": list(files)})


def test_validation_from_training_accepts_a_split_and_a_cut_and_refuses_the_test_set():
    from autograder.checks import FitFacts, expect_not_test_set, expect_validation_from_training

    train, test = ("X_train", "X_train_img"), ("X_test_img",)
    split = FitFacts.from_dict(fit_with_data(7, 1, x=use(4000, X_train_img="same"),
                                             validation_x=use(1200, X_train_img="subset"), split=0.3))
    assert expect_validation_from_training(split, what="`m`", train=train, test=test) == "split"
    cut = FitFacts.from_dict(fit_with_data(7, 1, x=use(3000, X_train="subset"), validation_x=use(1000, X_train="subset")))
    assert expect_validation_from_training(cut, what="`m`", train=train, test=test) == "data"
    on_test = FitFacts.from_dict(fit_with_data(7, 1, x=use(4000, X_train="same"), validation_x=use(1000, X_test_img="same")))
    with pytest.raises(CheckFailed) as error:
        expect_validation_from_training(on_test, what="`m`", train=train, test=test)
    assert error.value.key == "validated_on_test_data" and "X_test_img" in error.value.text("en")
    leaked = FitFacts.from_dict(fit_with_data(7, 1, x=use(4000, X_train="same"),
                                              validation_x=use(1000, X_train="subset"), shared=1.0))
    with pytest.raises(CheckFailed) as error:
        expect_validation_from_training(leaked, what="`m`", train=train)
    assert error.value.key == "validation_rows_trained"
    none = FitFacts.from_dict(fit_with_data(7, 1, x=use(4000, X_train="same")))
    with pytest.raises(CheckFailed) as error:
        expect_validation_from_training(none, what="`m`", train=train)
    assert error.value.key == "no_validation_data"
    trained_on_test = FitFacts.from_dict(fit_with_data(7, 1, x=use(1000, X_test_img="same")))
    with pytest.raises(CheckFailed) as error:
        expect_not_test_set(trained_on_test, what="`m`", test=test)
    assert error.value.key == "trained_on_test"


def test_evaluated_on_names_the_data_actually_used():
    from autograder.checks import expect_evaluated_on

    on_train = {"kind": "evaluate", "model_id": 7, "completed": True, "data": {"x": use(4000, X_train="same")},
                "result": [0.3, 0.9]}
    sub = data_submission(calls=[on_train])
    with pytest.raises(CheckFailed) as error:
        expect_evaluated_on(sub, sub.model("m"), ("X_test",))
    assert error.value.key == "evaluated_elsewhere" and "`X_train`" in error.value.text("fr")
    on_test = {"kind": "predict", "model_id": 7, "completed": True, "data": {"x": use(1000, X_test="same")},
               "output_shape": [1000, 10]}
    sub = data_submission(calls=[on_train, on_test])
    assert [c.kind for c in expect_evaluated_on(sub, sub.model("m"), ("X_test",))] == ["predict"]
    with pytest.raises(CheckFailed) as error:
        expect_evaluated_on(data_submission(), data_submission().model("m"), ("X_test",))
    assert error.value.key == "not_evaluated"


def test_pretrained_weights_but_not_a_file_the_notebook_wrote():
    from autograder.checks import expect_no_pretrained_weights

    save = {"kind": "save", "index": 0, "completed": True, "path": "/home/s/best.keras", "model_id": 7}
    reload = {"kind": "load_model", "index": 1, "completed": True, "path": "/home/s/best.keras", "model_id": 8}
    random_init = {"kind": "application", "index": 2, "completed": True, "name": "MobileNetV2", "weights": None}
    expect_no_pretrained_weights(data_submission(files=[save, reload, random_init]))
    outside = {"kind": "load_weights", "index": 0, "completed": True, "path": "/data/mnist_cnn.weights.h5"}
    with pytest.raises(CheckFailed) as error:
        expect_no_pretrained_weights(data_submission(files=[outside, save]))
    assert error.value.key == "pretrained_file" and "mnist_cnn.weights.h5" in error.value.text("fr")
    imagenet = {"kind": "application", "index": 0, "completed": True, "name": "ResNet50", "weights": "imagenet"}
    with pytest.raises(CheckFailed) as error:
        expect_no_pretrained_weights(data_submission(files=[imagenet]))
    assert "ResNet50" in error.value.text("en") and "imagenet" in error.value.text("en")


def test_parameter_count_relations_between_two_models():
    from autograder.checks import expect_param_ratio, expect_params_near

    sub = Submission({"values": {"cnn": {**mlp(1, [44]), "n_params": 34826}, "fc": mlp(2, [44]),
                                 "wide": mlp(3, [128, 128])}})
    cnn, fc, wide = sub.model("cnn"), sub.model("fc"), sub.model("wide")
    assert abs(expect_params_near(fc, cnn, tolerance_pct=10)) < 1
    with pytest.raises(CheckFailed) as error:
        expect_params_near(wide, cnn, tolerance_pct=10)
    assert "`cnn`" in error.value.text("fr") and "34826" in error.value.text("fr")
    assert expect_param_ratio(cnn, wide, high=0.5) < 0.5
    with pytest.raises(CheckFailed):
        expect_param_ratio(wide, cnn, high=2)


def cnn_model(model_id, filters=(32, 64), optimizer="adam", dense=()):
    layers = []
    for f in filters:
        layers += [{"class": "Conv2D", "filters": f, "kernel_size": [3, 3], "activation": "relu", "weights": []},
                   {"class": "MaxPooling2D", "pool_size": [2, 2], "weights": []}]
    layers.append({"class": "Flatten", "weights": []})
    layers += [{"class": "Dense", "units": u, "activation": "relu", "weights": []} for u in dense]
    layers.append({"class": "Dense", "units": 10, "activation": "softmax", "weights": []})
    return {"kind": "model", "id": model_id, "class": "Sequential", "input_shape": [None, 28, 28, 1], "layers": layers,
            "n_params": 1000 * model_id, "compiled": True, "loss": "categorical_crossentropy", "optimizer": optimizer}


def test_architectures_ignore_the_optimizer_and_the_way_activations_are_written():
    from autograder.checks import expect_distinct_architectures, expect_same_architecture, same_architecture

    relu_layer = cnn_model(5)
    relu_layer["layers"][0] = {**relu_layer["layers"][0], "activation": "linear"}
    relu_layer["layers"].insert(1, {"class": "ReLU", "activation": "relu", "weights": []})
    sub = Submission({"values": {"a": cnn_model(1), "b": cnn_model(2, optimizer="sgd"), "c": cnn_model(3, (16,)),
                                 "d": cnn_model(4, dense=(64,)), "e": relu_layer}})
    a, b, c, d, e = (sub.model(n) for n in "abcde")
    assert same_architecture(a, b) and same_architecture(a, e) and not same_architecture(a, c)
    assert expect_distinct_architectures({"a": a, "c": c, "d": d}, at_least=3, what="`selection`") == 3
    with pytest.raises(CheckFailed) as error:
        expect_distinct_architectures({"a": a, "b": b, "c": c, "d": d}, at_least=4, what="`selection`")
    assert error.value.key == "architectures_not_distinct" and "'a', 'b'" in error.value.text("fr")
    with pytest.raises(CheckFailed) as error:
        expect_same_architecture(c, a)
    assert "Conv2D(16, 3×3, relu)" in error.value.text("en") and "Conv2D(64, 3×3, relu)" in error.value.text("en")


def test_same_fit_settings_names_the_setting_that_differs():
    from autograder.checks import FitFacts, expect_same_fit_settings

    base = fit(1, 11, split=0.2, epochs=10)
    fits = {"small": FitFacts.from_dict(base), "big": FitFacts.from_dict({**base, "model_id": 2})}
    assert expect_same_fit_settings(fits) == {"epochs": 10, "validation": "split", "validation_percent": 20}
    fits["deep"] = FitFacts.from_dict({**base, "epochs": 20})
    with pytest.raises(CheckFailed) as error:
        expect_same_fit_settings(fits)
    assert error.value.params["setting"] == "epochs" and "deep" in error.value.text("fr")


def test_a_reported_accuracy_must_be_an_evaluate_result():
    from autograder.checks import CallFacts, expect_reported_result

    evaluate = CallFacts.from_dict({"kind": "evaluate", "model_id": 1, "completed": True, "result": [0.31, 0.9125]})
    predict = CallFacts.from_dict({"kind": "predict", "model_id": 1, "completed": True, "output_shape": [10, 10]})
    assert expect_reported_result("test_acc", 0.9125, [evaluate]) is evaluate
    assert expect_reported_result("test_acc", 0.97, [predict]) is None   # from predictions: cannot be checked
    with pytest.raises(CheckFailed) as error:
        expect_reported_result("test_acc", 0.97, [evaluate])
    assert error.value.key == "reported_not_computed" and "0.9125" in error.value.text("fr")
    with pytest.raises(CheckFailed):
        expect_reported_result("test_acc", "0.97", [evaluate])


def test_wrong_kind_message_is_in_one_language():
    sub = Submission({"values": {"model_x": {"kind": "array", "shape": [3], "dtype": "float32"}}})
    with pytest.raises(CheckFailed) as error:
        sub.model("model_x")
    assert error.value.text("en") == "`model_x` should be a Keras model, but it is a numpy array."
    assert "un modèle Keras" in error.value.text("fr") and "un tableau numpy" in error.value.text("fr")


def test_a_callback_loading_an_outside_file_during_fit_is_seen():
    from autograder.checks import pretrained_events

    sub = data_submission(files=[
        {"kind": "application", "index": 0, "completed": True, "name": "VGG16", "weights": "imagenet"},
        {"kind": "load_weights", "index": 1, "completed": True, "path": "/k/vgg16.h5", "via": "application"},
        {"kind": "load_weights", "index": 2, "completed": True, "path": "/data/w.h5", "via": "fit"},
    ])
    assert [(e.kind, e.index) for e in pretrained_events(sub.files)] == [("application", 0), ("load_weights", 2)]
