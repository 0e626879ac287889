"""keras.datasets loaders, on tiny files this test writes in the exact on-disk format Keras uses.

Nothing downloads: the one download attempt runs in a child process whose proxy is a closed
local port, so it fails at once with or without a network.
"""

import gzip
import json
import os
import pickle
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from harness.data import keras_datasets, keras_files, load_dataset, prepare_inputs

# Two tests start Keras; importing TensorFlow takes 5 to 20 s, more on a busy machine.
pytestmark = pytest.mark.timeout(180)
N_TRAIN, N_TEST = 30, 10
REPO_ROOT = Path(__file__).resolve().parents[1]


def _images(rng, count, shape):
    return rng.integers(0, 256, size=(count,) + shape, dtype=np.uint8)


def _labels(count):
    return (np.arange(count) % 10).astype(np.uint8)


def write_mnist(datasets_dir, rng):
    """Writes mnist.npz; returns the raw (x_train, y_train, x_test, y_test) as (n, H, W, C)."""
    x_train, x_test = _images(rng, N_TRAIN, (28, 28)), _images(rng, N_TEST, (28, 28))
    np.savez(
        datasets_dir / "mnist.npz",
        x_train=x_train, y_train=_labels(N_TRAIN), x_test=x_test, y_test=_labels(N_TEST),
    )  # fmt: skip
    return x_train[..., None], _labels(N_TRAIN), x_test[..., None], _labels(N_TEST)


def _write_idx(path, magic, array):
    header = np.array([magic, len(array), *array.shape[1:]], dtype=">i4").tobytes()
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.tobytes())


def write_fashion_mnist(datasets_dir, rng):
    """Writes the four gzipped IDX files into datasets/fashion-mnist/."""
    folder = datasets_dir / "fashion-mnist"
    folder.mkdir(parents=True)
    x_train, x_test = _images(rng, N_TRAIN, (28, 28)), _images(rng, N_TEST, (28, 28))
    for prefix, x, y in (("train", x_train, _labels(N_TRAIN)), ("t10k", x_test, _labels(N_TEST))):
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", 2049, y)
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", 2051, x)
    return x_train[..., None], _labels(N_TRAIN), x_test[..., None], _labels(N_TEST)


def write_cifar10(datasets_dir, rng, folder="cifar-10-batches-py-target/cifar-10-batches-py"):
    """Writes data_batch_1..5 and test_batch as Python-2-style pickles (bytes keys)."""
    path = datasets_dir / folder
    path.mkdir(parents=True)
    x_train, x_test = _images(rng, N_TRAIN, (3, 32, 32)), _images(rng, N_TEST, (3, 32, 32))
    per_batch = N_TRAIN // 5
    batches = [
        (
            f"data_batch_{i + 1}",
            x_train[i * per_batch : (i + 1) * per_batch],
            _labels(N_TRAIN)[i * per_batch : (i + 1) * per_batch],
        )
        for i in range(5)
    ]
    batches.append(("test_batch", x_test, _labels(N_TEST)))  # fmt: skip
    for name, x, y in batches:
        batch = {b"batch_label": name.encode(), b"labels": [int(v) for v in y],
                 b"data": x.reshape(len(x), -1), b"filenames": [b"f.png"] * len(x)}  # fmt: skip
        with open(path / name, "wb") as handle:
            # Protocol 3 keeps bytes as bytes and arrays as _reconstruct calls, as in the real
            # Python 2 files; protocol 2 would route bytes through _codecs, protocol 5 elsewhere.
            pickle.dump(batch, handle, protocol=3)
    nhwc = (0, 2, 3, 1)
    return x_train.transpose(nhwc), _labels(N_TRAIN), x_test.transpose(nhwc), _labels(N_TEST)


WRITERS = {"mnist": write_mnist, "fashion_mnist": write_fashion_mnist, "cifar10": write_cifar10}
SHAPES = {
    "mnist": {"image": (28, 28, 1), "flat": (784,), "sequence": (28, 28)},
    "fashion_mnist": {"image": (28, 28, 1), "flat": (784,), "sequence": (28, 28)},
    "cifar10": {"image": (32, 32, 3), "flat": (3072,), "sequence": (32, 96)},
}


@pytest.fixture
def datasets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    path = tmp_path / "keras_home" / "datasets"
    path.mkdir(parents=True)
    return path


def _raw(x, stats):
    return np.rint((x.astype(np.float64) * stats["std"] + stats["mean"]) * 255).astype(np.uint8)


def _rows(x):
    return Counter(row.tobytes() for row in x.reshape(len(x), -1))


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_loader_reads_the_cached_files_for_every_layout(name, datasets_dir):
    x_train, y_train, x_test, y_test = WRITERS[name](datasets_dir, np.random.default_rng(0))
    for layout, shape in SHAPES[name].items():
        data = load_dataset(name, layout=layout, seed=0)
        assert data.input_shape == shape and data.x_train.dtype == np.float32
        assert data.info["sizes"] == {"train": 27, "val": 3, "test": 10}
        assert data.info["source"].startswith(str(datasets_dir))
    assert len(data.class_names) == 10 and data.y_test.dtype == np.int64
    image = load_dataset(name, layout="image", seed=0)
    assert json.loads(json.dumps(image.normalization)) == image.normalization
    np.testing.assert_array_equal(_raw(image.x_test, image.normalization), x_test)
    np.testing.assert_array_equal(image.y_test, y_test)
    # Train and validation together are exactly the training file, with nothing shared.
    parts = _rows(_raw(image.x_train, image.normalization)) + _rows(
        _raw(image.x_val, image.normalization)
    )
    assert parts == _rows(x_train)
    assert abs(float(image.x_train.mean())) < 1e-4
    assert float(image.x_train.std()) == pytest.approx(1.0, abs=1e-3)
    assert image.normalization["mean"] == pytest.approx(
        _raw(image.x_train, image.normalization).mean() / 255
    )


