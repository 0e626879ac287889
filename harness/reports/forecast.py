"""The forecast report: the regression report in the target's units, the naive forecasts beside
the model's, and a plot of the evaluated period.

Naive forecasts (Hyndman and Athanasopoulos, Forecasting: Principles and Practice, 5.2): the last
value; the seasonal naive (season S), y[t + h - S * ceil(h / S)] for step h. The skill is the
model's MAE over a naive one's on the same windows (as Hyndman and Koehler's MASE): below 1 wins.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

from harness.reports.csv_cells import write_csv_atomic
from harness.reports.regression import write_regression_report
from harness.reports.style import draw_png, legend_outside, new_figure, styled


def naive_forecasts(target_windows, horizon: int, season=None) -> dict:
    """{name: (n, horizon)} naive forecasts of the (n, W) target windows, in their units; the
    seasonal one only with a `season` (at most W steps)."""
    windows = np.asarray(target_windows, dtype=np.float64)
    forecasts = {"last value": np.repeat(windows[:, -1:], horizon, axis=1)}
    if season:
        steps = np.arange(1, horizon + 1)
        back = season * np.ceil(steps / season).astype(int)
        forecasts[f"seasonal naive (S={season})"] = windows[:, windows.shape[1] - 1 + steps - back]
    return forecasts


def skill_figures(y_true, y_pred, naive: dict) -> dict:
    """naive_mae and skill (against the last value), and with a season seasonal_naive_mae and
    seasonal_skill: the model's MAE over each naive forecast's (None if that is 0)."""
    model_mae = metrics.mean_absolute_error(y_true, y_pred)
    figures = {}
    for name, forecast in naive.items():
        prefix = "seasonal_" if name.startswith("seasonal") else ""
        naive_mae = float(metrics.mean_absolute_error(y_true, forecast))
        figures[f"{prefix}naive_mae"] = naive_mae
        figures[f"{prefix}skill"] = float(model_mae / naive_mae) if naive_mae > 0 else None
    return figures


def write_forecast_report(out_dir, *, y_true, y_pred, target_windows, horizon, season=None,
                          dates=None, target="target", plots=True, draw=draw_png):  # fmt: skip
    """Writes the regression report files into `out_dir` (indexed by the first forecast step's
    date, or the window's position) and the forecast's own: forecast_baselines.csv (forecast:
    model, last value, seasonal naive; mae, rmse, skill: mae over the last value's) and, unless
    `plots` is False, forecast.png (through `draw`). `y_true`, `y_pred`, `dates`: (n, H), and
    `target_windows` (n, W) in the target's units; returns the regression headline and
    `skill_figures`."""
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    index = dates[:, 0] if dates is not None else None
    headline = write_regression_report(
        out_dir, y_true=y_true, y_pred=y_pred, index=index, plots=plots, draw=draw
    )
    naive = naive_forecasts(target_windows, horizon, season)
    figures = skill_figures(y_true, y_pred, naive)
    forecasts = {"model": y_pred, **naive}
    table = pd.DataFrame({"forecast": list(forecasts)})
    table["mae"] = [float(metrics.mean_absolute_error(y_true, f)) for f in forecasts.values()]
    table["rmse"] = [np.sqrt(metrics.mean_squared_error(y_true, f)) for f in forecasts.values()]
    table["skill"] = table["mae"] / figures["naive_mae"] if figures["naive_mae"] > 0 else None
    write_csv_atomic(Path(out_dir) / "forecast_baselines.csv", table, index=False)
    if plots:
        draw(forecast_figure, Path(out_dir) / "forecast.png", y_true, y_pred, naive["last value"],
             dates, target, figures)  # fmt: skip
    return {**headline, **figures}


@styled
def forecast_figure(y_true, y_pred, last_value, dates, target: str, figures: dict):
    """The truth along time, and the forecasts of the first and last horizon step (and the
    last value's of the first), each drawn at the date it forecasts, over the truth it should
    meet; `dates` (n, H) or None for positions, `figures` the skill for the title."""
    n, horizon = y_true.shape
    when = dates if dates is not None else np.arange(n)[:, None] + np.arange(horizon)[None, :]
    figure, axes = new_figure(8.0, 3.6)
    # The truth at every date the windows forecast: the first steps, then the last window's.
    truth = np.concatenate([y_true[:, 0], y_true[-1, 1:]])
    marker = "." if len(truth) <= 100 else None
    axes.plot(np.concatenate([when[:, 0], when[-1, 1:]]), truth, "k", marker=marker, label="truth")
    for colour, step in zip(("C0", "C1"), (0,) if horizon == 1 else (0, horizon - 1)):
        label = f"forecast, {step + 1} step{'s' if step else ''} ahead"
        axes.plot(
            when[:, step], y_pred[:, step], color=colour, linestyle="--", marker=marker, label=label
        )
    axes.plot(when[:, 0], last_value[:, 0], color="grey", alpha=0.6, linewidth=0.8,
              label="naive (last value), 1 step ahead")  # fmt: skip
    skill = figures.get("skill")
    shown = f", skill {skill:.3f} (model MAE / naive MAE)" if skill is not None else ""
    axes.set_title(f"Forecast of {target} (n={n} windows, horizon {horizon}){shown}")
    axes.set(xlabel="date" if dates is not None else "position", ylabel=target)
    legend_outside(axes)
    return figure
