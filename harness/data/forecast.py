"""Forecasting the user's own series: `forecast:PATH --target COLUMN`, windows of W steps of the
target (and of extra input columns) to the next H values of the target.

The file is read by `forecast_files`; the options (window, horizon, season, inputs, date,
scaling) by `forecast_options`.

Splits, by time: the last `TEST_FRACTION` of the steps is the test part, the `--val-fraction`
(default 0.1) before it the validation part, the rest the training part. A window belongs to the
part that holds all H of its targets; its inputs may reach back into the part before, which is
history a forecaster has at that time. Nothing moves with --seed.

Scaling, with statistics of the training part's rows only:
- `last` (default): every window minus its own last value, column by column, and its targets
  minus the target's last value (NLinear, Zeng et al. 2023), in units of the training part's
  standard deviation. A level or a trend the training part never reached stays in range, and
  predicting 0 is the naive forecast, so a model starts from it and learns the change.
- `train`: standardisation with the training part's mean and standard deviation.
- `none`: the values as written.

Normalisation format (run.json's data.normalization): `{"method": "forecast", "scaling": "last",
"target": "co2", "columns": ["co2", ...] (target first), "mean": [...], "std": [...] (one per
column), "window": W, "horizon": H, "season": S or None, "date": "date" or None, "frequency":
"MS" or None, "val_fraction": 0.1, "test_fraction": 0.2}`.
"""

import dataclasses
import os

import numpy as np
import pandas as pd

from harness.data import forecast_options, transform
from harness.data.forecast_files import read_table
from harness.errors import UsageError

PREFIX = "forecast:"
TASK = "regression"
LAYOUTS = ("sequence", "flat")
VAL_FRACTION = 0.1
TEST_FRACTION = 0.2


@dataclasses.dataclass
class RawWindows:
    """Windows in the file's units: inputs (n, W, columns), targets (n, H), the targets' dates."""

    x: np.ndarray
    y: np.ndarray
    dates: np.ndarray | None  # datetime64 (n, H), or None without a date column


def load(path, *, layout, seed=0, target=None, normalization=None, options=None, test_data=None,
         val_fraction=None):  # fmt: skip
    """Reads the file, splits it by time, cuts the windows and scales them.

    Args:
        path: the CSV file.
        layout: "sequence" gives (W, columns) examples, "flat" (W * columns,).
        seed: recorded only: the splits do not move with it.
        target: the column to forecast (default: the run's, with `normalization`).
        normalization: a forecast-format dict from an earlier load to reuse.
        options: {"window": "24", ...} as typed.
        test_data: refused: the test part is the end of the file.
        val_fraction: the series' share for validation (default 0.1).

    Returns:
        DataSplits with float32 y of shape (n, H), scaled as x is.
    """
    check_layout(layout)
    if test_data is not None:
        raise UsageError(
            "forecast data is split by time (the test part is the file's last fifth); leave "
            "--test-data out, or evaluate another file later with evaluate.py --dataset"
        )
    chosen = forecast_options.parse(options, normalization)
    stats = normalization or {}
    fraction = stats.get("val_fraction", VAL_FRACTION if val_fraction is None else val_fraction)
    fraction = transform.check_fraction(fraction)
    table = read_table(path, target=target or stats.get("target"), inputs=chosen["inputs"],
                       date=chosen["date"])  # fmt: skip
    bounds = segment_bounds(len(table.values), fraction, path)
    window = chosen["window"] or forecast_options.default_window(
        bounds["train"][1], chosen["horizon"], chosen["season"]
    )
    _check_sizes(bounds, window, chosen, path)
    stats = normalization or fit(table, bounds, window, chosen, fraction)
    splits = {}
    for which in transform.SPLIT_NAMES:
        raw = windows(table.values, *bounds[which], window, chosen["horizon"])
        splits[which] = scale(raw.x, raw.y, stats, layout)
    info = {
        "source": os.path.abspath(path),
        "steps": len(table.values),
        "columns": table.columns,
        "segments": bounds,
        "seed": int(seed),
        "first_date": str(table.dates[0]) if table.dates is not None else None,
        "last_date": str(table.dates[-1]) if table.dates is not None else None,
    }
    return transform.make_splits(
        PREFIX + path, TASK, layout, splits, class_names=None, normalization=stats, info=info
    )


def segment_bounds(steps: int, val_fraction: float, path: str) -> dict:
    """{"train": [0, a], "val": [a, b], "test": [b, steps]}: the rows of each part."""
    test_start = steps - round(TEST_FRACTION * steps)
    val_start = test_start - round(val_fraction * steps)
    if val_start < 1 or test_start <= val_start or steps <= test_start:
        raise UsageError(
            f"forecast file {path} has {steps} rows: too few for training, validation and test "
            "parts split by time; add rows"
        )
    return {"train": [0, val_start], "val": [val_start, test_start], "test": [test_start, steps]}


def _check_sizes(bounds: dict, window: int, chosen: dict, path: str) -> None:
    horizon, season = chosen["horizon"], chosen["season"]
    train_steps = bounds["train"][1]
    if window + horizon > train_steps:
        raise UsageError(
            f"forecast file {path}: window {window} + horizon {horizon} is longer than the "
            f"training part ({train_steps} of {bounds['test'][1]} rows); give a shorter window= "
            f"or horizon=, or a longer series"
        )
    for which in ("val", "test"):
        start, stop = bounds[which]
        if stop - start < horizon:
            raise UsageError(
                f"forecast file {path}: the {which} part holds {stop - start} rows, fewer than "
                f"horizon {horizon}; give a shorter horizon= or a longer series"
            )
    if season and season > window:
        raise UsageError(
            f"option season={season} is longer than the window ({window}); the seasonal naive "
            f"forecast needs the window to hold a season: give window={season} or more"
        )


