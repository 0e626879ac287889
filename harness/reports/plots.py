"""Figures for the report files, drawn with Matplotlib's object API on the Agg canvas.

Nothing here touches `matplotlib.pyplot`: a `Figure` built directly has no GUI window and no global
state, so reports can be drawn from worker threads and on machines without a display.
"""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from harness.atomic import write_bytes_atomic
from harness.reports.cell_text import annotate_cells

# Beyond this many characters a class name is cut on the axes (the CSV files keep it whole).
MAX_TICK_CHARS = 18
# The regression plot draws this many outputs at most; more lines would hide each other.
MAX_PLOTTED_OUTPUTS = 4
PNG_COMPRESS_LEVEL = 1
# The confusion matrix's layout: white space around everything, the colour bar and its gap.
LAYOUT_PAD_INCHES = 0.1
COLORBAR_WIDTH_INCHES = 0.3
COLORBAR_GAP_INCHES = 0.25


def save_figure_atomic(figure: Figure, path, *, dpi: int = 100) -> None:
    """Renders `figure` as PNG and writes it to `path` atomically.

    Args:
        figure: the figure to render.
        path: the PNG file to write.
        dpi: dots per inch of the rendering.
    """
    buffer = io.BytesIO()
    # zlib level 1 instead of Pillow's 6: the 10-class confusion matrix's PNG is 20% larger
    # (69 kB against 58 kB) and encodes in half the time (18 ms against 37 ms).
    figure.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    write_bytes_atomic(path, buffer.getvalue())


def _short(name: str) -> str:
    name = str(name)
    return name if len(name) <= MAX_TICK_CHARS else name[: MAX_TICK_CHARS - 1] + "…"


def _cell_font_size(num_classes: int) -> float:
    # The plot grows more slowly than the class count, so cells shrink and their text with
    # them: 11 pt for a few classes, 8 pt at 20, never below 5 pt.
    return float(np.clip(12.0 - 0.2 * num_classes, 5.0, 11.0))


def confusion_matrix_figure(counts, normalized, class_names, *, title: str, colorbar_label: str,
                            vmax: float = 1.0):
    """Draws an annotated confusion-matrix heatmap.

    Each cell with examples shows its count and, below it, its normalised value; a cell without
    examples shows a grey 0. The colour follows the normalised value so that classes of
    different sizes can be compared.

    Args:
        counts: (k, k) integer counts, rows true classes, columns predicted classes.
        normalized: (k, k) normalised values of the same matrix.
        class_names: the k class names, in index order.
        title: the figure title.
        colorbar_label: what the colour scale measures.
        vmax: the value drawn darkest; 1.0 keeps row- or column-normalised plots comparable
            between runs.

    Returns:
        The `matplotlib.figure.Figure`, sized to its content.
    """
    counts, num_classes = np.asarray(counts), len(class_names)
    figure = Figure()
    FigureCanvasAgg(figure)  # a renderer to measure the labels with before saving
    axes, colorbar_axes = figure.add_axes((0.1, 0.1, 0.7, 0.8)), figure.add_axes((0.85, 0.1, 0.05, 0.8))
    image = axes.imshow(normalized, cmap="Blues", vmin=0.0, vmax=vmax)
    font_size = _cell_font_size(num_classes)
    _annotate_cells(axes, counts, normalized, vmax=vmax, font_size=font_size)
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
    figure.colorbar(image, cax=colorbar_axes, label=colorbar_label)
    _fit_layout(figure, axes, colorbar_axes, plot_inches=float(np.clip(0.6 * num_classes + 1.0, 3.5, 13.5)))
    return figure


def _annotate_cells(axes, counts, normalized, *, vmax: float, font_size: float) -> None:
    lines, colours = {}, {}
    for row, col in np.ndindex(counts.shape):
        value = normalized[row, col]
        if counts[row, col]:
            lines[row, col] = (str(counts[row, col]), f"{value:.2f}")
            colours[row, col] = "white" if value > 0.5 * vmax else "black"
        else:
            # Empty cells in grey let the confusions that did happen stand out.
            lines[row, col], colours[row, col] = ("0",), "0.6"
    annotate_cells(axes, lines, colours, font_size=font_size)


def _overhangs(axes, renderer) -> np.ndarray:
    # How far, in inches, the tick labels, axis labels and title of `axes` reach past its box:
    # left, bottom, right, top. This is what constrained layout measures too, but it first
    # draws the whole figure once more (every cell annotation of a confusion matrix included),
    # which took longer than the drawing that makes the PNG.
    box = axes.get_window_extent(renderer)
    # An axis without labels has no box, and an empty title's box sits at the origin.
    parts = [axes.xaxis.get_tightbbox(renderer), axes.yaxis.get_tightbbox(renderer),
             axes.title.get_window_extent(renderer) if axes.get_title() else None]
    reach = Bbox.union([box] + [part for part in parts if part is not None])
    pixels = [box.x0 - reach.x0, box.y0 - reach.y0, reach.x1 - box.x1, reach.y1 - box.y1]
    return np.maximum(pixels, 0.0) / axes.figure.dpi


def _fit_layout(figure, axes, colorbar_axes, *, plot_inches: float) -> None:
    # Sizes the figure around a square plot of plot_inches, its labels and the colour bar.
    renderer = figure.canvas.get_renderer()
    left, bottom, reach_right, top = _overhangs(axes, renderer) + LAYOUT_PAD_INCHES
    # Centred tick labels may reach past the last column, into the gap before the colour bar.
    gap = reach_right + COLORBAR_GAP_INCHES
    right = _overhangs(colorbar_axes, renderer)[2] + LAYOUT_PAD_INCHES
    width = left + plot_inches + gap + COLORBAR_WIDTH_INCHES + right
    height = bottom + plot_inches + top
    figure.set_size_inches(width, height)
    axes.set_position((left / width, bottom / height, plot_inches / width, plot_inches / height))
    colorbar_axes.set_position(((left + plot_inches + gap) / width, bottom / height,
                                COLORBAR_WIDTH_INCHES / width, plot_inches / height))


def _fit_stacked(figure, upper, lower) -> None:
    # Margins and the gap between two stacked panels, from what their labels need.
    renderer = figure.canvas.get_renderer()
    upper_reach, lower_reach = _overhangs(upper, renderer), _overhangs(lower, renderer)
    left, right = np.maximum(upper_reach, lower_reach)[[0, 2]] + LAYOUT_PAD_INCHES
    bottom, top = lower_reach[1] + LAYOUT_PAD_INCHES, upper_reach[3] + LAYOUT_PAD_INCHES
    gap = upper_reach[1] + lower_reach[3] + 2 * LAYOUT_PAD_INCHES
    width, height = figure.get_size_inches()
    panels = height - top - bottom
    # subplots_adjust takes the gap as a fraction of the mean panel height.
    figure.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                           top=1 - top / height, hspace=2 * gap / (panels - gap))


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
