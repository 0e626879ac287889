"""What every loader shares: layout checks, pixel and signal normalisation, and seeded splits.

Two normalisation formats live here (the CSV format lives in `csv_table`):

- pixels: `{"method": "pixels", "raw_range": [0, 255], "image_shape": [28, 28, 1], "mean": m,
  "std": s, "background": b}`. A model sees `(x_raw / raw_range[1] - mean) / std`; mean and std
  are taken over every value of the scaled training images, and b is their mean border
  brightness on the 0..1 scale (predict.py's polarity check; runs before it lack it).
- signal: `{"method": "standardize", "steps": 64, "mean": m, "std": s}` or
  `{"method": "none", "steps": 50}` for 1-D signals (one value per step).
"""

import numpy as np

from harness.data.splits import DataSplits
from harness.errors import UsageError

# Keeps the test split (and anything else that must not move with --seed) fixed.
FIXED_SEED = 0
SPLIT_NAMES = ("train", "val", "test")


def check_layout(spec_name: str, layout: str, allowed: tuple) -> None:
    """Raises a UsageError unless `layout` is one of `allowed`, the data set's own layouts."""
    if layout not in allowed:
        kind = "a model that expects images" if layout == "image" else f"a {layout} model"
        raise UsageError(
            f"data set {spec_name!r} cannot feed {kind} (layout {layout!r}); "
            f"it works with layouts: {', '.join(allowed)}"
        )


def shape_images(images: np.ndarray, layout: str) -> np.ndarray:
    """Shapes (n, H, W, C) images for a layout: as is, flattened, or rows as steps (n, H, W*C)."""
    n, height = images.shape[0], images.shape[1]
    if layout == "image":
        return images
    if layout == "flat":
        return images.reshape(n, -1)
    return images.reshape(n, height, -1)


def shape_signal(signal: np.ndarray, layout: str) -> np.ndarray:
    """Shapes (n, T) signals for a layout: (n, T, 1) sequences or (n, T) flat vectors."""
    if layout == "sequence":
        return signal[..., np.newaxis]
    return signal


def fit_pixels(x_train_raw: np.ndarray, raw_max: float, image_shape) -> dict:
    """Pixel statistics of the raw training images, in the pixels format."""
    mean, std = mean_std(x_train_raw, scale=1.0 / raw_max)
    images = np.asarray(x_train_raw).reshape((-1, *image_shape))
    return pixel_stats(mean, std, raw_max, image_shape, border_mean(images) / raw_max)


def pixel_stats(mean: float, std: float, raw_max: float, image_shape, background: float) -> dict:
    """The pixels format; `background` is the training images' mean border brightness on the
    0..1 scale, which predict.py compares with a new image's to tell its polarity."""
    return {
        "method": "pixels",
        "raw_range": [0, raw_max],
        "image_shape": [int(d) for d in image_shape],
        "mean": float(mean),
        "std": float(std),
        "background": float(background),
    }


def border_mean(images: np.ndarray) -> float:
    """The mean of the outermost rows and columns of (n, H, W, C) images: the background of
    centred subjects such as digits, whatever their strokes."""
    return float(border_sum(images) / max(border_count(images.shape), 1))


def border_sum(images: np.ndarray) -> float:
    """The sum of the border pixels of (n, H, W, C) images (each pixel counted once)."""
    images = np.asarray(images)
    if images.shape[1] <= 2 or images.shape[2] <= 2:
        return float(images.sum(dtype=np.float64))
    # The four edges only (a fraction of the pixels), corners once.
    rows = images[:, [0, -1]].sum(dtype=np.float64)
    columns = images[:, 1:-1, [0, -1]].sum(dtype=np.float64)
    return float(rows + columns)


def border_count(shape: tuple) -> int:
    """How many values `border_sum` adds up for images of `shape` (n, H, W, C)."""
    n, height, width, channels = shape
    inner = max(height - 2, 0) * max(width - 2, 0) if height > 2 and width > 2 else 0
    return n * (height * width - inner) * channels


def apply_pixels(x_raw: np.ndarray, raw_max: float, stats: dict) -> np.ndarray:
    """Scales raw pixels by `raw_max` into 0..1, then standardises with `stats`."""
    # In place: 60000 MNIST images would otherwise take three float copies.
    x = np.array(x_raw, dtype=np.float32)
    x /= np.float32(raw_max)
    x -= np.float32(stats["mean"])
    x /= np.float32(stats["std"])
    return x


def fit_signal(x_train: np.ndarray, standardize: bool) -> dict:
    """Statistics of 1-D training signals in the signal format (or none, to keep raw units)."""
    stats = {"method": "standardize" if standardize else "none", "steps": int(x_train.shape[1])}
    if standardize:
        stats["mean"], stats["std"] = mean_std(x_train)
    return stats


def apply_signal(x: np.ndarray, stats: dict) -> np.ndarray:
    """Applies signal-format statistics to (n, T) values."""
    x = np.asarray(x, dtype=np.float32)
    if stats["method"] == "standardize":
        return (x - np.float32(stats["mean"])) / np.float32(stats["std"])
    return x