def windows(values: np.ndarray, start: int, stop: int, window: int, horizon: int) -> RawWindows:
    """The windows whose H targets lie in rows start..stop-1, in time order (NumPy's sliding
    window view: no copy until the split is taken)."""
    # The first window's targets start at row `start`, or at row W in the training part.
    rows = values[max(start - window, 0) : stop]
    view = np.lib.stride_tricks.sliding_window_view(rows, window + horizon, axis=0)
    view = view.transpose(0, 2, 1)  # (n, W + H, columns)
    return RawWindows(view[:, :window].copy(), view[:, window:, 0].copy(), None)


def fit(table, bounds: dict, window: int, chosen: dict, val_fraction: float) -> dict:
    """The forecast-format statistics of the training part's rows (see the module docstring)."""
    train = table.values[: bounds["train"][1]]
    std = train.std(axis=0)
    return {
        "method": "forecast",
        "scaling": chosen["scaling"],
        "target": table.columns[0],
        "columns": list(table.columns),
        "mean": [float(value) for value in train.mean(axis=0)],
        "std": [float(value) or 1.0 for value in std],
        "window": int(window),
        "horizon": int(chosen["horizon"]),
        "season": chosen["season"],
        "date": table.date_column,
        "frequency": _frequency(table.dates),
        "val_fraction": val_fraction,
        "test_fraction": TEST_FRACTION,
    }


def _frequency(dates) -> str | None:
    if dates is None or len(dates) < 3:
        return None
    return pd.infer_freq(dates)


def _offsets(x_raw: np.ndarray, stats: dict) -> tuple:
    """What is taken off the inputs (n, 1, columns) and off the targets (n, 1)."""
    if stats["scaling"] == "last":
        last = x_raw[:, -1:, :]
        return last, last[:, :, 0]
    if stats["scaling"] == "train":
        mean = np.asarray(stats["mean"])
        return mean, mean[:1]
    return 0.0, 0.0


def _scales(stats: dict) -> tuple:
    if stats["scaling"] == "none":
        return 1.0, 1.0
    std = np.asarray(stats["std"])
    return std, std[:1]


def scale(x_raw, y_raw, stats: dict, layout: str) -> tuple:
    """Raw windows (n, W, columns) and targets (n, H) (or None) into model inputs and targets."""
    x_raw = np.asarray(x_raw, dtype=np.float64)
    (x_offset, y_offset), (x_scale, y_scale) = _offsets(x_raw, stats), _scales(stats)
    x = ((x_raw - x_offset) / x_scale).astype(np.float32)
    x = x.reshape(len(x), -1) if layout == "flat" else x
    if y_raw is None:
        return x, None
    return x, ((np.asarray(y_raw, np.float64) - y_offset) / y_scale).astype(np.float32)


def unscale(x_raw, y_scaled, stats: dict) -> np.ndarray:
    """Model outputs (n, H) back into the target's units, given the raw windows they came from."""
    x_raw = np.asarray(x_raw, dtype=np.float64)
    (_, y_offset), (_, y_scale) = _offsets(x_raw, stats), _scales(stats)
    return np.asarray(y_scaled, np.float64) * y_scale + y_offset


def raw_split(path: str, stats: dict, split: str) -> RawWindows:
    """The raw windows of one part ("train", "val", "test" or "all", in that order) of a file,
    as `load` cuts them with the run's statistics, with their targets' dates."""
    date = stats.get("date") or "none"
    columns = stats["columns"][1:] or "none"
    table = read_table(path, target=stats["target"], inputs=columns, date=date)
    bounds = segment_bounds(len(table.values), stats["val_fraction"], path)
    parts = transform.SPLIT_NAMES if split == "all" else (split,)
    window, horizon = stats["window"], stats["horizon"]
    pieces = [windows(table.values, *bounds[which], window, horizon) for which in parts]
    dates = None
    if table.dates is not None:
        steps = np.arange(len(table.values))
        dated = [windows(steps[:, None], *bounds[which], window, horizon).y for which in parts]
        dates = table.dates.to_numpy()[np.concatenate(dated)]
    return RawWindows(
        np.concatenate([piece.x for piece in pieces]),
        np.concatenate([piece.y for piece in pieces]),
        dates,
    )


def check_layout(layout: str) -> None:
    """Refuses an image model: a window is a sequence (or its values, flattened)."""
    transform.check_layout("forecast data", layout, LAYOUTS)


def prepare(x_raw, stats: dict, layout: str) -> np.ndarray:
    """Raw windows (any shape holding whole windows of W steps of every column) into inputs."""
    shape = (stats["window"], len(stats["columns"]))
    values = np.asarray(x_raw, dtype=np.float64)
    if values.size == 0 or values.size % (shape[0] * shape[1]):
        raise UsageError(
            f"inputs of shape {values.shape} do not hold whole windows of {shape[0]} steps of "
            f"{shape[1]} column(s) ({', '.join(stats['columns'])})"
        )
    return scale(values.reshape(-1, *shape), None, stats, layout)[0]
