"""Build the corpus of realistic student submissions graded by ``tests/test_corpus.py``.

Every notebook starts from the RELEASED student notebook
(``release/td_keras_mlp/td_keras_mlp.ipynb``), so cell metadata, locked test cells and
markdown are exactly what students hand in. For each scenario, the solution stubs
(``# VOTRE CODE ICI`` / ``raise NotImplementedError()``, found by their nbgrader grade_id
``q1_code`` ... ``q7_code``) are filled with student-style code, the written-answer cells
(``q1_answer`` ...) with a short French answer, and a few scenarios insert extra code cells
the way students do (separate ``fit`` cells, an extra import cell).

Scenarios (one mistake per question and per notebook at most, so that the expected score of
every question is unambiguous; mistakes of different questions are combined):

* ``correct_*`` (3 notebooks): every correct variant of assignment.md between them,
  expected 16/16 automatic points;
* ``mistakes_*`` (6 notebooks): every typical mistake of assignment.md (Q5 validated on the test
  set, and on a 10 % share of the training data: two different messages);
* ``error_q3_nameerror``: a typo in the Q3 cell raises; later questions keep their points.

Writes ``tests/submissions/<scenario>.ipynb`` and ``tests/submissions/expected.json``::

    {"<scenario>": {"status": "graded",
                    "scores": {"q1": 1.0, ..., "q7": 2.0},      # AUTOMATIC points expected
                    "messages": {"q2": ["softmax", ...]},       # lower-case substrings
                    "notes": ["nameerror"]}}                    # execution notes, [] = none

``scores`` are the automatic points only (the hand-graded checks are still pending: maximum
q1 1, q2 3, q3 3, q4 3, q5 2, q6 2, q7 2). ``messages[q]``: every substring must occur in the
message of a failed check of question ``q`` and every failed check's message must contain one
of them. ``notes``: substrings of the execution notes (``result.messages``); an empty list
means the notebook must run without any error.

Regenerate (after a change of the release notebook or of a scenario), from the repo root::

    . .venv/bin/activate
    python tests/submissions/build_corpus.py          # or --out DIR to write elsewhere

then commit ``tests/submissions/*.ipynb`` and ``tests/submissions/expected.json``. The
notebooks are data: they are not executed here, only by the grader.
"""
from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RELEASE = ROOT / "release" / "td_keras_mlp" / "td_keras_mlp.ipynb"
CODE_STUB = "# VOTRE CODE ICI\nraise NotImplementedError()"
ANSWER_STUB = "VOTRE RÉPONSE ICI"
QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
AUTO_MAX = {"q1": 1.0, "q2": 3.0, "q3": 3.0, "q4": 3.0, "q5": 2.0, "q6": 2.0, "q7": 2.0}


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# ------------------------------------------------------------------ written answers (French)
ANSWERS = {
    "q1_answer": (
        "`prepare_mnist` aplatit les images 28×28 en vecteurs de 784 valeurs entre 0 et 1 "
        "(division par 255, min-max) et code les étiquettes en one-hot sur 10 classes : "
        "X_train est (n, 784) et y_train (n, 10). C'est une classification. `prepare_boston` "
        "met à l'échelle les 13 variables et le prix (n, 1) : c'est une régression."
    ),
    "q3_answer": (
        "Avec une couche cachée la précision augmente nettement par rapport au modèle linéaire ; "
        "ajouter une 2e puis une 3e couche ne change presque rien en 10 époques."
    ),
    "q4_answer": (
        "Le modèle à 3 couches cachées a 134 794 paramètres. Avec une couche de h neurones on a "
        "795h + 10 paramètres, donc h ≈ 170. Les deux modèles ont des précisions très proches."
    ),
    "q5_answer": (
        "Les courbes de val_accuracy donnent le même classement qu'en test : le modèle sans "
        "couche cachée est en dessous, les autres sont proches. On compare sans utiliser le test."
    ),
}

# ------------------------------------------------------------------ shared student snippets
Q1_OK = code('''
    X_train, X_test, y_train, y_test = prepare_mnist(ON_LAB_NETWORK)
    Xb_train, Xb_test, yb_train, yb_test = prepare_boston()
    print("MNIST :", X_train.shape, X_test.shape, y_train.shape, y_test.shape)
    print("Boston :", Xb_train.shape, Xb_test.shape, yb_train.shape, yb_test.shape)
    type_mnist = "classification"
    type_boston = "regression"
''')

Q2_OK = code('''
    model_q2 = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(10, activation="softmax"),
    ])
    model_q2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    model_q2.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
    print("précision test :", model_q2.evaluate(X_test, y_test, verbose=0)[1])
''')

HELPER_MLP = code('''
    def creer_mlp(nb_cachees, largeur=128):
        modele = keras.Sequential()
        modele.add(keras.Input(shape=(784,)))
        for _ in range(nb_cachees):
            modele.add(layers.Dense(largeur, activation="relu"))
        modele.add(layers.Dense(10, activation="softmax"))
        modele.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
        return modele
''')

