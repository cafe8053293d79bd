"""Realistic ``StudentResult``s for the feedback, grade table and report tests.

The catalogue mirrors the grade split of the assignment (Q1 2, Q2 3, Q3 4, Q4 4, Q5 3, Q6 2,
Q7 2 = 20) with French messages as the hidden checks write them. Build a student by naming the
checks they fail: ``make_result("bob", failed={"q2_output_layer"})``.
"""
from __future__ import annotations

from autograder.results import CheckResult, QuestionResult, StudentResult

# question -> [(check id, max points, manual?, message when passed, message when failed)]
CATALOGUE = {
    "q1": [
        ("q1_data_shapes", 0.5, False, "X_train, X_test, y_train, y_test ont les formes attendues.",
         "X_train a la forme (60000, 28, 28) au lieu de (60000, 784) : utilisez prepare_mnist."),
        ("q1_task_types", 0.5, False, "type_mnist et type_boston sont corrects.",
         "type_boston vaut 'classification' : le prix médian est une valeur continue, c'est une "
         "régression."),
        ("q1_answer", 1.0, True, "", ""),
    ],
    "q2": [
        ("q2_output_layer", 1.0, False, "Couche de sortie : 10 neurones, activation softmax.",
         "La couche de sortie de model_q2 utilise l'activation 'sigmoid' : pour 10 classes "
         "exclusives, utilisez 'softmax'."),
        ("q2_loss", 1.0, False, "Perte categorical_crossentropy.",
         "model_q2 est compilé avec la perte 'mse' : pour une classification multi-classe, "
         "utilisez 'categorical_crossentropy'."),
        ("q2_trained", 1.0, False, "model_q2 a été entraîné 10 époques.",
         "model_q2 est défini mais n'a jamais été entraîné : appelez model_q2.fit(...)."),
    ],
    "q3": [
        ("q3_architectures", 2.0, False,
         "Les trois réseaux ont 1, 2 et 3 couches cachées de 128 ReLU.",
         "model_q3_2 a 3 couches cachées au lieu de 2."),
        ("q3_trained", 1.0, False, "Les trois modèles ont été entraînés.",
         "model_q3_3 n'a jamais été entraîné."),
        ("q3_comparison", 1.0, True, "", ""),
    ],
    "q4": [
        ("q4_n_params", 1.0, False, "n_params_q3_3 = 134794.",
         "n_params_q3_3 vaut 134784 alors que model_q3_3.count_params() donne 134794 : "
         "utilisez count_params() plutôt qu'une valeur écrite à la main."),
        ("q4_one_hidden", 1.0, False, "model_q4 a une seule couche cachée.",
         "model_q4 a 2 couches cachées : la question demande une seule couche cachée."),
        ("q4_param_count", 1.0, False, "model_q4 a 135160 paramètres (à moins de 5 % de 134794).",
         "model_q4 a 101770 paramètres, à plus de 5 % des 134794 de model_q3_3 : élargissez la "
         "couche cachée (environ 170 neurones)."),
        ("q4_comparison", 1.0, True, "", ""),
    ],
    "q5": [
        ("q5_histories", 1.0, False, "histories_q5 contient les 5 historiques attendus.",
         "histories_q5 n'a pas la clé 'q4'."),
        ("q5_validation_split", 1.0, False, "Tous les modèles sont validés sur 30 % des données.",
         "histories_q5['q2'] a été obtenu avec validation_split=0.2 : la question demande 30 % "
         "(validation_split=0.3)."),
        ("q5_comparison", 1.0, True, "", ""),
    ],
    "q6": [
        ("q6_l1_every_layer", 1.0, False, "Régularisation L1 sur toutes les couches.",
         "Seule la première couche de model_q6 a un kernel_regularizer L1 : mettez-en un sur "
         "toutes les couches Dense, y compris la sortie."),
        ("q6_validation", 1.0, False, "model_q6 a été entraîné avec validation_split=0.3.",
         "history_q6 n'a pas de 'val_accuracy' : entraînez avec validation_split=0.3."),
    ],
    "q7": [
        ("q7_dropout_rate", 1.0, False, "Dropout(0.1) après chaque couche cachée.",
         "model_q7 utilise Dropout(0.9), qui éteint 90 % des neurones : pour en éteindre 10 %, "
         "utilisez Dropout(0.1)."),
        ("q7_no_l1", 1.0, False, "Plus de régularisation L1 dans model_q7.",
         "model_q7 a encore une régularisation L1 : remplacez-la par du Dropout."),
    ],
}

ASSIGNMENT = "td_keras_mlp"
MANUAL_CHECKS = {cid for checks in CATALOGUE.values() for cid, _, manual, *_ in checks if manual}


def make_check(check_id: str, max_points: float, manual: bool, ok: str, ko: str, *,
               failed: set, manual_passed: bool) -> CheckResult:
    if manual and not manual_passed:
        return CheckResult(check_id, None, 0.0, max_points, "")
    passed = check_id not in failed
    return CheckResult(check_id, passed, max_points if passed else 0.0, max_points,
                       ok if passed else ko)


def make_result(student: str, *, failed=(), manual_passed: bool = False,
                status: str = "graded", messages=(), questions=None,
                messages_override: dict | None = None) -> StudentResult:
    """A student failing the checks named in ``failed``; manual checks pending unless graded.

    ``questions`` restricts the questions present (e.g. ``()`` for an unreadable notebook);
    ``messages_override`` replaces the message of some checks (check id -> text).
    """
    failed = set(failed)
    result = StudentResult(student=student, score=0.0, max_score=20.0, status=status,
                           assignment=ASSIGNMENT, messages=list(messages))
    for qid, catalogue in CATALOGUE.items():
        if questions is not None and qid not in questions:
            continue
        checks = [
            make_check(*spec, failed=failed, manual_passed=manual_passed) for spec in catalogue
        ]
        for check in checks:
            if messages_override and check.id in messages_override:
                check.message = messages_override[check.id]
        score = sum(c.points for c in checks)
        result.questions[qid] = QuestionResult(score, sum(c.max_points for c in checks), checks)
    result.score = sum(q.score for q in result.questions.values())
    return result


def synthetic_class() -> list[StudentResult]:
    """Eight students: a spread of grades, common mistakes, and three runs that did not end well."""
    return [
        make_result("alice.martin", manual_passed=True),
        make_result("bruno.petit", failed={"q2_output_layer", "q5_validation_split"}),
        make_result("chloe.durand", failed={"q2_output_layer", "q2_loss", "q6_l1_every_layer",
                                            "q7_dropout_rate"}),
        make_result("david.leroy", failed={"q4_n_params", "q4_param_count", "q5_validation_split",
                                           "q6_l1_every_layer"}, manual_passed=True),
        make_result("emma.moreau", failed={"q2_output_layer", "q3_architectures", "q4_one_hidden",
                                           "q4_param_count", "q5_histories",
                                           "q5_validation_split", "q7_no_l1"}),
        make_result("farid.benali", status="timeout",
                    failed={"q5_histories", "q5_validation_split", "q6_l1_every_layer",
                            "q6_validation", "q7_dropout_rate", "q7_no_l1"},
                    messages=["Temps limite de 600 s atteint pendant la cellule 21 : "
                              "les questions suivantes sont notées sur ce qui existait."]),
        make_result("gaelle.roux", status="invalid-notebook", questions=(),
                    messages=["Le fichier n'est pas un notebook JSON valide "
                              "(ligne 1, colonne 1)."]),
        make_result("hugo.lambert", status="crashed", questions=(),
                    messages=["Erreur interne du correcteur : KeyError('cells')"]),
    ]
