"""TP : un perceptron pour les iris — a tiny second assignment, kept outside the kit.

It proves that the generic layers know no assignment: the tests grade it end to end with
``AUTOGRADER_COURSE_ROOT=tests/course`` (grade → feedback → grades.csv → report → exports).
Real data (scikit-learn's bundled iris, 150 rows), a model that trains in well under a second.
"""
from autograder.assignments import AssignmentSpec, ContractItem, ManualCheck

SPEC = AssignmentSpec(
    name="iris_mlp",
    title={"fr": "TP : un perceptron pour les iris", "en": "Lab: a perceptron for the iris flowers"},
    questions={"data": 1, "model": 2, "analysis": 1},
    question_titles={
        "data": {"fr": "Préparer les mesures des fleurs", "en": "Preparing the flower measurements"},
        "model": {"fr": "Un réseau à une couche cachée", "en": "A network with one hidden layer"},
        "analysis": {"fr": "Lire la matrice de confusion", "en": "Reading the confusion matrix"},
    },
    contract={
        "data": [ContractItem(name, "array") for name in ("X_train", "X_test", "y_train", "y_test")],
        "model": [ContractItem("iris_net", "model"), ContractItem("iris_history", "history")],
    },
    manual=[
        ManualCheck("analysis_answer", "analysis", 1,
                    {"fr": "Réponse rédigée : quelles espèces le réseau confond-il ?",
                     "en": "Written answer: which species does the network confuse?"}),
    ],
)