Q3_OK_LOOP = HELPER_MLP + "\n\n" + code('''
    model_q3_1 = creer_mlp(1)
    model_q3_2 = creer_mlp(2)
    model_q3_3 = creer_mlp(3)
    for i, m in enumerate([model_q3_1, model_q3_2, model_q3_3]):
        m.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
        print(i + 1, "couche(s) cachée(s) :", m.evaluate(X_test, y_test, verbose=0)[1])
''')

Q4_OK = code('''
    n_params_q3_3 = model_q3_3.count_params()
    print("3 couches cachées :", n_params_q3_3, "paramètres")
    # une couche cachée de h neurones : 784*h + h + 10*h + 10 = 795*h + 10  ->  h = 170
    model_q4 = creer_mlp(1, largeur=170)
    print("1 couche de 170 :", model_q4.count_params(), "paramètres")
    model_q4.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
    print("3 x 128 :", model_q3_3.evaluate(X_test, y_test, verbose=0)[1])
    print("1 x 170 :", model_q4.evaluate(X_test, y_test, verbose=0)[1])
''')

PLOT_Q5 = code('''
    for nom, h in histories_q5.items():
        plt.plot(h.history["val_accuracy"], label=nom)
    plt.xlabel("époque")
    plt.ylabel("val_accuracy")
    plt.legend()
    plt.show()
''')

Q5_OK_REBUILD = code('''
    histories_q5 = {}
    q2_bis = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
    q2_bis.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    histories_q5["q2"] = q2_bis.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
    for nom, nb, largeur in [("q3_1", 1, 128), ("q3_2", 2, 128), ("q3_3", 3, 128), ("q4", 1, 170)]:
        histories_q5[nom] = creer_mlp(nb, largeur).fit(X_train, y_train, validation_split=0.3,
                                                     epochs=10, batch_size=200, verbose=0)
''') + "\n" + PLOT_Q5

Q6_FIT = code('''
    model_q6 = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
        layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
        layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
        layers.Dense(10, activation="softmax", kernel_regularizer=regularizers.L1(1e-4)),
    ])
    model_q6.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history_q6 = model_q6.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
''')
Q6_PLOT = code('''
    plt.plot(history_q6.history["val_accuracy"], label="L1")
    plt.plot(histories_q5["q3_3"].history["val_accuracy"], label="sans régularisation")
    plt.legend()
    plt.show()
''')
Q6_OK = Q6_FIT + "\n" + Q6_PLOT

Q7_OK = code('''
    model_q7 = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.1),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.1),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.1),
        layers.Dense(10, activation="softmax"),
    ])
    model_q7.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history_q7 = model_q7.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
    plt.plot(history_q6.history["val_accuracy"], label="L1")
    plt.plot(history_q7.history["val_accuracy"], label="dropout 10 %")
    plt.legend()
    plt.show()
''')


# ================================================================== the scenarios
SCENARIOS: dict[str, dict] = {}


def scenario(name, *, doc, cells, scores, messages=None, notes=(), extra=None):
    """``cells``: grade_id -> code (None keeps the stub); ``extra``: grade_id -> new cells after it."""
    assert name not in SCENARIOS, name
    for q, points in scores.items():
        assert 0 <= points <= AUTO_MAX[q], (name, q, points)
    for q in QUESTIONS:  # a question loses points exactly when its feedback must name the mistake
        assert (scores[q] < AUTO_MAX[q]) == bool((messages or {}).get(q)), (name, q, "messages <=> lost points")
    SCENARIOS[name] = {"doc": doc, "cells": cells, "extra": extra or {},
                       "expected": {"status": "graded", "scores": {q: float(scores[q]) for q in QUESTIONS},
                                    "messages": {q: [s.lower() for s in v] for q, v in (messages or {}).items()},
                                    "notes": [s.lower() for s in notes]}}


FULL = dict(AUTO_MAX)

# ------------------------------------------------------------------ correct notebooks
scenario(
    "correct_sequential",
    doc="Sequential([...]) lists with keras.Input, 'régression' with an accent, the three Q3 "
        "models trained in separate cells inserted by the student, Q5 re-fits the SAME model "
        "objects, kernel_regularizer='l1' (string), validation_split=0.3.",
    cells={
        "q1_code": Q1_OK.replace('type_boston = "regression"', 'type_boston = "régression"'),
        "q2_code": code('''
            model_q2 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(10, activation="softmax"),
            ])
            model_q2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q2.summary()
            model_q2.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
            loss, acc = model_q2.evaluate(X_test, y_test, verbose=0)
            print("précision test :", acc)
        '''),
        "q3_code": code('''
            model_q3_1 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model_q3_2 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu"),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model_q3_3 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu"),
                layers.Dense(128, activation="relu"),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            for m in (model_q3_1, model_q3_2, model_q3_3):
                m.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
        '''),
        "q4_code": code('''
            n_params_q3_3 = model_q3_3.count_params()
            print(n_params_q3_3)
            # 1 couche cachée de h neurones : 784h + h + 10h + 10 = 795h + 10 -> h = 170
            model_q4 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(170, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model_q4.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            print(model_q4.count_params())
            model_q4.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
            print("3 couches :", model_q3_3.evaluate(X_test, y_test, verbose=0)[1])
            print("1 couche de 170 :", model_q4.evaluate(X_test, y_test, verbose=0)[1])
        '''),
        "q5_code": code('''
            histories_q5 = {}
            histories_q5["q2"] = model_q2.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
            histories_q5["q3_1"] = model_q3_1.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
            histories_q5["q3_2"] = model_q3_2.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
            histories_q5["q3_3"] = model_q3_3.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
            histories_q5["q4"] = model_q4.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
        ''') + "\n" + PLOT_Q5,
        "q6_code": Q6_OK.replace("kernel_regularizer=regularizers.L1(1e-4)", 'kernel_regularizer="l1"'),
        "q7_code": Q7_OK,
    },
    extra={"q3_code": [
        "model_q3_1.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)",
        "model_q3_2.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)",
        code('''
            model_q3_3.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
            for m in (model_q3_1, model_q3_2, model_q3_3):
                print(m.evaluate(X_test, y_test, verbose=0))
        '''),
    ]},
    scores=FULL,
)

