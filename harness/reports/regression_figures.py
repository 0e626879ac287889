"""Regression figures: true and predicted values along the index, and the error below them."""

import numpy as np

from harness.reports.style import legend_outside, new_figure, styled

# The regression plot draws this many outputs at most; more lines would hide each other.
MAX_PLOTTED_OUTPUTS = 4


@styled
def regression_figure(x_values, y_true, y_pred, *, x_label: str, title: str):
    """Draws predicted and true values along the series (top) and the error (bottom).

    The legend sits right of the top panel, off the data.

    Args:
        x_values: (n,) positions on the shared x axis.
        y_true: (n, k) true values.
        y_pred: (n, k) predicted values.
        x_label: the x-axis label.
        title: the figure title.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    figure = new_figure(11, 6)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    num_outputs = min(y_true.shape[1], MAX_PLOTTED_OUTPUTS)
    marker = "." if len(x_values) <= 100 else None
    for output in range(num_outputs):
        colour = f"C{output}"
        suffix = f" (output {output})" if y_true.shape[1] > 1 else ""
        top.plot(x_values, y_true[:, output], color=colour, marker=marker, label="true" + suffix)
        top.plot(
            x_values,
            y_pred[:, output],
            color=colour,
            linestyle="--",
            marker=marker,
            alpha=0.8,
            label="predicted" + suffix,
        )
        bottom.plot(x_values, y_pred[:, output] - y_true[:, output], color=colour, marker=marker)
    bottom.axhline(0.0, color="grey", linewidth=0.8)
    if y_true.shape[1] > MAX_PLOTTED_OUTPUTS:
        title += f" (first {MAX_PLOTTED_OUTPUTS} of {y_true.shape[1]} outputs)"
    top.set_title(title)
    top.set_ylabel("value")
    legend_outside(top)
    bottom.set_ylabel("error (pred - true)")
    bottom.set_xlabel(x_label)
    return figure


def numeric_axis(index, n: int):
    """Returns (x values, label) for plotting a series against `index`.

    Numeric or datetime indexes are used as they are; anything else (strings, None) falls back to
    positions 0..n-1, because Matplotlib would treat strings as categories and crowd the axis.
    """
    if index is None:
        return np.arange(n), "position"
    values = np.asarray(index)
    if values.dtype.kind in "iufM":
        return values, "index"
    return np.arange(n), "position"


@styled
def residuals_figure(y_true, y_pred, *, title: str):
    """Residuals (pred - true) against the predicted value (left), and a histogram of them
    (right), each output in its own colour (at most MAX_PLOTTED_OUTPUTS)."""
    figure = new_figure(11, 4.5)
    scatter, histogram = figure.subplots(1, 2, width_ratios=[3, 2])
    errors = y_pred - y_true
    bins = np.histogram_bin_edges(errors[:, :MAX_PLOTTED_OUTPUTS], bins="auto")[:101]
    for output in range(min(y_true.shape[1], MAX_PLOTTED_OUTPUTS)):
        label = f"output {output}" if y_true.shape[1] > 1 else "error"
        scatter.scatter(y_pred[:, output], errors[:, output], s=6, alpha=0.5, label=label)
        histogram.hist(errors[:, output], bins=bins, alpha=0.6, label=label)
    scatter.axhline(0.0, color="grey", linewidth=0.8)
    scatter.set_xlabel("predicted value")
    scatter.set_ylabel("residual (pred - true)")
    histogram.axvline(0.0, color="grey", linewidth=0.8)
    histogram.set_xlabel("error (pred - true)")
    histogram.set_ylabel("examples")
    if y_true.shape[1] > 1:
        legend_outside(histogram)
    figure.suptitle(title)
    return figure
