"""CSV files that a spreadsheet opens without running anything: formula-like text is quoted.

A spreadsheet runs a cell that starts with = + - @ (or a tab or a carriage return, which some
treat the same way) as a formula, so a class label such as `=HYPERLINK(...)` in a report would
run when the file is opened. OWASP's CSV-injection guidance and ASVS 5.0 (V1.2.10) say to put a
single quote before such text. The rule here: every text cell, header and index label that
starts with one of those characters and is not a number gets a leading `'`. Numbers keep their
form, so a numeric label such as `-2` or a value `-0.5` still reads back as a number in pandas
and in a spreadsheet. Read back with pandas, a quoted label starts with the quote;
`.str.removeprefix("'")` gives it back as it was.
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


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with `spreadsheet_safe` applied to every text cell and label."""
    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(spreadsheet_safe)
    frame.columns = frame.columns.map(spreadsheet_safe)
    frame.index = frame.index.map(spreadsheet_safe)
    frame.columns.name = spreadsheet_safe(frame.columns.name)
    frame.index.name = spreadsheet_safe(frame.index.name)
    return frame


def write_csv_atomic(path, frame: pd.DataFrame, *, index: bool = True) -> None:
    """Writes `frame` as CSV, spreadsheet-safe (`safe_frame`), atomically."""
    write_text_atomic(path, safe_frame(frame).to_csv(index=index))
