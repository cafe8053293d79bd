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


KEYED_CALLS = {"CheckFailed", "verified", "note"}   # CheckFailed(key, ...), verified(key, ...), sub.note(key, ...)


def _keys_used(path) -> set[str]:
    """Literal keys of ``CheckFailed("key", ...)``, ``verified("key", ...)`` and
    ``sub.note("key", ...)`` calls in a source file."""
    import ast

    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) if isinstance(node, ast.Call) else None
        if name in KEYED_CALLS and node.args \
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
    assert "ok.structure" in used and "td_keras_mlp.param_value_ok" in used     # success notes too
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


# ----------------------------------------------------------------------------- success notes
NNBSP = "\u202f"   # French thousands separator


def notes_of(run) -> list:
    """The success notes recorded while ``run()`` ran."""
    from autograder.checks import collect_notes

    with collect_notes() as notes:
        run()
    return notes


def only_note(run) -> tuple[str, str]:
    """(fr, en) text of the single note ``run()`` recorded."""
    notes = notes_of(run)
    assert len(notes) == 1, [n.key for n in notes]
    return notes[0].text("fr"), notes[0].text("en")


def note_world():
    """One hand-made submission where every expectation of the library passes."""
    deep = mlp(1, [128] * 3)
    l1 = mlp(2, [128] * 3, l1=1e-4)
    dropout = mlp(3, [128] * 3)
    for index in (3, 2, 1):
        dropout["layers"].insert(index, {"class": "Dropout", "rate": 0.1, "weights": []})
    wide = {**mlp(4, [170]), "n_params": dense_params(784, [170, 10])}
    fits = [fit_with_data(1, 11, x=use(2800, X_train="subset"), validation_x=use(1200, X_train="subset"),
                          split=0.3),
            {**fit(4, 14), "validation_split": 0.0, "validation_rows": 1714}]
    calls = [{"kind": "evaluate", "model_id": 1, "completed": True, "data": {"x": use(1000, X_test="same")},
              "result": [0.31, 0.9125]}]
    return Submission({"values": {"deep": deep, "l1": l1, "dropout": dropout, "wide": wide,
                                  "cnn": cnn_model(5, (32, 32)), "h": history(11, 1)},
                       "fits": fits, "calls": calls})


