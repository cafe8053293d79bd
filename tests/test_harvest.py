"""The harvest and the recorder on real Keras objects, in this process (no kernel).

``recorder.install`` is what the grader's bootstrap cell runs before any student cell; here it
runs before Keras is used by these tests, so the snapshot of the Keras classes is taken."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from autograder.checks import Submission, expect_layers, expect_no_pretrained_weights
from autograder.kernel import fingerprint, harvest, recorder


@pytest.fixture(scope="module")
def keras():
    recorder.install(fast=False)   # as written: no other test of this process sees shortened fits
    import keras

    if "classes" not in recorder.originals():   # Keras was imported before install by another test
        recorder._patch_keras(keras)
    return keras


def layers_of(model) -> list[dict]:
    return harvest.describe(model)["layers"]


def by_class(facts: list[dict]) -> dict:
    return {layer["class"]: layer for layer in facts}


def test_convolution_pooling_and_reshaping_layers(keras):
    L = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(8, 3, padding="same", strides=1, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-3)),
        L.BatchNormalization(), L.MaxPool2D(2), L.SpatialDropout2D(0.1),
        L.Conv2D(4, (5, 5)), L.AveragePooling2D((2, 2)), L.GlobalMaxPooling2D(), L.Reshape((2, 2)),
        L.Conv1D(3, 2, activation="tanh"), L.MaxPooling1D(1), L.GlobalAveragePooling1D(),
        L.Dense(10), L.Softmax(),
    ])
    facts = harvest.describe(model)
    assert facts["input_shape"] == [None, 28, 28, 1] and facts["output_shape"] == [None, 10]
    layers = by_class(facts["layers"])
    conv = facts["layers"][0]
    assert conv["class"] == "Conv2D" and conv["filters"] == 8 and conv["kernel_size"] == [3, 3]
    assert conv["padding"] == "same" and conv["strides"] == [1, 1] and conv["activation"] == "relu"
    assert conv["kernel_regularizer"] == {"class": "L2", "l2": pytest.approx(1e-3)}
    assert conv["n_params"] == 3 * 3 * 1 * 8 + 8 and conv["output_shape"] == [None, 28, 28, 8]
    assert layers["MaxPooling2D"]["pool_size"] == [2, 2] and layers["MaxPooling2D"]["output_shape"] == [None, 14, 14, 8]
    assert layers["AveragePooling2D"]["pool_size"] == [2, 2]
    assert layers["SpatialDropout2D"]["rate"] == pytest.approx(0.1)
    assert layers["BatchNormalization"]["n_params"] == 32
    assert layers["Reshape"]["target_shape"] == [2, 2]
    assert layers["Conv1D"]["kernel_size"] == [2] and layers["Conv1D"]["activation"] == "tanh"
    assert layers["GlobalMaxPooling2D"]["output_shape"] == [None, 4]
    assert layers["Softmax"]["activation"] == "softmax"
    assert facts["n_params"] == sum(layer["n_params"] for layer in facts["layers"]) == model.count_params()
    assert len(str(facts)) < 8000   # JSON-small: no initializers, no None values


def test_dense_dropout_activation_and_regularizer_layers(keras):
    L = keras.layers
    model = keras.Sequential([
        keras.Input((784,)), L.Dense(64, kernel_regularizer="l1", bias_regularizer=keras.regularizers.L1L2(l1=0.0, l2=0.01),
                                     activity_regularizer="l2"),
        L.LeakyReLU(), L.GaussianDropout(0.2), L.Dense(32), L.Activation("relu"), L.ReLU(), L.GaussianNoise(0.1),
        L.AlphaDropout(0.1), L.Dropout(0.5), L.Dense(10, activation="softmax"),
    ])
    layers = layers_of(model)
    first = layers[0]
    assert first["units"] == 64 and first["kernel_regularizer"]["class"] == "L1" and first["kernel_regularizer"]["l1"] > 0
    assert first["bias_regularizer"] == {"class": "L1L2", "l1": 0.0, "l2": pytest.approx(0.01)}
    assert first["activity_regularizer"]["class"] == "L2"
    classes = [layer["class"] for layer in layers]
    assert classes == ["Dense", "LeakyReLU", "GaussianDropout", "Dense", "Activation", "ReLU", "GaussianNoise",
                       "AlphaDropout", "Dropout", "Dense"]
    assert layers[1]["activation"] == "leaky_relu" and layers[4]["activation"] == "relu"
    assert layers[2]["rate"] == pytest.approx(0.2) and layers[8]["rate"] == pytest.approx(0.5)
    assert layers[-1]["units"] == 10 and layers[-1]["activation"] == "softmax"


def test_embedding_and_recurrent_layers(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((20,)), L.Embedding(100, 8), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                              L.SimpleRNN(5, return_sequences=True), L.GRU(3), L.Dense(1)])
    layers = layers_of(model)
    assert layers[0]["class"] == "Embedding" and layers[0]["input_dim"] == 100 and layers[0]["output_dim"] == 8
    assert layers[0]["n_params"] == 800
    assert layers[1]["class"] == "Bidirectional" and layers[1]["layer"]["class"] == "LSTM"
    assert layers[1]["layer"]["units"] == 4 and layers[1]["layer"]["return_sequences"] is True
    assert layers[1]["output_shape"] == [None, 20, 8]
    assert layers[2]["class"] == "SimpleRNN" and layers[2]["units"] == 5
    assert layers[3]["class"] == "GRU" and layers[3]["units"] == 3 and layers[3]["output_shape"] == [None, 3]


def test_nested_model_is_described_and_flattened_by_the_facts(keras):
    L = keras.layers
    block = keras.Sequential([L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D()])
    inputs = keras.Input((12, 12, 1))
    outputs = L.Dense(10, activation="softmax")(L.Flatten()(block(inputs)))
    model = keras.Model(inputs, outputs)
    facts = harvest.describe(model)
    nested = next(layer for layer in facts["layers"] if layer.get("layers"))
    assert nested["class"] == "Sequential" and [layer["class"] for layer in nested["layers"]] == ["Conv2D", "MaxPooling2D"]
    assert facts["input_shape"] == [None, 12, 12, 1]
    read = Submission({"values": {"m": facts}}).model("m")
    assert [layer.cls for layer in read.flat_layers()] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    from autograder.checks import L as Layer, seq
    expect_layers(read, seq(Layer("Conv2D", activation="relu"), "MaxPool2D", "Flatten", Layer("Dense", units=10)))


def test_monkeypatched_keras_methods_do_not_change_the_facts(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)])
    before = harvest.describe(model)
    originals = {name: keras.layers.Dense.__dict__[name] for name in ("get_config",) if name in keras.layers.Dense.__dict__}
    count_params = keras.layers.Layer.count_params

    class Forged(L.Dense):
        def get_config(self):
            return {"units": 999, "activation": "softmax"}

    forged_model = keras.Sequential([keras.Input((4,)), Forged(3, activation="relu"), L.Dense(2)])
    forged_model.layers[-1].get_config = lambda: {"units": 7}   # on the instance itself
    try:
        keras.layers.Dense.get_config = lambda self: {"units": 512, "kernel_size": [9, 9]}
        keras.layers.Layer.count_params = lambda self: 1
        changes = harvest._changes()
        with harvest._originals_in_place(changes):
            after = harvest.describe(model)
            forged = harvest.describe(forged_model)
        assert any(name == "get_config" for _, name, _, _ in changes)
    finally:
        for name, value in originals.items():
            setattr(keras.layers.Dense, name, value)
        if "get_config" not in originals:
            del keras.layers.Dense.get_config
        keras.layers.Layer.count_params = count_params
    strip = lambda facts: [{k: v for k, v in layer.items() if k != "name"} for layer in facts["layers"]]
    assert strip(after) == strip(before)
    assert forged["layers"][0]["units"] == 3 and forged["layers"][0]["custom_class"] == "Forged"
    assert "kernel_size" not in forged["layers"][0] and forged["layers"][0]["use_bias"] is True
    assert forged["layers"][1]["units"] == 2 and forged["layers"][1]["activation"] == "linear"


@pytest.mark.slow   # trains (two tiny fits)
def test_fit_evaluate_predict_records_say_which_data_they_saw(keras, tmp_path):
    L = keras.layers
    rng = np.random.default_rng(0)
    X_train = rng.random((300, 784), dtype=np.float32)
    y_train = np.eye(10)[rng.integers(0, 10, 300)]
    X_test = rng.random((100, 784), dtype=np.float32)
    y_test = np.eye(10)[rng.integers(0, 10, 100)]
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    start_fits, start_calls = len(recorder.records()), len(recorder.calls())
    images = X_train.reshape(-1, 28, 28, 1)
    model.fit(images, y_train, epochs=1, batch_size=50, validation_split=0.1, verbose=0)
    model.fit(images[30:], y_train[30:], epochs=1, validation_data=(images[:30], y_train[:30]), verbose=0)
    model.fit(images, y_train, epochs=1, validation_data=(X_test.reshape(-1, 28, 28, 1), y_test), verbose=0)
    model.evaluate(X_test.reshape(-1, 28, 28, 1), y_test, verbose=0)
    model.predict(images[:20], verbose=0)
    namespace = {"X_train": X_train, "X_test": X_test, "y_test": y_test, "model": model}
    payload = harvest.facts_of(namespace, list(namespace))
    sub = Submission(payload)
    split, cut, on_test = sub.fits[start_fits:start_fits + 3]
    assert split.validation_source == "split" and split.x.is_("X_train") == "X_train"
    assert split.validation_x.rows == 30 and split.validation_x.within("X_train") == "X_train"
    assert split.validation_in_training_rows == 0.0
    assert cut.validation_source == "data" and cut.x.relation("X_train") == "subset"
    assert cut.validation_x.within("X_train") and not cut.validation_x.overlaps("X_test")
    assert on_test.validation_x.is_("X_test") and on_test.data["validation_y"].is_("y_test")
    evaluate, predict = sub.calls[start_calls:start_calls + 2]
    assert evaluate.kind == "evaluate" and evaluate.x.is_("X_test") and len(evaluate.values()) == 2
    assert predict.kind == "predict" and predict.x.relation("X_train") == "subset" and predict.output_shape == [20, 10]
    assert sub.values["X_train"]["fingerprint"]["rows"] == 300
    # no private part (row samples) leaves the kernel, and no array is kept by the records
    assert "_sample" not in str(payload) and all(not isinstance(v, np.ndarray) for r in recorder._calls for v in r.values())
    import json
    json.dumps(payload)


def test_saves_loads_and_applications_are_recorded(keras, tmp_path):
    L = keras.layers
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    start = len(recorder.file_events())
    path = str(tmp_path / "mine.keras")
    model.save(path)
    model.save_weights(str(tmp_path / "mine.weights.h5"))
    keras.models.load_model(path)
    other = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    other.save_weights(str(tmp_path / "elsewhere.weights.h5"))
    keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    events = recorder.file_events()[start:]
    assert [e["kind"] for e in events] == ["save", "save_weights", "load_model", "save_weights", "application"]
    assert events[0]["path"] == path and events[2]["path"] == path
    assert events[4]["name"] == "VGG16" and events[4]["weights"] is None and events[4]["completed"]
    sub = Submission({"values": {}, "files": events})
    expect_no_pretrained_weights(sub)   # reloading a file the notebook wrote, an application without weights
    outside = tmp_path / "outside.weights.h5"
    os.replace(tmp_path / "elsewhere.weights.h5", outside)
    model2 = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    model2.load_weights(str(outside))
    sub = Submission({"values": {}, "files": recorder.file_events()[start:]})
    with pytest.raises(Exception) as error:
        expect_no_pretrained_weights(sub)
    assert "outside.weights.h5" in str(error.value)
    with pytest.raises(ValueError):   # refused by Keras (too small for the weights), recorded all the same
        keras.applications.VGG16(weights="imagenet", include_top=False, input_shape=(8, 8, 3))
    imagenet = recorder.file_events()[-1]
    assert imagenet["kind"] == "application" and imagenet["weights"] == "imagenet" and not imagenet["completed"]


def test_fingerprints_survive_reshape_and_dtype_and_see_subsets():
    rng = np.random.default_rng(1)
    train = rng.random((5000, 784), dtype=np.float32)
    test = rng.random((1000, 784), dtype=np.float32)
    index = fingerprint.row_index(train)
    assert fingerprint.relation(fingerprint.fingerprint(train.reshape(-1, 28, 28, 1)), index)["relation"] == "same"
    assert fingerprint.relation(fingerprint.fingerprint(train[::-1].astype(np.float64)), index)["relation"] == "same"
    assert fingerprint.relation(fingerprint.fingerprint(train[500:1000]), index)["relation"] == "subset"
    assert fingerprint.relation(fingerprint.fingerprint(test), index) is None
    mixed = fingerprint.relation(fingerprint.fingerprint(np.concatenate([train[:500], test[:500]])), index)
    assert mixed["relation"] == "overlap" and 0.3 < mixed["fraction"] < 0.7
    assert fingerprint.relation(fingerprint.fingerprint((train * 255).astype(np.uint8)), index) is None


def test_fingerprint_of_a_full_mnist_sized_array_is_cheap():
    big = np.random.default_rng(2).random((60000, 784), dtype=np.float32)
    fingerprint.fingerprint(big[:10])   # the projection matrix is made once per row size
    timings = []
    for _ in range(3):   # CPU time: the machine may be shared (wall time is ~25 ms on an idle core)
        start = time.process_time()
        fingerprint.fingerprint(big)
        timings.append(time.process_time() - start)
    assert min(timings) < 0.15, timings


@pytest.mark.slow
def test_kernel_payload_holds_calls_files_and_data_relations(tmp_path):
    """Through a real kernel and the grader's emitter: the facts the checks read."""
    import nbformat

    from autograder.execution.environment import kernel_env
    from autograder.execution.kernel_run import Limits, run_notebook

    cells = [
        "import numpy as np, keras\n"
        "rng = np.random.default_rng(0)\n"
        "X_train = rng.random((200, 784), dtype=np.float32); y_train = np.eye(10)[rng.integers(0, 10, 200)]\n"
        "X_test = rng.random((50, 784), dtype=np.float32); y_test = np.eye(10)[rng.integers(0, 10, 50)]\n"
        "X_train_img, X_test_img = X_train.reshape(-1, 28, 28, 1), X_test.reshape(-1, 28, 28, 1)",
        "model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3, activation='relu'),\n"
        "                          keras.layers.MaxPool2D(), keras.layers.Flatten(), keras.layers.Dense(10, activation='softmax')])\n"
        "model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])\n"
        "history = model.fit(X_train_img, y_train, epochs=3, validation_data=(X_test_img, y_test), verbose=0)\n"
        "test_acc = model.evaluate(X_test_img, y_test, verbose=0)[1]\n"
        "model.save('best.keras'); best = keras.models.load_model('best.keras')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = kernel_env(workdir=tmp_path, threads=1)
    names = ["X_train", "X_test_img", "model", "history", "test_acc", "best"]
    execution = run_notebook(nb, workdir=tmp_path, names=names, fast=True, limits=Limits(), env=env)
    assert not execution.cell_errors, execution.cell_errors
    sub = Submission(execution.harvest)
    model = sub.model("model")
    assert model.input_shape == [None, 28, 28, 1] and [l.cls for l in model.flat_layers()][:2] == ["Conv2D", "MaxPooling2D"]
    fit = sub.history("history").fit
    assert fit.x.is_("X_train") and fit.validation_x.is_("X_test_img") and fit.validation_source == "data"
    (evaluate,) = model.evaluations
    assert evaluate.x.is_("X_test_img") and sub.scalar("test_acc") in evaluate.values()
    assert [e.kind for e in sub.files] == ["save", "load_model"] and sub.files[1].model_id == sub.raw("best")["id"]
    expect_no_pretrained_weights(sub)


def test_the_harvest_keeps_a_historys_values_and_the_model_it_trained(keras):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.GlobalMaxPooling2D(), keras.layers.Dense(10, activation="softmax")])
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {"val_accuracy": [0.5, np.float32(0.75)], "loss": [1, float("nan")],
                       "lr": [np.int64(2), "x"], 3: [1]}
    import json

    facts = harvest.describe({"cnn": history})["items"]["cnn"]
    assert facts["values"] == {"val_accuracy": [0.5, 0.75], "loss": [1.0, None], "lr": [2.0, None]}
    assert facts["model"]["kind"] == "model" and facts["model"]["id"] == id(model)
    assert [layer["class"] for layer in facts["model"]["layers"]] == ["Conv2D", "GlobalMaxPooling2D", "Dense"]
    json.dumps(facts)
