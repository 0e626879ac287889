"""The confusion-matrix heatmap, drawn whole once and then only where one run differs from another.

Drawing the figure whole took as long as restoring the model and predicting (BENCHMARKS.md,
section 4). Most of that is spent on the tick labels, axis labels, colour bar and
layout, and the runs of a batch share all of it: with the same class names, colour-bar label and
colour scale they come out the same. So a few figures are kept, each with a rendering of its
static part (Matplotlib's blitting). A PNG restores that rendering and draws on it only what
changes: the cell colours, the cell numbers, the frame and tick marks (drawn over the cells'
edges, so after them, as in a whole draw) and the title. The pixels are those of a whole draw of
the same figure; tests/test_report_plots.py compares them.
"""

import collections
import dataclasses
import threading

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from harness.reports.cell_text import annotate_cells, set_cell_text
from harness.reports.plots import LAYOUT_PAD_INCHES, label_overhangs
from harness.reports.png import encode_png

# Beyond this many characters a class name is cut on the axes (the CSV files keep it whole).
MAX_TICK_CHARS = 18
COLORBAR_WIDTH_INCHES = 0.3
COLORBAR_GAP_INCHES = 0.25
COLORMAP = "Blues"
DPI = 100
# Enough for a batch that mixes a few data sets. A kept figure holds two pixel buffers (its
# canvas and the static rendering): 2.7 MB each for 10 classes, about 9 MB for 24.
MAX_KEPT_FIGURES = 4

_KEPT = collections.OrderedDict()  # (class names, colour-bar label, vmax) -> _Heatmap, oldest first
_KEPT_LOCK = threading.Lock()  # reports may be written from several threads
_COUNTS = {"hits": 0, "misses": 0}

KeptFigures = collections.namedtuple("KeptFigures", ["hits", "misses", "maxsize", "currsize"])


@dataclasses.dataclass
class _Heatmap:
    figure: Figure
    colours: object  # the QuadMesh of the cell colours
    cells: object  # the PathCollection of the cell numbers
    vmax: float
    plot_inches: float
    title_reach: tuple = ()  # what the title adds to the layout (_title_reach)
    changing: list = dataclasses.field(default_factory=list)  # drawn per PNG, in drawing order
    background: object = None  # the rendering of everything else


def confusion_matrix_figure(
    counts, normalized, class_names, *, title: str, colorbar_label: str, vmax: float = 1.0
):
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
    return _build(
        counts, normalized, class_names, title=title, colorbar_label=colorbar_label, vmax=vmax
    ).figure


def confusion_matrix_png(
    counts, normalized, class_names, *, title: str, colorbar_label: str, vmax: float = 1.0
) -> bytes:
    """The PNG file of `confusion_matrix_figure` called with the same arguments.

    A figure kept from an earlier call with the same class names, colour-bar label and vmax is
    reused when the new title leaves the layout as it is; otherwise a new figure is drawn whole
    and kept in place of the oldest.
    """
    key = (tuple(str(name) for name in class_names), colorbar_label, float(vmax))
    with _KEPT_LOCK:
        heatmap = _KEPT.pop(key, None)
        if heatmap is not None:
            _show(heatmap, counts, normalized, title)
            if _title_reach(heatmap) != heatmap.title_reach:
                heatmap = None  # a new figure would be laid out differently
        _COUNTS["misses" if heatmap is None else "hits"] += 1
        if heatmap is None:
            heatmap = _build(
                counts,
                normalized,
                class_names,
                title=title,
                colorbar_label=colorbar_label,
                vmax=vmax,
            )
            _render_static(heatmap)
        _KEPT[key] = heatmap
        while len(_KEPT) > MAX_KEPT_FIGURES:
            _KEPT.popitem(last=False)
        return _render_changing(heatmap)


def kept_figures_info() -> KeptFigures:
    """How often `confusion_matrix_png` reused a kept figure (hits) or drew a new one (misses),
    and how many figures are kept, in the manner of `functools.lru_cache`'s cache_info()."""
    with _KEPT_LOCK:
        return KeptFigures(_COUNTS["hits"], _COUNTS["misses"], MAX_KEPT_FIGURES, len(_KEPT))


def _build(
    counts, normalized, class_names, *, title: str, colorbar_label: str, vmax: float
) -> _Heatmap:
    num_classes = len(class_names)
    figure = Figure(dpi=DPI)
    FigureCanvasAgg(figure)  # a renderer to measure the labels with before drawing
    axes, colorbar_axes = (
        figure.add_axes((0.1, 0.1, 0.7, 0.8)),
        figure.add_axes((0.85, 0.1, 0.05, 0.8)),
    )
    # One quadrilateral per cell, centred on (column, row) as imshow would place it. Agg fills
    # the k*k quads in one call; imshow resampled the matrix to every pixel of the plot.
    edges = np.arange(num_classes + 1) - 0.5
    colours = axes.pcolormesh(
        edges, edges, np.asarray(normalized, dtype=float), cmap=COLORMAP, norm=Normalize(0.0, vmax)
    )
    axes.set(xlim=(edges[0], edges[-1]), ylim=(edges[-1], edges[0]), aspect="equal")
    font_size = _cell_font_size(num_classes)
    cells = annotate_cells(axes, *_cell_text(counts, normalized, vmax), font_size=font_size)
    labels = [_short(name) for name in class_names]
    tick_size = max(font_size, 7.0)
    crowded = num_classes > 6 or max(len(label) for label in labels) > 8
    axes.set_xticks(
        range(num_classes),
        labels=labels,
        rotation=45 if crowded else 0,
        ha="right" if crowded else "center",
        rotation_mode="anchor",
        fontsize=tick_size,
    )
    axes.set_yticks(range(num_classes), labels=labels, fontsize=tick_size)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    figure.colorbar(
        ScalarMappable(norm=Normalize(0.0, vmax), cmap=COLORMAP),
        cax=colorbar_axes,
        label=colorbar_label,
    )
    heatmap = _Heatmap(
        figure,
        colours,
        cells,
        vmax=vmax,
        plot_inches=float(np.clip(0.6 * num_classes + 1.0, 3.5, 13.5)),
    )
    _fit_layout(heatmap)
    return heatmap