def test_seed_moves_validation_and_reloads_are_identical(datasets_dir):
    write_cifar10(datasets_dir, np.random.default_rng(1))
    first, again = (load_dataset("cifar10", layout="flat", seed=1) for _ in range(2))
    other = load_dataset("cifar10", layout="flat", seed=2)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    np.testing.assert_array_equal(first.y_train, again.y_train)
    assert _rows(first.x_val) != _rows(other.x_val)
    assert first.class_names[0] == "airplane" and first.class_names[-1] == "truck"


def test_prepare_inputs_maps_raw_pixels_like_training(datasets_dir):
    _, _, x_test, _ = write_fashion_mnist(datasets_dir, np.random.default_rng(2))
    data = load_dataset("fashion_mnist", layout="sequence")
    prepared = prepare_inputs(x_test[..., 0], spec_name="fashion_mnist", layout="sequence",
                              normalization=data.normalization)  # fmt: skip
    np.testing.assert_allclose(prepared, data.x_test, atol=1e-6)
    assert data.class_names[0] == "T-shirt/top" and data.normalization["raw_range"] == [0, 255.0]


def test_keras_2_cifar_folder_is_read_too(datasets_dir):
    write_cifar10(datasets_dir, np.random.default_rng(3), folder="cifar-10-batches-py")
    data = load_dataset("cifar10", layout="image")
    assert data.info["source"] == str(datasets_dir / "cifar-10-batches-py")


def test_cifar_batch_reads_as_keras_reads_it(datasets_dir):
    from keras.src.datasets.cifar import load_batch  # the reader keras.datasets.cifar10 uses

    write_cifar10(datasets_dir, np.random.default_rng(4))
    path = datasets_dir / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch"
    keras_x, keras_y = load_batch(str(path))
    ours_x, ours_y = keras_files._read_cifar_batch(str(path))
    np.testing.assert_array_equal(ours_x, keras_x)
    np.testing.assert_array_equal(ours_y, keras_y)


def test_cache_dir_follows_keras_home(datasets_dir, tmp_path, monkeypatch):
    assert keras_datasets.cache_dir() == str(datasets_dir)
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert keras_datasets.cache_dir() == str(tmp_path / ".keras" / "datasets")
    source = keras_datasets.SOURCES["mnist"]
    assert keras_datasets.find_cached(source, str(datasets_dir)) is None


def test_offline_message_names_origin_and_where_to_put_files():
    sources = keras_datasets.SOURCES
    message = keras_datasets.offline_message(sources["mnist"], "/root/.keras/datasets", "refused")
    assert message == (
        "mnist: cannot download https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
        "mnist.npz (refused; no network?); place mnist.npz at /root/.keras/datasets/mnist.npz "
        "and run again"
    )
    cifar = keras_datasets.offline_message(sources["cifar10"], "/k/datasets", "refused")
    assert "cifar-10-python.tar.gz" in cifar
    assert (
        "data_batch_1, " in cifar
        and "in /k/datasets/cifar-10-batches-py-target/cifar-10-batches-py/" in cifar
    )


CHILD = """
import json, sys
import numpy as np
import keras
from harness.data import load_dataset
from harness.errors import UsageError
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
np.savez(sys.argv[1], x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
try:
    load_dataset("mnist", layout="flat")
    print(json.dumps({"error": None}))
except UsageError as error:
    print(json.dumps({"error": str(error)}))
"""


@pytest.fixture(scope="module")
def child_run(tmp_path_factory):
    """Runs Keras itself in a child process with a temporary KERAS_HOME and a dead proxy."""
    home = tmp_path_factory.mktemp("keras_home")
    (home / "datasets").mkdir()
    expected = write_fashion_mnist(home / "datasets", np.random.default_rng(5))
    with socket.socket() as closed_port:  # bound, never listening: connections are refused
        closed_port.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed_port.getsockname()[1]}"
        env = {**os.environ, "KERAS_HOME": str(home), "PYTHONPATH": str(REPO_ROOT),
               "http_proxy": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy,
               "HTTPS_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""}  # fmt: skip
        arrays = home / "keras_read.npz"
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(arrays)],
            env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=150, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return home, expected, np.load(arrays), json.loads(result.stdout.strip().splitlines()[-1])


def test_keras_reads_the_fashion_files_we_write_as_we_do(child_run):
    home, (x_train, y_train, x_test, y_test), keras_read, _ = child_run
    np.testing.assert_array_equal(keras_read["x_train"], x_train[..., 0])
    np.testing.assert_array_equal(keras_read["y_test"], y_test)
    ours_train, ours_test = keras_files.read_fashion_mnist(str(home / "datasets" / "fashion-mnist"))
    np.testing.assert_array_equal(ours_train[0], keras_read["x_train"])
    np.testing.assert_array_equal(ours_test[1], keras_read["y_test"])


def test_missing_file_without_network_is_one_usage_error(child_run):
    home, _, _, outcome = child_run
    message = outcome["error"]
    origin = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert message.startswith(f"mnist: cannot download {origin} (")
    assert message.endswith(f"place mnist.npz at {home / 'datasets' / 'mnist.npz'} and run again")
    assert "\n" not in message
