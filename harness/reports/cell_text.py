"""Numbers in heatmap cells drawn as glyph outlines, all cells in one `PathCollection`.

Why not a `Text` per cell: Matplotlib lays out each Text and rasterises it glyph by glyph in
Python, about a millisecond per cell, which made the annotations of a 20-class confusion matrix
(400 cells) the larger part of writing a whole evaluation report. Here each distinct line is
turned into an outline once (`TextPath`, with Matplotlib's own glyph placement), and Agg fills
every cell's outline in a single call. The numbers look as a Text would draw them.
"""

import functools

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

# Distance between the baselines of two lines, in ems: Matplotlib's default line spacing.
LINE_SPACING = 1.2


def annotate_cells(axes, lines_per_cell, colours, *, font_size: float) -> PathCollection:
    """Writes one or two centred lines in each cell of a heatmap.

    Args:
        axes: the axes of the heatmap; cell (row, col) is centred on data point (col, row).
        lines_per_cell: {(row, col): ("first line", "second line") or ("one line",)}.
        colours: {(row, col): a Matplotlib colour}, for the same cells.
        font_size: in points.

    Returns:
        The collection added to `axes`.
    """
    # Outlines are in ems; dpi_scale_trans follows the dpi the figure is saved at.
    ems_to_pixels = Affine2D().scale(font_size / 72.0) + axes.figure.dpi_scale_trans
    collection = PathCollection(
        [], offset_transform=axes.transData, transform=ems_to_pixels, linewidths=0
    )
    set_cell_text(collection, lines_per_cell, colours)
    axes.add_collection(collection, autolim=False)
    return collection


def set_cell_text(collection: PathCollection, lines_per_cell, colours) -> None:
    """Replaces the lines and colours of a collection made by `annotate_cells` (same arguments)."""
    cells = list(lines_per_cell)
    collection.set_paths([cell_path(tuple(lines_per_cell[cell])) for cell in cells])
    collection.set_offsets([(col, row) for row, col in cells])
    collection.set_facecolor([colours[cell] for cell in cells])


@functools.lru_cache(maxsize=4096)
def cell_path(lines: tuple) -> Path:
    """The outline, in ems, of `lines` stacked and centred on the origin."""
    digit_height = _line("0")[0][:, 1].max()
    # Baselines placed so that a block of digit-high lines is centred vertically.
    top_baseline = ((len(lines) - 1) * LINE_SPACING - digit_height) / 2
    parts = [_line(line) for line in lines]
    vertices = [
        part[0] + (0.0, top_baseline - index * LINE_SPACING) for index, part in enumerate(parts)
    ]
    return Path(np.concatenate(vertices), np.concatenate([part[1] for part in parts]))


@functools.lru_cache(maxsize=4096)
def _line(text: str) -> tuple:
    # One line's outline at 1 em, centred horizontally on its ink, baseline at y = 0.
    outline = TextPath((0.0, 0.0), text, size=1.0)
    return outline.vertices - (ink_centre(outline), 0.0), outline.codes


def ink_centre(outline: Path) -> float:
    """The middle of an outline's ink from left to right, from its points.

    `Path.get_extents` would solve every curve segment in Python: in a new process, most of the
    first confusion matrix's drawing time. The points
    give the same answer when the glyphs have points at their extremes, as the digits and the
    point of Matplotlib's fonts do (tests/test_report_plots.py compares the two).
    """
    points = outline.vertices[outline.codes != Path.CLOSEPOLY]  # a closing point is not drawn
    return (points[:, 0].min() + points[:, 0].max()) / 2
