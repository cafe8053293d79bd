"""Build the corpus of realistic td_keras_cv submissions graded by ``tests/test_corpus.py``.

Every notebook starts from the RELEASED student notebook (``release/td_keras_cv/td_keras_cv.ipynb``):
the solution stubs (``# VOTRE CODE ICI`` / ``raise NotImplementedError()``, found by their nbgrader
grade_id ``q1_code`` ... ``q3_code``) are filled with student-style code, the written-answer cells
(``q1_answer`` ...) with a short French answer.

Scenarios (one mistake per question and per notebook at most, so that the expected score of
every question is unambiguous; mistakes of different questions are combined):

* ``correct_*`` (4 notebooks): the accepted variants of assignment-cv.md between them: Keras 3's
  ``SKLearnClassifier`` / ``SKLearnRegressor`` and scikeras' ``KerasClassifier`` /
  ``KerasRegressor``; ``GridSearchCV``, ``RandomizedSearchCV`` and a hand loop over
  ``cross_val_score``; ``KFold`` / ``StratifiedKFold`` objects, ``cv=3`` and ``cv=5``; integer and
  one-hot labels; a dict grid and a list of dicts; ``n_jobs=-1``; R², MSE and MAE scorings.
  Expected 16/16 automatic points;
* ``mistakes_*`` (7 notebooks): every typical mistake of assignment-cv.md;
* ``error_q2_nameerror``: a typo in the Q2 cell raises; Q1 and Q3 keep their points.

Training is kept tiny (2 epochs on MNIST, 5 on Boston, 3 folds but one notebook): the corpus is
graded twice per test session (fast and --full).

Writes ``<out>/<scenario>.ipynb``, ``<out>/demo.json`` (the samples ``make demo`` grades) and
``<out>/expected.json`` in the format of
``tests/submissions/expected.json`` (``scores``: automatic points per question, maximum q1 4,
q2 4, q3 8; ``messages[q]``: lower-case substrings, every one in the message of a failed check of
``q`` and every failed check's message containing one of them; ``notes``: substrings of the
execution notes, [] = the notebook runs without error).

Regenerate, from the repo root::

    .venv/bin/python tests/submissions_td_keras_cv/build_corpus.py   # or --out DIR
"""
from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RELEASE = ROOT / "release" / "td_keras_cv" / "td_keras_cv.ipynb"
CODE_STUB = "# VOTRE CODE ICI\nraise NotImplementedError()"
ANSWER_STUB = "VOTRE RÉPONSE ICI"
AUTO_MAX = {"q1": 4.0, "q2": 4.0, "q3": 8.0}


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


ANSWERS = {
    "q1_answer": "score() donne la précision (accuracy) sur le jeu de test : environ 0,9, donc 90 % des "
                 "images bien classées, bien mieux que le hasard (10 %).",
    "q2_answer": "rmsprop a la meilleure moyenne de validation croisée ; on ne choisit pas sur le test pour "
                 "garder une estimation honnête de la performance finale.",
    "q3_answer": "La recherche retient la configuration de best_params_ ; les écarts entre configurations sont "
                 "faibles devant l'écart-type entre plis, l'optimiseur compte plus que la profondeur.",
}

# ------------------------------------------------------------------ building blocks (student style)
KERAS_MNIST = code('''
    def creer_reseau(X, y, neurones=64, optimizer="rmsprop"):
        modele = keras.Sequential([
            keras.Input(shape=(784,)),
            layers.Dense(neurones, activation="relu"),
            layers.Dense(neurones, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
        modele.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
        return modele
''')

HIDDEN = '        layers.Dense(neurones, activation="relu"),\n'
Q1_KERAS = KERAS_MNIST + "\n\n" + code('''
    clf_q1 = SKLearnClassifier(model=creer_reseau, model_kwargs={"neurones": 64},
                               fit_kwargs={"epochs": 2, "batch_size": 256, "verbose": 0})
    clf_q1.fit(X_train, yi_train)
    score_q1 = clf_q1.score(X_test, yi_test)
    print("précision en test :", score_q1)
''')

SCIKERAS_MNIST = code('''
    from scikeras.wrappers import KerasClassifier, KerasRegressor


    def reseau_mnist(neurones=64):
        # modèle non compilé : scikeras le compile avec les paramètres loss= et optimizer= du wrapper
        return keras.Sequential([keras.Input(shape=(784,)),
                                 layers.Dense(neurones, activation="relu"),
                                 layers.Dense(neurones, activation="relu"),
                                 layers.Dense(10, activation="softmax")])
''')

