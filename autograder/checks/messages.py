"""Student-facing messages of the checks, in French (default) and English.

A failed check raises ``CheckFailed(key, **params)``; the text is looked up in the language of
the run. Messages describe what the student built and what is expected, never the code of the
check. ``CATALOG`` holds the generic messages of the check library: they name no assignment,
question, contract variable or data set (those come in as parameters). An assignment adds its
own keys with :func:`register_messages` (its hidden checks module calls it at import), and can
give a generic failure its own wording with :func:`reworded`. A key that no catalog holds is
an error at once (``UnknownMessageKey`` when the ``CheckFailed`` is built), never a silent
generic text.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

LANG_ENV = "AUTOGRADER_LANG"

CATALOG: dict[str, dict[str, str]] = {
    # --- names and kinds
    "missing": {
        "fr": "`{name}` n'est pas défini : la cellule qui doit le créer a-t-elle été exécutée sans erreur ?",
        "en": "`{name}` is not defined: did the cell that should create it run without error?",
    },
    "wrong_kind": {
        "fr": "`{name}` devrait être {expected}, mais c'est {actual}.",
        "en": "`{name}` should be {expected}, but it is {actual}.",
    },
    # --- data
    "array_shape": {
        "fr": "`{name}` a la forme {actual} ; on attend {expected}.",
        "en": "`{name}` has shape {actual}; expected {expected}.",
    },
    "array_range": {
        "fr": "les valeurs de `{name}` vont de {low:.3g} à {high:.3g} ; elles doivent être entre {expected_low:g} et {expected_high:g}.",
        "en": "the values of `{name}` range from {low:.3g} to {high:.3g}; they must lie between {expected_low:g} and {expected_high:g}.",
    },
    "not_one_hot": {
        "fr": "`{name}` n'est pas codé en one-hot (une seule valeur 1 par ligne).",
        "en": "`{name}` is not one-hot encoded (exactly one 1 per row).",
    },
    "rows_mismatch": {
        "fr": "`{x}` a {x_rows} lignes mais `{y}` en a {y_rows} : les entrées et les cibles doivent correspondre.",
        "en": "`{x}` has {x_rows} rows but `{y}` has {y_rows}: inputs and targets must match.",
    },
    # --- architecture
    "not_built": {
        "fr": "`{name}` n'a pas de taille d'entrée connue : déclarez l'entrée (keras.Input(shape=({input_dim},)) ou input_dim={input_dim}) ou entraînez le modèle.",
        "en": "`{name}` has no known input size: declare the input (keras.Input(shape=({input_dim},)) or input_dim={input_dim}) or train the model.",
    },
    "input_dim": {
        "fr": "`{name}` attend {actual} valeurs en entrée ; les données en ont {expected}.",
        "en": "`{name}` expects {actual} input values; the data have {expected}.",
    },
    "hidden_count": {
        "fr": "`{name}` a {actual} couche(s) cachée(s) ; la question en demande {expected}.",
        "en": "`{name}` has {actual} hidden layer(s); the question asks for {expected}.",
    },
    "hidden_units": {
        "fr": "la couche cachée n°{position} de `{name}` a {actual} neurones ; on en attend {expected}.",
        "en": "hidden layer #{position} of `{name}` has {actual} units; expected {expected}.",
    },
    "hidden_activation": {
        "fr": "la couche cachée n°{position} de `{name}` utilise l'activation {actual!r} ; on attend {expected!r}.",
        "en": "hidden layer #{position} of `{name}` uses the {actual!r} activation; expected {expected!r}.",
    },
    "output_units": {
        "fr": "la couche de sortie de `{name}` a {actual} neurones ; pour {expected} classes on en attend {expected}.",
        "en": "the output layer of `{name}` has {actual} units; for {expected} classes it needs {expected}.",
    },
    "output_activation": {
        "fr": "la couche de sortie de `{name}` utilise {actual!r} ; pour {classes} classes exclusives on attend {expected!r}.",
        "en": "the output layer of `{name}` uses {actual!r}; for {classes} mutually exclusive classes use {expected!r}.",
    },
    "unexpected_layer": {
        "fr": "`{name}` contient une couche {layer} que la question ne demande pas.",
        "en": "`{name}` contains a {layer} layer that the question does not ask for.",
    },
    "inconsistent_model": {
        "fr": "`{name}` est incohérent (la couche {layer} déclare {units} neurones mais ses poids ont une autre taille).",
        "en": "`{name}` is inconsistent (layer {layer} declares {units} units but its weights have another size).",
    },
    # --- compile / fit
    "not_compiled": {
        "fr": "`{name}` n'a pas été compilé : appelez {name}.compile(optimizer=..., loss=..., metrics=[\"accuracy\"]).",
        "en": "`{name}` was never compiled: call {name}.compile(optimizer=..., loss=..., metrics=[\"accuracy\"]).",
    },
    "loss": {
        "fr": "`{name}` est compilé avec la perte {actual!r} ; on attend {expected!r}.",
        "en": "`{name}` is compiled with the {actual!r} loss; expected {expected!r}.",
    },
    "not_trained": {
        "fr": "`{name}` n'a jamais été entraîné : appelez {name}.fit(...).",
        "en": "`{name}` was never trained: call {name}.fit(...).",
    },
    "fit_failed": {
        "fr": "l'entraînement de `{name}` s'est arrêté sur une erreur : corrigez la cellule qui appelle fit.",
        "en": "training `{name}` stopped on an error: fix the cell that calls fit.",
    },
    "epochs": {
        "fr": "`{name}` a été entraîné {actual} époque(s) ; la question en demande environ {target} (entre {low} et {high}).",
        "en": "`{name}` was trained for {actual} epoch(s); the question asks for about {target} (between {low} and {high}).",
    },
    "no_validation": {
        "fr": "{what} a été entraîné sans données de validation ; la question demande de garder {percent} % des données d'apprentissage (validation_split={split}).",
        "en": "{what} was trained without validation data; the question asks to hold out {percent}% of the training data (validation_split={split}).",
    },
    "validation_fraction": {
        "fr": "{what} a été entraîné avec {actual_percent} % des données en validation ; la question en demande {percent} % (validation_split={split}).",
        "en": "{what} was trained with {actual_percent}% of the data held out for validation; the question asks for {percent}% (validation_split={split}).",
    },
    "validation_data_fraction": {
        "fr": "{what} a été validé sur validation_data, un jeu à part de {rows} lignes ({actual_percent} % du total) ; la question demande de garder {percent} % des données d'apprentissage pour la validation (validation_split={split}).",
        "en": "{what} was validated on validation_data, a separate set of {rows} rows ({actual_percent}% of the total); the question asks to hold out {percent}% of the training data for validation (validation_split={split}).",
    },
    "validation_split_of_training": {
        "fr": "{what} a été validé sur validation_data, une part de {actual_percent} % coupée dans les données d'apprentissage (`{train}`) ; la question demande d'en garder {percent} % pour la validation (validation_split={split}).",
        "en": "{what} was validated on validation_data, a {actual_percent}% share cut from the training data (`{train}`); the question asks to hold out {percent}% of it for validation (validation_split={split}).",
    },
    "validated_on_test": {
        "fr": "{what} a été validé sur le jeu de test (`{test}`) : le jeu de test ne sert qu'à l'évaluation finale ; gardez {percent} % des données d'apprentissage pour la validation (validation_split={split}).",
        "en": "{what} was validated on the test set (`{test}`): the test set is only for the final evaluation; hold out {percent}% of the training data for validation (validation_split={split}).",
    },
    "history_not_from_fit": {
        "fr": "{what} n'est pas l'objet History renvoyé par un appel à fit (history = model.fit(...)).",
        "en": "{what} is not the History object returned by a call to fit (history = model.fit(...)).",
    },
    "history_other_model": {
        "fr": "{what} vient de l'entraînement d'un autre modèle que `{name}`.",
        "en": "{what} comes from training a model other than `{name}`.",
    },
    "history_same_model": {
        "fr": "{what} et {other} viennent de l'entraînement du même modèle : chaque clé doit correspondre à un modèle différent (celui de la question).",
        "en": "{what} and {other} come from training the same model: each key must belong to a different model (the one of its question).",
    },
    "dict_keys": {
        "fr": "`{name}` doit avoir exactement les clés {expected} ; il manque {missing}.",
        "en": "`{name}` must have exactly the keys {expected}; missing: {missing}.",
    },
    # --- parameters
    "param_value": {
        "fr": "`{name}` vaut {actual} ; ce n'est pas le nombre de paramètres de `{model}` (utilisez count_params() ou refaites le calcul couche par couche).",
        "en": "`{name}` is {actual}; that is not the number of parameters of `{model}` (use count_params() or redo the layer-by-layer count).",
    },
    "param_not_int": {
        "fr": "`{name}` doit être un entier (le résultat de count_params()), pas {actual}.",
        "en": "`{name}` must be an integer (the result of count_params()), not {actual}.",
    },
    "param_far": {
        "fr": "`{name}` a {actual} paramètres, soit {gap:+.1f} % par rapport aux {target} attendus ; visez moins de {tolerance:g} % d'écart.",
        "en": "`{name}` has {actual} parameters, {gap:+.1f}% away from the expected {target}; stay within {tolerance:g}%.",
    },
    # --- regularization
    "regularizer_missing": {
        "fr": "la couche {position} de `{name}` ({layer}) n'a pas de régularisation {kind} sur ses poids : la question la demande sur toutes les couches, y compris la sortie.",
        "en": "layer {position} of `{name}` ({layer}) has no {kind} weight regularization: the question asks for it on every layer, the output one included.",
    },
    "regularizer_wrong_kind": {
        "fr": "la couche {position} de `{name}` est régularisée en {actual} ; la question demande {kind}.",
        "en": "layer {position} of `{name}` is regularized with {actual}; the question asks for {kind}.",
    },
    "regularizer_left": {
        "fr": "`{name}` garde une régularisation {actual} sur la couche {position} : la question demande de la retirer.",
        "en": "`{name}` still has {actual} regularization on layer {position}: the question asks to remove it.",
    },
    "dropout_missing": {
        "fr": "il n'y a pas de couche Dropout après la couche cachée n°{position} de `{name}`.",
        "en": "there is no Dropout layer after hidden layer #{position} of `{name}`.",
    },
    "dropout_rate": {
        "fr": "le Dropout de `{name}` éteint {actual_percent} % des neurones (rate={actual}) ; la question demande d'en éteindre {percent} % (rate={expected}).",
        "en": "the Dropout of `{name}` switches off {actual_percent}% of the units (rate={actual}); the question asks for {percent}% (rate={expected}).",
    },
    # --- layer patterns (patterns.py)
    "pattern_layer": {
        "fr": "`{name}` s'écarte de la structure demandée à la couche n°{position} : on y trouve {found}, on attend {expected}. (Votre modèle : {stack}.)",
        "en": "`{name}` departs from the requested structure at layer #{position}: it has {found} where {expected} is expected. (Your model: {stack}.)",
    },
    "pattern_end": {
        "fr": "`{name}` s'arrête trop tôt, après {count} couche(s) : on attend encore {expected}. (Votre modèle : {stack}.)",
        "en": "`{name}` ends too early, after {count} layer(s): {expected} is still expected. (Your model: {stack}.)",
    },
    "pattern_extra": {
        "fr": "`{name}` a une couche de trop à la position n°{position} : {found} (la structure demandée s'arrête avant). (Votre modèle : {stack}.)",
        "en": "`{name}` has one layer too many at position #{position}: {found} (the requested structure ends before it). (Your model: {stack}.)",
    },
    # --- relations between models (relations.py)
    "params_far_from_model": {
        "fr": "`{name}` a {actual} paramètres, soit {gap:+.1f} % par rapport aux {target} de `{reference}` ; visez moins de {tolerance:g} % d'écart.",
        "en": "`{name}` has {actual} parameters, {gap:+.1f}% away from the {target} of `{reference}`; stay within {tolerance:g}%.",
    },
    "params_ratio": {
        "fr": "`{name}` a {actual} paramètres, soit {ratio:.2f} fois les {target} de `{reference}` ; on attend entre {low:g} et {high:g} fois.",
        "en": "`{name}` has {actual} parameters, {ratio:.2f} times the {target} of `{reference}`; expected between {low:g} and {high:g} times.",
    },
    "architecture_differs": {
        "fr": "`{name}` n'a pas l'architecture de `{reference}` : {stack} au lieu de {reference_stack}.",
        "en": "`{name}` does not have the architecture of `{reference}`: {stack} instead of {reference_stack}.",
    },
    "architectures_not_distinct": {
        "fr": "{what} ne compte que {count} architecture(s) différente(s) pour {candidates} modèle(s) ; on en attend au moins {expected} (changer l'optimiseur, les époques ou les poids ne change pas l'architecture ; identiques : {same}).",
        "en": "{what} has only {count} different architecture(s) for {candidates} model(s); at least {expected} are expected (another optimizer, epochs or weights do not make another architecture; identical: {same}).",
    },
    # --- which data each call saw (data.py)
    "trained_on_test": {
        "fr": "{what} a été entraîné sur le jeu de test (`{test}`) : le jeu de test ne sert qu'à l'évaluation finale.",
        "en": "{what} was trained on the test set (`{test}`): the test set is only for the final evaluation.",
    },
    "validated_on_test_data": {
        "fr": "{what} a été validé sur le jeu de test (`{test}`) : la validation doit être prise dans les données d'apprentissage ({train}).",
        "en": "{what} was validated on the test set (`{test}`): validation data must be taken from the training data ({train}).",
    },
    "no_validation_data": {
        "fr": "{what} a été entraîné sans données de validation : gardez une part des données d'apprentissage ({train}) pour la validation (validation_split=... ou validation_data=...).",
        "en": "{what} was trained without validation data: hold out part of the training data ({train}) for validation (validation_split=... or validation_data=...).",
    },
    "validation_not_from_training": {
        "fr": "{what} a été validé sur des données qui ne viennent pas des données d'apprentissage ({train}).",
        "en": "{what} was validated on data that do not come from the training data ({train}).",
    },
    "validation_rows_trained": {
        "fr": "{what} est validé sur des lignes sur lesquelles il est aussi entraîné ({percent} % des lignes de validation) : séparez validation et entraînement.",
        "en": "{what} is validated on rows it is also trained on ({percent}% of the validation rows): keep validation and training apart.",
    },
    "not_trained_on": {
        "fr": "{what} n'a pas été entraîné sur les données d'apprentissage ({train}).",
        "en": "{what} was not trained on the training data ({train}).",
    },
    "not_evaluated": {
        "fr": "`{name}` n'a jamais été évalué : appelez {name}.evaluate(...) ou {name}.predict(...) sur {expected}.",
        "en": "`{name}` was never evaluated: call {name}.evaluate(...) or {name}.predict(...) on {expected}.",
    },
    "evaluated_elsewhere": {
        "fr": "`{name}` a été évalué sur {actual}, pas sur {expected}.",
        "en": "`{name}` was evaluated on {actual}, not on {expected}.",
    },
    "other_data": {
        "fr": "d'autres données",
        "en": "other data",
    },
    "fit_settings_differ": {
        "fr": "{what} n'a pas été entraîné comme {other} : {setting} vaut {actual!r} au lieu de {expected!r} ; entraînez-les tous de la même façon pour pouvoir les comparer.",
        "en": "{what} was not trained like {other}: {setting} is {actual!r} instead of {expected!r}; train them all the same way so that they can be compared.",
    },
    "reported_not_number": {
        "fr": "`{name}` devrait être un nombre (le résultat de evaluate), pas {actual}.",
        "en": "`{name}` should be a number (the result of evaluate), not {actual}.",
    },
    "reported_not_computed": {
        "fr": "`{name}` vaut {actual} ; ce n'est aucun des résultats de evaluate sur ces données ({results}) : calculez-le dans le carnet au lieu de le recopier.",
        "en": "`{name}` is {actual}; it is none of the results of evaluate on those data ({results}): compute it in the notebook instead of typing it in.",
    },
    # --- weights from elsewhere (data.py)
    "pretrained_application": {
        "fr": "le carnet construit {model} avec des poids pré-entraînés (weights={weights!r}) : la question demande d'entraîner vos propres réseaux (weights=None).",
        "en": "the notebook builds {model} with pre-trained weights (weights={weights!r}): the question asks you to train your own networks (weights=None).",
    },
    "pretrained_file": {
        "fr": "le carnet charge des poids depuis {path}, un fichier qu'il n'a pas écrit lui-même : la question demande des réseaux entraînés dans ce carnet.",
        "en": "the notebook loads weights from {path}, a file it did not write itself: the question asks for networks trained in this notebook.",
    },
    # --- scikit-learn around Keras (model_selection.py)
    "wrapper_not_keras": {
        "fr": "`{name}` est un {actual}, pas un modèle Keras enveloppé en estimateur scikit-learn (keras.wrappers.SKLearnClassifier / SKLearnRegressor, ou KerasClassifier / KerasRegressor de scikeras).",
        "en": "`{name}` is a {actual}, not a Keras model wrapped as a scikit-learn estimator (keras.wrappers.SKLearnClassifier / SKLearnRegressor, or scikeras' KerasClassifier / KerasRegressor).",
    },
    "wrapper_wrong_task": {
        "fr": "`{name}` est un {actual} ({cls}) ; ce problème demande un {expected} ({hint}).",
        "en": "`{name}` is a {actual} ({cls}); this problem needs a {expected} ({hint}).",
    },
    "wrapper_fit_param_in_fit_only": {
        "fr": "`{name}` : `{param}` n'est donné qu'à `fit` ; fixez-le à la construction de l'estimateur (`fit_kwargs={{\"{param}\": …}}` pour keras.wrappers, `{param}=…` pour scikeras).",
        "en": "`{name}`: `{param}` is only passed to `fit`; set it when the estimator is built (`fit_kwargs={{\"{param}\": …}}` for keras.wrappers, `{param}=…` for scikeras).",
    },
    "wrapper_fit_param_missing": {
        "fr": "`{name}` : `{param}` n'est pas fixé à la construction de l'estimateur (`fit_kwargs={{\"{param}\": …}}` pour keras.wrappers, `{param}=…` pour scikeras).",
        "en": "`{name}`: `{param}` is not set when the estimator is built (`fit_kwargs={{\"{param}\": …}}` for keras.wrappers, `{param}=…` for scikeras).",
    },
    "wrapper_not_fitted": {
        "fr": "`{name}` n'a pas été entraîné : appelez `{name}.fit(…)` sur les données d'apprentissage {train}.",
        "en": "`{name}` was not trained: call `{name}.fit(…)` on the training data {train}.",
    },
    "wrapper_fitted_on_test": {
        "fr": "`{name}` a été entraîné sur des lignes de l'ensemble de test {test} : entraînez-le sur {train} seulement.",
        "en": "`{name}` was trained on rows of the test set {test}: train it on {train} only.",
    },
    "wrapper_fitted_elsewhere": {
        "fr": "`{name}` n'a pas été entraîné sur les données d'apprentissage {train} (données vues : {actual}).",
        "en": "`{name}` was not trained on the training data {train} (data it saw: {actual}).",
    },
    "wrapper_not_scored": {
        "fr": "`{name}` n'a pas été évalué sur l'ensemble de test {test} : appelez `{name}.score(…)` sur ces données.",
        "en": "`{name}` was not evaluated on the test set {test}: call `{name}.score(…)` on those data.",
    },
    "wrapper_scored_on_training": {
        "fr": "`{name}` a été évalué sur les données d'apprentissage ({actual}), pas sur l'ensemble de test {test} : un score sur les données d'entraînement surestime la performance.",
        "en": "`{name}` was evaluated on the training data ({actual}), not on the test set {test}: a score on the training data overestimates performance.",
    },
    "reported_score_on_training": {
        "fr": "`{name}` ({value}) est le score sur les données d'apprentissage {train} ; on attend le score sur l'ensemble de test {test}.",
        "en": "`{name}` ({value}) is the score on the training data {train}; the score on the test set {test} is expected.",
    },
    "reported_score_not_computed": {
        "fr": "`{name}` ({value}) n'est pas un score renvoyé par `{estimator}.score` sur l'ensemble de test {test} (scores calculés : {results}).",
        "en": "`{name}` ({value}) is not a score returned by `{estimator}.score` on the test set {test} (scores computed: {results}).",
    },
    "search_not_fitted": {
        "fr": "`{name}` n'a pas été lancé : appelez `{name}.fit(…)` sur les données d'apprentissage.",
        "en": "`{name}` was not run: call `{name}.fit(…)` on the training data.",
    },
    "cv_too_few_folds": {
        "fr": "{what} utilise {count} plis ; il en faut au moins {expected} (`cv={expected}` ou `KFold(n_splits={expected})`).",
        "en": "{what} uses {count} folds; at least {expected} are needed (`cv={expected}` or `KFold(n_splits={expected})`).",
    },
    "cv_no_data": {
        "fr": "{what} n'a jamais été lancé (aucun appel enregistré) : la validation croisée doit être exécutée dans le carnet.",
        "en": "{what} was never run (no recorded call): the cross-validation must run in the notebook.",
    },
    "cv_on_test": {
        "fr": "{what} a reçu des lignes de l'ensemble de test {test} : la validation croisée ne doit voir que l'ensemble d'apprentissage {train}, le test sert à la toute fin.",
        "en": "{what} was given rows of the test set {test}: cross-validation must only see the training set {train}; the test set is for the very end.",
    },
    "cv_on_whole": {
        "fr": "{what} a reçu tout le jeu de données {whole} (apprentissage et test) : donnez-lui seulement l'ensemble d'apprentissage {train}.",
        "en": "{what} was given the whole data set {whole} (training and test): give it the training set {train} only.",
    },
    "cv_not_training": {
        "fr": "{what} n'a pas reçu l'ensemble d'apprentissage {train} (données vues : {actual}).",
        "en": "{what} was not given the training set {train} (data it saw: {actual}).",
    },
    "cv_scoring_wrong_task": {
        "fr": "{what} utilise le score {scoring}, un score {actual} ; ce problème est un problème {expected} (par exemple {examples}).",
        "en": "{what} uses the {scoring} scoring, a {actual} scoring; this is a {expected} problem (e.g. {examples}).",
    },
    "cv_too_few_values": {
        "fr": "les candidats de {what} prennent {count} valeur(s) de {label} ({values}) ; il en faut au moins {expected}.",
        "en": "the candidates of {what} take {count} value(s) of {label} ({values}); at least {expected} are needed.",
    },
    "cv_not_product": {
        "fr": "les candidats de {what} ne croisent pas toutes les valeurs de {labels} (combinaison absente : {missing}) : une grille essaie chaque combinaison.",
        "en": "the candidates of {what} do not cross every value of {labels} (missing combination: {missing}): a grid tries every combination.",
    },
    "cv_value_not_compared": {
        "fr": "{what} ne compare pas {label} = {value} (valeurs comparées : {values}).",
        "en": "{what} does not compare {label} = {value} (values compared: {values}).",
    },
    "cv_scores_missing_key": {
        "fr": "`{name}` n'a pas d'entrée pour {entry} (entrées : {entries}).",
        "en": "`{name}` has no entry for {entry} (entries: {entries}).",
    },
    "cv_scores_not_recorded": {
        "fr": "`{name}`[{entry}] n'est pas le résultat d'un appel à `cross_val_score` / `cross_validate` de ce carnet : mettez-y les scores des plis renvoyés.",
        "en": "`{name}`[{entry}] is not the result of a `cross_val_score` / `cross_validate` call of this notebook: store the fold scores it returned.",
    },
    "cv_scores_not_dict": {
        "fr": "`{name}` devrait associer à chaque choix les scores de ses plis (un dictionnaire choix → tableau de scores), ou être une recherche (GridSearchCV) lancée.",
        "en": "`{name}` should map each choice to its fold scores (a dictionary choice → array of scores), or be a fitted search (GridSearchCV).",
    },
    "choice_not_best": {
        "fr": "`{name}` = {value}, mais d'après vos propres résultats de validation croisée le meilleur choix est {best} (score moyen {best_score} contre {value_score}).",
        "en": "`{name}` = {value}, but by your own cross-validation results the best choice is {best} (mean score {best_score} against {value_score}).",
    },
    "choice_unknown": {
        "fr": "`{name}` = {value} ne fait pas partie des choix comparés ({choices}).",
        "en": "`{name}` = {value} is none of the compared choices ({choices}).",
    },
    "search_no_refit": {
        "fr": "`{search}` n'a pas ré-entraîné le meilleur candidat (`refit=False`, ou pas de `best_estimator_`) : laissez `refit=True` pour obtenir `best_estimator_`.",
        "en": "`{search}` did not refit the best candidate (`refit=False`, or no `best_estimator_`): keep `refit=True` to get `best_estimator_`.",
    },
    "not_best_estimator": {
        "fr": "`{name}` n'est pas `{search}.best_estimator_` (le meilleur candidat ré-entraîné par la recherche).",
        "en": "`{name}` is not `{search}.best_estimator_` (the best candidate refitted by the search).",
    },
    # --- success notes (notes.py): what a passed check verified; keys start with "ok."
    "ok.structure": {
        "fr": "structure de `{name}` : {stack}",
        "en": "structure of `{name}`: {stack}",
    },
    "ok.loss": {
        "fr": "`{name}` est compilé avec la perte {loss}",
        "en": "`{name}` is compiled with the {loss} loss",
    },
    "ok.trained": {
        "fr": "`{name}` a été entraîné ({epochs})",
        "en": "`{name}` was trained ({epochs})",
    },
    "ok.trained_fits": {
        "fr": "`{name}` a été entraîné ({fits}{detail})",
        "en": "`{name}` was trained ({fits}{detail})",
    },
    "ok.epochs": {
        "fr": "`{name}` a été entraîné {epochs} (la question en demande environ {target})",
        "en": "`{name}` was trained for {epochs} (the question asks for about {target})",
    },
    "ok.validation_split": {
        "fr": "{what} : validation_split={split}, soit {percent} % des données d'apprentissage gardées pour la validation",
        "en": "{what}: validation_split={split}, i.e. {percent}% of the training data held out for validation",
    },
    "ok.validation_data": {
        "fr": "{what} : validation sur validation_data, {rows} lignes, soit {percent} % des données comme demandé",
        "en": "{what}: validation on validation_data, {rows} rows, i.e. {percent}% of the data as asked",
    },
    "ok.validation_split_all": {
        "fr": "{what} : les {count} entraînements gardent {percent} % des données d'apprentissage pour la validation (validation_split={split})",
        "en": "{what}: all {count} trainings hold out {percent}% of the training data for validation (validation_split={split})",
    },
    "ok.history_of": {
        "fr": "{what} est l'historique de l'entraînement de `{name}` ({epochs})",
        "en": "{what} is the history of training `{name}` ({epochs})",
    },
    "ok.history": {
        "fr": "{what} est l'historique d'un entraînement terminé ({epochs})",
        "en": "{what} is the history of a completed training ({epochs})",
    },
    "ok.param_count": {
        "fr": "`{name}` a {actual} paramètres, à {gap} % des {target} visés (écart permis : {tolerance} %)",
        "en": "`{name}` has {actual} parameters, {gap}% from the {target} aimed at (allowed: {tolerance}%)",
    },
    "ok.regularizer_everywhere": {
        "fr": "régularisation {kind} sur chaque couche Dense de `{name}` ({count}), sortie comprise",
        "en": "{kind} regularization on every Dense layer of `{name}` ({count}), the output included",
    },
    "ok.no_regularizer": {
        "fr": "aucune régularisation {kind} dans `{name}`",
        "en": "no {kind} regularization in `{name}`",
    },
    "ok.dropout": {
        "fr": "`{name}` : un Dropout de taux {rate} ({percent} % des neurones éteints) après chaque couche cachée ({count})",
        "en": "`{name}`: a Dropout of rate {rate} ({percent}% of the units switched off) after each hidden layer ({count})",
    },
    "ok.params_near": {
        "fr": "`{name}` a {actual} paramètres, à {gap} % des {target} de `{reference}` (écart permis : {tolerance} %)",
        "en": "`{name}` has {actual} parameters, {gap}% from the {target} of `{reference}` (allowed: {tolerance}%)",
    },
    "ok.params_ratio": {
        "fr": "`{name}` a {actual} paramètres, {ratio} fois les {target} de `{reference}`",
        "en": "`{name}` has {actual} parameters, {ratio} times the {target} of `{reference}`",
    },
    "ok.same_architecture": {
        "fr": "`{name}` a l'architecture de `{reference}` : {stack}",
        "en": "`{name}` has the architecture of `{reference}`: {stack}",
    },
    "ok.distinct_architectures": {
        "fr": "{what} : {count} architectures différentes pour {candidates} modèles (au moins {expected} demandées)",
        "en": "{what}: {count} different architectures for {candidates} models (at least {expected} asked)",
    },
    "ok.not_test_set": {
        "fr": "{what} n'a vu le jeu de test ({test}) ni à l'entraînement ni en validation",
        "en": "{what} never saw the test set ({test}), neither in training nor in validation",
    },
    "ok.trained_on": {
        "fr": "{what} est entraîné sur `{train}`",
        "en": "{what} is trained on `{train}`",
    },
    "ok.data_not_traced": {
        "fr": "{what} : données fournies par un Dataset ou un générateur, acceptées sans pouvoir les comparer",
        "en": "{what}: data given by a Dataset or a generator, accepted without being compared",
    },
    "ok.validation_from_split": {
        "fr": "{what} est validé sur {percent} % des données d'apprentissage (validation_split={split})",
        "en": "{what} is validated on {percent}% of the training data (validation_split={split})",
    },
    "ok.validation_from_data": {
        "fr": "{what} est validé sur validation_data, des lignes des données d'apprentissage ({train}) tenues à l'écart de l'entraînement",
        "en": "{what} is validated on validation_data, rows of the training data ({train}) kept out of training",
    },
    "ok.evaluated_on": {
        "fr": "`{name}` est évalué sur `{data}` ({calls})",
        "en": "`{name}` is evaluated on `{data}` ({calls})",
    },
    "ok.no_pretrained_weights": {
        "fr": "aucun poids pré-entraîné : les réseaux sont entraînés dans le carnet",
        "en": "no pre-trained weights: the networks are trained in the notebook",
    },
    "ok.same_fit_settings": {
        "fr": "{count} entraînements faits de la même façon ({settings})",
        "en": "{count} trainings done the same way ({settings})",
    },
    "ok.reported_result": {
        "fr": "`{name}` = {value}, un résultat de evaluate",
        "en": "`{name}` = {value}, a result of evaluate",
    },
    "ok.reported_from_predict": {
        "fr": "`{name}` = {value}, calculé à partir de predict (accepté sans comparaison)",
        "en": "`{name}` = {value}, computed from predict (accepted without comparison)",
    },
    "ok.array_shape": {
        "fr": "`{name}` a la forme {shape}",
        "en": "`{name}` has shape {shape}",
    },
    "ok.rows_match": {
        "fr": "`{x}` {x_shape} et `{y}` {y_shape} ont le même nombre de lignes",
        "en": "`{x}` {x_shape} and `{y}` {y_shape} have the same number of rows",
    },
    "ok.wrapper": {
        "fr": "`{name}` : {cls} ({library}), {task}",
        "en": "`{name}`: {cls} ({library}), {task}",
    },
    "ok.wrapper_fit_params": {
        "fr": "`{name}` : {params} fixés à la construction",
        "en": "`{name}`: {params} set at construction",
    },
    "ok.wrapper_fitted_on": {
        "fr": "`{name}` entraîné sur {train}",
        "en": "`{name}` trained on {train}",
    },
    "ok.wrapper_scored_on": {
        "fr": "`{name}` évalué sur {test}",
        "en": "`{name}` evaluated on {test}",
    },
    "ok.reported_score": {
        "fr": "`{name}` = {value}, le score de `{estimator}` sur {test}",
        "en": "`{name}` = {value}, the score of `{estimator}` on {test}",
    },
    "ok.search_fitted": {
        "fr": "`{name}` ({cls}) lancé : {count} candidats",
        "en": "`{name}` ({cls}) run: {count} candidates",
    },
    "ok.cv_folds": {
        "fr": "{what} : {count} plis",
        "en": "{what}: {count} folds",
    },
    "ok.cv_data": {
        "fr": "{what} : validation croisée sur {train} seulement",
        "en": "{what}: cross-validation on {train} only",
    },
    "ok.cv_scoring": {
        "fr": "{what} : score {scoring} (problème {task})",
        "en": "{what}: {scoring} scoring ({task} problem)",
    },
    "ok.cv_candidates_vary": {
        "fr": "{what} compare {summary}",
        "en": "{what} compares {summary}",
    },
    "ok.cv_candidates_include": {
        "fr": "{what} compare {label} : {values}",
        "en": "{what} compares {label}: {values}",
    },
    "ok.cv_scores_from_cv": {
        "fr": "`{name}` : {count} choix, chacun les scores d'un appel à {functions} ({folds} plis)",
        "en": "`{name}`: {count} choices, each the scores of a {functions} call ({folds} folds)",
    },
    "ok.choice_best": {
        "fr": "`{name}` = {value}, le meilleur choix d'après vos résultats (score moyen {score})",
        "en": "`{name}` = {value}, the best choice by your results (mean score {score})",
    },
    "ok.search_refitted": {
        "fr": "`{name}` est le meilleur candidat ré-entraîné par `{search}` ({params})",
        "en": "`{name}` is the best candidate refitted by `{search}` ({params})",
    },
    "internal": {
        "fr": "cette vérification n'a pas pu aboutir sur votre carnet ({error}) ; vérifiez que les noms demandés ont le bon type.",
        "en": "this check could not run on your notebook ({error}); make sure the requested names have the right type.",
    },
}


def current_lang() -> str:
    lang = os.environ.get(LANG_ENV, "fr")
    return lang if lang in ("fr", "en") else "fr"


LANGS = ("fr", "en")
_REGISTERED: dict[str, dict[str, str]] = {}    # keys added by assignments (and check modules)
_OWNERS: dict[str, str] = {}


class UnknownMessageKey(LookupError):
    """A ``CheckFailed`` names a key no catalog holds (a bug of the check, caught by the tests)."""


def register_messages(messages: dict[str, dict[str, str]], owner: str) -> None:
    """Add an assignment's own messages (``{key: {"fr": ..., "en": ...}}``).

    Every message needs both languages; a key may not redefine a generic one nor another
    owner's (registering the same owner again, e.g. on reimport, replaces its keys).
    Convention: prefix the keys with the assignment's name (``"td_x.param_value"``)."""
    for key, entry in messages.items():
        missing = [lang for lang in LANGS if not (entry or {}).get(lang)]
        if missing:
            raise ValueError(f"message {key!r} of {owner}: no text in {missing}")
        if key in CATALOG:
            raise ValueError(f"message {key!r} of {owner}: the generic catalog already has this key "
                             f"(use another key and `reworded`)")
        if _OWNERS.get(key, owner) != owner:
            raise ValueError(f"message {key!r} of {owner}: already registered by {_OWNERS[key]}")
    for key, entry in messages.items():
        _REGISTERED[key], _OWNERS[key] = dict(entry), owner


