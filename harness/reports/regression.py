"""Regression report files: metrics, predictions, and plots of predictions and residuals."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

from harness.reports.csv_cells import write_csv_atomic
from harness.reports.style import draw_png, legend_outside, new_figure, styled

METRIC_COLUMNS = ["mse", "rmse", "mae", "r2", "max_error", "n"]
MAX_PLOTTED_OUTPUTS = 4  # more lines would hide each other


def write_regression_report(out_dir, *, y_true, y_pred, index=None, plots=True, draw=draw_png):
    """Writes the regression report files into `out_dir`, each one atomically.

    Files: regression_report.csv (output, mse, rmse, mae, r2, max_error, n; row "all" covers every
    target: sklearn's uniform average over outputs, rmse = sqrt(mse), the largest max_error; with
    k > 1 outputs a row per output follows); predictions.csv (index, y_true, y_pred, error =
    y_pred - y_true; with k > 1 outputs a row per example and output, with an "output" column
    after index); unless `plots` is False, predictions.png and residuals.png (through `draw`).

    Args:
        y_true, y_pred: (n,) or (n, k) targets and predictions (an (n, 1) matches (n,)).
        index: (n,) identifiers of the examples; numeric ones or dates are the plots' x axis.

    Returns:
        The metrics of the "all" row.
    """
    y_true, y_pred = _as_targets(y_true, y_pred)
    num_examples, num_outputs = y_true.shape
    if index is not None and np.shape(index) != (num_examples,):
        raise ValueError(f"index must have shape ({num_examples},); got {np.shape(index)}")
    rows = [{"output": "all", **_metrics_row(y_true, y_pred)}]
    if num_outputs > 1:
        rows += [
            {"output": str(k), **_metrics_row(y_true[:, [k]], y_pred[:, [k]])}
            for k in range(num_outputs)
        ]
    out_dir, headline = Path(out_dir), rows[0]
    write_csv_atomic(out_dir / "regression_report.csv", pd.DataFrame(rows), index=False)
    index_values = np.arange(num_examples) if index is None else np.asarray(index)
    predictions = pd.DataFrame(
        {
            "index": np.repeat(index_values, num_outputs),
            "output": np.tile(np.arange(num_outputs), num_examples),
            "y_true": y_true.ravel(),  # row-major: example by example, as index and output
            "y_pred": y_pred.ravel(),
            "error": (y_pred - y_true).ravel(),
        }
    )
    predictions = predictions.drop(columns="output") if num_outputs == 1 else predictions
    write_csv_atomic(out_dir / "predictions.csv", predictions, index=False)
    if plots:
        # Strings would be categories to Matplotlib and crowd the axis: positions instead.
        numeric = index is not None and index_values.dtype.kind in "iufM"
        x_values = index_values if numeric else np.arange(num_examples)
        rmse, r2 = headline["rmse"], headline["r2"]
        title = f"Predicted vs true (n={num_examples}, rmse={rmse:.4g}, r2={r2:.3f})"
        x_label = "index" if numeric else "position"
        draw(regression_figure, out_dir / "predictions.png", x_values, y_true, y_pred,
             x_label=x_label, title=title)  # fmt: skip
        title = f"Residuals (n={num_examples}, mae={headline['mae']:.4g})"
        draw(residuals_figure, out_dir / "residuals.png", y_true, y_pred, title=title)
    return {name: headline[name] for name in METRIC_COLUMNS}


def _as_targets(y_true, y_pred):
    # float64 so the CSV holds exactly the numbers the metrics were computed from.
    y_true, y_pred = (np.asarray(values, np.float64) for values in (y_true, y_pred))
    y_true, y_pred = (values.reshape(len(values), -1) if values.ndim == 1 else values
                      for values in (y_true, y_pred))  # fmt: skip
    if y_true.ndim != 2 or y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred must both be (n,) or (n, k) of one shape; "
            f"got {y_true.shape} and {y_pred.shape}"
        )
    if len(y_true) == 0:
        raise ValueError("no examples to report on: y_true is empty")
    return y_true, y_pred


def _metrics_row(y_true, y_pred) -> dict:
    mse = float(metrics.mean_squared_error(y_true, y_pred))
    return {
        "mse": mse,
        # sqrt(mse) rather than sklearn's root_mean_squared_error: the same for one output, it
        # keeps rmse**2 == mse over several.
        "rmse": math.sqrt(mse),
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "r2": float(metrics.r2_score(y_true, y_pred)),
        # sklearn's max_error takes one output at a time.
        "max_error": float(max(metrics.max_error(t, p) for t, p in zip(y_true.T, y_pred.T))),
        "n": len(y_true),
    }


@styled
def regression_figure(x_values, y_true, y_pred, *, x_label: str, title: str):
    """True (solid) and predicted (dashed) values of each output along `x_values`, and their
    error below on the same x axis; the legend right of the top panel."""
    figure, (top, bottom) = new_figure(8.0, 4.6, rows=2, gap=0.2, sharex=True, height_ratios=[2, 1])
    marker = "." if len(x_values) <= 100 else None
    for k in range(min(y_true.shape[1], MAX_PLOTTED_OUTPUTS)):
        suffix = f" (output {k})" if y_true.shape[1] > 1 else ""
        top.plot(x_values, y_true[:, k], color=f"C{k}", marker=marker, label="true" + suffix)
        top.plot(x_values, y_pred[:, k], color=f"C{k}", linestyle="--", marker=marker, alpha=0.8,
                 label="predicted" + suffix)  # fmt: skip
        bottom.plot(x_values, y_pred[:, k] - y_true[:, k], color=f"C{k}", marker=marker)
    bottom.axhline(0.0, color="grey", linewidth=0.8)
    if y_true.shape[1] > MAX_PLOTTED_OUTPUTS:
        title += f" (first {MAX_PLOTTED_OUTPUTS} of {y_true.shape[1]} outputs)"
    top.set(title=title, ylabel="value")
    bottom.set(xlabel=x_label, ylabel="error (pred - true)")
    legend_outside(top)
    return figure


@styled
def residuals_figure(y_true, y_pred, *, title: str):
    """Residuals (pred - true) against the predicted value (left) and their histogram
    (right), each output in its own colour (at most MAX_PLOTTED_OUTPUTS)."""
    figure, (scatter, histogram) = new_figure(
        8.0, 3.6, cols=2, gap=0.8, margins=(0.95, 0.6, 0.25, 0.55), width_ratios=[3, 2]
    )
    errors = y_pred - y_true
    bins = np.histogram_bin_edges(errors[:, :MAX_PLOTTED_OUTPUTS], bins="auto")[:101]
    for k in range(min(y_true.shape[1], MAX_PLOTTED_OUTPUTS)):
        label = f"output {k}" if y_true.shape[1] > 1 else "error"
        scatter.scatter(y_pred[:, k], errors[:, k], s=6, alpha=0.5, label=label)
        histogram.hist(errors[:, k], bins=bins, alpha=0.6, label=label)
    scatter.axhline(0.0, color="grey", linewidth=0.8)
    scatter.set(xlabel="predicted value", ylabel="residual (pred - true)")
    histogram.axvline(0.0, color="grey", linewidth=0.8)
    histogram.set(xlabel="error (pred - true)", ylabel="examples")
    if y_true.shape[1] > 1:
        legend_outside(histogram)
    figure.suptitle(title)
    return figure