scenario(
    "correct_add_tf_keras",
    doc="`from tensorflow import keras` / `from tensorflow.keras import layers, regularizers` in an "
        "extra cell, prepare_mnist(True), 'Classification'/'Regression' capitalized, `.add(...)` with "
        "input_dim=784, a separate Activation('softmax') layer, Q2 trained 5 epochs, Q3 in a for "
        "loop, Q4 width 175, Q5 rebuilt models with validation_data = the last 30 % of X_train, "
        "regularizers.l1(1e-4) (lower-case alias).",
    cells={
        "q1_code": code('''
            X_train, X_test, y_train, y_test = prepare_mnist(True)
            Xb_train, Xb_test, yb_train, yb_test = prepare_boston()
            for nom, t in [("X_train", X_train), ("y_train", y_train), ("Xb_train", Xb_train), ("yb_train", yb_train)]:
                print(nom, t.shape, t.min(), t.max())
            type_mnist = "Classification"
            type_boston = "Regression"
        '''),
        "q2_code": code('''
            model_q2 = keras.Sequential()
            model_q2.add(layers.Dense(10, input_dim=784))
            model_q2.add(layers.Activation("softmax"))
            model_q2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            hist = model_q2.fit(X_train, y_train, verbose=2, epochs=5, batch_size=200)
            score = model_q2.evaluate(X_test, y_test)
            print(score)
        '''),
        "q3_code": code('''
            modeles = []
            for nb_couches in [1, 2, 3]:
                m = keras.Sequential()
                m.add(layers.Dense(128, activation="relu", input_dim=784))
                for i in range(nb_couches - 1):
                    m.add(layers.Dense(128, activation="relu"))
                m.add(layers.Dense(10))
                m.add(layers.Activation("softmax"))
                m.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
                m.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
                print(nb_couches, "couche(s) :", m.evaluate(X_test, y_test, verbose=0))
                modeles.append(m)
            model_q3_1, model_q3_2, model_q3_3 = modeles
        '''),
        "q4_code": code('''
            n_params_q3_3 = model_q3_3.count_params()
            print("nb de paramètres :", n_params_q3_3)
            model_q4 = keras.Sequential()
            model_q4.add(layers.Dense(175, activation="relu", input_dim=784))
            model_q4.add(layers.Dense(10))
            model_q4.add(layers.Activation("softmax"))
            model_q4.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
            print(model_q4.count_params(), "soit", round(100 * model_q4.count_params() / n_params_q3_3 - 100, 1), "% d'écart")
            model_q4.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
            print(model_q4.evaluate(X_test, y_test, verbose=0), model_q3_3.evaluate(X_test, y_test, verbose=0))
        '''),
        "q5_code": code('''
            # on garde les 30 % derniers exemples pour la validation
            n_val = int(0.3 * len(X_train))
            X_tr, y_tr = X_train[:-n_val], y_train[:-n_val]
            X_val, y_val = X_train[-n_val:], y_train[-n_val:]

            def nouveau_modele(couches):
                m = keras.Sequential()
                m.add(keras.Input(shape=(784,)))
                for c in couches:
                    m.add(layers.Dense(c, activation="relu"))
                m.add(layers.Dense(10, activation="softmax"))
                m.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
                return m

            architectures = {"q2": [], "q3_1": [128], "q3_2": [128, 128], "q3_3": [128, 128, 128], "q4": [175]}
            histories_q5 = {}
            for nom, couches in architectures.items():
                histories_q5[nom] = nouveau_modele(couches).fit(X_tr, y_tr, validation_data=(X_val, y_val),
                                                               epochs=10, batch_size=200, verbose=0)
                print(nom, histories_q5[nom].history["val_accuracy"][-1])

            fig, axes = plt.subplots(1, 2, figsize=(10, 4))
            for nom, h in histories_q5.items():
                axes[0].plot(h.history["accuracy"], label=nom)
                axes[1].plot(h.history["val_accuracy"], label=nom)
            axes[0].set_title("apprentissage")
            axes[1].set_title("validation")
            axes[1].legend()
            plt.show()
        '''),
        "q6_code": code('''
            model_q6 = keras.Sequential()
            model_q6.add(layers.Dense(128, activation="relu", input_dim=784, kernel_regularizer=regularizers.l1(1e-4)))
            model_q6.add(layers.Dense(128, activation="relu", kernel_regularizer=regularizers.l1(1e-4)))
            model_q6.add(layers.Dense(128, activation="relu", kernel_regularizer=regularizers.l1(1e-4)))
            model_q6.add(layers.Dense(10, activation="softmax", kernel_regularizer=regularizers.l1(1e-4)))
            model_q6.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
            history_q6 = model_q6.fit(X_tr, y_tr, validation_data=(X_val, y_val), epochs=10, batch_size=200, verbose=2)
            plt.plot(history_q6.history["val_accuracy"], label="L1")
            plt.plot(histories_q5["q3_3"].history["val_accuracy"], label="sans L1")
            plt.legend()
            plt.show()
        '''),
        "q7_code": code('''
            model_q7 = keras.Sequential()
            model_q7.add(layers.Dense(128, activation="relu", input_dim=784))
            model_q7.add(layers.Dropout(0.1))
            model_q7.add(layers.Dense(128, activation="relu"))
            model_q7.add(layers.Dropout(0.1))
            model_q7.add(layers.Dense(128, activation="relu"))
            model_q7.add(layers.Dropout(0.1))
            model_q7.add(layers.Dense(10, activation="softmax"))
            model_q7.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
            history_q7 = model_q7.fit(X_tr, y_tr, validation_data=(X_val, y_val), epochs=10, batch_size=200, verbose=2)
            for nom, h in [("L1", history_q6), ("dropout", history_q7)]:
                plt.plot(h.history["val_accuracy"], label=nom)
            plt.legend()
            plt.show()
        '''),
    },
    extra={"imports": [code('''
        # j'utilise tf.keras comme dans le cours
        from tensorflow import keras
        from tensorflow.keras import layers, regularizers
    ''')]},
    scores=FULL,
)

