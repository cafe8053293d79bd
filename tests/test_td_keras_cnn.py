"""The homework td_keras_cnn: its hidden checks on the facts of its solution and on each typical
mistake of the assignment (fast: stored facts, no kernel), and the solution graded for real (slow).
The library it needed is tested with the library (tests/test_checks.py: model selection,
dictionaries of Histories; tests/test_harvest.py: a History's values and model).

``tests/data/td_keras_cnn_solution_facts.json`` is the harvest of the solution notebook in fast
mode (``grade_submission(...)[1].harvest``, the emitter's ``secret`` removed); regenerate it after
a change of the harvest format or of the solution. Each mistake below edits those facts as the
student's code would have made them, and must fail only checks of its own question.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from autograder.assignments import load_assignment
from autograder.checks import CheckFailed, Submission, checks_of, collect_notes

SPEC = load_assignment("td_keras_cnn")
CHECKS = SPEC.hidden_checks_module()
FACTS = Path(__file__).parent / "data" / "td_keras_cnn_solution_facts.json"
AUTOMATIC = {"q1": 2, "q2": 4, "q3": 6, "q4": 4}


@pytest.fixture
def facts() -> dict:
    return json.loads(FACTS.read_text(encoding="utf-8"))


def verdicts(payload: dict) -> dict[str, CheckFailed | None]:
    """check id -> None (passed) or the failure, for every check of the assignment."""
    sub, found = Submission(copy.deepcopy(payload)), {}
    for spec in checks_of(CHECKS):
        try:
            spec.function(sub)
            found[spec.id] = None
        except CheckFailed as failure:
            found[spec.id] = failure
    return found


def failed(payload: dict) -> dict[str, CheckFailed]:
    return {check_id: failure for check_id, failure in verdicts(payload).items() if failure is not None}


def only_question(payload: dict, question: str) -> dict[str, CheckFailed]:
    """The failed checks, asserted to be all of ``question`` (and at least one)."""
    failures = failed(payload)
    assert failures, "the mistake is not caught"
    assert {check_id.split("_")[0] for check_id in failures} == {question}, sorted(failures)
    for failure in failures.values():   # a message in both languages, never the check's code
        assert failure.text("fr") and failure.text("en") and failure.text("fr") != failure.text("en")
    return failures


# ----------------------------------------------------------------------------- helpers on the facts
def values(payload):
    return payload["values"]


def selection(payload) -> dict:
    return values(payload)["selection"]["items"]


def model_of(payload, name):
    return values(payload)[name]


def fit_of_history(payload, history: dict) -> dict:
    return next(f for f in payload["fits"] if f["history_id"] == history["id"])


def layers(payload, name):
    return model_of(payload, name)["layers"]


def by_validation(payload, goal="max", key="val_accuracy"):
    scores = {label: h["values"][key][-1] for label, h in selection(payload).items()}
    return sorted(scores, key=scores.get, reverse=goal == "max")


# ----------------------------------------------------------------------------- the solution
def test_the_spec_gives_sixteen_automatic_points_and_four_by_hand():
    points = {q: sum(c.points for c in checks_of(CHECKS, q)) for q in SPEC.questions}
    assert points == AUTOMATIC and sum(points.values()) == 16
    assert {m.id: m.points for m in SPEC.manual} == {"q3_answer": 2, "q4_answer": 2}
    assert SPEC.max_score == 20 and SPEC.shared_files == {"dataset_utils.py": "td_keras_mlp"}
    assert SPEC.contract_names == ["X_train_img", "X_test_img", "y_train", "y_test", "model_cnn", "history_cnn",
                                   "selection", "best_label", "best_cnn", "model_fc", "history_fc",
                                   "test_acc_cnn", "test_acc_fc"]


def test_public_checks_are_shapes_structures_and_loss_only():
    public = {spec.id for spec in checks_of(CHECKS) if spec.public}
    assert public == {"q1_images", "q1_labels", "q2_structure", "q2_loss", "q2_trained", "q4_fully_connected"}


def test_the_solution_facts_pass_every_check_with_a_note(facts):
    for spec in checks_of(CHECKS):
        with collect_notes() as notes:
            spec.function(Submission(copy.deepcopy(facts)))
        assert notes and all(note.text("fr") and note.text("en") for note in notes), spec.id


def test_the_worked_figures():
    from autograder.checks import dense_params

    conv = [32 * (3 * 3 * 1 + 1), 64 * (3 * 3 * 32 + 1), (5 * 5 * 64 + 1) * 10]
    assert conv == [320, 18496, 16010] and sum(conv) == 34826
    assert dense_params(784, [44, 10]) == 795 * 44 + 10 == 34990
    assert abs(34990 - 34826) / 34826 < 0.01


def test_the_solution_facts_hold_the_worked_cnn(facts):
    assert model_of(facts, "model_cnn")["n_params"] == 34826
    sub = Submission(facts)
    histories = sub.histories("selection")
    assert len(histories) == 4 and all(h.model is not None and h.values.get("val_accuracy") for h in histories.values())


# ----------------------------------------------------------------------------- Q1 mistakes
def test_images_without_the_channel_axis(facts):
    values(facts)["X_train_img"]["shape"] = [4000, 28, 28]
    failures = only_question(facts, "q1")
    assert failures["q1_images"].key == "td_keras_cnn.no_channel_axis"
    assert "reshape(-1, 28, 28, 1)" in failures["q1_images"].text("en")


def test_images_still_flat(facts):
    values(facts)["X_test_img"]["shape"] = [1000, 784, 1]
    assert only_question(facts, "q1")["q1_images"].key == "td_keras_cnn.still_flat"


def test_images_rescaled_again(facts):
    values(facts)["X_train_img"]["max"] = 255.0
    assert only_question(facts, "q1")["q1_images"].key == "td_keras_cnn.pixel_range"


def test_labels_not_one_hot(facts):
    values(facts)["y_train"].update(shape=[4000, 10], one_hot=False)
    assert only_question(facts, "q1")["q1_labels"].key == "td_keras_cnn.not_one_hot"


# ----------------------------------------------------------------------------- Q2 mistakes
def test_conv1d(facts):
    first = layers(facts, "model_cnn")[1 if layers(facts, "model_cnn")[0]["class"] == "InputLayer" else 0]
    first["class"] = "Conv1D"
    assert only_question(facts, "q2")["q2_structure"].key == "td_keras_cnn.conv1d"


def test_input_not_an_image(facts):
    model_of(facts, "model_cnn")["input_shape"] = [None, 784, 1]
    assert only_question(facts, "q2")["q2_structure"].key == "td_keras_cnn.input_not_image"


def test_no_pooling(facts):
    model = model_of(facts, "model_cnn")
    model["layers"] = [layer for layer in model["layers"] if layer["class"] != "MaxPooling2D"]
    failure = only_question(facts, "q2")["q2_structure"]
    assert failure.key == "pattern_layer" and "MaxPooling2D" in failure.text("en")


def test_no_flatten(facts):
    model = model_of(facts, "model_cnn")
    model["layers"] = [layer for layer in model["layers"] if layer["class"] != "Flatten"]
    failure = only_question(facts, "q2")["q2_structure"]
    assert "Flatten" in failure.text("fr")


def test_sigmoid_output(facts):
    layers(facts, "model_cnn")[-1]["activation"] = "sigmoid"
    failure = only_question(facts, "q2")["q2_structure"]
    assert "sigmoid" in failure.text("en") and "softmax" in failure.text("en")


def test_mse_loss(facts):
    model_of(facts, "model_cnn")["loss"] = "mse"
    failure = only_question(facts, "q2")["q2_loss"]
    assert failure.key == "td_keras_cnn.loss" and "categorical_crossentropy" in failure.text("fr")


def detach_first_cnn(payload) -> dict:
    """The solution's first CNN is also a candidate of its selection: give the selection a clean
    copy of its fit, so that a change of Q2's fit stays Q2's; returns Q2's fit record."""
    first = values(payload)["history_cnn"]
    label = next(k for k, h in selection(payload).items() if h["id"] == first["id"])
    payload["fits"].append({**copy.deepcopy(fit_of_history(payload, first)), "history_id": -1})
    selection(payload)[label] = {**selection(payload)[label], "id": -1}
    return fit_of_history(payload, first)