def expectations():
    from autograder import checks as c

    sub = note_world()
    deep, wide = sub.model("deep"), sub.model("wide")
    first = deep.fits[0]
    cnn = c.seq(c.one_or_more(c.L("Conv2D"), c.L("MaxPooling2D")), "Flatten", c.L("Dense", units=10))
    return {
        "architecture": (lambda: c.expect_architecture(deep, input_dim=784, hidden=[Dense(128, "relu")] * 3,
                                                       output=Dense(10, "softmax")),
                         "structure de `deep` : 784 → Dense(128, relu) ×3 → Dense(10, softmax)",
                         "structure of `deep`: 784 → Dense(128, relu) ×3 → Dense(10, softmax)"),
        "dropout_structure": (lambda: c.expect_architecture(sub.model("dropout"), input_dim=784, hidden=[Dense(128, "relu")] * 3,
                                                            output=Dense(10, "softmax"), allow_dropout=True),
                              "784 → [Dense(128, relu) → Dropout(0.1)] ×3 → Dense(10, softmax)",
                              "784 → [Dense(128, relu) → Dropout(0.1)] ×3 → Dense(10, softmax)"),
        "layers": (lambda: c.expect_layers(sub.model("cnn"), cnn),
                   "structure de `cnn` : 28×28×1 → [Conv2D(32, 3×3, relu) → MaxPooling2D(2×2)] ×2 → Flatten → Dense(10, softmax)",
                   "structure of `cnn`: 28×28×1 → [Conv2D(32, 3×3, relu) → MaxPooling2D(2×2)] ×2 → Flatten"),
        "loss": (lambda: c.expect_loss(deep, "categorical_crossentropy"),
                 "`deep` est compilé avec la perte categorical_crossentropy",
                 "`deep` is compiled with the categorical_crossentropy loss"),
        "trained": (lambda: c.expect_trained(deep), "`deep` a été entraîné (10 époques)", "`deep` was trained (10 epochs)"),
        "epochs": (lambda: c.expect_epochs(deep, target=10, low=5, high=20),
                   "entraîné 10 époques (la question en demande environ 10)", "trained for 10 epochs (the question asks for about 10)"),
        "validation_split": (lambda: c.expect_validation(first, what="`deep`", split=0.3),
                             "`deep` : validation_split=0.3, soit 30 % des données d'apprentissage",
                             "`deep`: validation_split=0.3, i.e. 30% of the training data"),
        "validation_data": (lambda: c.expect_validation(wide.fits[0], what="`wide`", split=0.3),
                            f"validation_data, 1{NNBSP}714 lignes, soit 30 %", "validation_data, 1,714 rows, i.e. 30%"),
        "history_of": (lambda: c.expect_history_of(sub.history("h"), what="`h`", model=deep),
                       "`h` est l'historique de l'entraînement de `deep` (10 époques)",
                       "`h` is the history of training `deep` (10 epochs)"),
        "param_count": (lambda: c.expect_param_count(wide, target=134794, tolerance_pct=5),
                        f"`wide` a 135{NNBSP}160 paramètres, à +0,3 % des 134{NNBSP}794 visés (écart permis : 5 %)",
                        "`wide` has 135,160 parameters, +0.3% from the 134,794 aimed at (allowed: 5%)"),
        "regularizer": (lambda: c.expect_regularizer_everywhere(sub.model("l1"), kind="L1"),
                        "régularisation L1 sur chaque couche Dense de `l1` (4), sortie comprise",
                        "L1 regularization on every Dense layer of `l1` (4), the output included"),
        "no_regularizer": (lambda: c.expect_no_regularizer(deep, kind="L1"), "aucune régularisation L1 dans `deep`",
                           "no L1 regularization in `deep`"),
        "dropout": (lambda: c.expect_dropout(sub.model("dropout"), rate=0.1),
                    "un Dropout de taux 0.1 (10 % des neurones éteints) après chaque couche cachée (3)",
                    "a Dropout of rate 0.1 (10% of the units switched off) after each hidden layer (3)"),
        "params_near": (lambda: c.expect_params_near(wide, deep, tolerance_pct=10),
                        f"`wide` a 135{NNBSP}160 paramètres, à +0,3 % des 134{NNBSP}794 de `deep`",
                        "`wide` has 135,160 parameters, +0.3% from the 134,794 of `deep`"),
        "param_ratio": (lambda: c.expect_param_ratio(wide, deep, high=2), "1 fois les", "1 times the"),
        "same_architecture": (lambda: c.expect_same_architecture(sub.model("l1"), deep),
                              "`l1` a l'architecture de `deep` : 784 → Dense(128, relu) ×3",
                              "`l1` has the architecture of `deep`: 784 → Dense(128, relu) ×3"),
        "distinct": (lambda: c.expect_distinct_architectures({"a": deep, "b": wide}, at_least=2, what="`candidats`"),
                     "`candidats` : 2 architectures différentes pour 2 modèles",
                     "`candidats`: 2 different architectures for 2 models"),
        "not_test_set": (lambda: c.expect_not_test_set(first, what="`deep`", test=("X_test",)),
                         "`deep` n'a vu le jeu de test (`X_test`) ni à l'entraînement ni en validation",
                         "`deep` never saw the test set (`X_test`), neither in training nor in validation"),
        "trained_on": (lambda: c.expect_trained_on(first, what="`deep`", train=("X_train",)),
                       "`deep` est entraîné sur `X_train`", "`deep` is trained on `X_train`"),
        "validation_from_training": (
            lambda: c.expect_validation_from_training(first, what="`deep`", train=("X_train",), test=("X_test",)),
            "`deep` est validé sur 30 % des données d'apprentissage (validation_split=0.3)",
            "`deep` is validated on 30% of the training data (validation_split=0.3)"),
        "evaluated_on": (lambda: c.expect_evaluated_on(sub, deep, ("X_test",)),
                         "`deep` est évalué sur `X_test` (evaluate)", "`deep` is evaluated on `X_test` (evaluate)"),
        "no_pretrained": (lambda: c.expect_no_pretrained_weights(sub), "aucun poids pré-entraîné",
                          "no pre-trained weights"),
        "same_fit_settings": (lambda: c.expect_same_fit_settings({"a": first, "b": first}),
                              "2 entraînements faits de la même façon (epochs=10", "2 trainings done the same way (epochs=10"),
        "reported": (lambda: c.expect_reported_result("test_acc", 0.9125, sub.calls),
                     "`test_acc` = 0,9125, un résultat de evaluate", "`test_acc` = 0.9125, a result of evaluate"),
    }


