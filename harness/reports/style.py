"""The look of every report figure (size, DPI, fonts, colours) and how a figure becomes a PNG.

Figures are built on Matplotlib's object API (`Figure`, never `pyplot`), so they need no display
and leave no global state behind. A figure builder decorated with `styled` draws under `STYLE`
with constrained layout; `save_png` writes it with `savefig`, atomically.
"""

import functools
import io

import matplotlib
from matplotlib.figure import Figure

from harness.atomic import write_bytes_atomic

DPI = 100
# Inches: one panel, and the largest side a figure grows to (a 50-class confusion matrix).
PANEL_SIZE = (6.4, 4.8)
PANEL_SIZE_WIDE = (9.0, 5.0)  # a panel with its legend to the right
MAX_SIDE_INCHES = 24.0
SEQUENTIAL_COLORMAP = "Blues"
STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.family": "DejaVu Sans",  # Matplotlib's own font: the same glyphs on every machine
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": SEQUENTIAL_COLORMAP,
    "lines.markersize": 3,
}


def styled(build):
    """Decorates a figure builder so that everything it creates takes `STYLE`."""

    @functools.wraps(build)
    def build_styled(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return build(*args, **kwargs)

    return build_styled


def new_figure(width: float, height: float) -> Figure:
    """A figure of `width` x `height` inches (each at most MAX_SIDE_INCHES), constrained layout."""
    size = (min(width, MAX_SIDE_INCHES), min(height, MAX_SIDE_INCHES))
    return Figure(figsize=size, dpi=DPI, layout="constrained")


def legend_outside(axes) -> None:
    """Puts the legend of `axes` to its right, where it cannot cover the data."""
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def save_png(figure: Figure, path) -> None:
    """Writes `figure` as a PNG at DPI to `path` atomically, with Matplotlib's `savefig`."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="png", dpi=DPI)
    write_bytes_atomic(path, buffer.getvalue())
