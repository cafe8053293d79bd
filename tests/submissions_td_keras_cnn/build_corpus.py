"""Build the corpus of realistic student submissions of ``td_keras_cnn`` (graded by ``tests/test_corpus.py``).

Every notebook starts from the RELEASED student notebook
(``release/td_keras_cnn/td_keras_cnn.ipynb``), so cell metadata, locked test cells and markdown
are exactly what students hand in. For each scenario, the solution stubs (``# VOTRE CODE ICI`` /
``raise NotImplementedError()``, found by their nbgrader grade_id ``q1_code`` ... ``q4_code``;
the lines the release gives before the stub, ``prepare_mnist`` and ``EPOCHS = 3`` ..., are kept)
are filled with student-style code, the written-answer cells (``q3_answer``, ``q4_answer``) with a
short French answer, and a few scenarios insert extra code cells the way students do (an import
cell, a random seed, one more candidate, a "bonus" cell).

Scenarios (one mistake per question and per notebook at most, so that the expected score of every
question is unambiguous; mistakes of different questions are combined), with the spec's
(``assignment-cnn.md``) correct styles and typical mistakes:

* ``correct_*`` (3 notebooks): Sequential / functional, ``keras.Input`` / ``input_shape=``,
  ``Conv2D(32, (3, 3))`` / ``Conv2D(16, 3)``, ``padding="same"``, the ``MaxPool2D`` alias,
  activations as strings, functions and separate ``Activation`` / ``ReLU`` layers,
  BatchNormalization and Dropout in a block, candidates by a function + loop or written one by
  one, ``validation_split`` / ``validation_data`` cut by ``train_test_split``, the same
  ``EarlyStopping`` for every model, best by last / best ``val_accuracy`` or lowest ``val_loss``,
  ``best_cnn`` the candidate itself / a retrained copy / saved and reloaded, the dense network on
  ``X_train`` or after a ``Flatten``, accuracy by ``evaluate`` (list or ``return_dict``) or by
  ``predict`` + argmax; expected 16/16 automatic points;
* ``mistakes_*`` (9 notebooks): every typical mistake of the spec, one Q3 mistake per notebook;
* ``error_q2_nameerror``: a typo in the Q2 cell raises before the fit; Q3 and Q4 keep their points.

The three notebooks whose mistake is a wrong choice of ``best_label`` (picked on the training
accuracy, typed by hand, the worst instead of the best) call ``keras.utils.set_random_seed`` as
careful students do, and their candidates differ enough (a 3-block network with a 1×1×32
bottleneck is far behind after 3 epochs; heavy Dropout lowers the training accuracy, not the
validation one) that the wrong choice is wrong in fast mode and with ``--full`` alike. The
kit cannot tell a label typed by hand that happens to be the best from a computed one (see the
README): no scenario relies on that.

``demo.json`` lists the samples ``make demo`` grades (a correct notebook of each API, two with
mistakes, the crash: a class small enough for a demo).

Writes ``tests/submissions_td_keras_cnn/<scenario>.ipynb``, ``demo.json`` and ``expected.json``, in the format of
``tests/submissions/expected.json``::

    {"<scenario>": {"status": "graded",
                    "scores": {"q1": 2.0, "q2": 4.0, "q3": 6.0, "q4": 4.0},   # AUTOMATIC points expected
                    "messages": {"q2": ["conv1d", ...]},                      # lower-case substrings
                    "notes": ["nameerror"]}}                                  # execution notes, [] = none

``scores`` are the automatic points only (the written answers, 2 points in Q3 and 2 in Q4, are
graded by hand). ``messages[q]``: every substring must occur in the message of a failed check of
question ``q`` and every failed check's message must contain one of them. ``notes``: substrings
of the execution notes (``result.messages``); an empty list means the notebook must run without
any error.

Training is kept small (the release's ``EPOCHS = 3``, ``BATCH_SIZE = 128``, small filters), so
that ``grade --full`` of the whole corpus stays cheap. Regenerate (after a change of the release
notebook or of a scenario), from the repo root::

    . .venv/bin/activate
    python tests/submissions_td_keras_cnn/build_corpus.py          # or --out DIR to write elsewhere

then commit ``tests/submissions_td_keras_cnn/*.ipynb`` and ``expected.json``. The notebooks are
data: they are not executed here, only by the grader.
"""
from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RELEASE = ROOT / "release" / "td_keras_cnn" / "td_keras_cnn.ipynb"
CODE_STUB = "# VOTRE CODE ICI\nraise NotImplementedError()"
ANSWER_STUB = "VOTRE RÉPONSE ICI"
QUESTIONS = ("q1", "q2", "q3", "q4")
AUTO_MAX = {"q1": 2.0, "q2": 4.0, "q3": 6.0, "q4": 4.0}


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def replace(text: str, old: str, new: str) -> str:
    """``text.replace(old, new)``, refusing a pattern that is not there (a stale scenario)."""
    if old not in text:
        raise ValueError(f"{old!r} not in the snippet")
    return text.replace(old, new)