Q1_SCIKERAS_ONEHOT = SCIKERAS_MNIST + "\n\n" + code('''
    clf_q1 = KerasClassifier(model=reseau_mnist, model__neurones=64, loss="categorical_crossentropy",
                         optimizer="rmsprop", metrics=["accuracy"], epochs=2, batch_size=256, verbose=0)
    clf_q1.fit(X_train, y_train)             # étiquettes one-hot
    score_q1 = clf_q1.score(X_test, y_test)
    print(score_q1)
''')

Q2_KERAS_GRID = code('''
    grille = {"model_kwargs": [{"neurones": 64, "optimizer": "rmsprop"},
                               {"neurones": 64, "optimizer": "sgd"}]}
    search_q2 = GridSearchCV(SKLearnClassifier(model=creer_reseau), grille,
                             cv=KFold(n_splits=3, shuffle=True, random_state=1))
    search_q2.fit(X_train, yi_train, epochs=2, batch_size=256, verbose=0)
    print(pd.DataFrame(search_q2.cv_results_)[["param_model_kwargs", "mean_test_score", "rank_test_score"]])
    best_optimizer_q2 = search_q2.best_params_["model_kwargs"]["optimizer"]
    print(best_optimizer_q2)
''')

Q2_KERAS_LOOP = code('''
    search_q2 = {}
    for opt in ["rmsprop", "sgd"]:
        clf = SKLearnClassifier(model=creer_reseau, model_kwargs={"neurones": 64, "optimizer": opt})
        search_q2[opt] = cross_val_score(clf, X_train, yi_train, cv=KFold(3, shuffle=True, random_state=0),
                                         params={"epochs": 2, "batch_size": 256, "verbose": 0})
        print(opt, search_q2[opt], search_q2[opt].mean())
    best_optimizer_q2 = max(search_q2, key=lambda opt: search_q2[opt].mean())
''')

KERAS_BOSTON = code('''
    def reseau_boston(X, y, couches=1, neurones=32, optimizer="rmsprop"):
        modele = keras.Sequential([keras.Input(shape=(13,))])
        for _ in range(couches):
            modele.add(layers.Dense(neurones, activation="relu"))
        modele.add(layers.Dense(1))
        modele.compile(optimizer=optimizer, loss="mse")
        return modele
''')

Q3_KERAS_GRID = KERAS_BOSTON + "\n\n" + code('''
    grille = {"model_kwargs": [{"couches": c, "neurones": n, "optimizer": o}
                               for c in (1, 2) for n in (16, 32) for o in ("rmsprop", "sgd")]}
    search_q3 = GridSearchCV(SKLearnRegressor(model=reseau_boston), grille,
                             cv=KFold(n_splits=3, shuffle=True, random_state=0),
                             scoring="neg_mean_squared_error")
    search_q3.fit(Xb_train, yb_train.ravel(), epochs=5, batch_size=64, verbose=0)
    print(search_q3.best_params_, search_q3.best_score_)
    best_model_q3 = search_q3.best_estimator_
    test_score_q3 = best_model_q3.score(Xb_test, yb_test.ravel())
    print("R2 test :", test_score_q3)
''')

SCIKERAS_BOSTON = code('''
    from scikeras.wrappers import KerasRegressor


    def reseau_boston(couches=1, neurones=32, optimizer="rmsprop"):
        m = keras.Sequential([keras.Input(shape=(13,))])
        for _ in range(couches):
            m.add(layers.Dense(neurones, activation="relu"))
        m.add(layers.Dense(1))
        m.compile(optimizer=optimizer, loss="mse")
        return m
''')

Q3_SCIKERAS_RANDOM = SCIKERAS_BOSTON + "\n\n" + code('''
    from sklearn.model_selection import RandomizedSearchCV

    regresseur = KerasRegressor(model=reseau_boston, epochs=5, batch_size=64, verbose=0)
    distributions = {"model__couches": [1, 2], "model__neurones": [16, 32], "model__optimizer": ["rmsprop", "sgd"]}
    search_q3 = RandomizedSearchCV(regresseur, distributions, n_iter=8, cv=3, random_state=0)
    search_q3.fit(Xb_train, yb_train)
    print(pd.DataFrame(search_q3.cv_results_)[["params", "mean_test_score", "std_test_score"]])
    best_model_q3 = search_q3.best_estimator_
    test_score_q3 = best_model_q3.score(Xb_test, yb_test)
''')

