"""Training curves from a history.csv: loss, the main metric and the learning rate per epoch."""

import pandas as pd
from matplotlib.ticker import MaxNLocator

from harness.errors import UsageError
from harness.reports.style import draw_png, legend_outside, new_figure, styled

# Keras 3 logs "learning_rate"; older callbacks and other tools log "lr".
LEARNING_RATE_COLUMNS = ("learning_rate", "lr")
LOSS_COLUMNS = ("loss", "val_loss")
# A panel whose values span more than two decades gets a log axis: the lstm's loss falls from
# 0.05 to 1e-6, flat after the first epoch on a linear one.
LOG_SCALE_RATIO = 100.0
# Metrics where lower is better, for finding the best epoch (anything else: higher is better).
LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse")
PANEL_INCHES, PANEL_GAP_INCHES = (6.0, 2.1), 0.45
MARGINS = (0.95, 0.6, 0.25, 0.75)  # the style's, with room for the title above panel titles


def plot_training_curves(history_csv_path, out_png, *, metric=None, monitor=None, selected=None,
                         draw=draw_png):  # fmt: skip
    """Draws loss, the main metric and the learning rate against epoch into a PNG, atomically.

    One panel each (left out if none of its columns is in the file), stacked on the epoch axis,
    on a log axis if its values span more than two decades. Every panel marks the best epoch of
    `monitor` (dotted; see `best_epoch`) and the `selected` (epoch, label) checkpoint (dashed).
    `metric` defaults to the first column in file order that is not epoch, a loss, a learning
    rate, a time or a "val_" column. Drawn by `draw`; returns the columns drawn, panel by panel.

    Raises:
        UsageError: no "epoch" column or no rows, `metric` is not in it, or nothing to draw.
    """
    history = pd.read_csv(history_csv_path)
    if "epoch" not in history.columns or history.empty:
        raise UsageError(
            f"{history_csv_path} needs an 'epoch' column and at least one row; "
            f"got columns {list(history.columns)} and {len(history)} rows"
        )
    panels = _panels(list(history.columns), metric)
    if not panels:
        raise UsageError(f"nothing to plot in {history_csv_path}; columns: {list(history.columns)}")
    best = best_epoch(history, monitor)
    marks = [(best[0], f"best {best[1]} (epoch {best[0]})")] if best else []
    draw(_curves_figure, out_png, history, panels, marks + ([selected] if selected else []))
    return [column for _, columns in panels for column in columns]


def best_epoch(history: pd.DataFrame, monitor: str | None = None) -> tuple | None:
    """(epoch, monitor) of the best `monitor` value in `history` (lowest for losses and errors,
    else highest; default val_loss, else loss), or None without such a column."""
    monitor = monitor or next((c for c in ("val_loss", "loss") if c in history.columns), None)
    if monitor not in history.columns or history[monitor].isna().all():
        return None
    values = pd.to_numeric(history[monitor], errors="coerce")
    row = values.idxmin() if any(word in monitor for word in LOWER_IS_BETTER) else values.idxmax()
    return int(history.loc[row, "epoch"]), monitor


@styled
def _curves_figure(history: pd.DataFrame, panels: list, marks: list):
    height = PANEL_INCHES[1] * len(panels) + PANEL_GAP_INCHES * (len(panels) - 1)
    figure, grid = new_figure(PANEL_INCHES[0], height, rows=len(panels), gap=PANEL_GAP_INCHES,
                              margins=MARGINS, sharex=True, squeeze=False)  # fmt: skip
    marker = "o" if len(history) <= 30 else None
    for panel, (axes, (title, columns)) in enumerate(zip(grid[:, 0], panels)):
        for column in columns:
            axes.plot(history["epoch"], history[column], marker=marker, label=column)
        for (epoch, label), style in zip(marks, (":", "--")):
            # The marks are named once, in the first panel's legend.
            label = label if panel == 0 else f"_{label}"
            axes.axvline(epoch, color="grey", linestyle=style, linewidth=1, label=label)
        values = history[columns].apply(pd.to_numeric, errors="coerce").stack().dropna()
        if len(values) and values.min() > 0 and values.max() / values.min() > LOG_SCALE_RATIO:
            axes.set_yscale("log")
        axes.set_title(title)
        legend_outside(axes)
    grid[-1, 0].set_xlabel("epoch")
    grid[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle(f"Training curves ({len(history)} epochs)")
    return figure


def _panels(columns: list, metric: str | None) -> list:
    losses = [column for column in LOSS_COLUMNS if column in columns]
    panels = [("loss", losses)] if losses else []
    # Timings are logged beside metrics by some callbacks but are not a measure of the model.
    skipped = {"epoch", *LOSS_COLUMNS, *LEARNING_RATE_COLUMNS}
    others = [
        c for c in columns if c not in skipped and not c.startswith("val_") and "time" not in c
    ]
    metric = metric or next(iter(others), None)
    if metric is not None:
        drawn = [column for column in (metric, f"val_{metric}") if column in columns]
        if not drawn:
            raise UsageError(f"metric {metric!r} is not in the history; columns: {columns}")
        panels.append((metric, drawn))
    rates = [column for column in LEARNING_RATE_COLUMNS if column in columns]
    return panels + ([("learning rate", rates[:1])] if rates else [])
