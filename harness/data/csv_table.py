"""The user's own table: `csv:PATH` with `--target COLUMN`, for the flat layout only.

The task comes from the target column: text (including true/false) is classification; so are
whole numbers with at most 20 distinct values that make up less than half the rows; any other
number is regression. Class names are the labels exactly as written in the file, in sorted
order (numeric labels sorted by value, so "2" comes before "10").

Normalisation format (everything `prepare` needs to turn new rows into inputs):
`{"method": "table", "target": "species", "task": "classification", "class_names": [...],
"features": [{"name": "width", "kind": "numeric", "mean": m, "std": s},
{"name": "colour", "kind": "categorical", "categories": ["blue", "red"]}, ...]}`.
Numeric columns are standardised; categorical ones one-hot encoded, one column per category in
the listed order, and a category unseen in training encodes as all zeros.
"""

import os

import numpy as np
import pandas as pd

from harness.data import transform
from harness.errors import UsageError

LAYOUTS = ("flat",)
MIN_ROWS = 10
MAX_CATEGORIES = 20
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1


def load(
    path: str, *, target, layout, seed=0, normalization=None, test_data=None, val_fraction=None
):
    """Reads the table, infers the task, splits the rows and encodes the features.

    Args:
        path: the CSV file.
        target: the column to predict; taken from `normalization` when None.
        layout: must be "flat".
        seed: picks the validation rows; the test rows do not move with the seed.
        normalization: a table-format dict from an earlier load to reuse (task, class names,
            feature statistics); fitted on the training rows when None.
        test_data: a second CSV file with the same columns to test on; the rows of `path` are
            then split into train and validation only.
        val_fraction: the share of `path`'s rows for validation (default VAL_FRACTION).

    Returns:
        DataSplits with x of shape (n, encoded features).
    """
    check_layout(layout)
    target = target or (normalization or {}).get("target")
    table, features = _read_checked(path, target)
    if normalization is None:
        normalization = {"method": "table", "target": target, **infer_task(table[target])}
    elif normalization.get("target") != target:
        raise UsageError(
            f"the normalization given was fitted for target {normalization.get('target')!r}, "
            f"not {target!r}"
        )
    class_names = normalization["class_names"]
    if class_names is not None and len(class_names) < 2:
        raise UsageError(
            f"csv file {path}: target {target!r} holds one value only; nothing to learn"
        )
    if "features" in normalization:
        _check_columns(table.columns, normalization, f"csv file {path}")
    y = encode_target(table[target], normalization, path)
    labels = y if normalization["task"] == "classification" else None
    rows = _split_rows(
        len(y), labels, seed, has_test=test_data is not None, val_fraction=val_fraction
    )
    if "features" not in normalization:
        train_rows = table.iloc[rows["train"]]
        normalization = {**normalization, "features": fit_features(train_rows, features, path)}
    splits = {
        which: (encode_features(table.iloc[index], normalization, path), y[index])
        for which, index in rows.items()
    }
    if test_data is not None:
        splits["test"] = _test_split(test_data, target, normalization)
    return transform.make_splits(
        f"csv:{path}",
        normalization["task"],
        layout,
        splits,
        class_names=normalization["class_names"],
        normalization=normalization,
        info={
            "source": os.path.abspath(path),
            "seed": int(seed),
            "target": target,
            "rows": len(table),
            "test_data": os.path.abspath(test_data) if test_data is not None else None,
            "val_fraction": val_fraction,
        },
    )


def _read_checked(path: str, target) -> tuple:
    # Every check that needs only the file: target, columns, missing values, enough rows.
    table = read_table(path)
    _check_target(table, target, path)
    features = [column for column in table.columns if column != target]
    if not features:
        raise UsageError(f"csv file {path} has no column besides the target {target!r}")
    _check_missing(table, path)
    if len(table) < MIN_ROWS:
        raise UsageError(
            f"csv file {path} has {len(table)} rows; it needs at least {MIN_ROWS} "
            "to make train, validation and test splits"
        )
    return table, features


def _split_rows(n: int, labels, seed: int, *, has_test=False, val_fraction=None) -> dict:
    # Test rows are fixed so test figures of runs with different seeds compare.
    if has_test:
        rest, test = np.arange(n), None
    else:
        rest, test = transform.split_off(n, TEST_FRACTION, transform.FIXED_SEED, labels)
    rest_labels = None if labels is None else labels[rest]
    fraction = VAL_FRACTION if val_fraction is None else transform.check_fraction(val_fraction)
    count = max(1, int(round(fraction * n)))
    kept, val = transform.split_off(len(rest), count, seed, rest_labels)
    rows = {"train": rest[kept], "val": rest[val]}
    return rows if test is None else {**rows, "test": test}


def _test_split(path: str, target: str, normalization: dict) -> tuple:
    """--test-data: every row of a second file, encoded with the training file's statistics."""
    table = read_table(path)
    _check_target(table, target, path)
    _check_missing(table, path)
    _check_columns(table.columns, normalization, f"test file {path}")
    y = encode_target(table[target], normalization, path)
    return encode_features(table, normalization, path), y


def read_table(path: str) -> pd.DataFrame:
    """Reads every cell as text, so labels and categories keep their written form."""
    if not os.path.isfile(path):
        if os.path.exists(path):  # a folder, a FIFO or a device: never opened
            raise UsageError(f"csv file {path!r} is not a regular file; give csv:PATH to a file")
        raise UsageError(f"csv file {path!r} not found (give csv:PATH to an existing file)")
    try:
        return pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read csv file {path}: {error}") from error


