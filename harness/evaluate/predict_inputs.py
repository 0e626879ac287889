"""New inputs for predict.py, read from files and turned into model inputs exactly as in training.

- An image (.png, .jpg, ...) is converted to grayscale or RGB as the training images were,
  resized to their height and width, mapped from 0..255 into the data set's raw range (0..16
  for digits), inverted if its polarity differs from training's, and normalised with the run's
  statistics; a folder stands for the images in it (`predict_images`).
- A .csv file holds one example per row: for a run trained on a csv table, the training's
  feature columns (the target column may be there and is ignored); for any other run, the raw
  values of one example per row (a header row is optional).
- A .npy file holds one raw example or a batch of them, in the data set's raw value range
  (for a table run, rows of feature values in the training's column order).
- For a run trained on series:PATH, a .tsv, .csv or .npz file in the training file's format (its
  labels optional) holds one series per row (`harness.data.series.read_inputs`).
"""

import contextlib
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from harness.data import IMAGES_PREFIX
from harness.errors import UsageError
from harness.evaluate.predict_images import (
    IMAGE_SUFFIXES,
    decode_like_training,
    expand_inputs,
    is_image,
    match_polarity,
)

_IMAGE_MODES = {1: "L", 3: "RGB"}
# Decoded at 4 bytes a pixel, 4096 x 4096 is 64 MB; a larger picture is shrunk first or refused,
# so that a huge or hostile file (a PNG that inflates to gigabytes) cannot exhaust memory.
MAX_IMAGE_PIXELS = 4096 * 4096


def read_inputs(paths, run: dict, *, invert: str = "auto") -> tuple[list[str], np.ndarray, list]:
    """Reads every input file (a folder stands for its images) and prepares it for the model.

    Args:
        paths: the files and folders, in the order given.
        run: the run's run.json.
        invert: images' polarity: "auto" (match training's), "yes" or "no" (predict_images).

    Returns:
        (one name per example, e.g. "a.png" or "rows.csv[3]"; float32 model inputs; lines to
        print about what was done to the inputs).

    Raises:
        UsageError: a file is missing, unreadable, of an unknown kind or does not fit the run.
    """
    from harness.data import prepare_inputs

    normalization = run["data"]["normalization"]
    files = expand_inputs(paths)
    images, notes = _read_images(files, run, invert)
    names, blocks = [], []
    for path in files:
        labels, raw = (
            ([str(path)], images[path]) if path in images else _read_raw(path, normalization)
        )
        try:
            blocks.append(
                prepare_inputs(
                    raw,
                    spec_name=run["data"]["spec"],
                    layout=run["model"]["layout"],
                    normalization=normalization,
                )
            )
        except UsageError as error:
            raise UsageError(f"input {path}: {error}") from None
        names += labels
    return names, np.concatenate(blocks).astype(np.float32, copy=False), notes


def _read_images(files: list, run: dict, invert: str) -> tuple:
    """{path: raw image} of every image input, with the polarity matched; and the notes."""
    normalization = run["data"]["normalization"]
    paths = [path for path in files if is_image(path) and normalization.get("method") != "series"]
    for path in paths:
        _check_file(path)
    if not paths:
        return {}, []
    if normalization.get("method") == "pixels" and run["data"]["spec"].startswith(IMAGES_PREFIX):
        images = dict(zip(paths, decode_like_training(paths, normalization)))
    else:
        images = {path: read_image(path, normalization) for path in paths}
    images, note = match_polarity(images, normalization, invert)
    return images, [note] if note else []


def _check_file(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"input file {path} not found")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise UsageError(f"input {path} is not a regular file; give image, .csv or .npy files")


def _read_raw(path: Path, normalization: dict):
    _check_file(path)
    suffix = path.suffix.lower()
    if normalization.get("method") == "series" and suffix != ".npy":
        from harness.data import series

        raw = series.read_inputs(str(path), normalization)  # .tsv, .csv or .npz series
        return [f"{path}[{row}]" for row in range(len(raw))], raw
    if suffix == ".csv":
        raw = _read_csv(path, normalization)
    elif suffix == ".npy":
        raw = _read_npy(path, normalization)
    else:
        raise UsageError(
            f"input {path}: unknown kind {suffix or '(no suffix)'!r}; give images "
            f"({', '.join(IMAGE_SUFFIXES)}), .csv rows or .npy arrays"
        )
    return [f"{path}[{row}]" for row in range(len(raw))], raw


