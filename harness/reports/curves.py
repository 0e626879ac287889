"""Training curves from a history.csv: loss, the main metric and the learning rate per epoch."""

import pandas as pd
from matplotlib.ticker import MaxNLocator

from harness.errors import UsageError
from harness.reports.style import legend_outside, new_figure, save_png, styled

# Keras 3 logs "learning_rate"; older callbacks and other tools log "lr".
LEARNING_RATE_COLUMNS = ("learning_rate", "lr")
LOSS_COLUMNS = ("loss", "val_loss")
# Beyond this ratio between largest and smallest rate, a linear axis flattens the schedule.
LOG_SCALE_RATIO = 10.0


def plot_training_curves(history_csv_path, out_png, *, metric: str | None = None) -> list[str]:
    """Draws loss, the main metric and the learning rate against epoch, and writes a PNG.

    One panel each, stacked and sharing the epoch axis: loss and val_loss; the metric and
    val_<metric>; the learning rate (log scale when it spans more than a factor of ten). A panel
    whose columns are all missing is left out.

    Args:
        history_csv_path: a CSV with an "epoch" column and one column per logged value, as
            the run's history.csv (`harness.train.callbacks.HistoryWriter`) has them.
        out_png: the PNG to write, atomically.
        metric: the metric to draw; default the first column, in file order, that is not
            epoch, a loss, a learning rate, a time or a "val_" column.

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
    figure = _curves_figure(history, panels)
    save_png(figure, out_png)
    return [column for _, columns in panels for column in columns]


@styled
def _curves_figure(history: pd.DataFrame, panels: list):
    figure = new_figure(8.0, 2.6 * len(panels) + 0.4)
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    marker = "o" if len(history) <= 30 else None
    for axes, (title, columns) in zip(axes_list, panels):
        for column in columns:
            axes.plot(history["epoch"], history[column], marker=marker, label=column)
        axes.set_title(title)
        legend_outside(axes)
        if columns[0] in LEARNING_RATE_COLUMNS and _spans_decades(history[columns[0]]):
            axes.set_yscale("log")
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


def _spans_decades(values: pd.Series) -> bool:
    values = pd.to_numeric(values, errors="coerce").dropna().to_numpy()
    return bool(values.size) and values.min() > 0 and values.max() / values.min() > LOG_SCALE_RATIO