def infer_task(target: pd.Series) -> dict:
    """Returns {"task": ..., "class_names": [...] or None} for a text target column."""
    numbers = pd.to_numeric(target, errors="coerce")
    if numbers.isna().any():
        return {"task": "classification", "class_names": sorted(target.unique().tolist())}
    distinct = target.unique()
    whole = bool((numbers == numbers.round()).all())
    if whole and len(distinct) <= MAX_CATEGORIES and len(distinct) < 0.5 * len(target):
        by_value = sorted(distinct.tolist(), key=float)
        return {"task": "classification", "class_names": by_value}
    return {"task": "regression", "class_names": None}


def encode_target(target: pd.Series, normalization: dict, path: str) -> np.ndarray:
    """Class indices (int64, (n,)) or regression values (float32, (n, 1)) of the target."""
    if normalization["task"] == "classification":
        index = {name: i for i, name in enumerate(normalization["class_names"])}
        unknown = sorted(set(target) - set(index))
        if unknown:
            raise UsageError(
                f"csv file {path}: target {target.name!r} has labels unseen in training: "
                f"{', '.join(unknown[:5])}; known: {', '.join(index)}"
            )
        return target.map(index).to_numpy(dtype=np.int64)
    values = pd.to_numeric(target, errors="coerce")
    if values.isna().any():
        raise UsageError(f"csv file {path}: regression target {target.name!r} holds text")
    return values.to_numpy(dtype=np.float32).reshape(-1, 1)


def fit_features(train: pd.DataFrame, columns: list, path: str) -> list:
    """Learns each feature column's encoding from the training rows only."""
    features = []
    for name in columns:
        numbers = pd.to_numeric(train[name], errors="coerce")
        if not numbers.isna().any():
            std = float(numbers.std(ddof=0)) or 1.0
            features.append(
                {"name": name, "kind": "numeric", "mean": float(numbers.mean()), "std": std}
            )
            continue
        categories = sorted(train[name].unique().tolist())
        if len(categories) > MAX_CATEGORIES:
            raise UsageError(
                f"csv file {path}: column {name!r} holds text with {len(categories)} distinct "
                f"values in the training rows (e.g. {', '.join(map(repr, categories[:3]))}); "
                f"at most {MAX_CATEGORIES} can be one-hot encoded: drop it or turn it into numbers"
            )
        features.append({"name": name, "kind": "categorical", "categories": categories})
    return features


def encode_features(rows: pd.DataFrame, normalization: dict, path: str) -> np.ndarray:
    """Encodes rows with the statistics of `normalization` into a float32 matrix."""
    blocks = []
    for feature in normalization["features"]:
        column = rows[feature["name"]]
        if feature["kind"] == "numeric":
            numbers = pd.to_numeric(column, errors="coerce")
            if numbers.isna().any():
                raise UsageError(
                    f"{path}: column {feature['name']!r} must hold numbers; "
                    f"got {column[numbers.isna()].iloc[0]!r}"
                )
            blocks.append(
                ((numbers.to_numpy(np.float64) - feature["mean"]) / feature["std"])[:, None]
            )
        else:
            text = column.astype(str).to_numpy()[:, None]
            blocks.append(text == np.asarray(feature["categories"], dtype=object)[None, :])
    return np.concatenate(blocks, axis=1).astype(np.float32)


def prepare(rows: pd.DataFrame, normalization: dict, spec_name: str) -> np.ndarray:
    """Turns a DataFrame of new rows into model inputs exactly as in training.

    Read new files with `dtype=str` so categories compare as written. The target column may be
    present and is ignored; any other unexpected or missing column raises a UsageError.
    """
    if not isinstance(rows, pd.DataFrame):
        raise UsageError(f"{spec_name} inputs must be a table of rows; got {type(rows).__name__}")
    expected = _check_columns(rows.columns, normalization, f"rows for {spec_name}")
    _check_missing(rows[expected], spec_name)
    return encode_features(rows, normalization, spec_name)


def _check_columns(columns, normalization: dict, what: str) -> list:
    # Returns the feature columns training saw; the target may be there too and is ignored.
    expected = [feature["name"] for feature in normalization["features"]]
    missing = [name for name in expected if name not in columns]
    extra = [name for name in columns if name not in expected + [normalization["target"]]]
    if missing or extra:
        found = (("missing columns", missing), ("unexpected columns", extra))
        problems = [f"{label} [{', '.join(map(str, names))}]" for label, names in found if names]
        raise UsageError(
            f"{what}: {', '.join(problems)}; expected: {', '.join(expected)}"
            f" (and optionally the target {normalization['target']!r})"
        )
    return expected


def check_layout(layout: str) -> None:
    """Raises a UsageError for any layout but flat, naming a model that fits."""
    if layout != "flat":
        kind = "expects images" if layout == "image" else f"expects layout {layout!r}"
        raise UsageError(
            f"a model that {kind} cannot use csv data: it is tabular (layout 'flat' only); "
            "use a flat model such as mlp"
        )


def _check_target(table: pd.DataFrame, target, path: str) -> None:
    columns = ", ".join(map(str, table.columns))
    if not target:
        raise UsageError(f"csv data needs --target COLUMN; columns: {columns}")
    if target not in table.columns:
        raise UsageError(f"csv file {path} has no column {target!r}; columns: {columns}")


def _check_missing(table: pd.DataFrame, path: str) -> None:
    counts = table.isna().sum()
    counts = counts[counts > 0]
    if len(counts):
        where = ", ".join(f"{name!r} ({count} rows)" for name, count in counts.items())
        raise UsageError(f"{path} has missing values in {where}; fill or drop them and run again")