def test_first_cnn_trained_too_long(facts):
    detach_first_cnn(facts)["epochs"] = 100
    assert only_question(facts, "q2")["q2_trained"].key == "td_keras_cnn.epochs"


def test_first_cnn_validated_on_the_test_set(facts):
    fit = detach_first_cnn(facts)
    fit["data"]["validation_x"]["matches"] = {"X_test_img": {"relation": "same", "fraction": 1.0}}
    fit.update(validation_split=0.0, validation_rows=1000, validation={"source": "data", "in_training_rows": 0.0})
    failure = only_question(facts, "q2")["q2_validation_from_training"]
    assert failure.key == "validated_on_test_data" and "X_test_img" in failure.text("en")


# ----------------------------------------------------------------------------- Q3 mistakes
def test_fewer_than_four_candidates(facts):
    del selection(facts)[by_validation(facts)[-1]]
    failures = only_question(facts, "q3")
    assert list(failures) == ["q3_distinct_candidates"]
    assert failures["q3_distinct_candidates"].key == "td_keras_cnn.too_few_candidates"


def test_candidates_differing_only_by_optimizer(facts):
    reference = copy.deepcopy(layers(facts, "model_cnn"))
    for history in selection(facts).values():
        history["model"]["layers"] = copy.deepcopy(reference)
    model_of(facts, "best_cnn")["layers"] = copy.deepcopy(reference)
    failures = only_question(facts, "q3")
    assert list(failures) == ["q3_distinct_candidates"]
    assert failures["q3_distinct_candidates"].key == "architectures_not_distinct"