# ------------------------------------------------------------------ written answers (French)
ANSWERS = {
    "q3_answer": (
        "J'ai fait varier le nombre de blocs convolution + pooling (1 ou 2), le nombre de filtres "
        "(8 à 32) et la taille des noyaux (3 ou 5), avec ou sans couche dense cachée : ce sont les "
        "réglages qui changent la capacité du réseau sans trop allonger l'entraînement. Tous les "
        "candidats sont entraînés 3 époques avec la même validation (20 % de l'apprentissage) et je "
        "garde celui qui a la meilleure val_accuracy ; le jeu de test n'est pas utilisé ici."
    ),
    "q4_answer": (
        "À nombre de paramètres à peu près égal, le CNN est plus précis en test que le réseau dense. "
        "La convolution partage ses poids sur toute l'image et ne regarde que des voisinages, le "
        "pooling rend le réseau peu sensible aux petites translations ; le réseau dense dépense "
        "presque tous ses paramètres dans la première couche, un poids par pixel."
    ),
}

# ------------------------------------------------------------------ shared student snippets
Q1_OK = code('''
    X_train_img = X_train.reshape(-1, 28, 28, 1)
    X_test_img = X_test.reshape(-1, 28, 28, 1)
    print(X_train_img.shape, X_test_img.shape)
    plt.imshow(X_train_img[0, :, :, 0], cmap="gray")
    plt.title(str(np.argmax(y_train[0])))
    plt.show()
''')

# the course's worked example (34,826 parameters); Q2_OK, half the filters, is cheaper to train
Q2_COURSE = code('''
    model_cnn = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model_cnn.summary()
    history_cnn = model_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                validation_split=VALIDATION_SPLIT, verbose=2)
''')

Q2_OK = code('''
    model_cnn = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model_cnn.summary()
    history_cnn = model_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                validation_split=VALIDATION_SPLIT, verbose=2)
''')

CREER_CNN = code('''
    def creer_cnn(filtres, noyau=3, dense=0, dropout=0.0):
        """Un bloc Conv2D + MaxPooling2D par nombre de filtres, puis Flatten, une couche dense
        cachée facultative et la sortie softmax."""
        modele = keras.Sequential()
        modele.add(keras.Input(shape=(28, 28, 1)))
        for f in filtres:
            modele.add(layers.Conv2D(f, (noyau, noyau), activation="relu"))
            modele.add(layers.MaxPooling2D((2, 2)))
        modele.add(layers.Flatten())
        if dropout > 0:
            modele.add(layers.Dropout(dropout))
        if dense > 0:
            modele.add(layers.Dense(dense, activation="relu"))
            if dropout > 0:
                modele.add(layers.Dropout(dropout))
        modele.add(layers.Dense(10, activation="softmax"))
        modele.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        return modele
''')

# candidates: label -> (filters, kernel size, hidden dense units, dropout)
CONFIGS_OK = code('''
    configs = {
        "8 filtres": ([8], 3, 0, 0.0),
        "16 filtres + dense 32": ([16], 3, 32, 0.0),
        "8-16 filtres": ([8, 16], 3, 0, 0.0),
        "16-32 filtres, noyau 5": ([16, 32], 5, 0, 0.0),
    }
''')

SELECT_LOOP = code('''
    selection = {}
    modeles = {}
    for nom, (filtres, noyau, dense, dropout) in configs.items():
        print("candidat :", nom)
        modeles[nom] = creer_cnn(filtres, noyau, dense, dropout)
        selection[nom] = modeles[nom].fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                          validation_split=VALIDATION_SPLIT, verbose=0)

    for nom, h in selection.items():
        print(f"{nom:25s} {modeles[nom].count_params():7d} paramètres, "
              f"val_accuracy finale = {h.history['val_accuracy'][-1]:.4f}")
''')

BEST_LAST_VAL_ACC = code('''
    best_label = max(selection, key=lambda nom: selection[nom].history["val_accuracy"][-1])
    print("meilleur candidat :", best_label)
''')

# Q3 with the candidate models kept: best_cnn is the winner itself
Q3_OK = CREER_CNN + "\n\n\n" + CONFIGS_OK + "\n" + SELECT_LOOP + "\n\n" + BEST_LAST_VAL_ACC + "\n" + code('''
    best_cnn = modeles[best_label]
''')

Q4_OK = code('''
    n_cnn = best_cnn.count_params()
    h = round((n_cnn - 10) / 795)   # 784 -> h -> 10 : 795 h + 10 paramètres
    model_fc = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(h, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model_fc.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    print("CNN :", n_cnn, "paramètres ; dense 784 ->", h, "-> 10 :", model_fc.count_params())
    history_fc = model_fc.fit(X_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                              validation_split=VALIDATION_SPLIT, verbose=0)

    test_acc_cnn = best_cnn.evaluate(X_test_img, y_test, verbose=0)[1]
    test_acc_fc = model_fc.evaluate(X_test, y_test, verbose=0)[1]
    print("précision en test : CNN", test_acc_cnn, "/ dense", test_acc_fc)
''')

