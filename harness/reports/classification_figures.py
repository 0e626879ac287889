"""Classification figures, drawn by scikit-learn's displays on Matplotlib figures.

Each builder returns a `Figure` drawn in the project style (`harness.reports.style`); the report
writer saves it with `save_png`.
"""

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

from harness.reports.style import SEQUENTIAL_COLORMAP, new_figure, styled

# Beyond this many characters a class name is cut on the axes (the CSV files keep it whole).
MAX_TICK_CHARS = 18
# Inches per class of a confusion matrix, and the cell-text size in points for k classes: two
# lines ("1234" over "0.56") fit a cell from 2 classes up to 50.
INCHES_PER_CLASS = 0.45
CELL_FONT_POINTS = ((5, 10), (12, 9), (25, 8), (50, 7))  # (at most k classes, points)


def short_name(name: str) -> str:
    """`name` cut to MAX_TICK_CHARS characters with an ellipsis, for axis labels."""
    return name if len(name) <= MAX_TICK_CHARS else name[: MAX_TICK_CHARS - 1] + "…"


@styled
def confusion_matrix_figure(
    counts, normalized, class_names, *, title: str, colorbar_label: str, vmax: float = 1.0
):
    """`ConfusionMatrixDisplay` of the normalised matrix, each cell also showing its count.

    A cell with examples shows its count above its normalised value; an empty cell a grey 0.
    Colours follow the normalised value, from 0 to `vmax` (1.0 keeps row- or column-normalised
    plots comparable between runs), so that classes of different sizes can be compared.

    Args:
        counts: (k, k) integer counts, rows true classes, columns predicted classes.
        normalized: (k, k) normalised values of the same matrix.
        class_names: the k class names, in index order.
        title: the figure title.
        colorbar_label: what the colour scale measures.
        vmax: the value drawn darkest.

    Returns:
        The `matplotlib.figure.Figure`, sized to the number of classes.
    """
    num_classes = len(class_names)
    side = 4.5 + INCHES_PER_CLASS * num_classes
    figure = new_figure(side + 1.5, side)
    axes = figure.subplots()
    display = ConfusionMatrixDisplay(normalized, display_labels=list(map(short_name, class_names)))
    points = next(size for limit, size in CELL_FONT_POINTS if num_classes <= limit)
    display.plot(
        ax=axes,
        cmap=SEQUENTIAL_COLORMAP,
        colorbar=False,
        xticks_rotation="vertical" if num_classes > 4 else "horizontal",
        text_kw={"fontsize": points},
        im_kw={"vmin": 0.0, "vmax": vmax},
    )
    for (row, column), text in np.ndenumerate(display.text_):
        count, value = counts[row, column], normalized[row, column]
        text.set_text(f"{count}\n{value:.2f}" if count else "0")
        text.set_color("white" if value > vmax / 2 else "black" if count else "grey")
    axes.grid(False)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    figure.colorbar(display.im_, ax=axes, label=colorbar_label, shrink=0.8)
    return figure