def test_candidate_validated_on_the_test_set_with_the_others(facts):
    """Every candidate validated on the test set (validation_data=(X_test_img, y_test)), and the
    dense network too: it is trained like best_cnn (Q4 has no rule on the test set in training)."""
    for history in [*selection(facts).values(), values(facts)["history_fc"]]:
        fit = fit_of_history(facts, history)
        fit["data"]["validation_x"]["matches"] = {"X_test_img": {"relation": "same", "fraction": 1.0}}
        fit.update(validation_split=0.0, validation_rows=1000, validation={"source": "data", "in_training_rows": 0.0})
    # history_cnn is one of them: the first CNN is validated on the test set too (Q2's own rule)
    failures = failed(facts)
    assert set(failures) == {"q3_test_set_unused", "q2_validation_from_training"}
    assert failures["q3_test_set_unused"].key == "validated_on_test_data"


def test_one_candidate_with_another_split(facts):
    label = by_validation(facts)[-1]
    fit = fit_of_history(facts, selection(facts)[label])
    fit["validation_split"] = 0.1
    fit["validation"]["fraction"] = 0.1
    failures = only_question(facts, "q3")
    assert list(failures) == ["q3_same_training_validated_on_training_data"]
    assert failures["q3_same_training_validated_on_training_data"].key == "fit_settings_differ"


def test_candidates_trained_for_other_epochs(facts):
    fit_of_history(facts, selection(facts)[by_validation(facts)[-1]])["epochs"] = 10
    assert list(only_question(facts, "q3")) == ["q3_same_training_validated_on_training_data"]


def choose(payload, label):
    """The notebook chose ``label``: best_label, best_cnn (that candidate's model, evaluated on the
    test set) and the FC sized on it follow, as the solution's code does."""
    values(payload)["best_label"]["value"] = label
    before, model = values(payload)["best_cnn"]["id"], selection(payload)[label]["model"]
    values(payload)["best_cnn"] = copy.deepcopy(model)
    values(payload)["model_fc"]["n_params"] = model["n_params"]
    for call in payload["calls"]:
        if call["model_id"] == before:
            call["model_id"] = model["id"]


def test_best_label_on_training_accuracy(facts):
    by_training = max(selection(facts), key=lambda k: selection(facts)[k]["values"]["accuracy"][-1])
    assert by_training not in (by_validation(facts)[0], by_validation(facts, "min", "val_loss")[0])
    choose(facts, by_training)
    failures = only_question(facts, "q3")
    assert list(failures) == ["q3_best_label_from_validation"]
    text = failures["q3_best_label_from_validation"].text("en")
    assert "not from the training accuracy" in text and by_validation(facts)[0] in text


def test_best_label_by_the_lowest_validation_loss_is_accepted(facts):
    by_loss = by_validation(facts, "min", "val_loss")[0]
    choose(facts, by_loss)
    assert failed(facts) == {}


def test_best_label_not_a_key(facts):
    values(facts)["best_label"]["value"] = "cnn_3"
    failures = only_question(facts, "q3")
    assert {f.key for f in failures.values()} == {"choice_not_a_candidate"}


def test_best_cnn_not_the_chosen_architecture(facts):
    other = by_validation(facts)[-1]
    model_of(facts, "best_cnn")["layers"] = copy.deepcopy(selection(facts)[other]["model"]["layers"])
    failures = only_question(facts, "q3")
    assert list(failures) == ["q3_best_cnn"] and failures["q3_best_cnn"].key == "architecture_differs"