def seed_cell(value: int = 2024) -> str:
    return code(f'''
        # pour avoir les mêmes résultats à chaque exécution
        keras.utils.set_random_seed({value})
    ''')


SEED = seed_cell()
# A choice on the training accuracy fails only where the run's validation scores contradict it:
# a seed with which they do in fast mode (2 batches) and --full (3 epochs) alike, checked for
# seeds 1-12 (fast: 2024, 1 and 7 let the training pick be the validation best too).
SEED_TRAIN_ACCURACY_PICK = seed_cell(3)

# Candidates whose ranking holds after 3 epochs and after a shortened run alike: the 3-block
# network (a 1x1x32 bottleneck before the output) is far behind; heavy Dropout lowers the
# training accuracy of the biggest one, not its validation accuracy.
CONFIGS_SEEDED = code('''
    configs = {
        "3 blocs (8, 16, 32)": ([8, 16, 32], 3, 0, 0.0),
        "8 filtres": ([8], 3, 0, 0.0),
        "8 filtres, noyau 5": ([8], 5, 0, 0.0),
        "32 filtres + dense 128 + dropout": ([32], 3, 128, 0.6),
    }
''')


# ================================================================== the scenarios
SCENARIOS: dict[str, dict] = {}


def scenario(name, *, doc, cells, scores, messages=None, notes=(), extra=None, demo=False):
    """``cells``: grade_id -> code (None keeps the stub); ``extra``: grade_id -> new cells after it;
    ``demo``: one of the samples ``make demo`` grades (listed in ``demo.json``)."""
    assert name not in SCENARIOS, name
    for q, points in scores.items():
        assert 0 <= points <= AUTO_MAX[q], (name, q, points)
    for q in QUESTIONS:  # a question loses points exactly when its feedback must name the mistake
        assert (scores[q] < AUTO_MAX[q]) == bool((messages or {}).get(q)), (name, q, "messages <=> lost points")
    SCENARIOS[name] = {"doc": doc, "cells": cells, "extra": extra or {}, "demo": demo,
                       "expected": {"status": "graded", "scores": {q: float(scores[q]) for q in QUESTIONS},
                                    "messages": {q: [s.lower() for s in v] for q, v in (messages or {}).items()},
                                    "notes": [s.lower() for s in notes]}}


FULL = dict(AUTO_MAX)

# ------------------------------------------------------------------ correct notebooks
scenario(
    "correct_sequential_loop",
    doc="Sequential lists with keras.Input, Conv2D(32, (3, 3)) and MaxPooling2D((2, 2)) as in the "
        "course; candidates made by a function in a loop over a dict of settings, all with "
        "validation_split=VALIDATION_SPLIT; best by the last val_accuracy; best_cnn the winning "
        "candidate itself; the dense network on X_train (784 -> h -> 10, h from best_cnn's count); "
        "accuracies by evaluate.",
    cells={"q1_code": Q1_OK, "q2_code": Q2_COURSE, "q3_code": Q3_OK, "q4_code": Q4_OK},
    scores=FULL,
    demo=True,
)

