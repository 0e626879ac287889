"""Images given as numbers: a pixel table (`csv:PATH --data-opt image=28x28`) or an array file
(`images:FILE.npz`).

- A pixel table has a header, the label in `--target` (default `label`) and one column per
  value, row-major and channels last (Kaggle's digit-recognizer `train.csv`: label, pixel0 ..
  pixel783). `image=HxW` (grey), `HxWx1` or `HxWx3` says how the columns make an image.
- A .npz holds `x` of shape (n, h, w) or (n, h, w, c) with c 1 or 3, and labels `y` (n,).

Raw values are 0..255, or 0..1 when no value exceeds 1 (run.json's raw_range says which). The
test split is the `--test-data` file, else a stratified fifth drawn with the fixed seed;
validation is a stratified `--val-fraction` (default 0.1) of the rest that moves with the seed.
Class names are the labels as written, numbers sorted by value.
"""

import os

import numpy as np
import pandas as pd

from harness.data import image_options, transform
from harness.data.labels import class_names_of, encode_labels
from harness.errors import UsageError

TASK = "classification"
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1
DEFAULT_TARGET = "label"


def check_options(spec: str, options) -> tuple | None:
    """The image shape a pixel table's image= names (None for a .npz, whose x has one)."""
    if spec.lower().endswith(".npz"):
        image_options.check_names(options, image_options.FLIP_OPTION, "an image array file (.npz)")
        image_options.wants_flip(options)
        return None
    options = image_options.check_names(options, image_options.TABLE_OPTIONS, "csv pixel data")
    image_options.wants_flip(options)
    return image_options.parse_image_shape(options["image"])


def load(spec, *, layout, seed=0, target=None, normalization=None, options=None, test_data=None,
         val_fraction=None):  # fmt: skip
    """Reads the images and labels, splits them and normalises with training statistics."""
    shape = check_options(spec, options)
    path = spec.split(":", 1)[1]
    target = target or DEFAULT_TARGET
    x, labels = _read(path, shape, target)
    class_names = (normalization or {}).get("class_names") or class_names_of(labels, path)
    y = encode_labels(labels, class_names, path)
    if test_data is not None:
        x_test, test_labels = _read(test_data, shape, target)
        if x_test.shape[1:] != x.shape[1:]:
            raise UsageError(
                f"test file {test_data} holds {x_test.shape[1:]} images; the training "
                f"file's are {x.shape[1:]}"
            )
        rest, test = (x, y), (x_test, encode_labels(test_labels, class_names, test_data))
    else:
        kept, held = transform.split_off(len(y), TEST_FRACTION, transform.FIXED_SEED, y)
        rest, test = (x[kept], y[kept]), (x[held], y[held])
    fraction = VAL_FRACTION if val_fraction is None else transform.check_fraction(val_fraction)
    raw_max = float((normalization or {}).get("raw_range", [0, _raw_max(x)])[1])
    splits, stats = transform.image_splits(
        rest, test, val_size=fraction, seed=seed, raw_max=raw_max, layout=layout,
        normalization=normalization,
    )  # fmt: skip
    stats = {**stats, "class_names": class_names, "target": target}
    info = {
        "source": os.path.abspath(path),
        "test_data": os.path.abspath(test_data) if test_data is not None else None,
        "val_fraction": fraction,
        "images": int(len(x)),
        "seed": int(seed),
    }
    return transform.make_splits(
        spec, TASK, layout, splits, class_names=class_names, normalization=stats, info=info
    )


def _read(path: str, shape, target: str) -> tuple:
    if not os.path.isfile(path):
        what = "is not a regular file" if os.path.exists(path) else "not found"
        raise UsageError(f"image data file {path!r} {what}")
    if shape is None:
        return _read_npz(path)
    return _read_table(path, shape, target)


def _read_table(path: str, shape: tuple, target: str) -> tuple:
    from harness.data.csv_table import read_table

    table = read_table(path)
    if target not in table.columns:
        columns = ", ".join(map(str, table.columns[:6]))
        raise UsageError(
            f"csv file {path} has no label column {target!r} (columns: {columns}, ...); "
            "name it with --target COLUMN"
        )
    pixels = table.drop(columns=[target])
    needed = int(np.prod(shape))
    if pixels.shape[1] != needed:
        height, width, channels = shape
        raise UsageError(
            f"csv file {path} has {pixels.shape[1]} pixel columns besides {target!r}; "
            f"image={height}x{width}x{channels} needs {needed}; give the shape the table holds"
        )
    numbers = pixels.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy(np.float64))
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise UsageError(
            f"csv file {path}, line {row + 2}, column {pixels.columns[column]!r}: "
            f"{pixels.iat[row, column]!r} is not a number; every pixel must be a number"
        )
    missing = table[target].isna().to_numpy()
    if missing.any():
        raise UsageError(f"csv file {path}, line {int(np.argmax(missing)) + 2}: no label")
    images = numbers.to_numpy(np.float64).reshape(-1, *shape)
    return _checked_range(images, path), table[target].astype(str).str.strip().to_numpy(object)


def _read_npz(path: str) -> tuple:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            found = {name: arrays[name] for name in arrays.files if name in ("x", "y")}
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"cannot read .npz file {path}: {error}") from None
    x, y = found.get("x"), found.get("y")
    if x is None or y is None:
        raise UsageError(f".npz file {path} needs arrays x (n, h, w[, c]) and y (n,)")
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.dtype.kind not in "biuf" or x.ndim != 4 or x.shape[-1] not in (1, 3) or 0 in x.shape:
        raise UsageError(
            f".npz file {path}: x has shape {found['x'].shape} and dtype {x.dtype}; images "
            "need numbers of shape (n, height, width) or (n, height, width, 1 or 3)"
        )
    if y.ndim != 1 or len(y) != len(x):
        raise UsageError(f".npz file {path}: y has shape {y.shape}; it needs ({len(x)},)")
    images = _checked_range(x.astype(np.float64), path)
    return images, np.asarray([str(label) for label in y.tolist()], dtype=object)


def _checked_range(images: np.ndarray, path: str) -> np.ndarray:
    if not np.isfinite(images).all() or images.min() < 0 or images.max() > 255:
        raise UsageError(
            f"{path}: pixel values must be finite numbers from 0 to 255 (or 0 to 1); "
            f"found {images.min():g} to {images.max():g}"
        )
    return images


def _raw_max(images: np.ndarray) -> float:
    return 1.0 if images.max() <= 1.0 else 255.0