@pytest.mark.parametrize("name", list(expectations()))
def test_each_expectation_notes_what_it_verified_in_both_languages(name):
    run, french, english = expectations()[name]
    fr, en = only_note(run)
    assert french in fr and english in en, (fr, en)


def test_a_failed_expectation_notes_nothing_and_nested_ones_speak_once():
    from autograder.checks import expect_epochs, expect_loss, expect_validation_from_training

    sub = note_world()
    deep = sub.model("deep")
    with pytest.raises(CheckFailed):
        notes_of(lambda: expect_loss(deep, "mse"))
    assert [n.key for n in notes_of(lambda: expect_epochs(deep, target=10, low=5, high=20))] == ["ok.epochs"]
    both = notes_of(lambda: expect_validation_from_training(deep.fits[0], what="`deep`", train=("X_train",),
                                                              test=("X_test",)))
    assert [n.key for n in both] == ["ok.validation_from_split"]      # not also expect_not_test_set's


def test_a_check_adds_its_own_notes_and_can_quiet_the_expectations():
    from autograder.checks import UnknownMessageKey, expect_loss, expect_trained, expectation, quietly, verified

    sub = note_world()
    deep = sub.model("deep")

    def check():
        with quietly():
            expect_loss(deep, "categorical_crossentropy")
        expect_trained(deep)
        sub.note("ok.array_shape", name="x", shape="(3, 4)")

    assert [n.key for n in notes_of(check)] == ["ok.trained", "ok.array_shape"]

    @expectation
    def expect_ready(model):          # a helper of an assignment that speaks once for what it calls
        expect_loss(model, "categorical_crossentropy")
        expect_trained(model)
        verified("ok.structure", name=model.name, stack="...")

    assert [n.key for n in notes_of(lambda: expect_ready(deep))] == ["ok.structure"]
    expect_trained(deep)                               # outside a collection: nothing kept, nothing fails
    with pytest.raises(UnknownMessageKey):
        sub.note("ok.no_such_note")


def test_numbers_shapes_and_counts_in_each_language():
    from autograder.checks import number, shape_text
    from autograder.checks.notes import counted, epochs_text

    assert number(134794) == {"fr": f"134{NNBSP}794", "en": "134,794"}
    assert number(0.3) == {"fr": "0,3", "en": "0.3"} and number(12.0) == {"fr": "12", "en": "12"}
    assert number(0.271, 1) == {"fr": "0,3", "en": "0.3"} and number(2.5, sign=True)["fr"] == "+2,5"
    assert number(-1.5, sign=True)["en"] == "-1.5"
    assert shape_text([60000, 784]) == {"fr": f"(60{NNBSP}000, 784)", "en": "(60000, 784)"}
    assert shape_text([5]) == {"fr": "(5,)", "en": "(5,)"}
    assert epochs_text(1) == {"fr": "1 époque", "en": "1 epoch"}
    assert epochs_text(0) == {"fr": "0 époque", "en": "0 epochs"}
    assert counted(2, ("appel", "appels"), ("call", "calls")) == {"fr": "2 appels", "en": "2 calls"}