scenario(
    "correct_functional_split",
    doc="Functional API everywhere; images by np.expand_dims; Conv2D(16, 3, padding='same') with "
        "separate ReLU() / Activation('relu') layers and the MaxPool2D alias; validation_data cut "
        "once by sklearn's train_test_split (the same for every model); candidates by a function "
        "(kernel 3 or 5, 1 or 2 blocks); best by the lowest val_loss over the epochs; the dense "
        "network after a Flatten on the images, trained on the same cut; accuracies by predict + "
        "argmax.",
    cells={
        "q1_code": code('''
            X_train_img = np.expand_dims(X_train.reshape(-1, 28, 28), axis=-1)
            X_test_img = np.expand_dims(X_test.reshape(-1, 28, 28), axis=-1)
            print("apprentissage :", X_train_img.shape, "test :", X_test_img.shape)
        '''),
        "q2_code": code('''
            from sklearn.model_selection import train_test_split

            # 20 % des images d'apprentissage pour la validation, les mêmes pour tous les modèles
            X_tr, X_val, y_tr, y_val = train_test_split(X_train_img, y_train, test_size=VALIDATION_SPLIT,
                                                        random_state=0)

            entree = keras.Input(shape=(28, 28, 1))
            x = layers.Conv2D(16, 3, padding="same")(entree)
            x = layers.ReLU()(x)
            x = layers.MaxPool2D()(x)
            x = layers.Conv2D(32, 3, padding="same")(x)
            x = layers.Activation("relu")(x)
            x = layers.MaxPool2D()(x)
            x = layers.Flatten()(x)
            sortie = layers.Dense(10, activation="softmax")(x)
            model_cnn = keras.Model(inputs=entree, outputs=sortie)
            model_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            model_cnn.summary()
            history_cnn = model_cnn.fit(X_tr, y_tr, validation_data=(X_val, y_val), epochs=EPOCHS,
                                        batch_size=BATCH_SIZE)
        '''),
        "q3_code": code('''
            def cnn_fonctionnel(nb_filtres, taille_noyau, nb_blocs):
                entree = keras.Input(shape=(28, 28, 1))
                x = entree
                for i in range(nb_blocs):
                    x = layers.Conv2D(nb_filtres * 2 ** i, taille_noyau, padding="same",
                                      activation=keras.activations.relu)(x)
                    x = layers.MaxPool2D(pool_size=2)(x)
                x = layers.Flatten()(x)
                sortie = layers.Dense(10, activation="softmax")(x)
                modele = keras.Model(inputs=entree, outputs=sortie)
                modele.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
                return modele


            modeles, selection = {}, {}
            for nb_filtres, taille_noyau, nb_blocs in [(8, 3, 1), (8, 5, 1), (8, 3, 2), (16, 3, 2)]:
                nom = f"{nb_blocs} bloc(s), {nb_filtres} filtres, noyau {taille_noyau}"
                modeles[nom] = cnn_fonctionnel(nb_filtres, taille_noyau, nb_blocs)
                selection[nom] = modeles[nom].fit(X_tr, y_tr, validation_data=(X_val, y_val),
                                                  epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
                print(nom, ": val_loss minimale", round(min(selection[nom].history["val_loss"]), 4))

            # le critère : la plus petite perte de validation
            best_label = min(selection, key=lambda nom: min(selection[nom].history["val_loss"]))
            best_cnn = modeles[best_label]
            print("retenu :", best_label)

            for nom, h in selection.items():
                plt.plot(h.history["val_loss"], label=nom)
            plt.legend()
            plt.show()
        '''),
        "q4_code": code('''
            n_cnn = best_cnn.count_params()
            largeur = int((n_cnn - 10) / 795)
            entree = keras.Input(shape=(28, 28, 1))
            x = layers.Flatten()(entree)
            x = layers.Dense(largeur, activation="relu")(x)
            sortie = layers.Dense(10, activation="softmax")(x)
            model_fc = keras.Model(entree, sortie)
            model_fc.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            print(n_cnn, model_fc.count_params())
            history_fc = model_fc.fit(X_tr, y_tr, validation_data=(X_val, y_val), epochs=EPOCHS,
                                      batch_size=BATCH_SIZE, verbose=0)


            def precision(modele, X, y):
                predictions = modele.predict(X, verbose=0)
                return float(np.mean(np.argmax(predictions, axis=1) == np.argmax(y, axis=1)))


            test_acc_cnn = precision(best_cnn, X_test_img, y_test)
            test_acc_fc = precision(model_fc, X_test_img, y_test)
            print(f"CNN : {test_acc_cnn:.3f}   dense : {test_acc_fc:.3f}")
        '''),
    },
    scores=FULL,
    demo=True,
)