def read_image(path: Path, normalization: dict) -> np.ndarray:
    """One image as raw pixel values shaped like a training image (H, W, C)."""
    from PIL import Image, UnidentifiedImageError

    if normalization.get("method") != "pixels":
        raise UsageError(
            f"input {path} is an image, but this run was not trained on images "
            f"(normalization {normalization.get('method')!r}); give .csv or .npy input"
        )
    height, width, channels = normalization["image_shape"]
    if channels not in _IMAGE_MODES:
        raise UsageError(f"training images have {channels} channels; images can feed 1 or 3")
    try:
        with _opened_within_budget(path) as image:
            image = image.convert(_IMAGE_MODES[channels])
            # Averaging boxes when shrinking is how the 8x8 digits were made from 32x32 scans.
            shrinking = image.width >= width and image.height >= height
            image = image.resize(
                (width, height), Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
            )
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UsageError(f"cannot read image {path}: {error}") from None
    pixels = np.asarray(image, dtype=np.float64).reshape(height, width, channels)
    return pixels * (float(normalization["raw_range"][1]) / 255.0)


@contextlib.contextmanager
def _opened_within_budget(path: Path):
    """Image.open, which reads only the header, then the pixel budget; Pillow's own bomb check
    (a warning above 89M pixels, an error above twice that) is left to this one."""
    from PIL import Image

    budget = f"predict.py reads images of up to {MAX_IMAGE_PIXELS} pixels (4096x4096)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            opened = Image.open(path)
        except Image.DecompressionBombError:
            raise UsageError(f"image {path} is far too large; {budget}: shrink it") from None
    with opened as image:
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise UsageError(
                f"image {path} is {image.width}x{image.height} pixels; {budget}: shrink it first"
            )
        yield image


def _read_csv(path: Path, normalization: dict):
    from harness.data import csv_table

    if normalization.get("method") == "table":
        rows = csv_table.read_table(str(path))
    else:
        rows = _numeric_rows(path, example_size(normalization))
    if len(rows) == 0:
        raise UsageError(f"csv file {path} has no rows")
    return rows


def _numeric_rows(path: Path, size: int) -> np.ndarray:
    try:
        table = pd.read_csv(path, header=None, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read csv file {path}: {error}") from None
    values = table.apply(pd.to_numeric, errors="coerce")
    if len(values) and values.iloc[0].isna().all():
        values = values.iloc[1:]  # a header row
    if values.isna().to_numpy().any():
        raise UsageError(
            f"csv file {path} must hold numbers only (raw values of one example per row)"
        )
    if values.shape[1] != size:
        raise UsageError(
            f"csv file {path} has {values.shape[1]} columns; each row must hold the "
            f"{size} raw values of one example"
        )
    return values.to_numpy(np.float64)


def _read_npy(path: Path, normalization: dict):
    from harness.data.keras_files import check_npy_header

    with open(path, "rb") as handle:
        check_npy_header(handle, path.stat().st_size, f".npy file {path}")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"cannot read .npy file {path}: {error}") from None
    if normalization.get("method") == "table":
        columns = [feature["name"] for feature in normalization["features"]]
        rows = array.reshape(1, -1) if array.ndim == 1 else array
        if rows.ndim != 2 or rows.shape[1] != len(columns):
            raise UsageError(
                f".npy file {path} has shape {array.shape}; a table run takes rows of "
                f"{len(columns)} values: {', '.join(columns)}"
            )
        return pd.DataFrame(rows.astype(str), columns=columns)
    if array.dtype.kind not in "biuf":
        raise UsageError(f".npy file {path} holds {array.dtype} values; it needs numbers")
    size = example_size(normalization)
    if array.size != size and math.prod(array.shape[1:]) != size:
        raise UsageError(
            f".npy file {path} has shape {array.shape}: neither one example nor a batch "
            f"of examples of {size} values each"
        )
    if not np.all(np.isfinite(array)):
        raise UsageError(f".npy file {path} holds NaN or infinite values")
    return array.reshape(-1, size)


def example_size(normalization: dict) -> int:
    """How many raw values make one example of an image or signal run."""
    if normalization.get("method") == "pixels":
        return math.prod(normalization["image_shape"])
    return int(normalization["steps"]) * int(normalization.get("channels", 1))  # series: channels