def test_stack_summary_collapses_repeated_layers_and_blocks():
    from autograder.checks.patterns import collapse_repeats, stack_summary

    assert collapse_repeats(list("aaab")) == ["a ×3", "b"]
    assert collapse_repeats(list("ababab")) == ["[a → b] ×3"]
    assert collapse_repeats(list("abcab")) == list("abcab")
    assert collapse_repeats(list("aaaa")) == ["a ×4"]                  # the single layer, not [a → a] ×2
    assert collapse_repeats([]) == []
    sub = Submission({"values": {"m": mlp(1, [64, 32, 32]), "empty": {**mlp(2, []), "layers": [], "input_shape": None}}})
    assert stack_summary(sub.model("m")) == "784 → Dense(64, relu) → Dense(32, relu) ×2 → Dense(10, softmax)"
    assert stack_summary(sub.model("empty"), "en") == "(no layer)"


def test_a_passed_verdict_carries_its_notes_and_a_failed_one_only_its_failure():
    from types import SimpleNamespace

    from autograder.checks import Note, check
    from autograder.checks.pytest_plugin import verdict_of

    spec = check("q1", 1)(lambda sub: None).check_spec
    notes = [Note("ok.loss", {"name": "m", "loss": "mse"}), Note("ok.array_shape", {"name": "x", "shape": "(3,)"}),
             Note("ok.loss", {"name": "m", "loss": "mse"})]
    passed = verdict_of(spec, None, notes)
    assert passed["passed"] and passed["points"] == 1
    assert passed["message"].splitlines() == [Note("ok.loss", {"name": "m", "loss": "mse"}).text(),
                                              Note("ok.array_shape", {"name": "x", "shape": "(3,)"}).text()]
    failed = verdict_of(spec, SimpleNamespace(value=CheckFailed("missing", name="m")), notes)
    assert not failed["passed"] and failed["message"] == CheckFailed("missing", name="m").text()
    assert verdict_of(spec, None)["message"] == ""


@pytest.mark.parametrize("in_process", [False, True], ids=["own-process", "in-process"])
def test_the_hidden_checks_process_writes_the_notes_of_passed_checks(tmp_path, in_process):
    """The real plugin in its own process, and in this one (as the batch worker runs it, twice
    here: a second session in a process starts from no verdicts), over hand-made facts."""
    from autograder.assignments import load_assignment
    from autograder.grading import run_hidden_checks

    histories, fits = five_histories()
    payload = {"values": {"model_q3_3": mlp(1, [128] * 3), "histories_q5": {"kind": "dict", "items": histories},
                          "n_params_q3_3": {"kind": "scalar", "value": 134794}},
               "fits": fits + [fit(1, 99)]}
    spec = load_assignment("td_keras_mlp")
    runs = [run_hidden_checks(spec, payload, "en", tmp_path, in_process=in_process) for _ in range(1 + in_process)]
    assert all(run == runs[0] for run in runs) and len(runs[0]) == len({v["id"] for v in runs[0]})
    verdicts = {v["id"]: v for v in runs[-1]}
    assert verdicts["q3_three_hidden"]["passed"]
    assert verdicts["q3_three_hidden"]["message"].splitlines() == [
        "structure of `model_q3_3`: 784 → Dense(128, relu) ×3 → Dense(10, softmax)",
        "`model_q3_3` was trained (2 completed calls to fit, 10 + 10 epochs)"]
    assert verdicts["q4_param_count"]["message"] == \
        "`n_params_q3_3` = 134,794 parameters: (784 + 1) × 128 + 2 × (128 + 1) × 128 + (128 + 1) × 10"
    assert "validation_split=0.3" in verdicts["q5_validation"]["message"]
    assert not verdicts["q2_loss"]["passed"] and verdicts["q2_loss"]["message"] == \
        "`model_q2` is not defined: did the cell that should create it run without error?"