Q3_SCIKERAS_LIST_NJOBS = SCIKERAS_BOSTON + "\n\n" + code('''
    grille = [
        {"model__couches": [1], "model__neurones": [16, 32], "model__optimizer": ["rmsprop", "sgd"]},
        {"model__couches": [2], "model__neurones": [16, 32], "model__optimizer": ["rmsprop", "sgd"]},
    ]
    search_q3 = GridSearchCV(KerasRegressor(model=reseau_boston, epochs=5, batch_size=64, verbose=0),
                             grille, cv=KFold(3), scoring="neg_mean_squared_error", n_jobs=-1)
    search_q3.fit(Xb_train, yb_train)
    best_model_q3 = search_q3.best_estimator_
    test_score_q3 = best_model_q3.score(Xb_test, yb_test)
    print(search_q3.best_params_, test_score_q3)
''')

SCENARIOS: dict[str, dict] = {}


def scenario(name, *, doc, cells, scores, messages=None, notes=()):
    assert name not in SCENARIOS, name
    for q, points in scores.items():
        assert 0 <= points <= AUTO_MAX[q], (name, q, points)
    SCENARIOS[name] = {"doc": doc, "cells": cells, "expected": {
        "status": "graded", "scores": {q: float(scores[q]) for q in AUTO_MAX},
        "messages": messages or {}, "notes": list(notes)}}


FULL = {"q1": 4, "q2": 4, "q3": 8}

# ------------------------------------------------------------------ accepted variants
scenario(
    "correct_keras_grid_kfold",
    doc="Keras 3 wrappers everywhere: SKLearnClassifier with fit_kwargs, GridSearchCV over "
        "model_kwargs with KFold objects and fit parameters given to search.fit; SKLearnRegressor "
        "grid of 2 depths x 2 widths x 2 optimizers scored by neg_mean_squared_error.",
    cells={"q1_code": Q1_KERAS, "q2_code": Q2_KERAS_GRID, "q3_code": Q3_KERAS_GRID},
    scores=FULL,
)

scenario(
    "correct_scikeras_onehot_cv5",
    doc="scikeras everywhere with one-hot labels: a build function returning an UNCOMPILED model that "
        "KerasClassifier(loss=, optimizer=, epochs=, batch_size=, model__neurones=) compiles, GridSearchCV over "
        "the wrapper's optimizer parameter with cv=5; KerasRegressor (self-compiling build function, routed "
        "model__ parameters) in a RandomizedSearchCV (n_iter=8 covers the 8 combinations) with the default "
        "R² scoring and cv=3.",
    cells={
        "q1_code": Q1_SCIKERAS_ONEHOT,
        "q2_code": code('''
            search_q2 = GridSearchCV(KerasClassifier(model=reseau_mnist, loss="categorical_crossentropy",
                                             epochs=2, batch_size=256, verbose=0),
                                     {"optimizer": ["rmsprop", "sgd"]}, cv=5)
            search_q2.fit(X_train, y_train)
            best_optimizer_q2 = search_q2.best_params_["optimizer"]
            print(search_q2.cv_results_["mean_test_score"], best_optimizer_q2)
        '''),
        "q3_code": Q3_SCIKERAS_RANDOM,
    },
    scores=FULL,
)

scenario(
    "correct_hand_loop_njobs",
    doc="Keras SKLearnClassifier; Q2 as a hand loop over cross_val_score (a dict optimizer -> fold "
        "scores, fit parameters through params=); Q3 with scikeras' KerasRegressor, a grid given as a "
        "list of dicts and n_jobs=-1.",
    cells={"q1_code": Q1_KERAS, "q2_code": Q2_KERAS_LOOP, "q3_code": Q3_SCIKERAS_LIST_NJOBS},
    scores=FULL,
)

