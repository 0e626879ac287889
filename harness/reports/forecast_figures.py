"""The forecast figure: the evaluated period's truth, the model's forecasts and the naive one."""

import numpy as np

from harness.reports.style import legend_outside, new_figure, styled


@styled
def forecast_figure(y_true, y_pred, last_value, *, dates, target: str, figures: dict):
    """Draws the truth along time with the forecasts of the first and the last horizon step.

    Each window's step-h forecast is drawn at the date it forecasts, so a line of forecasts made
    h steps ahead lies over the truth it should meet.

    Args:
        y_true, y_pred, last_value: (n, H) truth, model and last-value forecasts.
        dates: (n, H) datetime64 dates of the targets, or None for positions.
        target: the target column's name.
        figures: naive_mae and skill, for the title.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    n, horizon = y_true.shape
    when = dates if dates is not None else np.arange(n)[:, None] + np.arange(horizon)[None, :]
    figure = new_figure(11, 4.5)
    axes = figure.subplots()
    # The truth at every date the windows forecast: the first steps, then the last window's.
    truth_when = np.concatenate([when[:, 0], when[-1, 1:]])
    truth = np.concatenate([y_true[:, 0], y_true[-1, 1:]])
    marker = "." if len(truth) <= 100 else None
    axes.plot(truth_when, truth, color="black", marker=marker, label="truth")
    steps = (0,) if horizon == 1 else (0, horizon - 1)
    for colour, step in zip(("C0", "C1"), steps):
        axes.plot(
            when[:, step], y_pred[:, step], color=colour, linestyle="--", marker=marker,
            label=f"forecast, {step + 1} step{'s' if step else ''} ahead",
        )  # fmt: skip
    axes.plot(
        when[:, 0], last_value[:, 0], color="grey", alpha=0.6, linewidth=0.8,
        label="naive (last value), 1 step ahead",
    )  # fmt: skip
    skill = figures.get("skill")
    shown = f", skill {skill:.3f} (model MAE / naive MAE)" if skill is not None else ""
    axes.set_title(f"Forecast of {target} (n={n} windows, horizon {horizon}){shown}")
    axes.set_xlabel("date" if dates is not None else "position")
    axes.set_ylabel(target)
    legend_outside(axes)
    return figure