scenario(
    "correct_earlystopping_tf_keras",
    doc="`from tensorflow import keras` in an extra cell; input_shape= on the first Conv2D, "
        "kernel_size=3, activation=keras.activations.relu, BatchNormalization and Dropout in the "
        "first block, a separate Activation('softmax') layer; the same EarlyStopping settings "
        "(a new callback each time) for every fit; candidates written one by one, trained in a "
        "loop; best by the best epoch's val_accuracy; the winner saved and reloaded "
        "(load_model of a file the notebook wrote); the dense network with input_shape=(784,); "
        "accuracies by evaluate(return_dict=True).",
    cells={
        "q1_code": code('''
            X_train_img = X_train.reshape(len(X_train), 28, 28, 1)
            X_test_img = X_test.reshape(len(X_test), 28, 28, 1)
            print(X_train_img.shape, X_train_img.min(), X_train_img.max())
        '''),
        "q2_code": code('''
            def arret_precoce():
                # les mêmes réglages pour tous les modèles
                return EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)


            model_cnn = keras.Sequential([
                layers.Conv2D(32, kernel_size=3, activation=keras.activations.relu, input_shape=(28, 28, 1)),
                layers.BatchNormalization(),
                layers.MaxPooling2D(pool_size=2),
                layers.Dropout(0.25),
                layers.Conv2D(64, kernel_size=3, activation="relu"),
                layers.MaxPooling2D(pool_size=2),
                layers.Flatten(),
                layers.Dense(10),
                layers.Activation("softmax"),
            ])
            model_cnn.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
            history_cnn = model_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                        validation_split=VALIDATION_SPLIT, callbacks=[arret_precoce()])
            plt.plot(history_cnn.history["loss"], label="apprentissage")
            plt.plot(history_cnn.history["val_loss"], label="validation")
            plt.legend()
            plt.show()
        '''),
        "q3_code": code('''
            candidats = {
                "petit": keras.Sequential([
                    layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ]),
                "petit, noyau 5": keras.Sequential([
                    layers.Conv2D(8, 5, activation="relu", input_shape=(28, 28, 1)),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ]),
                "deux blocs": keras.Sequential([
                    layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
                    layers.MaxPooling2D(2),
                    layers.Conv2D(16, 3, activation="relu"),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ]),
                "deux blocs + dense": keras.Sequential([
                    layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
                    layers.MaxPooling2D(2),
                    layers.Conv2D(16, 3, activation="relu"),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(32, activation="relu"),
                    layers.Dense(10, activation="softmax"),
                ]),
            }
            selection = {}
            for nom, modele in candidats.items():
                modele.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
                selection[nom] = modele.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                            validation_split=VALIDATION_SPLIT, callbacks=[arret_precoce()],
                                            verbose=0)

            scores = {nom: max(h.history["val_accuracy"]) for nom, h in selection.items()}
            print(scores)
            best_label = max(scores, key=scores.get)

            # je garde le meilleur sur le disque pour ne pas devoir le ré-entraîner
            candidats[best_label].save("meilleur_cnn.keras")
            best_cnn = keras.models.load_model("meilleur_cnn.keras")
            best_cnn.summary()
        '''),
        "q4_code": code('''
            n_cnn = best_cnn.count_params()
            h = round((n_cnn - 10) / 795)
            model_fc = keras.Sequential([
                layers.Dense(h, activation="relu", input_shape=(784,)),
                layers.Dense(10, activation="softmax"),
            ])
            model_fc.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
            print(f"{n_cnn} paramètres pour le CNN, {model_fc.count_params()} pour le réseau dense")
            history_fc = model_fc.fit(X_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                      validation_split=VALIDATION_SPLIT, callbacks=[arret_precoce()], verbose=0)

            test_acc_cnn = best_cnn.evaluate(X_test_img, y_test, return_dict=True)["accuracy"]
            test_acc_fc = model_fc.evaluate(X_test, y_test, return_dict=True)["accuracy"]
        '''),
    },
    extra={"imports": [code('''
        # comme dans le cours, avec tf.keras
        from tensorflow import keras
        from tensorflow.keras import layers
        from tensorflow.keras.callbacks import EarlyStopping
    ''')]},
    scores=FULL,
)

# ------------------------------------------------------------------ mistakes notebooks
scenario(
    "mistakes_no_channel_3_candidates_2x128",
    doc="Q1 images without the channel axis (n, 28, 28) (the student adds it back before every fit "
        "and evaluation, so only Q1 loses); Q3 three candidates only; Q4 a dense network of 2 x 128 "
        "hidden units (118k parameters against the CNN's few thousands).",
    cells={
        "q1_code": code('''
            X_train_img = X_train.reshape(-1, 28, 28)
            X_test_img = X_test.reshape(-1, 28, 28)
            print(X_train_img.shape, X_test_img.shape)
        '''),
        "q2_code": code('''
            # Conv2D veut un axe pour les canaux : je l'ajoute ici
            X_train_c = X_train_img.reshape(-1, 28, 28, 1)
            X_test_c = X_test_img.reshape(-1, 28, 28, 1)
        ''') + "\n" + replace(Q2_OK, "fit(X_train_img,", "fit(X_train_c,"),
        "q3_code": CREER_CNN + "\n\n\n" + code('''
            configs = {
                "8 filtres": ([8], 3, 0, 0.0),
                "16 filtres": ([16], 3, 0, 0.0),
                "8-16 filtres": ([8, 16], 3, 0, 0.0),
            }
        ''') + "\n" + replace(SELECT_LOOP, "fit(X_train_img,", "fit(X_train_c,") + "\n\n"
        + BEST_LAST_VAL_ACC + "\n" + "best_cnn = modeles[best_label]",
        "q4_code": code('''
            model_fc = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu"),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model_fc.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            print(model_fc.count_params(), "paramètres contre", best_cnn.count_params())
            history_fc = model_fc.fit(X_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                      validation_split=VALIDATION_SPLIT, verbose=0)
            test_acc_cnn = best_cnn.evaluate(X_test_c, y_test, verbose=0)[1]
            test_acc_fc = model_fc.evaluate(X_test, y_test, verbose=0)[1]
        '''),
    },
    scores={"q1": 0.5, "q2": 4, "q3": 4.5, "q4": 2.5},
    messages={"q1": ["x_train_img", "(4000, 28, 28)", "canaux"], "q3": ["selection", "3 candidat(s)", "au moins 4"],
              "q4": ["model_fc", "best_cnn", "10 %"]},
)

