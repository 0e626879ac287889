"""The user's own series for classification: `series:PATH`, in the formats of `series_files`.

Splits. `--test-data PATH` names a separate test file in the same format (the UCR archive's
official TEST split); without it a stratified fifth of the file is the test split. Validation
always comes out of the training file: a stratified share (`--val-fraction`, default 0.2). Both
splits are drawn with `transform.FIXED_SEED`, so they do not move with --seed: on sets of 50
series, a validation part that moved with the seed would change what early stopping sees more
than the seed changes the weights.

Scaling (`--data-opt scaling=...`):
- `zscore` (default): each series, channel by channel, minus its own mean and divided by its
  own standard deviation, the archive's convention: it needs no statistics, so a new file is
  scaled exactly as the training one was.
- `train`: standardisation with each channel's mean and standard deviation over the training
  split.
- `none`: the values as written.

Normalisation format (run.json's data.normalization): `{"method": "series", "scaling": "zscore",
"steps": 150, "channels": 1, "class_names": ["1", "2"], "target": "label" or None}`, with
`"mean"` and `"std"` (one per channel) for `train` scaling.
"""

import os

import numpy as np

from harness.data import labels as labels_module
from harness.data import transform
from harness.data.series_files import read_series
from harness.errors import UsageError

PREFIX = "series:"
TASK = "classification"
LAYOUTS = ("sequence", "flat")
SCALINGS = ("zscore", "train", "none")
OPTIONS = {"scaling": (str, "zscore", "zscore (each series on its own), train, none")}
VAL_FRACTION = 0.2
TEST_FRACTION = 0.2
# Keeps a constant series at 0 instead of dividing by 0; far below any real series' spread.
# Keras's LayerNormalization adds the same epsilon inside model.keras (model/preprocessing.py).
ZSCORE_EPSILON = 1e-8
# Image models and the series model to use instead.
ONE_D_MODELS = {"cnn": "fcn", "resnet": "resnet1d"}


def load(path, *, layout, seed=0, target=None, normalization=None, options=None, test_data=None,
         val_fraction=None):  # fmt: skip
    """Reads the training file (and the test file), splits it and scales every split.

    Args:
        path: the training file.
        layout: "sequence" gives (steps, channels) examples, "flat" (steps * channels,).
        seed: recorded only: the splits do not move with it.
        target: the label column of a .csv file (default "label").
        normalization: a series-format dict from an earlier load to reuse.
        options: {"scaling": "zscore" | "train" | "none"} as typed.
        test_data: a separate test file in the same format, or None.
        val_fraction: the training file's share for validation (default 0.2).

    Returns:
        DataSplits with int64 class indices.
    """
    check_layout(layout)
    scaling = _scaling(options, normalization)
    fraction = VAL_FRACTION if val_fraction is None else transform.check_fraction(val_fraction)
    target = target or (normalization or {}).get("target")
    x, labels, kind = read_series(path, target=target)
    class_names = (normalization or {}).get("class_names") or class_names_of(labels, path)
    y = encode_labels(labels, class_names, path)
    parts = _split_rows(y, fraction, has_test=test_data is not None, path=path, names=class_names)
    raw = {which: (x[rows], y[rows]) for which, rows in parts.items()}
    if test_data is not None:
        raw["test"] = _test_file(test_data, x.shape[1:], class_names, target)
    stats = normalization or fit(raw["train"][0], scaling, class_names, target)
    _check_shape(stats, x.shape[1:], path)
    splits = {which: (apply(xs, stats, layout), ys) for which, (xs, ys) in raw.items()}
    info = {
        "source": os.path.abspath(path),
        "format": kind,
        "series": int(len(x)),
        "steps": int(x.shape[1]),
        "channels": int(x.shape[2]),
        "test_data": os.path.abspath(test_data) if test_data is not None else None,
        "val_fraction": fraction,
        "seed": int(seed),
    }
    return transform.make_splits(
        PREFIX + path, TASK, layout, splits, class_names=class_names, normalization=stats, info=info
    )


def _scaling(options, normalization) -> str:
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise UsageError(f"series data has no option {', '.join(unknown)}; known: scaling")
    scaling = options.get("scaling", (normalization or {}).get("scaling", "zscore"))
    if scaling not in SCALINGS:
        raise UsageError(
            f"option scaling={scaling!r} for series data; known: {', '.join(SCALINGS)}"
        )
    if normalization and scaling != normalization.get("scaling"):
        raise UsageError(
            f"option scaling={scaling} differs from the run's scaling "
            f"{normalization.get('scaling')}; leave the option out to use the run's"
        )
    return scaling


def class_names_of(labels: np.ndarray, path: str) -> list:
    """The distinct labels as written, sorted by value when all are numbers ("2" before "10")."""
    return labels_module.class_names_of(labels, f"series file {path}", "series")


def encode_labels(labels: np.ndarray, class_names: list, path: str) -> np.ndarray:
    """Class indices (int64) of labels as written; a label unseen in training is refused."""
    return labels_module.encode_labels(labels, class_names, f"series file {path}")


