"""Small series to forecast, written by the tests themselves: a monthly trend with a yearly season
and noise, with an extra input column and a date column."""

import numpy as np
import pandas as pd


def monthly_series(steps: int = 120, *, seed: int = 0, start: str = "2000-01-01") -> pd.DataFrame:
    """Columns date, sales (the target: trend + yearly season + noise) and temperature (an input
    that leads the season by a month)."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    season = np.sin(2 * np.pi * t / 12)
    return pd.DataFrame(
        {
            "date": pd.date_range(start, periods=steps, freq="MS").strftime("%Y-%m-%d"),
            "sales": 50 + 0.2 * t + 5 * season + rng.normal(0, 0.3, steps),
            "temperature": 10 + 8 * np.sin(2 * np.pi * (t + 1) / 12) + rng.normal(0, 0.5, steps),
        }
    )


def write_series(path, frame: pd.DataFrame) -> str:
    """The frame as a forecast CSV file (values to 6 decimals)."""
    frame.to_csv(path, index=False, float_format="%.6f")
    return str(path)
