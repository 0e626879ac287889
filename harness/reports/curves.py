"""Training curves from a history.csv: loss, the main metric and the learning rate per epoch."""

import pandas as pd
from matplotlib.ticker import MaxNLocator

from harness.errors import UsageError
from harness.reports.style import legend_outside, new_figure, save_png, styled

# Keras 3 logs "learning_rate"; older callbacks and other tools log "lr".
LEARNING_RATE_COLUMNS = ("learning_rate", "lr")
LOSS_COLUMNS = ("loss", "val_loss")
# A panel whose values span more than two decades gets a log axis: the lstm's loss falls from
# 0.05 to 1e-6, flat after the first epoch on a linear one.
LOG_SCALE_RATIO = 100.0
# Metrics where lower is better, for finding the best epoch (anything else: higher is better).
LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse")


def plot_training_curves(
    history_csv_path,
    out_png,
    *,
    metric: str | None = None,
    monitor: str | None = None,
    selected: tuple | None = None,
) -> list[str]:
    """Draws loss, the main metric and the learning rate against epoch, and writes a PNG.

    One panel each, stacked and sharing the epoch axis: loss and val_loss; the metric and
    val_<metric>; the learning rate. A panel whose columns are all missing is left out; one
    whose values span more than two decades has a log axis. Every panel marks the best epoch
    of `monitor` (dotted) and the `selected` checkpoint (dashed); legends sit right of the data.

    Args:
        history_csv_path: a CSV with an "epoch" column (1 = the first) and one column per
            logged value, as the run's history.csv (`harness.train.callbacks.HistoryWriter`).
        out_png: the PNG to write, atomically.
        metric: the metric to draw; default the first column, in file order, that is not
            epoch, a loss, a learning rate, a time or a "val_" column.
        monitor: the column whose best value marks the best epoch (lowest for losses and
            errors, else highest); default val_loss, else loss.
        selected: (epoch, label) of the checkpoint restored or evaluated, or None.

    Returns:
        The history columns drawn, panel by panel.

    Raises:
        UsageError: the file has no "epoch" column or no rows, `metric` is not in it, or
            nothing in it can be drawn.
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
    marks += [selected] if selected else []
    save_png(_curves_figure(history, panels, marks), out_png)
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
    figure = new_figure(8.5, 2.6 * len(panels) + 0.4)
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    marker = "o" if len(history) <= 30 else None
    for axes, (title, columns) in zip(axes_list, panels):
        for column in columns:
            axes.plot(history["epoch"], history[column], marker=marker, label=column)
        for (epoch, label), style in zip(marks, (":", "--")):
            axes.axvline(epoch, color="grey", linestyle=style, linewidth=1, label=label)
        axes.set_title(title)
        if _spans_decades(history[columns]):
            axes.set_yscale("log")
        legend_outside(axes)
    axes_list[-1].set_xlabel("epoch")
    axes_list[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle(f"Training curves ({len(history)} epochs)")
    return figure


def _panels(columns: list, metric: str | None) -> list:
    panels = []
    losses = [column for column in LOSS_COLUMNS if column in columns]
    if losses:
        panels.append(("loss", losses))
    metric = _main_metric(columns) if metric is None else metric
    if metric is not None:
        drawn = [column for column in (metric, f"val_{metric}") if column in columns]
        if not drawn:
            raise UsageError(f"metric {metric!r} is not in the history; columns: {columns}")
        panels.append((metric, drawn))
    rates = [column for column in LEARNING_RATE_COLUMNS if column in columns]
    if rates:
        panels.append(("learning rate", rates[:1]))
    return panels


def _main_metric(columns: list) -> str | None:
    skipped = {"epoch", *LOSS_COLUMNS, *LEARNING_RATE_COLUMNS}
    for column in columns:
        # Timings are logged beside metrics by some callbacks but are not a measure of the model.
        if column in skipped or column.startswith("val_") or "time" in column:
            continue
        return column
    return None


def _spans_decades(values: pd.DataFrame) -> bool:
    values = values.apply(pd.to_numeric, errors="coerce").stack().dropna().to_numpy()
    return bool(values.size) and values.min() > 0 and values.max() / values.min() > LOG_SCALE_RATIO