def test_best_cnn_a_fresh_copy_never_trained(facts):
    model_of(facts, "best_cnn")["id"] = 12345
    chosen = selection(facts)[by_validation(facts)[0]]["model"]["id"]
    facts["calls"] = [{**c, "model_id": 12345} if c["model_id"] == chosen else c for c in facts["calls"]]
    failures = only_question(facts, "q3")
    assert set(failures) == {"q3_best_cnn"} and failures["q3_best_cnn"].key == "td_keras_cnn.best_not_trained"


def test_a_pretrained_network(facts):
    facts["files"] = [{"kind": "application", "index": 0, "completed": True, "name": "MobileNetV2",
                       "weights": "imagenet"}]
    failures = only_question(facts, "q3")
    assert list(failures) == ["q3_nothing_pretrained"] and "MobileNetV2" in failures["q3_nothing_pretrained"].text("fr")


def test_saving_and_reloading_the_chosen_model_is_fine(facts):
    facts["files"] = [{"kind": "save", "index": 0, "completed": True, "path": "/work/best.keras"},
                      {"kind": "load_model", "index": 1, "completed": True, "path": "/work/best.keras"}]
    assert failed(facts) == {}


def test_the_chosen_model_saved_then_reloaded_is_a_trained_best_cnn(facts):
    before = values(facts)["best_cnn"]["id"]
    values(facts)["best_cnn"]["id"] = 999
    facts["files"] = [{"kind": "save", "index": 0, "completed": True, "path": "/w/best.keras", "model_id": before},
                      {"kind": "load_model", "index": 1, "completed": True, "path": "/w/best.keras", "model_id": 999}]
    for call in facts["calls"]:
        if call["model_id"] == before:
            call["model_id"] = 999
    assert failed(facts) == {}
    with collect_notes() as notes:
        CHECKS.test_q3_best_cnn(Submission(facts))
    assert [note.key for note in notes] == ["ok.same_architecture", "td_keras_cnn.best_reloaded_ok"]


def test_selection_not_defined(facts):
    values(facts)["selection"] = {"kind": "missing"}
    failures = only_question(facts, "q3")
    assert set(failures) == {"q3_distinct_candidates", "q3_same_training_validated_on_training_data",
                             "q3_test_set_unused", "q3_best_label_from_validation", "q3_best_cnn"}


def test_selection_of_models_instead_of_histories(facts):
    label = next(iter(selection(facts)))
    selection(facts)[label] = copy.deepcopy(selection(facts)[label]["model"])
    failure = only_question(facts, "q3")["q3_distinct_candidates"]
    assert failure.key == "dict_not_histories" and "History" in failure.text("en")


# ----------------------------------------------------------------------------- Q4 mistakes
def test_fully_connected_with_a_conv2d(facts):
    layers(facts, "model_fc").insert(0, {"class": "Conv2D", "filters": 4, "kernel_size": [3, 3], "activation": "relu",
                                         "weights": []})
    assert only_question(facts, "q4")["q4_fully_connected"].key == "td_keras_cnn.fc_has_conv"


def test_fully_connected_without_hidden_layer(facts):
    model = model_of(facts, "model_fc")
    model["layers"] = [layer for layer in model["layers"] if not (layer["class"] == "Dense" and layer["units"] != 10)]
    assert only_question(facts, "q4")["q4_fully_connected"].key == "hidden_count"


def test_fully_connected_far_from_the_cnns_size(facts):
    model_of(facts, "model_fc")["n_params"] = 118282   # 784 → 128 → 128 → 10
    failure = only_question(facts, "q4")["q4_same_size"]
    assert failure.key == "td_keras_cnn.fc_params" and "795" in failure.text("en")


def test_fully_connected_trained_for_other_epochs(facts):
    fit_of_history(facts, values(facts)["history_fc"])["epochs"] = 10
    failure = only_question(facts, "q4")["q4_trained_like_best_cnn"]
    assert failure.key == "td_keras_cnn.fc_training_differs" and "epochs" in failure.text("en")


