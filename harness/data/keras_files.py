"""Readers for the files keras.datasets caches, in exactly the format Keras itself reads.

- mnist.npz: arrays x_train, y_train, x_test, y_test (keras.datasets.mnist).
- Fashion-MNIST: gzipped IDX files; labels start at byte 8, images at byte 16
  (keras.datasets.fashion_mnist).
- CIFAR-10: Python pickles data_batch_1..5 and test_batch, each a dict with bytes keys
  b"data" (n, 3072) uint8 in channel-first order and b"labels" (keras.datasets.cifar.load_batch).
"""

import gzip
import math
import os
import pickle
import zipfile

import numpy as np

from harness.errors import UsageError

FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
FASHION_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
CIFAR10_CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
# What rebuilding a pickled numpy array needs, and nothing more (as Keras allows): a tampered
# pickle cannot run code through any other global.
_PICKLE_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


# Deflate cannot expand data more than about 1032-fold, so a zip member claiming more is lying.
_DEFLATE_MAX_RATIO = 1032
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def check_npy_header(handle, available_bytes: int, what: str) -> tuple:
    """Reads a .npy header and checks that the file can hold the array it claims.

    NumPy allocates the array the header describes before it reads the data, so a header that
    claims 10^11 values in a small file would ask for terabytes. Checking the claim against the
    bytes that follow the header keeps every allocation within the size of the file.

    Args:
        handle: a binary file positioned at the start of the .npy data.
        available_bytes: the bytes from that position to the end of the array's data.
        what: names the file in messages.

    Returns:
        (shape, dtype) the header claims.

    Raises:
        UsageError: not a .npy header, an object array, or more data claimed than there is.
    """
    start = handle.tell()
    try:
        version = np.lib.format.read_magic(handle)
        shape, _, dtype = _NPY_HEADER_READERS[version](handle)
    except (KeyError, ValueError, EOFError, SyntaxError) as error:
        raise UsageError(f"{what} is not a .npy array ({error or 'unknown version'})") from None
    if dtype.hasobject:
        raise UsageError(f"{what} holds Python objects; only numeric arrays are read")
    claimed = math.prod(shape) * dtype.itemsize
    held = available_bytes - (handle.tell() - start)
    if claimed > held:
        raise UsageError(
            f"{what} claims a {dtype} array of shape {shape} ({claimed} bytes) but holds "
            f"{max(held, 0)} bytes of data; it is truncated or not a real .npy file"
        )
    return shape, dtype


def read_mnist(folder: str) -> tuple:
    """Reads mnist.npz from `folder`: ((x_train, y_train), (x_test, y_test)).

    Raises:
        UsageError: a member's header claims more data than the member holds.
    """
    path = os.path.join(folder, "mnist.npz")
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            inflated = min(info.file_size, info.compress_size * _DEFLATE_MAX_RATIO + 1024)
            with archive.open(info) as member:
                check_npy_header(member, inflated, f"{path}:{info.filename}")
    with np.load(path, allow_pickle=False) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_fashion_mnist(folder: str) -> tuple:
    """Reads the four Fashion-MNIST IDX files from `folder`."""
    paths = [os.path.join(folder, name) for name in FASHION_FILES]
    splits = []
    for labels_path, images_path in (paths[0:2], paths[2:4]):
        with gzip.open(labels_path, "rb") as handle:
            labels = np.frombuffer(handle.read(), np.uint8, offset=8)
        with gzip.open(images_path, "rb") as handle:
            images = np.frombuffer(handle.read(), np.uint8, offset=16)
        splits.append((images.reshape(len(labels), 28, 28), labels))
    return tuple(splits)


def read_cifar10(folder: str) -> tuple:
    """Reads the five CIFAR-10 training batches and the test batch from `folder`."""
    batches = [_read_cifar_batch(os.path.join(folder, name)) for name in CIFAR10_FILES]
    x_train = np.concatenate([x for x, _ in batches[:5]])
    y_train = np.concatenate([y for _, y in batches[:5]])
    return (x_train, y_train), batches[5]


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a CIFAR batch file")


def _read_cifar_batch(path: str) -> tuple:
    with open(path, "rb") as handle:
        # The batches were pickled by Python 2: keys and strings come back as bytes.
        batch = _ArrayUnpickler(handle, encoding="bytes").load()
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: v for key, v in batch.items()}
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(len(data), 3, 32, 32), np.asarray(batch["labels"])


def as_nhwc(images: np.ndarray, labels: np.ndarray) -> tuple:
    """Puts images as (n, H, W, C) uint8 and labels as (n,) int64, whatever Keras returned.

    Grey images get a channel axis; channel-first colour images (the files' order, or Keras
    under channels_first) are moved to channels-last.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    elif images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)
    return images, np.asarray(labels).reshape(-1).astype(np.int64)