scenario(
    "correct_scikeras_int_labels_loop",
    doc="scikeras with integer labels and sparse_categorical_crossentropy; Q2 as a hand loop over "
        "cross_val_score with StratifiedKFold(3) and the scores' means stored; Q3 with Keras' "
        "SKLearnRegressor, a dict grid, cv=3, MAE loss and neg_mean_absolute_error scoring.",
    cells={
        "q1_code": code('''
            from scikeras.wrappers import KerasClassifier
            from sklearn.model_selection import StratifiedKFold


            def mlp(neurones=32, optimizer="rmsprop"):
                m = keras.Sequential()
                m.add(keras.Input(shape=(784,)))
                m.add(layers.Dense(neurones, activation="relu"))
                m.add(layers.Dense(neurones, activation="relu"))
                m.add(layers.Dense(10, activation="softmax"))
                m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
                return m


            clf_q1 = KerasClassifier(mlp, epochs=2, batch_size=256, verbose=0)
            clf_q1.fit(X_train, yi_train)
            score_q1 = clf_q1.score(X_test, yi_test)
        '''),
        "q2_code": code('''
            search_q2 = {}
            for opt in ("sgd", "rmsprop"):
                scores = cross_val_score(KerasClassifier(mlp, model__optimizer=opt, epochs=2, batch_size=256, verbose=0),
                                         X_train, yi_train, cv=StratifiedKFold(n_splits=3))
                search_q2[opt] = scores
            moyennes = {opt: s.mean() for opt, s in search_q2.items()}
            print(moyennes)
            best_optimizer_q2 = "rmsprop" if moyennes["rmsprop"] >= moyennes["sgd"] else "sgd"
        '''),
        "q3_code": KERAS_BOSTON.replace('loss="mse"', 'loss="mae"') + "\n\n" + code('''
            params = {"model_kwargs": [{"couches": 1, "neurones": 16, "optimizer": "rmsprop"},
                                       {"couches": 1, "neurones": 16, "optimizer": "sgd"},
                                       {"couches": 1, "neurones": 48, "optimizer": "rmsprop"},
                                       {"couches": 1, "neurones": 48, "optimizer": "sgd"},
                                       {"couches": 3, "neurones": 16, "optimizer": "rmsprop"},
                                       {"couches": 3, "neurones": 16, "optimizer": "sgd"},
                                       {"couches": 3, "neurones": 48, "optimizer": "rmsprop"},
                                       {"couches": 3, "neurones": 48, "optimizer": "sgd"}]}
            search_q3 = GridSearchCV(SKLearnRegressor(model=reseau_boston), params, cv=3,
                                     scoring="neg_mean_absolute_error")
            search_q3.fit(Xb_train, yb_train.ravel(), epochs=5, batch_size=64, verbose=0)
            best_model_q3 = search_q3.best_estimator_
            test_score_q3 = best_model_q3.score(Xb_test, yb_test.ravel())
        '''),
    },
    scores=FULL,
)

# ------------------------------------------------------------------ typical mistakes
scenario(
    "mistakes_one_hidden_cv2_only_optimizer",
    doc="Q1 one hidden layer; Q2 cv=2; Q3 a grid that only varies the optimizer.",
    cells={
        "q1_code": Q1_KERAS.replace(HIDDEN + HIDDEN, HIDDEN),
        "q2_code": Q2_KERAS_GRID.replace("cv=KFold(n_splits=3, shuffle=True, random_state=1)", "cv=2"),
        "q3_code": KERAS_BOSTON + "\n\n" + code('''
            search_q3 = GridSearchCV(SKLearnRegressor(model=reseau_boston, model_kwargs={"couches": 2, "neurones": 32}),
                                     {"model_kwargs": [{"couches": 2, "neurones": 32, "optimizer": o}
                                                       for o in ("rmsprop", "sgd")]},
                                     cv=3)
            search_q3.fit(Xb_train, yb_train.ravel(), epochs=5, batch_size=64, verbose=0)
            best_model_q3 = search_q3.best_estimator_
            test_score_q3 = best_model_q3.score(Xb_test, yb_test.ravel())
        '''),
    },
    scores={"q1": 2, "q2": 2.5, "q3": 6},
    messages={"q1": ["1 couche(s) cachée(s)", "en demande 2"], "q2": ["2 plis", "au moins 3"],
              "q3": ["profondeur", "au moins 2"]},
)