def test_best_cnn_retrained_on_all_the_training_data_and_the_fc_trained_like_the_candidates(facts):
    best = values(facts)["best_cnn"]
    facts["fits"].append({**copy.deepcopy(fit_of_history(facts, selection(facts)[by_validation(facts)[0]])),
                          "history_id": -2, "epochs": 5, "validation_split": 0.0,
                          "validation": {"source": "none", "in_training_rows": None}})
    facts["fits"][-1]["data"].pop("validation_x")
    assert facts["fits"][-1]["model_id"] == best["id"]
    assert failed(facts) == {}
    fit_of_history(facts, values(facts)["history_fc"])["epochs"] = 7     # like neither
    failure = only_question(facts, "q4")["q4_trained_like_best_cnn"]
    assert "5" in failure.text("en") and "7" in failure.text("en")


def test_test_accuracy_measured_on_the_training_set(facts):
    fc = model_of(facts, "model_fc")["id"]
    for call in facts["calls"]:
        if call["model_id"] == fc:
            call["data"]["x"]["matches"] = {"X_train_img": {"relation": "same", "fraction": 1.0}}
    failure = only_question(facts, "q4")["q4_test_accuracies"]
    assert failure.key == "evaluated_elsewhere" and "X_train_img" in failure.text("en")


def test_test_accuracy_typed_in(facts):
    values(facts)["test_acc_cnn"]["value"] = 0.9912
    assert only_question(facts, "q4")["q4_test_accuracies"].key == "reported_not_computed"


def test_test_accuracy_from_predict_is_accepted(facts):
    for call in facts["calls"]:
        call.update(kind="predict", result=None, output_shape=[1000, 10])
    values(facts)["test_acc_fc"]["value"] = 0.87
    assert failed(facts) == {}


# ----------------------------------------------------------------------------- the real solution (slow)
@pytest.mark.slow
def test_the_solution_gets_every_automatic_point_in_fast_mode(tmp_path):
    from autograder.grading import grade_submission

    notebook = tmp_path / "solution.ipynb"
    notebook.write_bytes((SPEC.source_dir() / SPEC.notebook_name).read_bytes())
    result, execution = grade_submission(notebook=notebook, student="solution", spec=SPEC)
    assert result.status == "graded" and result.score == 16, [
        (c.id, c.message) for q in result.questions.values() for c in q.checks if c.passed is False]
    assert {q: r.score for q, r in result.questions.items()} == AUTOMATIC
    assert result.pending_points == 4
    sub = Submission(execution.harvest)
    assert sub.model("model_cnn").n_params == 34826            # the worked figure
    best, fc = sub.model("best_cnn"), sub.model("model_fc")
    assert abs(fc.n_params - best.n_params) <= 0.1 * best.n_params
    assert sub.scalar("best_label") in sub.histories("selection")
    if best.n_params == 34826:                                 # the worked CNN won: its FC is 784 → 44 → 10
        assert fc.n_params == 34990


# ----------------------------------------------------------------------------- correct styles, real Keras layers
@pytest.fixture(scope="module")
def keras():
    from autograder.kernel import recorder

    recorder.install(fast=False)
    import keras

    if "classes" not in recorder.originals():
        recorder._patch_keras(keras)
    return keras


def described(model, name="m") -> Submission:
    from autograder.kernel import harvest

    return Submission({"values": {name: harvest.describe(model)}})


def test_the_ways_of_writing_a_cnn_all_match(keras):
    """Sequential or functional, input_shape= or Input, (3, 3) or 3, padding="same", MaxPool2D,
    activations as strings, functions or layers, BatchNormalization / Dropout, global pooling."""
    L = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = L.Conv2D(16, (3, 3), padding="same")(inputs)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    x = L.Conv2D(16, 3, activation=keras.activations.relu)(x)
    x = L.MaxPool2D()(x)
    x = L.Dropout(0.25)(x)
    x = L.Conv2D(32, 3)(x)
    x = L.Activation("relu")(x)
    x = L.MaxPooling2D((2, 2))(x)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dense(32, activation="relu")(x)
    x = L.Dropout(0.5)(x)
    outputs = L.Dense(10)(x)
    outputs = L.Softmax()(outputs)
    styles = {
        "functional": keras.Model(inputs, outputs),
        "sequential": keras.Sequential([L.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
                                        L.MaxPooling2D(2), L.Flatten(), L.Dense(10, activation="softmax")]),
    }
    for style, model in styles.items():
        facts = described(model).model("m")
        CHECKS.expect_image_model(facts)
        CHECKS.expect_layers(facts, CHECKS.CNN)
    flat = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(44, activation="relu"),
                             L.Dropout(0.2), L.Dense(10, activation="softmax")])
    CHECKS.expect_layers(described(flat).model("m"), CHECKS.FULLY_CONNECTED)
    assert described(flat).model("m").n_params == 34990
