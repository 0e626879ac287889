"""The look of every report figure (size, DPI, fonts, colours) and how a figure becomes a PNG.

Figures are Matplotlib `Figure`s on the Agg canvas (never pyplot: no display, no global state).
They have no layout engine: constrained layout measures every label by drawing the figure twice
more, which cost more than the drawing itself. Margins are fixed in inches instead, roomy enough
for the labels, and a legend set beside its axes widens the figure to hold it.
"""

import io

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from harness.atomic import write_bytes_atomic

DPI = 100
SEQUENTIAL_COLORMAP = "Blues"
MAX_TICK_CHARS = 18  # a longer class name is cut on the axes (the CSV files keep it whole)
# Inches around the plot area: left, bottom, right, top (tick labels, axis labels, a title).
MARGINS = (0.95, 0.6, 0.25, 0.45)
LEGEND_GAP_INCHES = 0.15
STYLE = {  # beside Matplotlib's defaults (10-point text)
    "font.family": "DejaVu Sans",  # Matplotlib's own font: the same glyphs on every machine
    "axes.titlesize": 11,
    "axes.titley": 1.0,  # a fixed title height: the automatic one measures the ticks again
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.markersize": 3,
}


# Decorates a figure builder so that everything it creates takes STYLE (a fresh context a call).
styled = matplotlib.rc_context(STYLE)


def short_name(name: str) -> str:
    """`name` cut to MAX_TICK_CHARS characters with an ellipsis, for axis labels."""
    return name if len(name) <= MAX_TICK_CHARS else name[: MAX_TICK_CHARS - 1] + "…"


def new_figure(width, height, *, rows=1, cols=1, gap=0.5, margins=MARGINS, **subplots):
    """A figure whose plot area is `width` x `height` inches, `MARGINS` around it, split into
    `rows` x `cols` panels `gap` inches apart; returns it with its axes (`Figure.subplots`)."""
    left, bottom, right, top = margins
    figure = Figure(figsize=(left + width + right, bottom + height + top), dpi=DPI)
    FigureCanvasAgg(figure)
    full_width, full_height = figure.get_size_inches()
    figure.subplots_adjust(
        left=left / full_width,
        right=1 - right / full_width,
        bottom=bottom / full_height,
        top=1 - top / full_height,
        wspace=gap * cols / (width - gap * (cols - 1)),
        hspace=gap * rows / (height - gap * (rows - 1)),
    )
    return figure, figure.subplots(rows, cols, **subplots)


def legend_outside(axes) -> None:
    """Puts the legend of `axes` to its right, off the data, widening the figure to hold it."""
    if not axes.get_legend_handles_labels()[0]:
        return
    legend = axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    figure, layout = axes.get_figure(), axes.get_figure().subplotpars
    width = figure.get_figwidth()
    left, plot = layout.left * width, (layout.right - layout.left) * width
    legend_width = legend.get_window_extent(figure.canvas.get_renderer()).width / DPI
    right = max((1 - layout.right) * width, legend_width + 0.02 * plot + LEGEND_GAP_INCHES)
    width = left + plot + right
    figure.set_figwidth(width)
    figure.subplots_adjust(left=left / width, right=1 - right / width)


def png_bytes(builder, *args, **kwargs) -> bytes:
    """The figure `builder(*args, **kwargs)` as a PNG at DPI, from Matplotlib's `savefig`."""
    figure, buffer = builder(*args, **kwargs), io.BytesIO()
    with matplotlib.rc_context(STYLE):
        # zlib's fastest level: flat-coloured figures compress well enough at it.
        figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def draw_png(builder, path, *args, **kwargs) -> None:
    """Writes `png_bytes` to `path` atomically: the writers' `draw` unless given another."""
    write_bytes_atomic(path, png_bytes(builder, *args, **kwargs))
