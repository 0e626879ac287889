"""CSV files a spreadsheet opens without running anything: formula-like text gets a quote.

A spreadsheet runs a cell starting with = + - @, a tab or a carriage return as a formula (a class
named `=HYPERLINK(...)` would run). OWASP's CSV-injection guidance and ASVS 5.0 (V1.2.10): such
text gets a leading `'` (`.str.removeprefix("'")` undoes it); numbers such as `-2` stay numbers.
"""

import re

import pandas as pd

from harness.atomic import write_text_atomic

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value):
    """`value` with a leading quote if it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv_atomic(path, frame: pd.DataFrame, *, index: bool = True) -> None:
    """Writes `frame` as CSV atomically, every text cell and label `spreadsheet_safe`."""
    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(spreadsheet_safe)
    frame.columns = frame.columns.map(spreadsheet_safe).rename(spreadsheet_safe(frame.columns.name))
    frame.index = frame.index.map(spreadsheet_safe).rename(spreadsheet_safe(frame.index.name))
    write_text_atomic(path, frame.to_csv(index=index))