def test_the_nbgrader_path_prints_what_passed_checks_verified(monkeypatch, capsys):
    from autograder import nbgrader_bridge
    from autograder.kernel import harvest, recorder

    histories, fits = five_histories()
    payload = {"values": {"histories_q5": {"kind": "dict", "items": histories}}, "fits": fits}
    monkeypatch.setattr(recorder, "install", lambda fast=False: None)
    monkeypatch.setattr(harvest, "facts_of", lambda namespace, names: payload)
    monkeypatch.setenv("AUTOGRADER_LANG", "fr")
    assert nbgrader_bridge.hidden_score("q5", {}, assignment="td_keras_mlp") == 2
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("✔ `histories_q5` : 5 historiques d'entraînement de 5 modèles différents")
    assert printed[1].startswith("✔ `histories_q5` : les 5 entraînements gardent 30 %")


# ----------------------------------------------------------------------------- model selection (selection.py)
def selection_history(label, **series):
    from autograder.checks.facts import HistoryFacts

    return HistoryFacts(name=f"selection[{label!r}]", id=hash(label), model_id=None, keys=sorted(series),
                        epochs_run=3, fit=None, values=series)


def test_the_best_by_validation_accepts_ties_and_every_usual_criterion():
    from autograder.checks import Criterion, best_labels, expect_best_by_validation, ranking
    from autograder.checks.selection import ACCURACY_KEYS, VALIDATION_CRITERIA

    histories = {"a": selection_history("a", val_accuracy=[0.90, 0.95, 0.93], val_loss=[0.4, 0.2, 0.25]),
                 "b": selection_history("b", val_accuracy=[0.91, 0.94, 0.94], val_loss=[0.35, 0.3, 0.19]),
                 "c": selection_history("c", val_accuracy=[0.80, 0.85, 0.94], val_loss=[0.5, 0.45, 0.4])}
    last = VALIDATION_CRITERIA[0]
    assert last == Criterion(ACCURACY_KEYS, "last", "max")
    assert ranking(histories, last) == ("val_accuracy", {"a": 0.93, "b": 0.94, "c": 0.94})
    assert best_labels(ranking(histories, last)[1], "max") == ["b", "c"]       # a tie: both accepted
    assert expect_best_by_validation("c", histories, name="best", what="`s`") == last
    assert expect_best_by_validation("a", histories, name="best", what="`s`").reading == "best"   # max over epochs
    assert expect_best_by_validation("b", histories, name="best", what="`s`") == last


def test_the_best_by_validation_names_the_best_and_the_criterion():
    from autograder.checks import collect_notes, expect_best_by_validation

    histories = {"small": selection_history("small", val_acc=[0.9], accuracy=[0.99], val_loss=[0.3]),
                 "big": selection_history("big", val_acc=[0.95], accuracy=[0.92], val_loss=[0.2])}
    with pytest.raises(CheckFailed) as error:
        expect_best_by_validation("small", histories, name="best_label", what="`selection`")
    fr, en = error.value.text("fr"), error.value.text("en")
    assert error.value.key == "selection_not_best"
    assert "'big'" in en and "val_acc at the last epoch" in en and "has 0.95 against 0.9" in en
    assert "0,95" in fr and "à la dernière époque" in fr


def test_the_best_by_validation_refuses_other_labels_and_unvalidated_histories():
    from autograder.checks import collect_notes, expect_best_by_validation

    histories = {"a": selection_history("a", accuracy=[0.9], loss=[0.3]), "b": selection_history("b", accuracy=[0.8], loss=[0.5])}
    with pytest.raises(CheckFailed) as error:
        expect_best_by_validation("c", histories, name="best_label", what="`selection`")
    assert error.value.key == "choice_not_a_candidate" and "'a', 'b'" in error.value.text("en")
    with pytest.raises(CheckFailed) as error:
        expect_best_by_validation(3, histories, name="best_label", what="`selection`")
    assert error.value.key == "choice_not_a_candidate"
    with pytest.raises(CheckFailed) as error:
        expect_best_by_validation("a", histories, name="best_label", what="`selection`")
    assert error.value.key == "choice_no_validation" and "val_accuracy" in error.value.text("en")


