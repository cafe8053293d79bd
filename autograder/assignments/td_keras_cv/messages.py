"""Messages of this assignment's own checks (fr/en), registered by its hidden checks module.

Keys are prefixed with the assignment's name. Some give a generic failure the lab's own wording
(see ``autograder.checks.reworded``): they take the same parameters as the generic key. Those
ending in ``_ok`` are success notes: what a passed check of the lab verified."""

MESSAGES = {
    # --- Q1
    "td_keras_cv.hidden_count": {
        "fr": "`{name}` a {actual} couche(s) cachée(s) ; la question en demande {expected} : la fonction de "
              "construction doit empiler deux Dense(…, activation=\"relu\") avant la sortie Dense(10, "
              "activation=\"softmax\").",
        "en": "`{name}` has {actual} hidden layer(s); the question asks for {expected}: the build function must "
              "stack two Dense(…, activation=\"relu\") before the Dense(10, activation=\"softmax\") output.",
    },
    # --- Q2
    "td_keras_cv.q2_kind": {
        "fr": "`search_q2` est {actual} ; attendu : un GridSearchCV entraîné (search_q2.fit(...)), ou un "
              "dictionnaire {{\"rmsprop\": scores, \"sgd\": scores}} des scores renvoyés par cross_val_score.",
        "en": "`search_q2` is {actual}; expected: a fitted GridSearchCV (search_q2.fit(...)), or a dictionary "
              "{{\"rmsprop\": scores, \"sgd\": scores}} of the scores returned by cross_val_score.",
    },
    "td_keras_cv.scores_wrong_optimizer": {
        "fr": "`search_q2[{key!r}]` contient les scores d'un modèle entraîné avec l'optimiseur {actual!r} : "
              "chaque clé doit correspondre à l'optimiseur du modèle validé.",
        "en": "`search_q2[{key!r}]` holds the scores of a model trained with the {actual!r} optimizer: each "
              "key must be the optimizer of the model that was cross-validated.",
    },
    # --- Q3
    "td_keras_cv.regression_output": {
        "fr": "la sortie des modèles de `{name}` est Dense({units}, activation={activation!r}) ; pour prédire "
              "un prix (une régression) il faut un seul neurone linéaire : Dense(1), sans activation.",
        "en": "the output of the models of `{name}` is Dense({units}, activation={activation!r}); predicting a "
              "price (a regression) needs one linear unit: Dense(1), no activation.",
    },
    "td_keras_cv.regression_loss": {
        "fr": "les modèles de `{name}` sont compilés avec la perte {actual!r}, une perte de classification ; "
              "pour une régression utilisez \"mse\" (ou \"mae\").",
        "en": "the models of `{name}` are compiled with the {actual!r} loss, a classification loss; a "
              "regression needs \"mse\" (or \"mae\").",
    },
    "td_keras_cv.structure_too_few": {
        "fr": "les candidats de {what} n'essaient que {count} valeur(s) de {label} : {values} ; la grille doit en "
              "croiser au moins {expected} pour la profondeur et {expected} pour la largeur (par exemple 1 et 2 "
              "couches cachées × 16 et 64 neurones), en plus des deux optimiseurs.",
        "en": "the candidates of {what} try only {count} value(s) of {label}: {values}; the grid must cross at "
              "least {expected} depths and {expected} widths (e.g. 1 and 2 hidden layers × 16 and 64 units), besides "
              "both optimizers.",
    },
    "td_keras_cv.no_candidate_model": {
        "fr": "aucun modèle entraîné par `{name}` n'a été observé : lancez {name}.fit(Xb_train, yb_train) "
              "sans erreur.",
        "en": "no model trained by `{name}` was observed: run {name}.fit(Xb_train, yb_train) without error.",
    },
    # --- success notes
    "td_keras_cv.regression_model_ok": {
        "fr": "`{name}` : régresseur {wrapper}, sortie Dense(1) linéaire, perte {loss!r}",
        "en": "`{name}`: {wrapper} regressor, linear Dense(1) output, {loss!r} loss",
    },
    "td_keras_cv.q2_scores_ok": {
        "fr": "`search_q2` : scores de validation croisée de {count} optimiseurs ({keys}), chacun issu d'un "
              "modèle entraîné avec cet optimiseur",
        "en": "`search_q2`: cross-validation scores of {count} optimizers ({keys}), each from a model trained "
              "with that optimizer",
    },
}
