"""Messages of this assignment's own checks (fr/en), registered by its hidden checks module.

Keys are prefixed with the assignment's name. Some give a generic failure the homework's own
wording (see ``autograder.checks.reworded``): they take the same parameters as the generic key.
Those ending in ``_ok`` are success notes: what a passed check verified. No message names what
the hidden checks compute; each says what the student built and what the question asks."""

MESSAGES = {
    # --- Q1: images
    "td_keras_cnn.no_channel_axis": {
        "fr": "`{name}` a la forme {actual} : il manque l'axe des canaux. Conv2D attend (n, 28, 28, 1) : "
              "X_train.reshape(-1, 28, 28, 1).",
        "en": "`{name}` has shape {actual}: the channel axis is missing. Conv2D expects (n, 28, 28, 1): "
              "X_train.reshape(-1, 28, 28, 1).",
    },
    "td_keras_cnn.still_flat": {
        "fr": "`{name}` a la forme {actual} : les images sont encore aplaties (784 pixels à la suite). Pour une "
              "convolution 2D, remettez-les en 28×28 avec un canal : X_train.reshape(-1, 28, 28, 1).",
        "en": "`{name}` has shape {actual}: the images are still flat (784 pixels in a row). For a 2D convolution, "
              "give them back their 28×28 shape with one channel: X_train.reshape(-1, 28, 28, 1).",
    },
    "td_keras_cnn.image_shape": {
        "fr": "`{name}` a la forme {actual} ; on attend (n, 28, 28, 1) : n images de 28×28 pixels, canal en "
              "dernier (X_train.reshape(-1, 28, 28, 1)).",
        "en": "`{name}` has shape {actual}; expected (n, 28, 28, 1): n images of 28×28 pixels, channel last "
              "(X_train.reshape(-1, 28, 28, 1)).",
    },
    "td_keras_cnn.pixel_range": {
        "fr": "les pixels de `{name}` vont de {low:.3g} à {high:.3g} ; ceux de prepare_mnist sont entre 0 et 1 : "
              "changez la forme des tableaux, pas leurs valeurs.",
        "en": "the pixels of `{name}` range from {low:.3g} to {high:.3g}; prepare_mnist's lie between 0 and 1: "
              "change the arrays' shape, not their values.",
    },
    "td_keras_cnn.not_one_hot": {
        "fr": "`{name}` n'est pas codé en one-hot (une seule valeur 1 par ligne) : gardez les étiquettes renvoyées "
              "par prepare_mnist.",
        "en": "`{name}` is not one-hot encoded (exactly one 1 per row): keep the labels returned by prepare_mnist.",
    },
    "td_keras_cnn.images_ok": {
        "fr": "`X_train_img` {train} et `X_test_img` {test} : des images 28×28 à un canal (canal en dernier), "
              "pixels entre 0 et 1",
        "en": "`X_train_img` {train} and `X_test_img` {test}: 28×28 images with one channel (channel last), "
              "pixels between 0 and 1",
    },
    "td_keras_cnn.labels_ok": {
        "fr": "`y_train` {train} et `y_test` {test} : étiquettes one-hot sur 10 classes, une par image",
        "en": "`y_train` {train} and `y_test` {test}: one-hot labels over 10 classes, one per image",
    },
    # --- Q2: the first CNN
    "td_keras_cnn.input_not_image": {
        "fr": "`{name}` prend des entrées de forme {actual} ; un réseau à convolutions 2D sur ces images prend "
              "(28, 28, 1) : keras.Input(shape=(28, 28, 1)) et les tableaux X_train_img / X_test_img.",
        "en": "`{name}` takes inputs of shape {actual}; a 2D convolutional network on these images takes "
              "(28, 28, 1): keras.Input(shape=(28, 28, 1)) and the arrays X_train_img / X_test_img.",
    },
    "td_keras_cnn.conv1d": {
        "fr": "`{name}` utilise Conv1D, qui glisse le long d'une seule dimension ; une image a deux dimensions : "
              "utilisez layers.Conv2D sur des entrées (28, 28, 1).",
        "en": "`{name}` uses Conv1D, which slides along one dimension only; an image has two: use layers.Conv2D "
              "on (28, 28, 1) inputs.",
    },
    "td_keras_cnn.loss": {
        "fr": "`{name}` est compilé avec la perte {actual!r} ; pour une classification à 10 classes exclusives avec "
              "étiquettes one-hot on attend {expected!r}.",
        "en": "`{name}` is compiled with the {actual!r} loss; a 10-class classification with one-hot labels needs "
              "{expected!r}.",
    },
    "td_keras_cnn.epochs": {
        "fr": "`{name}` est entraîné {actual} époque(s) ; la question demande entre {low} et {high} époques.",
        "en": "`{name}` is trained for {actual} epoch(s); the question asks for {low} to {high} epochs.",
    },
    # --- Q3: model selection
    "td_keras_cnn.too_few_candidates": {
        "fr": "`{name}` contient {count} candidat(s) ; la question en demande au moins {expected}, d'architectures "
              "différentes.",
        "en": "`{name}` holds {count} candidate(s); the question asks for at least {expected}, with different "
              "architectures.",
    },
    "td_keras_cnn.candidate_not_cnn": {
        "fr": "le modèle de {what} n'a aucune couche Conv2D ({stack}) : les candidats de la sélection sont des "
              "réseaux convolutionnels.",
        "en": "the model of {what} has no Conv2D layer ({stack}): the candidates of the selection are convolutional "
              "networks.",
    },
    "td_keras_cnn.candidate_model_unknown": {
        "fr": "le modèle entraîné par {what} est introuvable : rangez dans `selection` l'History renvoyé par "
              "le fit de chaque candidat.",
        "en": "the model trained by {what} cannot be found: store in `selection` the History returned by each "
              "candidate's fit.",
    },
    "td_keras_cnn.candidates_ok": {
        "fr": "`selection` : {count} candidats entraînés, {distinct} architectures convolutionnelles différentes",
        "en": "`selection`: {count} trained candidates, {distinct} different convolutional architectures",
    },
    "td_keras_cnn.selection_validation_ok": {
        "fr": "les {count} candidats de `selection` sont entraînés de la même façon ({settings}), validation prise "
              "dans les données d'apprentissage",
        "en": "the {count} candidates of `selection` are trained the same way ({settings}), validation taken from "
              "the training data",
    },
    "td_keras_cnn.selection_no_test_ok": {
        "fr": "aucun candidat de `selection` n'a vu le jeu de test (`X_test_img`), ni pour l'entraînement ni pour "
              "la validation",
        "en": "no candidate of `selection` saw the test set (`X_test_img`), for training or for validation",
    },
    "td_keras_cnn.best_not_trained": {
        "fr": "`{name}` a l'architecture retenue mais n'a jamais été entraîné : entraînez-le (ou reprenez le "
              "candidat entraîné).",
        "en": "`{name}` has the chosen architecture but was never trained: train it (or use the trained "
              "candidate).",
    },
    "td_keras_cnn.best_reloaded_ok": {
        "fr": "`best_cnn` a chargé les poids d'un modèle entraîné dans ce carnet (enregistré puis rechargé)",
        "en": "`best_cnn` loaded the weights of a model trained in this notebook (saved then reloaded)",
    },
    # --- Q4: fully connected network
    "td_keras_cnn.fc_has_conv": {
        "fr": "`{name}` contient une couche {layer} : le réseau à comparer est entièrement connecté (seulement des "
              "couches Dense, sur les images aplaties ou après un Flatten).",
        "en": "`{name}` has a {layer} layer: the network to compare is fully connected (Dense layers only, on the "
              "flattened images or after a Flatten).",
    },
    "td_keras_cnn.fc_params": {
        "fr": "`{name}` a {actual} paramètres, soit {gap} % par rapport aux {target} de `{reference}` ; "
              "visez moins de {tolerance:g} % d'écart (784 → h → 10 a 795·h + 10 paramètres).",
        "en": "`{name}` has {actual} parameters, {gap}% away from the {target} of `{reference}`; stay within "
              "{tolerance:g}% (784 → h → 10 has 795·h + 10 parameters).",
    },
    "td_keras_cnn.fc_training_differs": {
        "fr": "`{name}` n'est pas entraîné comme `{reference}` : {setting} vaut {actual!r} au lieu de {expected!r} ; "
              "pour comparer les deux réseaux, entraînez-les de la même façon (mêmes époques, même validation).",
        "en": "`{name}` is not trained like `{reference}`: {setting} is {actual!r} instead of {expected!r}; to "
              "compare the two networks, train them the same way (same epochs, same validation).",
    },
    "td_keras_cnn.fc_trained_ok": {
        "fr": "`model_fc` est entraîné comme `best_cnn` ({settings}) et `history_fc` est l'History de son fit",
        "en": "`model_fc` is trained like `best_cnn` ({settings}) and `history_fc` is the History of its fit",
    },
    "td_keras_cnn.test_results_ok": {
        "fr": "`best_cnn` et `model_fc` sont évalués sur le jeu de test ; `test_acc_cnn` = {cnn} et `test_acc_fc` = "
              "{fc} sont ces résultats",
        "en": "`best_cnn` and `model_fc` are evaluated on the test set; `test_acc_cnn` = {cnn} and `test_acc_fc` = "
              "{fc} are those results",
    },
    "td_keras_cnn.accuracy_range": {
        "fr": "`{name}` vaut {actual} ; une précision est un nombre entre 0 et 1 : calculez-la avec evaluate ou "
              "predict sur le jeu de test.",
        "en": "`{name}` is {actual}; an accuracy is a number between 0 and 1: compute it with evaluate or predict "
              "on the test set.",
    },
}