scenario(
    "correct_functional",
    doc="Functional API (keras.Input + keras.Model) for Q2, Q3, Q4 and Q7, 'CLASSIFICATION' / "
        "'Régression', Q2 trained 20 epochs, n_params summed over layers, Q4 width 165, Q5 "
        "re-fits the same objects in a dict comprehension, Q6 Sequential with input_shape=(784,) "
        "and regularizers.L1L2(l1=1e-4, l2=0), Q7 with a Dropout on the input too.",
    cells={
        "q1_code": Q1_OK.replace('"classification"', '"CLASSIFICATION"').replace('"regression"', '"Régression"'),
        "q2_code": code('''
            entree = keras.Input(shape=(784,))
            sortie = layers.Dense(10, activation="softmax")(entree)
            model_q2 = keras.Model(inputs=entree, outputs=sortie)
            model_q2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q2.fit(X_train, y_train, epochs=20, batch_size=200, verbose=2)
            print(model_q2.evaluate(X_test, y_test, verbose=0))
        '''),
        "q3_code": code('''
            def mlp(n_cachees, largeur=128):
                entree = keras.Input(shape=(784,))
                x = entree
                for _ in range(n_cachees):
                    x = layers.Dense(largeur, activation="relu")(x)
                sortie = layers.Dense(10, activation="softmax")(x)
                modele = keras.Model(entree, sortie)
                modele.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
                return modele

            model_q3_1 = mlp(1)
            model_q3_1.fit(X_train, y_train, epochs=10, batch_size=200, verbose=2)
            model_q3_2 = mlp(2)
            model_q3_2.fit(X_train, y_train, epochs=10, batch_size=200, verbose=2)
            model_q3_3 = mlp(3)
            model_q3_3.fit(X_train, y_train, epochs=10, batch_size=200, verbose=2)
            resultats = {k: m.evaluate(X_test, y_test, verbose=0)[1]
                         for k, m in [(1, model_q3_1), (2, model_q3_2), (3, model_q3_3)]}
            print(resultats)
        '''),
        "q4_code": code('''
            n_params_q3_3 = sum(couche.count_params() for couche in model_q3_3.layers)
            print(n_params_q3_3)
            model_q4 = mlp(1, largeur=165)   # 795 * 165 + 10 = 131185, à moins de 5 %
            model_q4.fit(X_train, y_train, epochs=10, batch_size=200, verbose=2)
            print(model_q4.count_params(), model_q4.evaluate(X_test, y_test, verbose=0))
        '''),
        "q5_code": code('''
            modeles = {"q2": model_q2, "q3_1": model_q3_1, "q3_2": model_q3_2, "q3_3": model_q3_3, "q4": model_q4}
            histories_q5 = {nom: m.fit(X_train, y_train, epochs=10, batch_size=200, validation_split=0.3, verbose=0)
                            for nom, m in modeles.items()}
        ''') + "\n" + PLOT_Q5,
        "q6_code": code('''
            reg = regularizers.L1L2(l1=1e-4, l2=0)
            model_q6 = keras.Sequential([
                layers.Dense(128, activation="relu", input_shape=(784,), kernel_regularizer=reg),
                layers.Dense(128, activation="relu", kernel_regularizer=reg),
                layers.Dense(128, activation="relu", kernel_regularizer=reg),
                layers.Dense(10, activation="softmax", kernel_regularizer=reg),
            ])
            model_q6.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q6 = model_q6.fit(X_train, y_train, epochs=10, batch_size=200, validation_split=0.3, verbose=2)
        '''),
        "q7_code": code('''
            entree = keras.Input(shape=(784,))
            x = layers.Dropout(0.1)(entree)
            for _ in range(3):
                x = layers.Dense(128, activation="relu")(x)
                x = layers.Dropout(0.1)(x)
            sortie = layers.Dense(10, activation="softmax")(x)
            model_q7 = keras.Model(entree, sortie)
            model_q7.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q7 = model_q7.fit(X_train, y_train, epochs=10, batch_size=200, validation_split=0.3, verbose=2)
            for nom, h in [("sans", histories_q5["q3_3"]), ("L1", history_q6), ("dropout", history_q7)]:
                plt.plot(h.history["val_accuracy"], label=nom)
            plt.legend()
            plt.show()
        '''),
    },
    scores=FULL,
)

