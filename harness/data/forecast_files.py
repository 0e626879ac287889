"""Reading the user's series for forecasting: one CSV file, one row per time step, in time order.

The file has a header row. `--target` names the column to forecast; other numeric columns may be
extra inputs (`inputs=`), and a date column is kept for the plots and for dating the forecasts
of predict.py (`date=`). Every cell of the target and input columns must be a number: a text
cell or an empty cell (a gap) is refused with its line and column, because a window across a gap
would silently learn from a made-up value; fill gaps in first (e.g. pandas' `interpolate`).
Dates must rise strictly from row to row.
"""

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import UsageError

# Column names that a date column goes by, when `date=` is left out.
DATE_NAMES = ("date", "datetime", "time", "timestamp", "ds", "month", "period")
_SHOWN_COLUMNS = 8


@dataclasses.dataclass
class SeriesTable:
    """A forecasting file as arrays: the target first, then the extra inputs."""

    values: np.ndarray  # float64 (steps, columns)
    columns: list  # the target's name, then each input's
    dates: pd.DatetimeIndex | None  # one per step, or None without a date column
    date_column: str | None


def read_table(path: str, *, target: str | None, inputs="all", date="auto",
               missing_target="name it with --target COLUMN") -> SeriesTable:  # fmt: skip
    """Reads and checks a forecasting CSV file.

    Args:
        path: the file.
        target: the column to forecast.
        inputs: "all" (every other numeric column), "none" (the target alone), or a list of
            column names.
        date: "auto" (a column named like a date, else the first text column that reads as
            dates), "none", or a column name.
        missing_target: what the message advises when the target column is missing.

    Raises:
        UsageError: a missing or empty file, a missing or non-numeric target, a gap, bad dates.
    """
    table = _read_csv(path)
    if not target:
        raise UsageError(
            f"forecast data needs --target COLUMN, the column to forecast (columns of {path}: "
            f"{_column_list(table)})"
        )
    if target not in table.columns:
        raise UsageError(
            f"forecast file {path} has no target column {target!r} (columns: "
            f"{_column_list(table)}); {missing_target}"
        )
    date_column = _date_column(table, date, target, path)
    dates = _dates(table[date_column], path, date_column) if date_column else None
    columns = [target, *_input_columns(table, inputs, {target, date_column}, path)]
    values = np.stack([_numbers(table[name], path, name) for name in columns], axis=1)
    return SeriesTable(values, columns, dates, date_column)


def _read_csv(path: str) -> pd.DataFrame:
    if Path(path).suffix.lower() != ".csv":
        raise UsageError(
            f"forecast file {path}: give a .csv file with a header row and one row per time step"
        )
    if not os.path.isfile(path):
        what = "is not a regular file" if os.path.exists(path) else "not found"
        raise UsageError(f"forecast file {path!r} {what} (give forecast:PATH to a .csv file)")
    if os.path.getsize(path) == 0:
        raise UsageError(
            f"forecast file {path} is empty; it needs a header row and one row per time step"
        )
    try:
        table = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read forecast file {path}: {error}") from None
    if len(table) == 0:
        raise UsageError(
            f"forecast file {path} holds a header but no rows; it needs one row per time step"
        )
    table.columns = [str(name).strip() for name in table.columns]
    return table


def _column_list(table: pd.DataFrame) -> str:
    names = ", ".join(map(str, table.columns[:_SHOWN_COLUMNS]))
    return names + (", ..." if len(table.columns) > _SHOWN_COLUMNS else "")


def _is_numeric(column: pd.Series) -> bool:
    filled = column.str.strip() != ""
    return bool(filled.any() and pd.to_numeric(column[filled], errors="coerce").notna().all())


def _date_column(table: pd.DataFrame, date: str, target: str, path: str) -> str | None:
    if date == "none":
        return None
    if date != "auto":
        if date not in table.columns:
            raise UsageError(
                f"forecast file {path} has no date column {date!r} (columns: "
                f"{_column_list(table)}); name one with date=COLUMN or give date=none"
            )
        return date
    for name in table.columns:
        if name != target and name.lower() in DATE_NAMES:
            return name
    for name in table.columns:
        if name != target and not _is_numeric(table[name]) and _parses_as_dates(table[name]):
            return name
    return None


def _parses_as_dates(column: pd.Series) -> bool:
    return bool(pd.to_datetime(column, errors="coerce", format="mixed").notna().all())


def _dates(column: pd.Series, path: str, name: str) -> pd.DatetimeIndex:
    dates = pd.to_datetime(column.str.strip(), errors="coerce", format="mixed")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        raise UsageError(
            f"forecast file {path}, line {row + 2}, date column {name!r}: {column.iat[row]!r} "
            "is not a date; fix it, or give date=none to read the rows without dates"
        )
    dates = pd.DatetimeIndex(dates)
    backwards = np.flatnonzero(np.diff(dates.asi8) <= 0)
    if len(backwards):
        row = int(backwards[0]) + 1
        raise UsageError(
            f"forecast file {path}, line {row + 2}: date {column.iat[row]!r} does not come after "
            f"{column.iat[row - 1]!r}; the rows must be in time order, one per time step"
        )
    return dates


def _input_columns(table: pd.DataFrame, inputs, taken: set, path: str) -> list:
    if inputs == "none":
        return []
    if inputs == "all":
        return [name for name in table.columns if name not in taken and _is_numeric(table[name])]
    missing = [name for name in inputs if name not in table.columns]
    if missing:
        raise UsageError(
            f"forecast file {path} has no input column {', '.join(map(repr, missing))} "
            f"(columns: {_column_list(table)}); inputs= takes column names joined by commas"
        )
    return [name for name in inputs if name not in taken]


def _numbers(column: pd.Series, path: str, name: str) -> np.ndarray:
    """The column's numbers; a text cell or an empty one (a gap) is refused with its line."""
    text = column.str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    empty = (text == "") | text.str.lower().isin(("nan", "na", "null"))
    not_number = numbers.isna() & ~empty
    if not_number.any():
        row = int(np.flatnonzero(not_number.to_numpy())[0])
        raise UsageError(
            f"forecast file {path}, line {row + 2}, column {name!r}: {column.iat[row]!r} is not "
            f"a number; the target and input columns must be numeric"
        )
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise UsageError(
            f"forecast file {path}, line {row + 2}, column {name!r}: an empty value, a gap inside "
            "the series; fill it in (e.g. interpolate) so that every step has a value"
        )
    values = numbers.to_numpy(np.float64)
    if not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise UsageError(
            f"forecast file {path}, line {row + 2}, column {name!r}: {column.iat[row]!r} is "
            "infinite; every value must be a finite number"
        )
    return values
