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


def worst_error_indices(y_true, y_pred, confidence, count: int = MAX_SHOWN) -> np.ndarray:
    """Positions of the wrong predictions, most confident first (ties in split order), at most
    `count`."""
    wrong = np.flatnonzero(y_true != y_pred)
    order = np.argsort(-confidence[wrong], kind="stable")
    return wrong[order[:count]]


@styled
def worst_errors_figure(inputs, layout: str, indices, *, true_names, predicted_names, confidence):
    """A grid of the examples at `indices`, each titled with its true class, its predicted class
    and the confidence of that prediction.

    Args:
        inputs: the model inputs, (n, height, width[, channels]) images or (n, steps[,
            channels]) series.
        layout: "image" or "sequence".
        indices: the examples to draw, in order.
        true_names, predicted_names: (n,) class names of the truth and the prediction.
        confidence: (n,) probability of the predicted class.
    """
    rows = max(1, math.ceil(len(indices) / COLUMNS))
    figure = new_figure(2.6 * COLUMNS, 2.3 * rows + 0.4)
    grid = figure.subplots(rows, COLUMNS, squeeze=False)
    for axes in grid.ravel()[len(indices) :]:
        axes.set_axis_off()
    for axes, index in zip(grid.ravel(), indices):
        example = np.asarray(inputs[index], dtype=np.float64)
        if layout == "image":
            _draw_image(axes, example)
        else:
            axes.plot(example.reshape(len(example), -1), linewidth=1)
            # Sixteen sets of tick labels would cost more to draw than the lines; the shape is
            # what a reader compares.
            axes.set_xticks([])
            axes.set_yticks([])
        axes.set_title(
            f"true {short_name(true_names[index])}\n"
            f"predicted {short_name(predicted_names[index])} ({confidence[index]:.2f})",
            fontsize=8,
        )
    figure.suptitle(f"The {len(indices)} most confident errors")
    return figure


def _draw_image(axes, image) -> None:
    # Inputs may be normalised to any range: stretch each image to [0, 1] for display.
    low, high = image.min(), image.max()
    image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    axes.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0)
    axes.set_axis_off()