def _split_rows(y: np.ndarray, fraction: float, *, has_test: bool, path: str, names) -> dict:
    counts = np.bincount(y, minlength=len(names))
    # Stratified splits need a series of each class on every side: 2 (3 with a test part).
    needed = 2 if has_test else 3
    if counts.min() < needed:
        shown = ", ".join(f"{name!r}: {count}" for name, count in zip(names, counts))
        raise UsageError(
            f"series file {path} has too few series to split ({shown}): each class needs "
            f"{needed} or more for stratified train{', validation' if has_test else ''} and "
            f"{'validation' if has_test else 'test'} parts; add series"
            f"{'' if has_test else ' or give a separate --test-data file'}"
        )
    rows = np.arange(len(y))
    if not has_test:
        kept, test = _stratified(rows, y, TEST_FRACTION, len(names))
        rows = rows[kept]
    kept, val = _stratified(rows, y[rows], fraction, len(names))
    splits = {"train": rows[kept], "val": rows[val]}
    if not has_test:
        splits["test"] = test
    return splits


def _stratified(rows, labels, fraction: float, classes: int) -> tuple:
    # At least one series of each class on both sides, whatever the share.
    count = min(max(classes, round(fraction * len(rows))), len(rows) - classes)
    return transform.split_off(len(rows), count, transform.FIXED_SEED, labels)


def _test_file(test_path: str, shape: tuple, class_names: list, target) -> tuple:
    x, labels, _ = read_series(test_path, target=target)
    if x.shape[1:] != shape:
        raise UsageError(
            f"test file {test_path} has series of {x.shape[1]} steps and {x.shape[2]} "
            f"channel(s); the training file's have {shape[0]} steps and {shape[1]} channel(s)"
        )
    return x, encode_labels(labels, class_names, test_path)


def fit(x_train: np.ndarray, scaling: str, class_names: list, target) -> dict:
    """The series-format statistics of the raw training series (see the module docstring)."""
    stats = {
        "method": "series",
        "scaling": scaling,
        "steps": int(x_train.shape[1]),
        "channels": int(x_train.shape[2]),
        "class_names": list(class_names),
        "target": target,
    }
    if scaling == "train":
        mean, std = x_train.mean(axis=(0, 1)), x_train.std(axis=(0, 1))
        stats["mean"] = [float(value) for value in mean]
        stats["std"] = [float(value) or 1.0 for value in std]
    return stats


def apply(x: np.ndarray, stats: dict, layout: str) -> np.ndarray:
    """Scales raw (series, steps, channels) values with `stats` and shapes them for `layout`."""
    x = np.asarray(x, dtype=np.float64)
    if stats["scaling"] == "zscore":
        variance = x.var(axis=1, keepdims=True)
        x = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(variance + ZSCORE_EPSILON)
    elif stats["scaling"] == "train":
        x = (x - np.asarray(stats["mean"])) / np.asarray(stats["std"])
    x = x.astype(np.float32)
    return x.reshape(len(x), -1) if layout == "flat" else x


def _check_shape(stats: dict, shape: tuple, path: str) -> None:
    if (stats["steps"], stats["channels"]) != tuple(shape):
        raise UsageError(
            f"series file {path} has series of {shape[0]} steps and {shape[1]} channel(s); "
            f"the run was trained on {stats['steps']} steps and {stats['channels']}"
        )


def check_layout(layout: str, model: str | None = None) -> None:
    """Refuses an image model, naming the 1D model to use instead."""
    if layout in LAYOUTS:
        return
    instead = ONE_D_MODELS.get(model, "fcn or resnet1d")
    named = f"model {model!r}" if model else "a model that"
    raise UsageError(
        f"{named} takes images (layout {layout!r}) and cannot read series data; "
        f"use --model {instead}, its 1D form, or any sequence or flat model"
    )


def read_labelled(path: str, normalization: dict, layout: str) -> tuple:
    """Every series of a file in file order, scaled as in training: (x, class indices)."""
    x, labels, _ = read_series(path, target=normalization.get("target"))
    _check_shape(normalization, x.shape[1:], path)
    y = encode_labels(labels, normalization["class_names"], path)
    return apply(x, normalization, layout), y


def read_inputs(path: str, normalization: dict) -> np.ndarray:
    """The raw series of a file for predict.py, labels optional: (series, steps, channels)."""
    x, _, _ = read_series(
        path, target=normalization.get("target"), labelled=False, steps=normalization["steps"]
    )
    _check_shape(normalization, x.shape[1:], path)
    return x


def prepare(x_raw, normalization: dict, layout: str) -> np.ndarray:
    """Raw series values (any shape holding whole series) into model inputs, as in training."""
    shape = (normalization["steps"], normalization["channels"])
    values = np.asarray(x_raw, dtype=np.float64)
    size = shape[0] * shape[1]
    if values.size == 0 or values.size % size:
        raise UsageError(
            f"inputs of shape {values.shape} do not hold whole series of {shape[0]} steps and "
            f"{shape[1]} channel(s)"
        )
    return apply(values.reshape(-1, *shape), normalization, layout)