def image_splits(train, test, *, val_size, seed, raw_max, layout, normalization) -> tuple:
    """Takes validation out of the training images, then normalises and shapes every split.

    Args:
        train: (images, labels) of the training part: uint8-like (n, H, W, C), int64 (n,).
        test: (images, labels) of the test split.
        val_size: a fraction of the training part, or a number of examples, for validation.
        seed: picks the validation examples (stratified where possible).
        raw_max: the largest raw pixel value (255, or 16 for digits).
        layout: the model's input layout.
        normalization: pixel statistics to reuse, or None to fit them on the training split.

    Returns:
        ({"train": (x, y), "val": (x, y), "test": (x, y)}, pixel statistics).
    """
    x_rest, y_rest = train
    train_index, val_index = split_off(len(y_rest), val_size, seed, y_rest)
    raw = {
        "train": (x_rest[train_index], y_rest[train_index]),
        "val": (x_rest[val_index], y_rest[val_index]),
        "test": test,
    }
    stats = normalization or fit_pixels(raw["train"][0], raw_max, x_rest.shape[1:])
    splits = {
        which: (shape_images(apply_pixels(x, raw_max, stats), layout), y)
        for which, (x, y) in raw.items()
    }
    return splits, stats


def mean_std(values: np.ndarray, scale: float = 1.0, chunk: int = 1 << 22) -> tuple:
    """Mean and std (never 0) of every value times `scale`, as floats, in bounded memory."""
    flat = np.asarray(values).reshape(-1)
    total = total_sq = 0.0
    for start in range(0, flat.size, chunk):
        part = flat[start : start + chunk].astype(np.float64) * scale
        total += float(part.sum())
        total_sq += float(part @ part)
    mean = total / flat.size
    std = max(total_sq / flat.size - mean * mean, 0.0) ** 0.5
    return mean, std or 1.0


def prepare_array(x_raw, *, spec_name: str, layout: str, normalization: dict) -> np.ndarray:
    """Turns raw images or signals into model inputs, exactly as the loader did in training.

    Args:
        x_raw: raw examples in the data set's raw range: any shape whose values, read in order,
            are whole examples (a batch of images, one image, a (n, T) block of windows...).
        spec_name: the data set the statistics came from, for messages.
        layout: the model's input layout.
        normalization: statistics in the pixels or signal format.

    Returns:
        float32 inputs shaped for `layout`.
    """
    method = normalization.get("method")
    if method == "pixels":
        shape = tuple(normalization["image_shape"])
        x = _as_examples(x_raw, shape, spec_name)
        return shape_images(apply_pixels(x, normalization["raw_range"][1], normalization), layout)
    if method in ("standardize", "none"):
        x = _as_examples(x_raw, (normalization["steps"],), spec_name)
        return shape_signal(apply_signal(x, normalization), layout)
    raise UsageError(
        f"normalization for {spec_name!r} has method {method!r}; "
        "known for arrays: pixels, standardize, none"
    )


def _as_examples(x_raw, shape: tuple, spec_name: str) -> np.ndarray:
    values = np.asarray(x_raw)
    per_example = int(np.prod(shape))
    if values.size == 0 or values.size % per_example:
        raise UsageError(
            f"{spec_name} inputs of shape {values.shape} do not hold whole examples of shape "
            f"{shape} ({per_example} values each)"
        )
    return values.reshape((-1,) + shape)


def split_rng(seed: int, which: str) -> np.random.Generator:
    """An independent random stream for one split of a generated data set.

    The test split's stream ignores `seed`, so test figures of runs with different seeds compare.
    """
    index = SPLIT_NAMES.index(which)
    return np.random.default_rng([FIXED_SEED if which == "test" else seed, index])


def split_off(n: int, size, seed: int, labels=None) -> tuple:
    """Splits indices 0..n-1 into (kept, split_off), stratified by `labels` where possible.

    Args:
        n: how many examples there are.
        size: a fraction of n, or a number of examples, for the split-off part.
        seed: the shuffling seed.
        labels: class labels to stratify by, or None for a plain shuffled split.

    Returns:
        Two index arrays in sklearn's shuffled order; no index is in both.
    """
    # sklearn takes a second to import; listing data sets should not wait for it.
    from sklearn.model_selection import train_test_split

    count = int(round(size * n)) if isinstance(size, float) else int(size)
    stratify = labels if labels is not None and _can_stratify(labels, count) else None
    kept, taken = train_test_split(
        np.arange(n), test_size=count, random_state=seed, stratify=stratify
    )
    return kept, taken


def check_fraction(fraction) -> float:
    """Returns a validation share (--val-fraction) if it is a number strictly between 0 and 1."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise UsageError(f"--val-fraction must be above 0 and below 1 (e.g. 0.2), got {fraction!r}")
    return float(fraction)


def _can_stratify(y: np.ndarray, count: int) -> bool:
    # sklearn needs two members per class and room for every class on both sides.
    _, counts = np.unique(y, return_counts=True)
    classes = len(counts)
    return counts.min() >= 2 and classes <= count <= len(y) - classes


def make_splits(name, task, layout, splits: dict, *, class_names, normalization, info):
    """Builds DataSplits from {"train": (x, y), "val": (x, y), "test": (x, y)}.

    Adds the size of every split to `info` under "sizes".
    """
    sizes = {which: int(len(x)) for which, (x, _) in splits.items()}
    arrays = {}
    for which, (x, y) in splits.items():
        arrays[f"x_{which}"], arrays[f"y_{which}"] = x, y
    return DataSplits(
        name=name,
        task=task,
        layout=layout,
        class_names=class_names,
        normalization=normalization,
        info={**info, "sizes": sizes},
        **arrays,
    )
