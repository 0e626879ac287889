"""Next-value regression on a sine series: each example is a window of values of sin(t), the
target the value that follows.

The series is split by time before any window is cut: train is the first 70%, validation the
next 10%, test the last 20%. Windows are cut inside each segment, so no window or target
crosses a boundary. Values stay in original units (sin is already in [-1, 1]), so a
regression loss reads in those units too.
"""

import numpy as np

from harness.data import transform
from harness.errors import UsageError

TASK = "regression"
LAYOUTS = ("sequence", "flat")
DESCRIPTION = "next value of sin(t) from a window of 50 values, split by time (synthetic)"
OPTIONS = {
    "noise": (float, 0.0, "sigma of Gaussian noise added to the series"),
    "length": (int, 4000, "values in the whole series (70/10/20% train/val/test)"),
    "step": (float, 0.1, "increment of t between values"),
    "window": (int, 50, "values in one input window"),
}


def load(*, layout, seed, normalization, noise, length, step, window):
    """Generates the series, splits it by time and cuts windows inside each segment.

    Args:
        layout: "sequence" (window, 1) or "flat" (window,).
        seed: seeds the noise of the train and validation segments; the test segment's noise
            does not move with the seed.
        normalization: statistics to reuse; by default none are applied (raw units).
        noise: sigma of the Gaussian noise added to every value.
        length: values in the whole series.
        step: increment of t between values.
        window: values in one input window.

    Returns:
        Regression splits with y of shape (n, 1).
    """
    _check(length=length, step=step, window=window)
    bounds = segment_bounds(length)
    splits = {}
    for which in transform.SPLIT_NAMES:
        start, stop = bounds[which]
        values = np.sin(step * np.arange(start, stop, dtype=np.float64))
        if noise:
            values = values + transform.split_rng(seed, which).normal(0.0, noise, size=values.shape)
        splits[which] = _windows(values.astype(np.float32), window)
    stats = normalization or transform.fit_signal(splits["train"][0], standardize=False)
    splits = {
        which: (transform.shape_signal(transform.apply_signal(x, stats), layout), y)
        for which, (x, y) in splits.items()
    }
    params = {"noise": noise, "length": length, "step": step, "window": window}
    return transform.make_splits(
        "sine",
        TASK,
        layout,
        splits,
        class_names=None,
        normalization=stats,
        info={"source": "generated", "seed": int(seed), "generator": params, "segments": bounds},
    )


def segment_bounds(length: int) -> dict:
    """Returns {"train": [start, stop], ...}: the indices of the series in each split."""
    val_start = length - length // 5 - length // 10
    test_start = length - length // 5
    return {"train": [0, val_start], "val": [val_start, test_start], "test": [test_start, length]}


def _windows(values: np.ndarray, window: int) -> tuple:
    # Every window and its target lie inside `values`, which is one segment.
    count = len(values) - window
    starts = np.arange(count)[:, np.newaxis]
    x = values[starts + np.arange(window)]
    y = values[window:, np.newaxis]
    return x, y


def _check(*, length, step, window):
    if step <= 0:
        raise UsageError(f"sine option step={step} must be > 0 (e.g. step=0.1)")
    if window < 1:
        raise UsageError(f"sine option window={window} must be >= 1 (e.g. window=50)")
    # The validation segment is the smallest: a tenth of the series.
    shortest = length // 10
    if shortest < window + 1:
        raise UsageError(
            f"sine option length={length} is too short for window={window}: the validation "
            f"segment would hold {shortest} values and needs {window + 1}; "
            f"use length >= {10 * (window + 1)}"
        )
