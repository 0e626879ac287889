"""Regression report files: metrics, predictions and a plot of predicted against true values."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

from harness.reports.csv_cells import write_csv_atomic
from harness.reports.regression_figures import numeric_axis, regression_figure, residuals_figure
from harness.reports.style import save_png

METRIC_COLUMNS = ["mse", "rmse", "mae", "r2", "max_error", "n"]


def write_regression_report(out_dir, *, y_true, y_pred, index=None, plots=True) -> dict:
    """Writes the regression report files into `out_dir`, each one atomically.

    Files:
      - regression_report.csv: columns output, mse, rmse, mae, r2, max_error, n. The first row,
        output "all", covers every target value; with k > 1 outputs, one row per output
        ("0".."k-1") follows. Over all outputs, mse, mae and r2 are sklearn's uniform average
        of the per-output values, rmse is sqrt(mse) and max_error the largest per-output one.
        n counts examples, not target values.
      - predictions.csv (no index column): index, y_true, y_pred, error (= y_pred - y_true).
        With k > 1 outputs the file is long: one row per example and output, example by
        example, with an extra "output" column (0..k-1) after index; pivot it on "output" to
        get the wide table back.
      - predictions.png: true and predicted values along the index (top) and the error
        (bottom), sharing the x axis; at most the first four outputs are drawn.
      - residuals.png: residuals against the predicted value, and a histogram of the errors.

    Args:
        out_dir: folder to write into (created if missing).
        y_true: (n,) or (n, k) true targets.
        y_pred: predictions of the same shape (an (n, 1) against (n,) mismatch is accepted).
        index: (n,) identifiers of the examples, e.g. positions in the series; numeric ones are
            the plot's x axis. Default 0..n-1.

    Returns:
        The metrics of the "all" row: mse, rmse, mae, r2, max_error, n.
    """
    y_true, y_pred = _as_targets(y_true, y_pred)
    num_examples, num_outputs = y_true.shape
    if index is not None and np.shape(index) != (num_examples,):
        raise ValueError(f"index must have shape ({num_examples},); got {np.shape(index)}")
    index_values = np.arange(num_examples) if index is None else np.asarray(index)
    out_dir = Path(out_dir)
    rows = [{"output": "all", **_metrics_row(y_true, y_pred)}]
    if num_outputs > 1:
        rows += [
            {"output": str(output), **_metrics_row(y_true[:, [output]], y_pred[:, [output]])}
            for output in range(num_outputs)
        ]
    report = pd.DataFrame(rows, columns=["output"] + METRIC_COLUMNS)
    write_csv_atomic(out_dir / "regression_report.csv", report, index=False)
    predictions = _predictions_frame(index_values, y_true, y_pred)
    write_csv_atomic(out_dir / "predictions.csv", predictions, index=False)
    headline = rows[0]
    if plots:
        x_values, x_label = numeric_axis(index, num_examples)
        figure = regression_figure(
            x_values,
            y_true,
            y_pred,
            x_label=x_label,
            title=f"Predicted vs true (n={num_examples}, rmse={headline['rmse']:.4g}, "
            f"r2={headline['r2']:.3f})",
        )
        save_png(figure, out_dir / "predictions.png")
        title = f"Residuals (n={num_examples}, mae={headline['mae']:.4g})"
        save_png(residuals_figure(y_true, y_pred, title=title), out_dir / "residuals.png")
    return {name: headline[name] for name in METRIC_COLUMNS}


def _as_targets(y_true, y_pred):
    # float64 so the CSV holds exactly the numbers the metrics were computed from.
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_true = y_true.reshape(-1, 1) if y_true.ndim == 1 else y_true
    y_pred = y_pred.reshape(-1, 1) if y_pred.ndim == 1 else y_pred
    if y_true.ndim != 2 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must both be (n,) or (n, k) of one shape; "
            f"got {y_true.shape} and {y_pred.shape}"
        )
    if len(y_true) == 0:
        raise ValueError("no examples to report on: y_true is empty")
    return y_true, y_pred


def _metrics_row(y_true, y_pred) -> dict:
    mse = float(metrics.mean_squared_error(y_true, y_pred))
    # sklearn's max_error takes one output at a time.
    worst = max(
        metrics.max_error(y_true[:, output], y_pred[:, output]) for output in range(y_true.shape[1])
    )
    return {
        "mse": mse,
        # sqrt(mse) rather than sklearn's root_mean_squared_error: the same for one output, it
        # keeps rmse**2 == mse over several, and the function is missing before sklearn 1.4.
        "rmse": math.sqrt(mse),
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "r2": float(metrics.r2_score(y_true, y_pred)),
        "max_error": float(worst),
        "n": int(len(y_true)),
    }


def _predictions_frame(index, y_true, y_pred) -> pd.DataFrame:
    num_examples, num_outputs = y_true.shape
    if num_outputs == 1:
        return pd.DataFrame(
            {
                "index": index,
                "y_true": y_true[:, 0],
                "y_pred": y_pred[:, 0],
                "error": y_pred[:, 0] - y_true[:, 0],
            }
        )
    # Row-major ravel walks example by example, matching the repeated index and tiled output.
    return pd.DataFrame(
        {
            "index": np.repeat(index, num_outputs),
            "output": np.tile(np.arange(num_outputs), num_examples),
            "y_true": y_true.ravel(),
            "y_pred": y_pred.ravel(),
            "error": (y_pred - y_true).ravel(),
        }
    )
