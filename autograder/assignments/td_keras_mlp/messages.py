"""Messages of this assignment's own checks (fr/en), registered by its hidden checks module.

Keys are prefixed with the assignment's name. Some give a generic failure the lab's own
wording (see ``autograder.checks.reworded``): they take the same parameters as the generic key.
Those ending in ``_ok`` are success notes: what a passed check of the lab verified."""

MESSAGES = {
    "td_keras_mlp.array_range": {
        "fr": "les valeurs de `{name}` vont de {low:.3g} à {high:.3g} ; après la mise à l'échelle de prepare_… elles doivent être entre 0 et 1.",
        "en": "the values of `{name}` range from {low:.3g} to {high:.3g}; after prepare_…'s scaling they must lie between 0 and 1.",
    },
    "td_keras_mlp.not_one_hot": {
        "fr": "`{name}` n'est pas codé en one-hot (une seule valeur 1 par ligne) : utilisez les étiquettes renvoyées par prepare_mnist.",
        "en": "`{name}` is not one-hot encoded (exactly one 1 per row): use the labels returned by prepare_mnist.",
    },
    "td_keras_mlp.task_type": {
        "fr": "`{name}` vaut {actual!r} ; relisez ce que prédit ce jeu de données (une classe parmi plusieurs, ou un nombre réel ?).",
        "en": "`{name}` is {actual!r}; think again about what this dataset predicts (one class among several, or a real number?).",
    },
    "td_keras_mlp.input_dim": {
        "fr": "`{name}` attend {actual} valeurs en entrée ; les images aplaties en ont {expected}.",
        "en": "`{name}` expects {actual} input values; the flattened images have {expected}.",
    },
    "td_keras_mlp.loss": {
        "fr": "`{name}` est compilé avec la perte {actual!r} ; pour une classification multi-classes avec étiquettes one-hot on attend {expected!r}.",
        "en": "`{name}` is compiled with the {actual!r} loss; multi-class classification with one-hot labels needs {expected!r}.",
    },
    "td_keras_mlp.not_trained": {
        "fr": "`{name}` n'a jamais été entraîné : appelez {name}.fit(X_train, y_train, ...).",
        "en": "`{name}` was never trained: call {name}.fit(X_train, y_train, ...).",
    },
    "td_keras_mlp.param_value": {
        "fr": "`{name}` vaut {actual} ; ce n'est pas le nombre de paramètres de model_q3_3 (utilisez count_params() ou refaites le calcul couche par couche).",
        "en": "`{name}` is {actual}; that is not the number of parameters of model_q3_3 (use count_params() or redo the layer-by-layer count).",
    },
    "td_keras_mlp.param_far": {
        "fr": "`{name}` a {actual} paramètres, soit {gap:+.1f} % par rapport aux {target} du modèle à 3 couches cachées ; visez moins de {tolerance:g} % d'écart.",
        "en": "`{name}` has {actual} parameters, {gap:+.1f}% away from the {target} of the 3-hidden-layer model; stay within {tolerance:g}%.",
    },
    "td_keras_mlp.regularizer_wrong_kind": {
        "fr": "la couche {position} de `{name}` est régularisée en {actual} ; la question demande {kind} (regularizers.L1(...) ou \"l1\").",
        "en": "layer {position} of `{name}` is regularized with {actual}; the question asks for {kind} (regularizers.L1(...) or \"l1\").",
    },
    "td_keras_mlp.regularizer_left": {
        "fr": "`{name}` garde une régularisation {actual} sur la couche {position} : la question demande le Dropout *à la place* de L1.",
        "en": "`{name}` still has {actual} regularization on layer {position}: the question asks for Dropout *instead of* L1.",
    },
    # --- success notes (what a passed check verified)
    "td_keras_mlp.data_ok": {
        "fr": "MNIST : `X_train` {x_train} et `X_test` {x_test}, pixels entre 0 et 1, étiquettes one-hot sur 10 classes ; Boston : `Xb_train` {xb_train} mis à l'échelle entre 0 et 1, `Xb_test` {xb_test}",
        "en": "MNIST: `X_train` {x_train} and `X_test` {x_test}, pixels between 0 and 1, one-hot labels over 10 classes; Boston: `Xb_train` {xb_train} scaled between 0 and 1, `Xb_test` {xb_test}",
    },
    "td_keras_mlp.task_types_ok": {
        "fr": "`type_mnist` = {mnist!r} (une classe parmi 10) et `type_boston` = {boston!r} (un prix, nombre réel)",
        "en": "`type_mnist` = {mnist!r} (one class among 10) and `type_boston` = {boston!r} (a price, a real number)",
    },
    "td_keras_mlp.param_value_ok": {
        "fr": "`n_params_q3_3` = {value} paramètres : {formula}",
        "en": "`n_params_q3_3` = {value} parameters: {formula}",
    },
    "td_keras_mlp.param_value_own_ok": {
        "fr": "`n_params_q3_3` = {value} paramètres, le nombre de paramètres de votre model_q3_3",
        "en": "`n_params_q3_3` = {value} parameters, the parameter count of your model_q3_3",
    },
    "td_keras_mlp.histories_ok": {
        "fr": "`histories_q5` : {count} historiques d'entraînement de {count} modèles différents ({keys})",
        "en": "`histories_q5`: {count} training histories of {count} different models ({keys})",
    },
}
