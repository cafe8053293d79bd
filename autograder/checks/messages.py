"""Student-facing messages of the checks, in French (default) and English.

A failed check raises ``CheckFailed(key, **params)``; the text is looked up here in the
language of the run. Messages describe what the student built and what is expected, never
the code of the check.
"""
from __future__ import annotations

import os

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
        "fr": "les valeurs de `{name}` vont de {low:.3g} à {high:.3g} ; après la mise à l'échelle de prepare_… elles doivent être entre 0 et 1.",
        "en": "the values of `{name}` range from {low:.3g} to {high:.3g}; after prepare_…'s scaling they must lie between 0 and 1.",
    },
    "not_one_hot": {
        "fr": "`{name}` n'est pas codé en one-hot (une seule valeur 1 par ligne) : utilisez les étiquettes renvoyées par prepare_mnist.",
        "en": "`{name}` is not one-hot encoded (exactly one 1 per row): use the labels returned by prepare_mnist.",
    },
    "rows_mismatch": {
        "fr": "`{x}` a {x_rows} lignes mais `{y}` en a {y_rows} : les entrées et les cibles doivent correspondre.",
        "en": "`{x}` has {x_rows} rows but `{y}` has {y_rows}: inputs and targets must match.",
    },
    "task_type": {
        "fr": "`{name}` vaut {actual!r} ; relisez ce que prédit ce jeu de données (une classe parmi plusieurs, ou un nombre réel ?).",
        "en": "`{name}` is {actual!r}; think again about what this dataset predicts (one class among several, or a real number?).",
    },
    # --- architecture
    "not_built": {
        "fr": "`{name}` n'a pas de taille d'entrée connue : déclarez l'entrée (keras.Input(shape=(784,)) ou input_dim=784) ou entraînez le modèle.",
        "en": "`{name}` has no known input size: declare the input (keras.Input(shape=(784,)) or input_dim=784) or train the model.",
    },
    "input_dim": {
        "fr": "`{name}` attend {actual} valeurs en entrée ; les images aplaties en ont {expected}.",
        "en": "`{name}` expects {actual} input values; the flattened images have {expected}.",
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
        "fr": "`{name}` est compilé avec la perte {actual!r} ; pour une classification multi-classes avec étiquettes one-hot on attend {expected!r}.",
        "en": "`{name}` is compiled with the {actual!r} loss; multi-class classification with one-hot labels needs {expected!r}.",
    },
    "not_trained": {
        "fr": "`{name}` n'a jamais été entraîné : appelez {name}.fit(X_train, y_train, ...).",
        "en": "`{name}` was never trained: call {name}.fit(X_train, y_train, ...).",
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
        "fr": "{what} a été validé sur validation_data, un jeu à part de {rows} lignes ({actual_percent} % du total : le jeu de test ?) ; la question demande de garder {percent} % des données d'apprentissage pour la validation (validation_split={split}).",
        "en": "{what} was validated on validation_data, a separate set of {rows} rows ({actual_percent}% of the total: the test set?); the question asks to hold out {percent}% of the training data for validation (validation_split={split}).",
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
        "fr": "`{name}` vaut {actual} ; ce n'est pas le nombre de paramètres de model_q3_3 (utilisez count_params() ou refaites le calcul couche par couche).",
        "en": "`{name}` is {actual}; that is not the number of parameters of model_q3_3 (use count_params() or redo the layer-by-layer count).",
    },
    "param_not_int": {
        "fr": "`{name}` doit être un entier (le résultat de count_params()), pas {actual}.",
        "en": "`{name}` must be an integer (the result of count_params()), not {actual}.",
    },
    "param_far": {
        "fr": "`{name}` a {actual} paramètres, soit {gap:+.1f} % par rapport aux {target} du modèle à 3 couches cachées ; visez moins de {tolerance:g} % d'écart.",
        "en": "`{name}` has {actual} parameters, {gap:+.1f}% away from the {target} of the 3-hidden-layer model; stay within {tolerance:g}%.",
    },
    # --- regularization
    "regularizer_missing": {
        "fr": "la couche {position} de `{name}` ({layer}) n'a pas de régularisation {kind} sur ses poids : la question la demande sur toutes les couches, y compris la sortie.",
        "en": "layer {position} of `{name}` ({layer}) has no {kind} weight regularization: the question asks for it on every layer, the output one included.",
    },
    "regularizer_wrong_kind": {
        "fr": "la couche {position} de `{name}` est régularisée en {actual} ; la question demande {kind} (regularizers.L1(...) ou \"l1\").",
        "en": "layer {position} of `{name}` is regularized with {actual}; the question asks for {kind} (regularizers.L1(...) or \"l1\").",
    },
    "regularizer_left": {
        "fr": "`{name}` garde une régularisation {actual} sur la couche {position} : la question demande le Dropout *à la place* de L1.",
        "en": "`{name}` still has {actual} regularization on layer {position}: the question asks for Dropout *instead of* L1.",
    },
    "dropout_missing": {
        "fr": "il n'y a pas de couche Dropout après la couche cachée n°{position} de `{name}`.",
        "en": "there is no Dropout layer after hidden layer #{position} of `{name}`.",
    },
    "dropout_rate": {
        "fr": "le Dropout de `{name}` éteint {actual_percent} % des neurones (rate={actual}) ; la question demande d'en éteindre {percent} % (rate={expected}).",
        "en": "the Dropout of `{name}` switches off {actual_percent}% of the units (rate={actual}); the question asks for {percent}% (rate={expected}).",
    },
    "internal": {
        "fr": "cette vérification n'a pas pu aboutir sur votre carnet ({error}) ; vérifiez que les noms demandés ont le bon type.",
        "en": "this check could not run on your notebook ({error}); make sure the requested names have the right type.",
    },
}


def current_lang() -> str:
    lang = os.environ.get(LANG_ENV, "fr")
    return lang if lang in ("fr", "en") else "fr"


def message(key: str, lang: str | None = None, **params) -> str:
    entry = CATALOG[key]
    return entry.get(lang or current_lang(), entry["fr"]).format(**params)


class CheckFailed(AssertionError):
    """A check's verdict with a student-facing message (``key`` selects it in CATALOG)."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(message(key, **params))

    def text(self, lang: str | None = None) -> str:
        return message(self.key, lang, **self.params)