def known_keys() -> set[str]:
    return set(CATALOG) | set(_REGISTERED)


def lookup(key: str) -> dict[str, str]:
    entry = CATALOG.get(key) or _REGISTERED.get(key)
    if entry is None:
        raise UnknownMessageKey(f"no message {key!r} in the generic catalog nor in a registered one")
    return entry


class Localized(dict):
    """A message parameter with one text per language (``Localized(fr=..., en=...)``): the
    message takes the text of its own language, so ``CheckFailed.text(lang)`` stays in one language."""

    def __init__(self, fr: str, en: str):
        super().__init__(fr=fr, en=en)


def message(key: str, lang: str | None = None, **params) -> str:
    entry = lookup(key)
    lang = lang if lang in LANGS else current_lang()
    values = {k: v[lang] if isinstance(v, Localized) else v for k, v in params.items()}
    return entry.get(lang, entry["fr"]).format(**values)


class CheckFailed(AssertionError):
    """A check's verdict with a student-facing message (``key`` selects it in the generic
    catalog or in a registered one; an unknown key raises ``UnknownMessageKey`` here)."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(message(key, **params))

    def text(self, lang: str | None = None) -> str:
        return message(self.key, lang, **self.params)


@contextmanager
def reworded(mapping: dict[str, str] | None = None, **keys: str):
    """Give generic failures an assignment's own wording: inside the block, a ``CheckFailed``
    whose key is in the mapping is raised again with the mapped key and the same parameters::

        with reworded(loss="td_x.loss"):      # the lab explains why this loss
            expect_loss(model, "categorical_crossentropy")
    """
    table = {**(mapping or {}), **keys}
    for new in table.values():
        lookup(new)   # a typo fails at once, not on the first student who makes that mistake
    try:
        yield
    except CheckFailed as failure:
        if failure.key in table:
            raise CheckFailed(table[failure.key], **failure.params) from None
        raise
