"""The forecast report: the regression report in the target's units, the naive forecasts beside
the model, and a plot of the evaluated period, truth against forecast.

Naive forecasts (Hyndman and Athanasopoulos, Forecasting: Principles and Practice, 5.2):
- last value: every step of the horizon gets the window's last value;
- seasonal naive (with a season S): step h gets the value one season back from it, the last
  observed one at the same point of the season, y[t + h - S * ceil(h / S)].

The skill ratio is the model's MAE divided by a naive forecast's MAE on the same windows and
steps, the idea of the MASE (Hyndman and Koehler 2006) with the naive errors taken on the
evaluated windows: below 1 the model beats the naive forecast.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

from harness.reports.csv_cells import write_csv_atomic
from harness.reports.forecast_figures import forecast_figure
from harness.reports.regression import write_regression_report
from harness.reports.style import save_png

BASELINE_COLUMNS = ["forecast", "mae", "rmse", "skill"]


def naive_forecasts(target_windows, horizon: int, season=None) -> dict:
    """The naive forecasts of every window, {name: (n, horizon)}.

    Args:
        target_windows: (n, W) the target's values in each input window, in its units.
        horizon: steps forecast.
        season: the season's length in steps (at most W), or None for no seasonal naive.
    """
    windows = np.asarray(target_windows, dtype=np.float64)
    forecasts = {"last value": np.repeat(windows[:, -1:], horizon, axis=1)}
    if season:
        steps = np.arange(1, horizon + 1)
        back = season * np.ceil(steps / season).astype(int)
        forecasts[f"seasonal naive (S={season})"] = windows[:, windows.shape[1] - 1 + steps - back]
    return forecasts


def skill_figures(y_true, y_pred, naive: dict) -> dict:
    """naive_mae and skill (against the last value), and with a season seasonal_naive_mae and
    seasonal_skill: the model's MAE over each naive forecast's."""
    model_mae = metrics.mean_absolute_error(y_true, y_pred)
    figures = {}
    for name, forecast in naive.items():
        prefix = "seasonal_" if name.startswith("seasonal") else ""
        naive_mae = float(metrics.mean_absolute_error(y_true, forecast))
        figures[f"{prefix}naive_mae"] = naive_mae
        figures[f"{prefix}skill"] = float(model_mae / naive_mae) if naive_mae > 0 else None
    return figures


def write_forecast_report(out_dir, *, y_true, y_pred, target_windows, horizon, season=None,
                          dates=None, target="target", plots=True) -> dict:  # fmt: skip
    """Writes the regression report files and the forecast's own into `out_dir`.

    Files, beside the regression report's (its index is the first forecast step's date, or
    the window's position):
      - forecast_baselines.csv: forecast (model, last value, seasonal naive), mae, rmse and
        skill (mae over the last-value forecast's mae; the seasonal row also over its own in
        metrics.json's seasonal_skill).
      - forecast.png: the truth over the evaluated period and the model's forecasts of the
        first and the last step of the horizon, with the last-value forecast.

    Args:
        out_dir: the report folder.
        y_true, y_pred: (n, H) targets and forecasts in the target's units.
        target_windows: (n, W) the target's values in each input window.
        horizon: H.
        season: the season for the seasonal naive forecast, or None.
        dates: (n, H) datetime64 dates of the targets, or None.
        target: the target column's name, for the plot.

    Returns:
        The regression headline with naive_mae, skill (and seasonal_naive_mae, seasonal_skill).
    """
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    index = dates[:, 0] if dates is not None else None
    headline = write_regression_report(
        out_dir, y_true=y_true, y_pred=y_pred, index=index, plots=plots
    )
    naive = naive_forecasts(target_windows, horizon, season)
    figures = skill_figures(y_true, y_pred, naive)
    forecasts = {"model": y_pred, **naive}
    rows = [
        {"forecast": name, **_errors(y_true, forecast, naive["last value"])}
        for name, forecast in forecasts.items()
    ]
    table = pd.DataFrame(rows, columns=BASELINE_COLUMNS)
    write_csv_atomic(Path(out_dir) / "forecast_baselines.csv", table, index=False)
    if plots:
        figure = forecast_figure(
            y_true, y_pred, naive["last value"], dates=dates, target=target, figures=figures
        )
        save_png(figure, Path(out_dir) / "forecast.png")
    return {**headline, **figures}


def _errors(y_true, forecast, last_value) -> dict:
    mae = float(metrics.mean_absolute_error(y_true, forecast))
    naive_mae = metrics.mean_absolute_error(y_true, last_value)
    return {
        "mae": mae,
        "rmse": float(np.sqrt(metrics.mean_squared_error(y_true, forecast))),
        "skill": mae / naive_mae if naive_mae > 0 else None,
    }
