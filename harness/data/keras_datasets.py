"""MNIST, Fashion-MNIST and CIFAR-10, read from the Keras cache or downloaded by keras.datasets.

When the files are in the cache (`$KERAS_HOME/datasets`, else `~/.keras/datasets`), they are read
here, in the format keras.datasets writes, without importing Keras. Otherwise
`keras.datasets.<name>.load_data()` downloads them; when that fails (no network), the user gets
one UsageError naming the files and the folder to put them in.

Pixels are scaled by 1/255 and standardised with one mean and std of the training images.
Validation (10% of the training part, stratified) moves with the seed; the test split is the
data set's own.
"""

import dataclasses
import os

from harness.data import keras_files, transform
from harness.errors import UsageError

TASK = "classification"
LAYOUTS = ("image", "flat", "sequence")
OPTIONS = {}
RAW_MAX = 255.0
VAL_FRACTION = 0.1
_STORAGE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclasses.dataclass(frozen=True)
class KerasSource:
    """Where one keras.datasets data set lives in the cache and how to read it."""

    name: str
    description: str
    class_names: tuple
    folders: tuple  # candidate folders under the cache dir, the one current Keras uses first
    files: tuple
    origin: str
    reader: object  # reads (x_train, y_train), (x_test, y_test) from the folder holding `files`
    image_shape: tuple  # (H, W, C)
    note: str = ""
    flippable: bool = False  # a mirror image is still an example of its class


SOURCES = {
    "mnist": KerasSource(
        name="mnist",
        description="MNIST handwritten digits, 28x28 grey, 60000+10000 images, 10 classes",
        class_names=tuple(str(digit) for digit in range(10)),
        folders=("",),
        files=("mnist.npz",),
        origin=_STORAGE + "mnist.npz",
        reader=keras_files.read_mnist,
        image_shape=(28, 28, 1),
    ),
    "fashion_mnist": KerasSource(
        name="fashion_mnist",
        description="Fashion-MNIST clothes, 28x28 grey, 60000+10000 images, 10 classes",
        class_names=keras_files.FASHION_CLASS_NAMES,
        folders=("fashion-mnist",),
        files=keras_files.FASHION_FILES,
        origin=_STORAGE + keras_files.FASHION_FILES[0] + " (and 3 more files)",
        reader=keras_files.read_fashion_mnist,
        image_shape=(28, 28, 1),
        flippable=True,  # a mirrored shirt, shoe or bag is still one
    ),
    "cifar10": KerasSource(
        name="cifar10",
        description="CIFAR-10 photos, 32x32 colour, 50000+10000 images, 10 classes",
        class_names=keras_files.CIFAR10_CLASS_NAMES,
        # Keras 3 extracts into the first folder; Keras 2 used the second.
        folders=("cifar-10-batches-py-target/cifar-10-batches-py", "cifar-10-batches-py"),
        files=keras_files.CIFAR10_FILES,
        origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        reader=keras_files.read_cifar10,
        image_shape=(32, 32, 3),
        flippable=True,
        note=" (extracted from cifar-10-python.tar.gz)",
    ),
}


def cache_dir() -> str:
    """The folder keras.utils.get_file caches data sets in, read from KERAS_HOME at call time."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        user_home = os.path.expanduser("~")
        home = os.path.join(user_home if os.access(user_home, os.W_OK) else "/tmp", ".keras")
    home = os.path.expanduser(home)
    # Keras creates a missing home on import, and get_file falls back to /tmp/.keras when the
    # home exists but is not writable; so do we.
    if os.path.exists(home) and not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return os.path.join(home, "datasets")


def find_cached(source: KerasSource, datasets_dir: str) -> str | None:
    """Returns the cache folder holding every file of `source`, or None."""
    for folder in source.folders:
        path = os.path.join(datasets_dir, folder)
        if all(os.path.isfile(os.path.join(path, name)) for name in source.files):
            return path
    return None


def offline_message(source: KerasSource, datasets_dir: str, reason: str) -> str:
    """The one-line message for a data set that is neither cached nor downloadable."""
    folder = os.path.join(datasets_dir, source.folders[0])
    if len(source.files) == 1:
        place = f"place {source.files[0]} at {os.path.join(folder, source.files[0])}"
    else:
        place = f"place {', '.join(source.files)}{source.note} in {folder}{os.sep}"
    return (
        f"{source.name}: cannot download {source.origin} ({reason}; no network?); "
        f"{place} and run again"
    )


def read_raw(source: KerasSource) -> tuple:
    """Reads the raw uint8 images from the cache, or downloads them through keras.datasets.

    Returns:
        ((x_train, y_train), (x_test, y_test), where): images of shape (n, H, W, C), int64
        labels of shape (n,), and the folder read (or a note that Keras downloaded them).

    Raises:
        UsageError: the files are not cached and cannot be downloaded.
    """
    datasets_dir = cache_dir()
    folder = find_cached(source, datasets_dir)
    if folder is not None:
        train, test = source.reader(folder)
        where = folder
    else:
        train, test = _download(source, datasets_dir)
        where = f"downloaded by keras.datasets.{source.name}.load_data()"
    return keras_files.as_nhwc(*train), keras_files.as_nhwc(*test), where


def _download(source: KerasSource, datasets_dir: str) -> tuple:
    import keras

    try:
        return getattr(keras.datasets, source.name).load_data()
    except Exception as error:  # keras.utils.get_file raises a bare Exception on URL errors
        reason = str(error).split(" -- ")[-1] or type(error).__name__
        raise UsageError(offline_message(source, datasets_dir, reason)) from error


def load(name: str, *, layout: str, seed: int = 0, normalization: dict | None = None):
    """Loads one keras.datasets data set as images, flat vectors or rows as steps.

    Args:
        name: "mnist", "fashion_mnist" or "cifar10".
        layout: "image" (H, W, C), "flat" (H*W*C,) or "sequence" (H, W*C).
        seed: picks the validation examples out of the training part.
        normalization: pixel statistics to reuse; computed from the training split if None.

    Returns:
        Classification splits with the data set's class names.
    """
    source = SOURCES[name]
    (x_rest, y_rest), (x_test, y_test), where = read_raw(source)
    splits, stats = transform.image_splits(
        (x_rest, y_rest),
        (x_test, y_test),
        val_size=VAL_FRACTION,
        seed=seed,
        raw_max=RAW_MAX,
        layout=layout,
        normalization=normalization,
    )
    return transform.make_splits(
        name,
        TASK,
        layout,
        splits,
        class_names=list(source.class_names),
        normalization=stats,
        info={"source": where, "seed": int(seed), "val_fraction_of_train": VAL_FRACTION},
    )
