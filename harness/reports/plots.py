"""Figures for the report files, drawn with Matplotlib's object API on the Agg canvas.

Nothing here touches `matplotlib.pyplot`: a `Figure` built directly has no GUI window and no global
state, so reports can be drawn from worker threads and on machines without a display.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from harness.atomic import write_bytes_atomic
from harness.reports.png import figure_png

# The regression plot draws this many outputs at most; more lines would hide each other.
MAX_PLOTTED_OUTPUTS = 4
# White space around everything a figure draws.
LAYOUT_PAD_INCHES = 0.1


def save_figure_atomic(figure: Figure, path) -> None:
    """Renders `figure` at its own dpi as PNG and writes it to `path` atomically."""
    write_bytes_atomic(path, figure_png(figure))


def label_overhangs(axes, renderer, *, title: bool = True) -> np.ndarray:
    """How far, in inches, the tick labels, axis labels and (with `title`) the title of `axes`
    reach past its box: left, bottom, right, top, each at least 0.

    This is what constrained layout measures too, but it first draws the whole figure once more
    (every cell annotation of a confusion matrix included), which took longer than the drawing
    that makes the PNG.
    """
    box = axes.get_window_extent(renderer)
    # An axis without labels has no box, and an empty title's box sits at the origin.
    parts = [
        axes.xaxis.get_tightbbox(renderer),
        axes.yaxis.get_tightbbox(renderer),
        axes.title.get_window_extent(renderer) if title and axes.get_title() else None,
    ]
    reach = Bbox.union([box] + [part for part in parts if part is not None])
    pixels = [box.x0 - reach.x0, box.y0 - reach.y0, reach.x1 - box.x1, reach.y1 - box.y1]
    return np.maximum(pixels, 0.0) / axes.figure.dpi


def _fit_stacked(figure, upper, lower) -> None:
    # Margins and the gap between two stacked panels, from what their labels need.
    renderer = figure.canvas.get_renderer()
    upper_reach, lower_reach = label_overhangs(upper, renderer), label_overhangs(lower, renderer)
    left, right = np.maximum(upper_reach, lower_reach)[[0, 2]] + LAYOUT_PAD_INCHES
    bottom, top = lower_reach[1] + LAYOUT_PAD_INCHES, upper_reach[3] + LAYOUT_PAD_INCHES
    gap = upper_reach[1] + lower_reach[3] + 2 * LAYOUT_PAD_INCHES
    width, height = figure.get_size_inches()
    panels = height - top - bottom
    # subplots_adjust takes the gap as a fraction of the mean panel height.
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        hspace=2 * gap / (panels - gap),
    )


def regression_figure(x_values, y_true, y_pred, *, x_label: str, title: str):
    """Draws predicted and true values along the series (top) and the error (bottom).

    Args:
        x_values: (n,) positions on the shared x axis.
        y_true: (n, k) true values.
        y_pred: (n, k) predicted values.
        x_label: the x-axis label.
        title: the figure title.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    figure = Figure(figsize=(10, 6))
    FigureCanvasAgg(figure)  # a renderer to measure the labels with before saving
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    num_outputs = min(y_true.shape[1], MAX_PLOTTED_OUTPUTS)
    colours = [f"C{i}" for i in range(num_outputs)]
    marker = "." if len(x_values) <= 100 else None
    for output, colour in enumerate(colours):
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
    top.legend(fontsize=8, ncols=min(2 * num_outputs, 4))
    top.grid(alpha=0.3)
    bottom.set_ylabel("error (pred - true)")
    bottom.set_xlabel(x_label)
    bottom.grid(alpha=0.3)
    _fit_stacked(figure, top, bottom)
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