scenario(
    "mistakes_flat_conv1d_optimizers",
    doc="Q1 images left flat with a channel, (n, 784, 1); Q2 a Conv1D network on those 784-long "
        "sequences; Q3 switches to 2D images (reshaped locally) but its 4 candidates are one "
        "architecture compiled with 4 optimizers; Q4 correct.",
    cells={
        "q1_code": code('''
            # une dimension de plus pour le canal
            X_train_img = X_train.reshape(-1, 784, 1)
            X_test_img = X_test.reshape(-1, 784, 1)
            print(X_train_img.shape)
        '''),
        "q2_code": code('''
            model_cnn = keras.Sequential([
                keras.Input(shape=(784, 1)),
                layers.Conv1D(16, 9, activation="relu"),
                layers.MaxPooling1D(4),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            model_cnn.summary()
            history_cnn = model_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                        validation_split=VALIDATION_SPLIT)
        '''),
        "q3_code": code('''
            # pour la sélection je repasse en vraies images 28x28
            X_2d = X_train_img.reshape(-1, 28, 28, 1)
            X_2d_test = X_test_img.reshape(-1, 28, 28, 1)

            selection, modeles = {}, {}
            for optimiseur in ["adam", "sgd", "rmsprop", "adamax"]:
                m = keras.Sequential([
                    keras.Input(shape=(28, 28, 1)),
                    layers.Conv2D(16, 3, activation="relu"),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ])
                m.compile(optimizer=optimiseur, loss="categorical_crossentropy", metrics=["accuracy"])
                selection[optimiseur] = m.fit(X_2d, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                              validation_split=VALIDATION_SPLIT, verbose=0)
                modeles[optimiseur] = m

            best_label = max(selection, key=lambda o: selection[o].history["val_accuracy"][-1])
            best_cnn = modeles[best_label]
            print("meilleur optimiseur :", best_label)
        '''),
        "q4_code": replace(Q4_OK, "evaluate(X_test_img,", "evaluate(X_2d_test,"),
    },
    scores={"q1": 0.5, "q2": 2, "q3": 4.5, "q4": 4},
    messages={"q1": ["x_train_img", "(4000, 784, 1)", "aplaties"], "q2": ["model_cnn", "conv1d", "conv2d"],
              "q3": ["selection", "architecture"]},
)

scenario(
    "mistakes_no_pool_test_validation_conv_fc",
    doc="Q2 two Conv2D without any pooling; Q3 every candidate validated on the test set "
        "(validation_data=(X_test_img, y_test)); Q4 a 'dense' network made of a 28x28 Conv2D "
        "(the student's idea of a dense layer), sized like best_cnn and trained like it.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": code('''
            model_cnn = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(16, 3, activation="relu"),
                layers.Conv2D(32, 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            history_cnn = model_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                        validation_split=VALIDATION_SPLIT, verbose=2)
        '''),
        "q3_code": CREER_CNN + "\n\n\n" + CONFIGS_OK + "\n" + code('''
            # on compare les candidats sur des données qu'ils n'ont jamais vues
            selection, modeles = {}, {}
            for nom, (filtres, noyau, dense, dropout) in configs.items():
                modeles[nom] = creer_cnn(filtres, noyau, dense, dropout)
                selection[nom] = modeles[nom].fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                                  validation_data=(X_test_img, y_test), verbose=0)
        ''') + "\n" + BEST_LAST_VAL_ACC + "\n" + "best_cnn = modeles[best_label]",
        "q4_code": code('''
            # une convolution avec un noyau de la taille de l'image, c'est une couche dense
            h = round((best_cnn.count_params() - 10) / 795)
            model_fc = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(h, (28, 28), activation="relu"),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model_fc.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            history_fc = model_fc.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                      validation_data=(X_test_img, y_test), verbose=0)
            test_acc_cnn = best_cnn.evaluate(X_test_img, y_test, verbose=0)[1]
            test_acc_fc = model_fc.evaluate(X_test_img, y_test, verbose=0)[1]
        '''),
    },
    scores={"q1": 2, "q2": 2, "q3": 5, "q4": 3},
    messages={"q2": ["model_cnn", "maxpooling2d"], "q3": ["jeu de test", "x_test_img"], "q4": ["model_fc", "conv2d"]},
    demo=True,
)

scenario(
    "mistakes_no_flatten_mixed_splits",
    doc="Q2 no Flatten: the softmax Dense sees a 4-D tensor and fit raises (shape mismatch), "
        "history_cnn is never defined; Q3 three candidates validated on 20 %, a fourth one added "
        "in the next cell with validation_split=0.1; best_cnn a retrained copy (20 %); Q4 correct.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": code('''
            model_cnn = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Dense(10, activation="softmax"),
            ])
            model_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            model_cnn.summary()
            history_cnn = model_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                        validation_split=VALIDATION_SPLIT)
        '''),
        "q3_code": CREER_CNN + "\n\n\n" + code('''
            configs = {
                "8 filtres": ([8], 3, 0, 0.0),
                "16 filtres + dense 32": ([16], 3, 32, 0.0),
                "8-16 filtres": ([8, 16], 3, 0, 0.0),
            }
        ''') + "\n" + SELECT_LOOP,
        "q4_code": Q4_OK,
    },
    extra={"q3_code": [code('''
        # un quatrième candidat, ajouté après coup
        configs["16-32 filtres, noyau 5"] = ([16, 32], 5, 0, 0.0)
        modeles["16-32 filtres, noyau 5"] = creer_cnn([16, 32], 5)
        selection["16-32 filtres, noyau 5"] = modeles["16-32 filtres, noyau 5"].fit(
            X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=0)

        best_label = max(selection, key=lambda nom: selection[nom].history["val_accuracy"][-1])
        print(best_label)
        # on ré-entraîne le meilleur avec les réglages communs
        best_cnn = creer_cnn(*configs[best_label])
        best_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                     validation_split=VALIDATION_SPLIT, verbose=0)
    ''')]},
    scores={"q1": 2, "q2": 0.5, "q3": 4.5, "q4": 4},
    messages={"q2": ["model_cnn", "flatten", "history_cnn"], "q3": ["n'a pas été entraîné comme", "validation_percent vaut 10 au lieu de 20"]},
    notes=["valueerror"],
)

