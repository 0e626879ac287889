"""The most confidently wrong examples, as a grid: images for image inputs, line plots for series.

It works on the model-input arrays the evaluation already holds (`EvalData.x`) and the layout
the run's model takes (run.json's model.layout), so any data source of those layouts is drawn
the same way. Flat feature rows have no picture; they get no grid.
"""

import math

import numpy as np

from harness.reports.classification_figures import short_name
from harness.reports.style import new_figure, styled

DRAWN_LAYOUTS = ("image", "sequence")
MAX_SHOWN = 16
COLUMNS = 4


@styled
def worst_errors_figure(inputs, layout: str, predictions):
    """A grid of the (at most MAX_SHOWN) most confident wrong predictions, most confident first
    (ties in split order), each titled with its true class, its predicted class and the
    confidence of that prediction.

    Args:
        inputs: the model inputs, (n, height, width[, channels]) images or (n, steps[,
            channels]) series, in predictions' order.
        layout: "image" or "sequence".
        predictions: predictions.csv's frame (y_true, y_pred, correct, confidence).
    """
    wrong = predictions[~predictions["correct"]]
    shown = wrong.sort_values("confidence", ascending=False, kind="stable").head(MAX_SHOWN)
    rows = max(1, math.ceil(len(shown) / COLUMNS))
    figure = new_figure(2.6 * COLUMNS, 2.3 * rows + 0.4)
    grid = figure.subplots(rows, COLUMNS, squeeze=False).ravel()
    for axes in grid[len(shown) :]:
        axes.set_axis_off()
    for axes, (position, row) in zip(grid, shown.iterrows()):
        example = np.asarray(inputs[position], dtype=np.float64)
        if layout == "image":
            _draw_image(axes, example)
        else:
            axes.plot(example.reshape(len(example), -1), linewidth=1)
            # Sixteen sets of tick labels would cost more to draw than the lines; the shape is
            # what a reader compares.
            axes.set(xticks=[], yticks=[])
        axes.set_title(
            f"true {short_name(row['y_true'])}\n"
            f"predicted {short_name(row['y_pred'])} ({row['confidence']:.2f})",
            fontsize=8,
        )
    figure.suptitle(f"The {len(shown)} most confident errors")
    return figure


def _draw_image(axes, image) -> None:
    # Inputs may be normalised to any range: stretch each image to [0, 1] for display.
    low, high = image.min(), image.max()
    image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    axes.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0)
    axes.set_axis_off()