def test_the_best_by_validation_notes_its_criterion_in_both_languages():
    from autograder.checks import collect_notes, expect_best_by_validation

    histories = {"a": selection_history("a", val_loss=[0.3, 0.1]), "b": selection_history("b", val_loss=[0.2, 0.2])}
    with collect_notes() as notes:
        expect_best_by_validation("a", histories, name="best_label", what="`selection`")
    assert len(notes) == 1
    assert "val_loss à la dernière époque (0,1)" in notes[0].text("fr")
    assert "the best of the 2 candidates" in notes[0].text("en")


def test_a_criterion_must_say_how_it_reads_and_what_is_better():
    from autograder.checks import Criterion

    with pytest.raises(ValueError):
        Criterion(("val_accuracy",), "first", "max")
    with pytest.raises(ValueError):
        Criterion(("val_accuracy",), "last", "highest")


def test_histories_keep_their_values_and_model():
    payload = {"values": {"s": {"kind": "dict", "items": {
        "a": {"kind": "history", "id": 1, "model_id": 7, "keys": ["val_loss"], "epochs_run": 2,
              "values": {"val_loss": [0.5, None]},
              "model": {"kind": "model", "id": 7, "layers": [{"class": "Conv2D", "filters": 8}], "n_params": 80}},
        "b": {"kind": "scalar", "type": "int", "value": 3}}}}}
    sub = Submission(payload)
    with pytest.raises(CheckFailed) as error:
        sub.histories("s")
    assert error.value.key == "dict_not_histories" and "`s['b']`" in error.value.text("en")
    del payload["values"]["s"]["items"]["b"]
    a = Submission(payload).histories("s")["a"]
    assert a.name == "s['a']" and a.series("val_accuracy", "val_loss") == ("val_loss", [0.5])
    assert a.model.name == "s['a'].model" and a.model.layers[0].filters == 8 and a.model.n_params == 80


def test_a_model_reloaded_from_a_file_the_notebook_saved_keeps_its_training():
    from autograder.checks import trained_fits, weights_origin

    files = [{"kind": "save_weights", "index": 0, "completed": True, "path": "/w/a.h5", "model_id": 1},
             {"kind": "load_weights", "index": 1, "completed": True, "path": "/w/a.h5", "model_id": 2},
             {"kind": "save", "index": 2, "completed": True, "path": "/w/b.keras", "model_id": 2},
             {"kind": "load_model", "index": 3, "completed": True, "path": "/w/b.keras", "model_id": 3},
             {"kind": "load_model", "index": 4, "completed": True, "path": "/elsewhere.keras", "model_id": 4}]
    sub = Submission({"values": {f"m{i}": {**mlp(i, [8])} for i in (1, 2, 3, 4)}, "fits": [fit(1, 11)],
                      "files": files})
    assert weights_origin(sub, 3) == 2 and weights_origin(sub, 2) == 1 and weights_origin(sub, 4) is None
    assert [f.model_id for f in trained_fits(sub, sub.model("m3"))] == [1]    # through two saves
    assert trained_fits(sub, sub.model("m4")) == []                           # not this notebook's file


def test_no_message_key_is_defined_twice_in_the_generic_catalog():
    """A dict literal keeps the last of two equal keys silently: two library modules once shared
    one key with different parameters, and one of them failed with KeyError at grading."""
    import ast
    import collections
    from pathlib import Path

    import autograder.checks.messages as module
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert [k for k, n in collections.Counter(keys).items() if n > 1] == []