scenario(
    "mistakes_sigmoid_train_accuracy_epochs",
    doc="A seed cell; Q2 sigmoid output; Q3 best_label picked on the training accuracy (the "
        "Dropout candidate is the best on validation and not on training); Q4 the dense network "
        "trained for 10 epochs ('it learns faster') instead of best_cnn's 3.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": replace(Q2_OK, 'layers.Dense(10, activation="softmax")', 'layers.Dense(10, activation="sigmoid")'),
        "q3_code": CREER_CNN + "\n\n\n" + CONFIGS_SEEDED + "\n" + SELECT_LOOP + "\n\n" + code('''
            # le meilleur : celui qui a la meilleure précision
            best_label = max(selection, key=lambda nom: selection[nom].history["accuracy"][-1])
            best_cnn = modeles[best_label]
            print("meilleur candidat :", best_label)
        '''),
        "q4_code": replace(
            Q4_OK, "history_fc = model_fc.fit(X_train, y_train, epochs=EPOCHS,",
            "# le réseau dense apprend plus vite : 10 époques\n"
            "history_fc = model_fc.fit(X_train, y_train, epochs=10,"),
    },
    extra={"imports": [SEED_TRAIN_ACCURACY_PICK]},
    scores={"q1": 2, "q2": 2, "q3": 5, "q4": 3.5},
    messages={"q2": ["model_cnn", "sigmoid", "softmax"], "q3": ["best_label", "val_accuracy"],
              "q4": ["model_fc", "best_cnn", "10", "3"]},
)

scenario(
    "mistakes_mse_by_hand",
    doc="A seed cell; Q2 MSE loss; Q3 best_label typed by hand: the deepest candidate ('the "
        "deeper the better'), which its 1x1x32 bottleneck keeps far behind; Q4 correct.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": replace(Q2_OK, 'loss="categorical_crossentropy"', 'loss="mse"'),
        "q3_code": CREER_CNN + "\n\n\n" + CONFIGS_SEEDED + "\n" + SELECT_LOOP + "\n\n" + code('''
            # le plus profond est forcément le meilleur
            best_label = "3 blocs (8, 16, 32)"
            best_cnn = modeles[best_label]
        '''),
        "q4_code": Q4_OK,
    },
    extra={"imports": [SEED]},
    scores={"q1": 2, "q2": 3.5, "q3": 5, "q4": 4},
    messages={"q2": ["model_cnn", "'mse'", "categorical_crossentropy"], "q3": ["best_label", "3 blocs (8, 16, 32)"]},
    demo=True,
)

scenario(
    "mistakes_worst_label_test_acc_on_train",
    doc="A seed cell; Q3 candidates sorted by val_accuracy but the first (the worst) taken; Q4 "
        "the 'test' accuracies computed on the training images.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": Q2_OK,
        "q3_code": CREER_CNN + "\n\n\n" + CONFIGS_SEEDED + "\n" + SELECT_LOOP + "\n\n" + code('''
            classement = sorted(selection, key=lambda nom: selection[nom].history["val_accuracy"][-1])
            best_label = classement[0]
            best_cnn = modeles[best_label]
            print("classement :", classement)
        '''),
        "q4_code": replace(replace(Q4_OK, "best_cnn.evaluate(X_test_img, y_test,", "best_cnn.evaluate(X_train_img, y_train,"),
                           "model_fc.evaluate(X_test, y_test,", "model_fc.evaluate(X_train, y_train,"),
    },
    extra={"imports": [SEED]},
    scores={"q1": 2, "q2": 4, "q3": 5, "q4": 3},
    messages={"q3": ["best_label", "val_accuracy"], "q4": ["test", "x_train"]},
)

scenario(
    "mistakes_best_cnn_other_architecture",
    doc="Q3 a correct selection, but best_cnn is a new network 'combining the best ideas' "
        "(32-64 filters + dense 64), none of the candidates; Q4 sized and trained like that "
        "best_cnn (correct relative to it).",
    cells={
        "q1_code": Q1_OK,
        "q2_code": Q2_OK,
        "q3_code": CREER_CNN + "\n\n\n" + CONFIGS_OK + "\n" + SELECT_LOOP + "\n\n" + BEST_LAST_VAL_ACC + "\n" + code('''
            # je combine les meilleures idées : deux blocs et une couche dense
            best_cnn = creer_cnn([32, 64], 3, 64)
            best_cnn.fit(X_train_img, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                         validation_split=VALIDATION_SPLIT, verbose=0)
        '''),
        "q4_code": Q4_OK,
    },
    scores={"q1": 2, "q2": 4, "q3": 5.5, "q4": 4},
    messages={"q3": ["best_cnn", "n'a pas l'architecture"]},
)