# ------------------------------------------------------------------ mistakes notebooks
scenario(
    "mistakes_sigmoid_split02",
    doc="Q1 type_mnist='regression'; Q2 sigmoid output; Q3 model_q3_2 with 64-unit hidden layers; "
        "Q4 n_params_q3_3 hard-coded wrong (biases forgotten: 134400); Q5 validation_split=0.2; "
        "Q6 L1 only on the first layer; Q7 Dropout(0.9).",
    cells={
        "q1_code": Q1_OK.replace('type_mnist = "classification"', 'type_mnist = "regression"'),
        "q2_code": Q2_OK.replace('activation="softmax"', 'activation="sigmoid"'),
        "q3_code": code('''
            model_q3_1 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(10, activation="softmax")])
            model_q3_2 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu"),
                                           layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
            model_q3_3 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(128, activation="relu"), layers.Dense(128, activation="relu"),
                                           layers.Dense(10, activation="softmax")])
            for m in [model_q3_1, model_q3_2, model_q3_3]:
                m.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
                m.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q4_code": code('''
            # calcul à la main : 784*128 + 128*128 + 128*128 + 128*10
            n_params_q3_3 = 134400
            model_q4 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(170, activation="relu"),
                                         layers.Dense(10, activation="softmax")])
            model_q4.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q4.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q5_code": code('''
            histories_q5 = {}
            for nom, m in [("q2", model_q2), ("q3_1", model_q3_1), ("q3_2", model_q3_2),
                           ("q3_3", model_q3_3), ("q4", model_q4)]:
                histories_q5[nom] = m.fit(X_train, y_train, validation_split=0.2, epochs=10, batch_size=200, verbose=0)
        ''') + "\n" + PLOT_Q5,
        "q6_code": code('''
            model_q6 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dense(128, activation="relu"),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model_q6.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q6 = model_q6.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
        '''),
        "q7_code": Q7_OK.replace("layers.Dropout(0.1)", "layers.Dropout(0.9)"),
    },
    scores={"q1": 0.5, "q2": 1.5, "q3": 2, "q4": 2, "q5": 1, "q6": 1, "q7": 1},
    messages={"q1": ["type_mnist", "'regression'"], "q2": ["sigmoid", "softmax"],
              "q3": ["model_q3_2", "64", "128"], "q4": ["n_params_q3_3", "134400"],
              "q5": ["20 %", "validation_split=0.3"], "q6": ["model_q6", "couche 2", "l1"],
              "q7": ["rate=0.9", "90 %", "10 %"]},
)

scenario(
    "mistakes_784_no_validation",
    doc="Q1 Boston never loaded (Xb_* missing); Q2 784 outputs (its fit then fails); Q3 model_q3_3 "
        "with one hidden layer too many (4); Q4 model_q4 with two hidden layers of 145 (comparable "
        "count); Q5 rebuilt models trained without any validation; Q6 L2 instead of L1; Q7 the L1 "
        "of Q6 kept next to the Dropout.",
    cells={
        "q1_code": code('''
            X_train, X_test, y_train, y_test = prepare_mnist(ON_LAB_NETWORK)
            print(X_train.shape, y_train.shape)
            type_mnist = "classification"
            type_boston = "regression"
        '''),
        "q2_code": code('''
            model_q2 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(784, activation="softmax"),
            ])
            model_q2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q2.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q3_code": HELPER_MLP + "\n\n" + code('''
            model_q3_1 = creer_mlp(1)
            model_q3_2 = creer_mlp(2)
            model_q3_3 = creer_mlp(4)
            for m in [model_q3_1, model_q3_2, model_q3_3]:
                m.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
        '''),
        "q4_code": code('''
            n_params_q3_3 = model_q3_3.count_params()
            print(n_params_q3_3)
            model_q4 = keras.Sequential([keras.Input(shape=(784,)),
                                         layers.Dense(145, activation="relu"),
                                         layers.Dense(145, activation="relu"),
                                         layers.Dense(10, activation="softmax")])
            model_q4.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            print(model_q4.count_params())
            model_q4.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q5_code": code('''
            histories_q5 = {}
            for nom, nb, largeur in [("q2", 0, 0), ("q3_1", 1, 128), ("q3_2", 2, 128), ("q3_3", 3, 128), ("q4", 1, 170)]:
                histories_q5[nom] = creer_mlp(nb, largeur).fit(X_train, y_train, epochs=10, batch_size=200, verbose=0)
                print(nom, histories_q5[nom].history["accuracy"][-1])
        '''),
        "q6_code": Q6_FIT.replace("regularizers.L1(1e-4)", "regularizers.l2(1e-4)"),
        "q7_code": code('''
            model_q7 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dropout(0.1),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dropout(0.1),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dropout(0.1),
                layers.Dense(10, activation="softmax", kernel_regularizer=regularizers.L1(1e-4)),
            ])
            model_q7.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q7 = model_q7.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
        '''),
    },
    scores={"q1": 0.5, "q2": 0.5, "q3": 2, "q4": 2, "q5": 1, "q6": 1, "q7": 1},
    messages={"q1": ["xb_train", "n'est pas défini"],
              "q2": ["784", "pour 10 classes", "s'est arrêté sur une erreur"],
              "q3": ["model_q3_3", "4 couche(s)", "en demande 3"], "q4": ["model_q4", "2 couche(s)", "en demande 1"],
              "q5": ["sans données de validation", "validation_split=0.3"],
              "q6": ["l2", "demande l1"], "q7": ["model_q7", "l1", "dropout"]},
    notes=["cellule de code", "valueerror"],
)

scenario(
    "mistakes_mse_untrained_q4",
    doc="Q1 correct; Q2 compiled with loss='mse'; Q3 model_q3_2 with sigmoid hidden layers; Q4 "
        "model_q4 built but never trained; Q5 re-fits the same objects but forgets the 'q4' key; "
        "Q6 relu on the output layer too; Q7 Dropout only after the first hidden layer.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": Q2_OK.replace('loss="categorical_crossentropy"', 'loss="mse"'),
        "q3_code": code('''
            model_q3_1 = keras.Sequential()
            model_q3_1.add(keras.Input(shape=(784,)))
            model_q3_1.add(layers.Dense(128, activation="relu"))
            model_q3_1.add(layers.Dense(10, activation="softmax"))

            model_q3_2 = keras.Sequential()
            model_q3_2.add(keras.Input(shape=(784,)))
            model_q3_2.add(layers.Dense(128, activation="sigmoid"))
            model_q3_2.add(layers.Dense(128, activation="sigmoid"))
            model_q3_2.add(layers.Dense(10, activation="softmax"))

            model_q3_3 = keras.Sequential()
            model_q3_3.add(keras.Input(shape=(784,)))
            for _ in range(3):
                model_q3_3.add(layers.Dense(128, activation="relu"))
            model_q3_3.add(layers.Dense(10, activation="softmax"))

            for m in [model_q3_1, model_q3_2, model_q3_3]:
                m.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
                m.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q4_code": code('''
            n_params_q3_3 = model_q3_3.count_params()
            model_q4 = keras.Sequential()
            model_q4.add(keras.Input(shape=(784,)))
            model_q4.add(layers.Dense(170, activation="relu"))
            model_q4.add(layers.Dense(10, activation="softmax"))
            model_q4.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            print(n_params_q3_3, model_q4.count_params())
        '''),
        "q5_code": code('''
            histories_q5 = {
                "q2": model_q2.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0),
                "q3_1": model_q3_1.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0),
                "q3_2": model_q3_2.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0),
                "q3_3": model_q3_3.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0),
            }
        ''') + "\n" + PLOT_Q5,
        "q6_code": code('''
            model_q6 = keras.Sequential()
            model_q6.add(keras.Input(shape=(784,)))
            for units in [128, 128, 128, 10]:
                model_q6.add(layers.Dense(units, activation="relu", kernel_regularizer=regularizers.L1(1e-4)))
            model_q6.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q6 = model_q6.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
        '''),
        "q7_code": code('''
            model_q7 = keras.Sequential()
            model_q7.add(keras.Input(shape=(784,)))
            model_q7.add(layers.Dense(128, activation="relu"))
            model_q7.add(layers.Dropout(0.1))
            model_q7.add(layers.Dense(128, activation="relu"))
            model_q7.add(layers.Dense(128, activation="relu"))
            model_q7.add(layers.Dense(10, activation="softmax"))
            model_q7.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q7 = model_q7.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
        '''),
    },
    scores={"q1": 1, "q2": 2.5, "q3": 2, "q4": 2, "q5": 1, "q6": 1, "q7": 1},
    messages={"q2": ["'mse'", "categorical_crossentropy"], "q3": ["model_q3_2", "'sigmoid'", "'relu'"],
              "q4": ["model_q4", "jamais été entraîné"], "q5": ["histories_q5", "il manque", "'q4'"],
              "q6": ["sortie", "'relu'", "'softmax'"], "q7": ["dropout", "n°2", "model_q7"]},
)

scenario(
    "mistakes_untrained_q2_linear",
    doc="Q1 Boston unpacked in keras.datasets order (yb_train is Xb_test); Q2 model_q2 never "
        "trained (only evaluated); Q3 model_q3_1 without output activation (linear); Q4 one "
        "hidden layer of 128 (101,770 parameters, -24.5 %); Q5 rebuilt models validated on the "
        "TEST set (validation_data=(X_test, y_test)); Q6 L1L2(l1=1e-4, l2=1e-4); Q7 trained "
        "without validation.",
    cells={
        "q1_code": code('''
            X_train, X_test, y_train, y_test = prepare_mnist(ON_LAB_NETWORK)
            Xb_train, yb_train, Xb_test, yb_test = prepare_boston()
            print(X_train.shape, y_train.shape, Xb_train.shape, yb_train.shape)
            type_mnist = "classification"
            type_boston = "regression"
        '''),
        "q2_code": code('''
            model_q2 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
            model_q2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q2.summary()
            print(model_q2.evaluate(X_test, y_test, verbose=0))
        '''),
        "q3_code": code('''
            model_q3_1 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(10)])
            model_q3_2 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
            model_q3_3 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(128, activation="relu"), layers.Dense(128, activation="relu"),
                                           layers.Dense(10, activation="softmax")])
            for m in [model_q3_1, model_q3_2, model_q3_3]:
                m.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
                m.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q4_code": code('''
            n_params_q3_3 = model_q3_3.count_params()
            model_q4 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                         layers.Dense(10, activation="softmax")])
            model_q4.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q4.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q5_code": HELPER_MLP + "\n\n" + code('''
            histories_q5 = {}
            for nom, nb in [("q2", 0), ("q3_1", 1), ("q3_2", 2), ("q3_3", 3), ("q4", 1)]:
                histories_q5[nom] = creer_mlp(nb).fit(X_train, y_train, validation_data=(X_test, y_test),
                                                      epochs=10, batch_size=200, verbose=0)
        ''') + "\n" + PLOT_Q5,
        "q6_code": Q6_OK.replace("regularizers.L1(1e-4)", "regularizers.L1L2(l1=1e-4, l2=1e-4)"),
        "q7_code": Q7_OK.replace("validation_split=0.3, ", "").replace(
            'history_q7.history["val_accuracy"]', 'history_q7.history["accuracy"]'),
    },
    scores={"q1": 0.5, "q2": 2, "q3": 2, "q4": 2, "q5": 1, "q6": 1, "q7": 1},
    messages={"q1": ["yb_train", "(102, 13)", "(n, 1)"], "q2": ["model_q2", "jamais été entraîné"],
              "q3": ["model_q3_1", "'linear'", "'softmax'"], "q4": ["101770", "134794", "5 %"],
              "q5": ["jeu de test", "X_test/y_test", "validation_split=0.3", "30 %"], "q6": ["l1+l2"],
              "q7": ["model_q7", "sans données de validation"]},
)

scenario(
    "mistakes_relu_out_unfinished",
    doc="Q1 correct; Q2 relu output; Q3 model_q3_3 with one hidden layer too few (2); Q4 correct "
        "(n_params consistent with the student's own model_q3_3); Q5 correct, each model re-fitted "
        "in its own inserted cell; Q6 L1 on the hidden layers but not on the output; Q7 left "
        "unfinished (stub still raises NotImplementedError).",
    cells={
        "q1_code": Q1_OK,
        "q2_code": Q2_OK.replace('activation="softmax"', 'activation="relu"'),
        "q3_code": HELPER_MLP + "\n\n" + code('''
            model_q3_1 = creer_mlp(1)
            model_q3_1.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
            model_q3_2 = creer_mlp(2)
            model_q3_2.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
            model_q3_3 = creer_mlp(2)
            model_q3_3.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
        '''),
        "q4_code": Q4_OK,
        "q5_code": code('''
            histories_q5 = {}
            histories_q5["q2"] = model_q2.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)
        '''),
        "q6_code": code('''
            model_q6 = keras.Sequential([
                keras.Input(shape=(784,)),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dense(128, activation="relu", kernel_regularizer=regularizers.L1(1e-4)),
                layers.Dense(10, activation="softmax"),
            ])
            model_q6.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            history_q6 = model_q6.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=2)
        '''),
        "q7_code": None,
    },
    extra={"q5_code": [
        'histories_q5["q3_1"] = model_q3_1.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)',
        'histories_q5["q3_2"] = model_q3_2.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)',
        'histories_q5["q3_3"] = model_q3_3.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)',
        'histories_q5["q4"] = model_q4.fit(X_train, y_train, validation_split=0.3, epochs=10, batch_size=200, verbose=0)\n'
        + PLOT_Q5,
    ]},
    scores={"q1": 1, "q2": 1.5, "q3": 2, "q4": 3, "q5": 2, "q6": 1, "q7": 0},
    messages={"q2": ["'relu'", "'softmax'"], "q3": ["model_q3_3", "2 couche(s)", "en demande 3"],
              "q6": ["couche 4", "sortie"], "q7": ["model_q7", "n'est pas défini"]},
    notes=["notimplementederror"],
)

scenario(
    "mistakes_q5_split10_of_training",
    doc="Every question correct but Q5: the student cuts 10 % of the training data with sklearn's "
        "train_test_split and validates the five models on it (validation_data): the message names "
        "a wrong share of the training data (10 % instead of 30 %), not the test set.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": Q2_OK,
        "q3_code": Q3_OK_LOOP,
        "q4_code": Q4_OK,
        "q5_code": code('''
            from sklearn.model_selection import train_test_split

            # 10 % des données d'apprentissage pour la validation
            X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, test_size=0.1, random_state=42)
            histories_q5 = {}
            q2_bis = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")])
            q2_bis.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            histories_q5["q2"] = q2_bis.fit(X_tr, y_tr, validation_data=(X_val, y_val), epochs=10, batch_size=200,
                                            verbose=0)
            for nom, nb, largeur in [("q3_1", 1, 128), ("q3_2", 2, 128), ("q3_3", 3, 128), ("q4", 1, 170)]:
                histories_q5[nom] = creer_mlp(nb, largeur).fit(X_tr, y_tr, validation_data=(X_val, y_val),
                                                             epochs=10, batch_size=200, verbose=0)
        ''') + "\n" + PLOT_Q5,
        "q6_code": Q6_OK,
        "q7_code": Q7_OK,
    },
    scores={"q1": 1, "q2": 3, "q3": 3, "q4": 3, "q5": 1, "q6": 2, "q7": 2},
    messages={"q5": ["10 %", "coupée dans les données d'apprentissage", "`x_train`", "validation_split=0.3"]},
)

# ------------------------------------------------------------------ an early cell raises
scenario(
    "error_q3_nameerror",
    doc="A typo in the Q3 cell (activation=relu without quotes) raises NameError after "
        "model_q3_1 was trained: model_q3_2 and model_q3_3 are missing. Q4 does not depend on "
        "them (n_params_q3_3 = 134794 computed by hand, correct), Q5 rebuilds every model: "
        "every later question keeps its points.",
    cells={
        "q1_code": Q1_OK,
        "q2_code": Q2_OK,
        "q3_code": code('''
            model_q3_1 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(10, activation="softmax")])
            model_q3_1.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q3_1.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)

            model_q3_2 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation=relu),
                                           layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
            model_q3_2.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q3_2.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)

            model_q3_3 = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                           layers.Dense(128, activation="relu"), layers.Dense(128, activation="relu"),
                                           layers.Dense(10, activation="softmax")])
            model_q3_3.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
            model_q3_3.fit(X_train, y_train, verbose=2, epochs=10, batch_size=200)
        '''),
        "q4_code": code('''
            # (784 + 1) * 128 + 2 * (128 + 1) * 128 + (128 + 1) * 10
            n_params_q3_3 = 134794
            ''') + "\n" + HELPER_MLP + "\n\n" + code('''
            model_q4 = creer_mlp(1, largeur=170)
            model_q4.fit(X_train, y_train, verbose=0, epochs=10, batch_size=200)
            print(model_q4.count_params())
        '''),
        "q5_code": Q5_OK_REBUILD,
        "q6_code": Q6_OK,
        "q7_code": Q7_OK,
    },
    scores={"q1": 1, "q2": 3, "q3": 1, "q4": 3, "q5": 2, "q6": 2, "q7": 2},
    messages={"q3": ["n'est pas défini", "model_q3_"]},
    notes=["nameerror", "relu"],
)


# ================================================================== notebook building
def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def build_notebook(release: nbformat.NotebookNode, name: str, spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))  # deep copy
    cells, filled = [], set()
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in spec["cells"]:
            student = spec["cells"][grade_id]
            if CODE_STUB not in cell.source:
                raise SystemExit(f"{name}: no stub in cell {grade_id} of {RELEASE}")
            if student is not None:
                cell.source = cell.source.replace(CODE_STUB, student)
            filled.add(grade_id)
        elif grade_id in ANSWERS:
            if cell.source.strip() != ANSWER_STUB:
                raise SystemExit(f"{name}: answer cell {grade_id} is not a stub in {RELEASE}")
            cell.source = ANSWERS[grade_id]
        cells.append(cell)
        for index, source in enumerate(spec["extra"].get(grade_id, []), start=1):
            extra = nbformat.v4.new_code_cell(source)
            extra.id = f"student-{grade_id}-{index}"  # deterministic, so regeneration is stable
            cells.append(extra)
            filled.add(f"extra:{grade_id}")
    expected = {f"q{i}_code" for i in range(1, 8)} | {f"extra:{g}" for g in spec["extra"]}
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
        nb = build_notebook(release, name, spec)
        nb.metadata["corpus_scenario"] = {"name": name, "doc": spec["doc"]}
        nbformat.write(nb, out_dir / f"{name}.ipynb")
        expected[name] = spec["expected"]
    (out_dir / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: this folder)")
    args = parser.parse_args(argv)
    for name in build(args.out):
        print(args.out / f"{name}.ipynb")
    print(args.out / "expected.json")


if __name__ == "__main__":
    main()