scenario(
    "mistakes_three_hidden_worst_rank_softmax",
    doc="Q1 three hidden layers; Q2 best_optimizer_q2 read from the candidate of the highest "
        "rank_test_score (the worst: rank 1 is the best); Q3 a softmax output and a cross-entropy loss "
        "for the Boston regression.",
    cells={
        "q1_code": Q1_KERAS.replace(HIDDEN + HIDDEN, HIDDEN + HIDDEN + HIDDEN),
        "q2_code": Q2_KERAS_GRID.replace(
            'best_optimizer_q2 = search_q2.best_params_["model_kwargs"]["optimizer"]',
            'rangs = search_q2.cv_results_["rank_test_score"]\n'
            'best_optimizer_q2 = search_q2.cv_results_["params"][int(np.argmax(rangs))]["model_kwargs"]["optimizer"]'),
        "q3_code": Q3_KERAS_GRID.replace('modele.add(layers.Dense(1))', 'modele.add(layers.Dense(1, activation="softmax"))')
                                .replace('loss="mse"', 'loss="categorical_crossentropy"'),
    },
    scores={"q1": 2, "q2": 3, "q3": 6.5},
    messages={"q1": ["3 couche(s) cachée(s)", "en demande 2"],
              "q2": ["best_optimizer_q2", "d'après vos propres résultats"],
              "q3": ["'softmax'", "dense(1)"]},
)

scenario(
    "mistakes_fit_epochs_search_test_whole_data",
    doc="Q1 epochs and batch size given to fit only, not to the wrapper; Q2 the search fitted on the "
        "test set; Q3 the search fitted on the whole data set (training + test concatenated).",
    cells={
        "q1_code": KERAS_MNIST + "\n\n" + code('''
            clf_q1 = SKLearnClassifier(model=creer_reseau, model_kwargs={"neurones": 64})
            clf_q1.fit(X_train, yi_train, epochs=2, batch_size=256, verbose=0)
            score_q1 = clf_q1.score(X_test, yi_test)
        '''),
        "q2_code": Q2_KERAS_GRID.replace("search_q2.fit(X_train, yi_train,", "search_q2.fit(X_test, yi_test,"),
        "q3_code": Q3_KERAS_GRID.replace(
            "search_q3.fit(Xb_train, yb_train.ravel(),",
            "X_tout = np.concatenate([Xb_train, Xb_test])\n"
            "y_tout = np.concatenate([yb_train, yb_test]).ravel()\n"
            "search_q3.fit(X_tout, y_tout,"),
    },
    scores={"q1": 3, "q2": 2.5, "q3": 6.5},
    messages={"q1": ["`epochs` n'est donné qu'à `fit`", "fit_kwargs"], "q2": ["ensemble de test `x_test`"],
              "q3": ["tout le jeu de données", "xb_test"]},
)

scenario(
    "mistakes_train_score_one_optimizer_depth_only",
    doc="Q1 scored on the training set; Q2 a grid holding sgd only; Q3 a grid varying the depth and "
        "the optimizer but not the width.",
    cells={
        "q1_code": Q1_KERAS.replace("score_q1 = clf_q1.score(X_test, yi_test)",
                                    "score_q1 = clf_q1.score(X_train, yi_train)"),
        "q2_code": 'grille = {"model_kwargs": [{"neurones": 64, "optimizer": "sgd"}]}\n'
                   + Q2_KERAS_GRID.split("\n", 2)[2],
        "q3_code": Q3_KERAS_GRID.replace("for c in (1, 2) for n in (16, 32) for o in",
                                         "for c in (1, 2, 3) for n in (32,) for o in"),
    },
    scores={"q1": 3, "q2": 2.5, "q3": 6},
    messages={"q1": ["données d'apprentissage", "x_test"], "q2": ["ne compare pas optimiseur = rmsprop"],
              "q3": ["largeur", "au moins 2"]},
)

scenario(
    "mistakes_loop_min_test_score_on_train",
    doc="Q2 hand loop whose reported optimizer is the one with the LOWER mean score; Q3 "
        "test_score_q3 computed on the training set.",
    cells={
        "q1_code": Q1_KERAS,
        "q2_code": Q2_KERAS_LOOP.replace("best_optimizer_q2 = max(", "best_optimizer_q2 = min("),
        "q3_code": Q3_KERAS_GRID.replace("test_score_q3 = best_model_q3.score(Xb_test, yb_test.ravel())",
                                         "test_score_q3 = best_model_q3.score(Xb_train, yb_train.ravel())"),
    },
    scores={"q1": 4, "q2": 3, "q3": 6},
    messages={"q2": ["best_optimizer_q2", "d'après vos propres résultats"],
              "q3": ["test_score_q3", "données d'apprentissage"]},
)

