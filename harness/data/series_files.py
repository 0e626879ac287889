"""Reading the user's series files into arrays, with every check a file alone allows.

Three formats, told apart by the file's suffix:

- `.tsv`: the UCR archive's own format. No header, one series per row, the label in the first
  column and one value per step in the others, separated by tabs.
- `.csv`: a header row; one series per row, the label in the column `target` (default `label`),
  every other column a time step, in file order.
- `.npz`: NumPy arrays `x` of shape (series, steps) or (series, steps, channels) and `y` of
  shape (series,), for multivariate data.

Every series must have the same length. A row that ends in empty cells (as the archive pads its
unequal-length sets) is refused with the rows named, rather than padded: padding with zeros or
the last value changes what convolutions and global pooling see, and masking is not something
every zoo model supports. A gap inside a series, or a cell that is not a number, is refused with
its line and column.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import UsageError

SUFFIXES = (".tsv", ".csv", ".npz")
DEFAULT_TARGET = "label"
_SHOWN = 5  # rows named in a message, at most


def read_series(path: str, *, target=None, labelled=True, steps=None) -> tuple:
    """Reads a series file.

    Args:
        path: a .tsv, .csv or .npz file.
        target: the label column of a .csv file (default "label").
        labelled: False for prediction, where a label is optional: a .csv's label column may be
            missing, and a .tsv row holds the label and `steps` values or the values alone.
        steps: the training series' length, to tell a .tsv row's label from a step.

    Returns:
        (x float64 (series, steps, channels), labels as written (series,) or None, format).

    Raises:
        UsageError: a missing, empty or unreadable file, or values the zoo cannot use.
    """
    suffix = _check_file(path)
    if suffix == ".npz":
        return (*_read_npz(path, labelled), "npz")
    table = _read_text_table(path, suffix)
    if suffix == ".tsv":
        with_label = labelled or table.dropna(axis=1, how="all").shape[1] == (steps or 0) + 1
        if not with_label:
            return _values(table, path, first_line=1, first_column=1)[:, :, None], None, "tsv"
        if table.shape[1] < 2:
            raise UsageError(
                f"series file {path} has one column; a UCR row is the label, then the steps"
            )
        labels = _labels(table[0], path, first_line=1)
        x = _values(table.iloc[:, 1:], path, first_line=1, first_column=2)
        return x[:, :, None], (labels if labelled else None), "tsv"
    target = target or DEFAULT_TARGET
    if target not in table.columns:
        if labelled:
            columns = ", ".join(map(str, table.columns[:8]))
            raise UsageError(
                f"series file {path} has no label column {target!r} (columns: {columns}, ...); "
                "name it with --target COLUMN"
            )
        return _values(table, path, first_line=2)[:, :, None], None, "csv"
    labels = _labels(table[target], path, first_line=2) if labelled else None
    x = _values(table.drop(columns=[target]), path, first_line=2)
    return x[:, :, None], labels, "csv"


def _check_file(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(
            f"series file {path}: unknown kind {suffix or '(no suffix)'!r}; give a .tsv (UCR: "
            "label first, no header), a .csv with a header and a label column, or a .npz with x, y"
        )
    if not os.path.isfile(path):
        what = "is not a regular file" if os.path.exists(path) else "not found"
        raise UsageError(f"series file {path!r} {what} (give series:PATH to an existing file)")
    if os.path.getsize(path) == 0:
        raise UsageError(f"series file {path} is empty; it needs one series per row")
    return suffix


def _read_text_table(path: str, suffix: str) -> pd.DataFrame:
    separator = "\t" if suffix == ".tsv" else ","
    # A ragged file has rows of different widths: naming every column up front keeps pandas
    # from refusing the longer rows, so that the check below can name the shorter ones.
    with open(path, errors="replace") as handle:
        width = max((line.count(separator) + 1 for line in handle), default=0)
    header = None if suffix == ".tsv" else 0
    try:
        table = pd.read_csv(
            path,
            sep=separator,
            header=header,
            names=range(width) if header is None else None,
            dtype=str,
            skipinitialspace=True,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read series file {path}: {error}") from None
    if len(table) == 0:
        raise UsageError(f"series file {path} holds no series (one per row is needed)")
    return table


def _labels(column: pd.Series, path: str, *, first_line: int) -> np.ndarray:
    missing = np.flatnonzero(column.isna().to_numpy())
    if len(missing):
        lines = ", ".join(f"line {row + first_line}" for row in missing[:_SHOWN])
        raise UsageError(f"series file {path}: no label on {lines}; every series needs one")
    return column.astype(str).str.strip().to_numpy(dtype=object)


def _values(table: pd.DataFrame, path: str, *, first_line: int, first_column=None) -> np.ndarray:
    """The numbers of a table of steps, with bad cells, gaps and unequal lengths refused."""
    numbers = table.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & table.notna()
    bad &= ~table.fillna("").apply(lambda column: column.str.strip().str.lower() == "nan")
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        where = _column_name(table, column, first_column)
        raise UsageError(
            f"series file {path}, line {row + first_line}, {where}: {table.iat[row, column]!r} "
            "is not a number; every step must be a number"
        )
    values = numbers.to_numpy(np.float64)
    # Trailing empty columns in every row (a separator at each line's end) are not steps.
    values = values[:, : _last_filled((~np.isnan(values)).any(axis=0)) + 1]
    present = ~np.isnan(values)
    if not present.any():
        raise UsageError(f"series file {path} holds no values, only labels")
    lengths = np.array([_last_filled(row) + 1 for row in present])
    gaps = present.sum(axis=1) < lengths
    if gaps.any():
        row = int(np.flatnonzero(gaps)[0])
        column = int(np.flatnonzero(~present[row, : lengths[row]])[0])
        where = _column_name(table, column, first_column)
        raise UsageError(
            f"series file {path}, line {row + first_line}, {where}: an empty value inside the "
            "series; fill it in (e.g. interpolate) or drop the row"
        )
    _check_equal_lengths(lengths, path, first_line)
    return values


def _check_equal_lengths(lengths: np.ndarray, path: str, first_line: int) -> None:
    longest = int(lengths.max())
    short = np.flatnonzero(lengths < longest)
    if len(short):
        shown = ", ".join(f"line {row + first_line} ({lengths[row]})" for row in short[:_SHOWN])
        more = f" and {len(short) - _SHOWN} more" if len(short) > _SHOWN else ""
        raise UsageError(
            f"series file {path}: {len(short)} series end early, shorter than the longest "
            f"({longest} steps): {shown}{more}; the zoo needs one length: resample or pad them"
        )


def _last_filled(flags: np.ndarray) -> int:
    filled = np.flatnonzero(flags)
    return int(filled[-1]) if len(filled) else -1


def _column_name(table: pd.DataFrame, column: int, first_column) -> str:
    if first_column is None:
        return f"column {table.columns[column]!r}"
    return f"column {column + first_column}"


def _read_npz(path: str, labelled: bool) -> tuple:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            found = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"cannot read .npz file {path}: {error}") from None
    needed = ["x", "y"] if labelled else ["x"]
    missing = [name for name in needed if name not in found]
    if missing:
        holds = ", ".join(sorted(found)) or "nothing"
        raise UsageError(
            f".npz file {path} has no array {' or '.join(missing)} (it holds: {holds}); it "
            "needs x of shape (series, steps, channels) and y of shape (series,)"
        )
    x = found["x"]
    if x.dtype.kind not in "biuf" or x.ndim not in (2, 3) or 0 in x.shape:
        raise UsageError(
            f".npz file {path}: x has shape {x.shape} and dtype {x.dtype}; it needs numbers of "
            "shape (series, steps) or (series, steps, channels)"
        )
    x = x.astype(np.float64).reshape(*x.shape[:2], -1)
    if not np.isfinite(x).all():
        series, step = np.argwhere(~np.isfinite(x).all(axis=2))[0]
        raise UsageError(
            f".npz file {path}: series {series}, step {step} is NaN or infinite; fill it in"
        )
    if "y" not in found:
        return x, None
    y = found["y"]
    if y.ndim != 1 or len(y) != len(x):
        raise UsageError(
            f".npz file {path}: y has shape {y.shape}; it needs one label per series ({len(x)},)"
        )
    return x, np.asarray([str(label) for label in y.tolist()], dtype=object)