def _show(heatmap: _Heatmap, counts, normalized, title: str) -> None:
    heatmap.colours.set_array(np.asarray(normalized, dtype=float))
    set_cell_text(heatmap.cells, *_cell_text(counts, normalized, heatmap.vmax))
    heatmap.figure.axes[0].set_title(title)


def _short(name: str) -> str:
    name = str(name)
    return name if len(name) <= MAX_TICK_CHARS else name[: MAX_TICK_CHARS - 1] + "…"


def _cell_font_size(num_classes: int) -> float:
    # The plot grows more slowly than the class count, so cells shrink and their text with
    # them: 11 pt for a few classes, 8 pt at 20, never below 5 pt.
    return float(np.clip(12.0 - 0.2 * num_classes, 5.0, 11.0))


def _cell_text(counts, normalized, vmax: float) -> tuple:
    counts, lines, colours = np.asarray(counts), {}, {}
    for row, col in np.ndindex(counts.shape):
        value = normalized[row, col]
        if counts[row, col]:
            lines[row, col] = (str(counts[row, col]), f"{value:.2f}")
            colours[row, col] = "white" if value > 0.5 * vmax else "black"
        else:
            # Empty cells in grey let the confusions that did happen stand out.
            lines[row, col], colours[row, col] = ("0",), "0.6"
    return lines, colours


def _title_reach(heatmap: _Heatmap) -> tuple:
    # Pixels the title needs beyond the plot: on each side when it is wider, and above. Rounded
    # to 1/100 px: measured at another place on the canvas (on a new figure, or on a kept one
    # after its layout), the same title can differ in the last bits.
    figure = heatmap.figure
    axes = figure.axes[0]
    if not axes.get_title():
        return 0.0, 0.0
    renderer = figure.canvas.get_renderer()
    box = axes.title.get_window_extent(renderer)
    side = max(box.width - heatmap.plot_inches * figure.dpi, 0.0) / 2
    return round(side, 2), round(box.y1 - axes.get_window_extent(renderer).y1, 2)


def _fit_layout(heatmap: _Heatmap) -> None:
    # Sizes the figure around a square plot, its labels, title and the colour bar.
    figure, plot_inches = heatmap.figure, heatmap.plot_inches
    axes, colorbar_axes = figure.axes
    renderer = figure.canvas.get_renderer()
    heatmap.title_reach = _title_reach(heatmap)
    side, above = np.array(heatmap.title_reach) / figure.dpi
    reach = np.maximum(label_overhangs(axes, renderer, title=False), [side, 0.0, side, above])
    left, bottom, reach_right, top = reach + LAYOUT_PAD_INCHES
    # Centred tick labels may reach past the last column, into the gap before the colour bar.
    gap = reach_right + COLORBAR_GAP_INCHES
    right = label_overhangs(colorbar_axes, renderer)[2] + LAYOUT_PAD_INCHES
    width = left + plot_inches + gap + COLORBAR_WIDTH_INCHES + right
    height = bottom + plot_inches + top
    figure.set_size_inches(width, height)
    axes.set_position((left / width, bottom / height, plot_inches / width, plot_inches / height))
    colorbar_axes.set_position(
        (
            (left + plot_inches + gap) / width,
            bottom / height,
            COLORBAR_WIDTH_INCHES / width,
            plot_inches / height,
        )
    )


def _render_static(heatmap: _Heatmap) -> None:
    # Renders the figure without the artists that change, keeps that, and shows them again.
    figure = heatmap.figure
    axes = figure.axes[0]
    tick_marks = [
        tick.tick1line for axis in (axes.xaxis, axes.yaxis) for tick in axis.get_major_ticks()
    ]
    # In the order of a whole draw (zorder, then insertion): colours, numbers, frame, tick
    # marks, title. The tick labels, drawn into the background, sit apart from the marks.
    changing = [heatmap.colours, heatmap.cells, *axes.spines.values(), *tick_marks, axes.title]
    heatmap.changing = [artist for artist in changing if artist.get_visible()]
    for artist in heatmap.changing:
        artist.set_visible(False)
    figure.canvas.draw()
    heatmap.background = figure.canvas.copy_from_bbox(figure.bbox)
    for artist in heatmap.changing:
        artist.set_visible(True)


def _render_changing(heatmap: _Heatmap) -> bytes:
    figure = heatmap.figure
    figure.canvas.restore_region(heatmap.background)
    for artist in heatmap.changing:
        figure.draw_artist(artist)
    return encode_png(figure.canvas.buffer_rgba(), dpi=figure.dpi)
