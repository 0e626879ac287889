"""Figures for the report files, drawn with Matplotlib's object API on the Agg canvas.

Nothing here touches `matplotlib.pyplot`: a `Figure` built directly has no GUI window and no global
state, so reports can be drawn from worker threads and on machines without a display.
"""

import io

import numpy as np
from matplotlib.figure import Figure

from harness.atomic import write_bytes_atomic

# Beyond this many characters a class name is cut on the axes (the CSV files keep it whole).
MAX_TICK_CHARS = 18
# The regression plot draws this many outputs at most; more lines would hide each other.
MAX_PLOTTED_OUTPUTS = 4


def save_figure_atomic(figure: Figure, path, *, dpi: int = 100) -> None:
    """Renders `figure` as PNG and writes it to `path` atomically.

    Args:
        figure: the figure to render.
        path: the PNG file to write.
        dpi: dots per inch of the rendering.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    write_bytes_atomic(path, buffer.getvalue())


def _short(name: str) -> str:
    name = str(name)
    return name if len(name) <= MAX_TICK_CHARS else name[: MAX_TICK_CHARS - 1] + "…"


def _cell_font_size(num_classes: int) -> float:
    # The figure grows more slowly than the class count, so cells shrink and their text with
    # them: 11 pt for a few classes, 8 pt at 20, never below 5 pt.
    return float(np.clip(12.0 - 0.2 * num_classes, 5.0, 11.0))


def confusion_matrix_figure(counts, normalized, class_names, *, title: str, colorbar_label: str,
                            vmax: float = 1.0):
    """Draws an annotated confusion-matrix heatmap.

    Each cell shows its count and, below it, its normalised value; the colour follows the
    normalised value so that classes of different sizes can be compared.

    Args:
        counts: (k, k) integer counts, rows true classes, columns predicted classes.
        normalized: (k, k) normalised values of the same matrix.
        class_names: the k class names, in index order.
        title: the figure title.
        colorbar_label: what the colour scale measures.
        vmax: the value drawn darkest; 1.0 keeps row- or column-normalised plots comparable
            between runs.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    num_classes = len(class_names)
    side = min(max(4.5, 0.6 * num_classes + 2.5), 16.0)
    figure = Figure(figsize=(side + 1.0, side), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(normalized, cmap="Blues", vmin=0.0, vmax=vmax)
    font_size = _cell_font_size(num_classes)
    for row in range(num_classes):
        for col in range(num_classes):
            value = normalized[row, col]
            # Empty cells in grey let the confusions that did happen stand out.
            colour = "white" if value > 0.5 * vmax else "black" if counts[row, col] else "0.6"
            axes.text(col, row, f"{counts[row, col]}\n{value:.2f}", ha="center", va="center",
                      fontsize=font_size, color=colour)
    labels = [_short(name) for name in class_names]
    tick_size = max(font_size, 7.0)
    crowded = num_classes > 6 or max(len(label) for label in labels) > 8
    axes.set_xticks(range(num_classes), labels=labels, rotation=45 if crowded else 0,
                    ha="right" if crowded else "center", rotation_mode="anchor",
                    fontsize=tick_size)
    axes.set_yticks(range(num_classes), labels=labels, fontsize=tick_size)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label=colorbar_label)
    return figure


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
    figure = Figure(figsize=(10, 6), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    num_outputs = min(y_true.shape[1], MAX_PLOTTED_OUTPUTS)
    colours = [f"C{i}" for i in range(num_outputs)]
    marker = "." if len(x_values) <= 100 else None
    for output, colour in enumerate(colours):
        suffix = f" (output {output})" if y_true.shape[1] > 1 else ""
        top.plot(x_values, y_true[:, output], color=colour, marker=marker, label="true" + suffix)
        top.plot(x_values, y_pred[:, output], color=colour, linestyle="--", marker=marker,
                 alpha=0.8, label="predicted" + suffix)
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
