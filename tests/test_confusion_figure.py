"""Kept confusion-matrix figures: a PNG drawn on a kept figure has the pixels of a whole draw.

The reference is `confusion_matrix_figure` saved by Matplotlib's own savefig and Pillow's encoder,
so nothing of the kept-figure path (blitting, the PNG encoder) takes part in it.
"""

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image
from sklearn import metrics

from harness.reports.confusion_figure import (
    COLORMAP,
    MAX_KEPT_FIGURES,
    confusion_matrix_figure,
    confusion_matrix_png,
    kept_figures_info,
)


def _matrices(seed: int, num_classes: int, n: int = 300):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, num_classes, size=n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, num_classes, size=n))
    labels = list(range(num_classes))
    return (
        metrics.confusion_matrix(y_true, y_pred, labels=labels),
        metrics.confusion_matrix(y_true, y_pred, labels=labels, normalize="true"),
    )


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGBA"))


def _whole_draw(counts, normalized, names, **kwargs) -> np.ndarray:
    buffer = io.BytesIO()
    confusion_matrix_figure(counts, normalized, names, **kwargs).savefig(buffer, format="png")
    return _pixels(buffer.getvalue())


@pytest.mark.parametrize("vmax", [1.0, 0.5])
def test_each_cell_is_coloured_by_its_own_normalised_value(vmax):
    # Row 0 all right, row 1 split, row 2 all wrong: a transposed or flipped matrix shows.
    counts = np.array([[4, 0, 0], [1, 3, 0], [0, 2, 0]])
    normalized = counts / counts.sum(axis=1, keepdims=True)
    figure = confusion_matrix_figure(
        counts, normalized, ["a", "b", "c"], title="t", colorbar_label="c", vmax=vmax
    )
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())
    expected = colormaps[COLORMAP](np.clip(normalized / vmax, 0.0, 1.0), bytes=True)
    to_pixels = figure.axes[0].transData.transform
    assert to_pixels((0, 0))[1] > to_pixels((0, 2))[1]  # the first true class on top
    for row, col in np.ndindex(counts.shape):
        # Near the cell's corner, away from its numbers; display y counts from the bottom.
        x, y = to_pixels((col - 0.4, row - 0.4))
        drawn = pixels[pixels.shape[0] - int(y), int(x)]
        assert np.abs(drawn.astype(int) - expected[row, col]).max() <= 1, (row, col)


@pytest.mark.parametrize("num_classes", [3, 12])
def test_a_kept_figure_draws_the_pixels_of_a_whole_draw(num_classes):
    names = [f"class {index}" for index in range(num_classes)]
    before = kept_figures_info()
    for seed in range(3):
        counts, normalized = _matrices(seed, num_classes)
        arguments = {
            "title": f"Confusion matrix (n=300, accuracy={0.5 + seed / 10:.3f})",
            # A colour-bar label of its own: no other test's figure is reused.
            "colorbar_label": f"kept {num_classes}",
        }
        drawn = _pixels(confusion_matrix_png(counts, normalized, names, **arguments))
        np.testing.assert_array_equal(drawn, _whole_draw(counts, normalized, names, **arguments))
    after = kept_figures_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)


def test_a_title_that_changes_the_layout_is_drawn_on_a_new_figure():
    # Two classes make a 3.5-inch plot, narrower than the long title: the figure widens for it.
    names, (counts, normalized) = ["a", "b"], _matrices(0, 2)
    before = kept_figures_info()
    widths = []
    for title in ("short", "a title much wider than the plot " * 2, "short"):
        arguments = {"title": title, "colorbar_label": "title layout"}
        drawn = _pixels(confusion_matrix_png(counts, normalized, names, **arguments))
        np.testing.assert_array_equal(drawn, _whole_draw(counts, normalized, names, **arguments))
        widths.append(drawn.shape[1])
    assert widths[0] == widths[2] < widths[1]
    assert kept_figures_info().misses - before.misses == 3


def test_other_class_names_or_colour_scales_get_figures_of_their_own():
    counts, normalized = _matrices(1, 3)
    for names, vmax in ((["a", "b", "c"], 1.0), (["a", "b", "other"], 1.0), (["a", "b", "c"], 0.5)):
        arguments = {"title": "t", "colorbar_label": "own figures", "vmax": vmax}
        drawn = _pixels(confusion_matrix_png(counts, normalized, names, **arguments))
        np.testing.assert_array_equal(drawn, _whole_draw(counts, normalized, names, **arguments))


def test_only_a_few_figures_are_kept():
    counts, normalized = _matrices(2, 2)
    for index in range(MAX_KEPT_FIGURES + 2):
        confusion_matrix_png(
            counts, normalized, ["a", "b"], title="t", colorbar_label=f"kept {index}"
        )
    assert kept_figures_info().currsize == MAX_KEPT_FIGURES


def test_threads_share_the_kept_figures():
    names = ["north", "east", "south", "west"]
    inputs = [_matrices(seed, len(names)) for seed in range(6)]

    def draw(matrices):
        return confusion_matrix_png(*matrices, names, title="t", colorbar_label="threads")

    with ThreadPoolExecutor(max_workers=3) as pool:
        pngs = list(pool.map(draw, inputs))
    for (counts, normalized), png in zip(inputs, pngs):
        expected = _whole_draw(counts, normalized, names, title="t", colorbar_label="threads")
        np.testing.assert_array_equal(_pixels(png), expected)