scenario(
    "mistakes_pretrained_typed_accuracy",
    doc="Q3 correct, then a 'bonus' cell loads weights trained elsewhere (Colab) into a copy of "
        "the winner: the file is not in the submission, load_weights raises; Q4 the test "
        "accuracies typed in from that other run.",
    cells={"q1_code": Q1_OK, "q2_code": Q2_OK, "q3_code": Q3_OK,
           "q4_code": replace(
               Q4_OK, "test_acc_cnn = best_cnn.evaluate(X_test_img, y_test, verbose=0)[1]\n"
               "test_acc_fc = model_fc.evaluate(X_test, y_test, verbose=0)[1]",
               "# résultats de mon exécution sur Colab\n"
               "test_acc_cnn = 0.9871\n"
               "test_acc_fc = 0.9702")},
    extra={"q3_code": [code('''
        # bonus : le même réseau entraîné 50 époques sur Colab
        cnn_colab = creer_cnn(*configs[best_label])
        cnn_colab.load_weights("cnn_colab.weights.h5")
        print(cnn_colab.evaluate(X_test_img, y_test, verbose=0))
    ''')]},
    scores={"q1": 2, "q2": 4, "q3": 5.5, "q4": 3},
    messages={"q3": ["cnn_colab.weights.h5", "n'a pas écrit"], "q4": ["`best_cnn`", "jamais été évalué", "evaluate"]},
    notes=["cnn_colab.weights.h5"],
)

# ------------------------------------------------------------------ a cell raises in the middle
scenario(
    "error_q2_nameerror",
    doc="A typo in the Q2 fit (X_train_image) raises NameError: model_cnn is built and compiled "
        "but never trained, history_cnn is missing. Q3 builds its own candidates and Q4 does not "
        "use model_cnn: both keep their points.",
    cells={"q1_code": Q1_OK,
           "q2_code": replace(Q2_OK, "model_cnn.fit(X_train_img,", "model_cnn.fit(X_train_image,"),
           "q3_code": Q3_OK, "q4_code": Q4_OK},
    scores={"q1": 2, "q2": 2.5, "q3": 6, "q4": 4},
    messages={"q2": ["history_cnn", "n'est pas défini"]},
    notes=["nameerror", "x_train_image"],
    demo=True,
)


# ================================================================== notebook building
def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def build_notebook(release: nbformat.NotebookNode, name: str, spec: dict,
                   release_path: Path = RELEASE) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))  # deep copy
    cells, filled = [], set()
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in spec["cells"]:
            student = spec["cells"][grade_id]
            if CODE_STUB not in cell.source:
                raise SystemExit(f"{name}: no stub in cell {grade_id} of {release_path}")
            if student is not None:
                cell.source = cell.source.replace(CODE_STUB, student)
            filled.add(grade_id)
        elif grade_id in ANSWERS:
            if cell.source.strip() != ANSWER_STUB:
                raise SystemExit(f"{name}: answer cell {grade_id} is not a stub in {release_path}")
            cell.source = ANSWERS[grade_id]
        cells.append(cell)
        for index, source in enumerate(spec["extra"].get(grade_id, []), start=1):
            extra = nbformat.v4.new_code_cell(source)
            extra.id = f"student-{grade_id}-{index}"  # deterministic, so regeneration is stable
            cells.append(extra)
            filled.add(f"extra:{grade_id}")
    expected = {f"{q}_code" for q in QUESTIONS} | {f"extra:{g}" for g in spec["extra"]}
    if filled != expected:
        raise SystemExit(f"{name}: cells not found in the release notebook: {sorted(expected - filled)}")
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def build(out_dir: Path = HERE, release_path: Path = RELEASE) -> dict:
    release = nbformat.read(release_path, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, spec in SCENARIOS.items():
        nb = build_notebook(release, name, spec, release_path)
        nb.metadata["corpus_scenario"] = {"name": name, "doc": spec["doc"]}
        nbformat.write(nb, out_dir / f"{name}.ipynb")
        expected[name] = spec["expected"]
    (out_dir / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    demo = [f"{name}.ipynb" for name, spec in SCENARIOS.items() if spec["demo"]]
    (out_dir / "demo.json").write_text(json.dumps(demo, indent=1) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: this folder)")
    parser.add_argument("--release", type=Path, default=RELEASE, help="the released student notebook")
    args = parser.parse_args(argv)
    for name in build(args.out, args.release):
        print(args.out / f"{name}.ipynb")
    print(args.out / "expected.json")


if __name__ == "__main__":
    main()
