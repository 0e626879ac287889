"""predict.py for a forecast run: the next H steps after each input file's last window.

Each input is a CSV file like the training one (the target column, the input columns and, if
training had one, the date column; more rows than a window are fine, and only the last W are
read). The forecast table has one row per file and step: input, step (1..H), date (the file's
dates continued at their frequency, if training had a date column) and the target's name with
the forecast in its units. It is printed and written to --out, by default
RUN/forecasts/<input name>.csv.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import UsageError


@dataclasses.dataclass
class ForecastInputs:
    """What the forecasts need besides the model inputs: each file's raw last window and the
    dates of the steps to come."""

    paths: list
    windows: np.ndarray  # raw (files, W, columns)
    dates: list  # per file, the H future dates (DatetimeIndex) or None


def read_forecast_inputs(paths, run: dict) -> tuple:
    """Reads every input file's last window: (names, scaled model inputs, ForecastInputs).

    Raises:
        UsageError: a file that is not a forecast CSV like training's, or shorter than a window.
    """
    from harness.data import forecast
    from harness.data.forecast_files import read_table

    stats = run["data"]["normalization"]
    window, horizon = stats["window"], stats["horizon"]
    raw, dates = [], []
    for path in map(str, paths):
        table = read_table(
            path,
            target=stats["target"],
            inputs=stats["columns"][1:] or "none",
            date=stats.get("date") or "none",
            missing_target="the run forecasts it: give a file like the training one",
        )
        if len(table.values) < window:
            raise UsageError(
                f"input {path} has {len(table.values)} rows; a forecast needs the last "
                f"{window} (the run's window) of the series"
            )
        raw.append(table.values[-window:])
        dates.append(_future_dates(table.dates, horizon, stats.get("frequency")))
    windows = np.stack(raw)
    x = forecast.prepare(windows, stats, run["model"]["layout"])
    return [str(path) for path in paths], x, ForecastInputs(list(map(str, paths)), windows, dates)


def _future_dates(dates, horizon: int, trained_frequency):
    """The dates of the next `horizon` steps: the file's own frequency (or training's), else the
    file's median step."""
    if dates is None:
        return None
    frequency = (pd.infer_freq(dates[-12:]) if len(dates) >= 3 else None) or trained_frequency
    if frequency:
        return pd.date_range(dates[-1], periods=horizon + 1, freq=frequency)[1:]
    step = pd.Series(dates).diff().median() if len(dates) > 1 else pd.Timedelta(0)
    return pd.DatetimeIndex([dates[-1] + step * (h + 1) for h in range(horizon)])


def forecast_table(inputs: ForecastInputs, outputs, stats: dict) -> pd.DataFrame:
    """One row per input file and step, the forecast in the target's units."""
    from harness.data import forecast

    values = forecast.unscale(inputs.windows, np.asarray(outputs), stats)
    horizon = stats["horizon"]
    columns = {
        "input": np.repeat(inputs.paths, horizon),
        "step": np.tile(np.arange(1, horizon + 1), len(inputs.paths)),
    }
    if stats.get("date"):
        columns["date"] = np.concatenate(
            [np.asarray(d, dtype="datetime64[ns]") for d in inputs.dates]
        )
    columns[stats["target"]] = values.ravel()
    return pd.DataFrame(columns)


def default_out(run_dir, paths, folder="forecasts") -> str:
    """RUN/<folder>/<first input's name>.csv: beside the run's reports, never over the input."""
    return str(Path(run_dir) / folder / f"{Path(str(paths[0])).stem}.csv")


def print_forecast(table: pd.DataFrame) -> None:
    """The table, aligned, dates as days (or with the time where they have one)."""
    shown = table.copy()
    if "date" in shown:
        dates = pd.DatetimeIndex(shown["date"])
        has_time = bool((dates != dates.normalize()).any())
        shown["date"] = dates.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")
    print(shown.to_string(index=False, float_format=lambda value: f"{value:.6g}"))