scenario(
    "mistakes_scikeras_cv2_q3",
    doc="scikeras everywhere, correct Q1 and Q2; Q3 RandomizedSearchCV with cv=2.",
    cells={
        "q1_code": Q1_SCIKERAS_ONEHOT,
        "q2_code": code('''
            search_q2 = GridSearchCV(KerasClassifier(model=reseau_mnist, loss="categorical_crossentropy",
                                             epochs=2, batch_size=256, verbose=0),
                                     {"optimizer": ["rmsprop", "sgd"]}, cv=KFold(3, shuffle=True, random_state=0))
            search_q2.fit(X_train, y_train)
            best_optimizer_q2 = search_q2.best_params_["optimizer"]
        '''),
        "q3_code": Q3_SCIKERAS_RANDOM.replace("n_iter=8, cv=3", "n_iter=8, cv=2"),
    },
    scores={"q1": 4, "q2": 4, "q3": 6.5},
    messages={"q3": ["2 plis", "au moins 3"]},
)

scenario(
    "mistakes_keras_classifier_loss_q3",
    doc="Correct Q1 and Q2 (hand loop); Q3 a regressor whose model keeps a linear output but is compiled "
        "with a classification loss (binary cross-entropy).",
    cells={
        "q1_code": Q1_KERAS,
        "q2_code": Q2_KERAS_LOOP,
        "q3_code": Q3_KERAS_GRID.replace('loss="mse"', 'loss="binary_crossentropy"'),
    },
    scores={"q1": 4, "q2": 4, "q3": 6.5},
    messages={"q3": ["'binary_crossentropy'", "perte de classification"]},
)

# ------------------------------------------------------------------ a cell raises
scenario(
    "error_q2_nameerror",
    doc="A typo in the Q2 cell (GridSearch instead of GridSearchCV) raises NameError: search_q2 and "
        "best_optimizer_q2 are missing; Q1 and Q3 do not depend on them and keep their points.",
    cells={"q1_code": Q1_KERAS, "q2_code": Q2_KERAS_GRID.replace("search_q2 = GridSearchCV(", "search_q2 = GridSearch("),
           "q3_code": Q3_KERAS_GRID},
    scores={"q1": 4, "q2": 0, "q3": 8},
    messages={"q2": ["search_q2", "n'est pas défini"]},
    notes=["nameerror"],
)


# ================================================================== notebook building
def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def build_notebook(release: nbformat.NotebookNode, name: str, spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))  # deep copy
    filled = set()
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in spec["cells"]:
            if CODE_STUB not in cell.source:
                raise SystemExit(f"{name}: no stub in cell {grade_id} of {RELEASE}")
            cell.source = cell.source.replace(CODE_STUB, spec["cells"][grade_id])
            filled.add(grade_id)
        elif grade_id in ANSWERS:
            if cell.source.strip() != ANSWER_STUB:
                raise SystemExit(f"{name}: answer cell {grade_id} is not a stub in {RELEASE}")
            cell.source = ANSWERS[grade_id]
    if filled != {f"{q}_code" for q in AUTO_MAX}:
        raise SystemExit(f"{name}: cells not filled: {sorted({f'{q}_code' for q in AUTO_MAX} - filled)}")
    nbformat.validate(nb)
    return nb


def build(out_dir: Path = HERE, release_path: Path = RELEASE) -> dict:
    release = nbformat.read(release_path, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, spec in SCENARIOS.items():
        # a mutation that did not apply would silently give a correct notebook
        for grade_id, source in spec["cells"].items():
            assert source and "raise NotImplementedError" not in source, (name, grade_id)
        nb = build_notebook(release, name, spec)
        nb.metadata["corpus_scenario"] = {"name": name, "doc": spec["doc"]}
        nbformat.write(nb, out_dir / f"{name}.ipynb")
        expected[name] = spec["expected"]
    (out_dir / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    (out_dir / "demo.json").write_text(json.dumps([f"{name}.ipynb" for name in DEMO], indent=1) + "\n",
                                       encoding="utf-8")
    return expected


# The samples `make demo` grades (a search is 25 fits: the whole corpus would make the demo long):
# both wrapper libraries, a grid and a hand loop, typical mistakes, the crash.
DEMO = ("correct_keras_grid_kfold", "correct_scikeras_int_labels_loop",
        "mistakes_three_hidden_worst_rank_softmax", "error_q2_nameerror")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: this folder)")
    args = parser.parse_args(argv)
    for name in build(args.out):
        print(args.out / f"{name}.ipynb")
    print(args.out / "expected.json")


if __name__ == "__main__":
    main()
