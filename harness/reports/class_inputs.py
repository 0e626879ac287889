"""The checks a classification report makes on its inputs, before it writes anything.

Bad arrays are a bug of the caller (ValueError); class names the report cannot write are the
user's data (UsageError, one line).
"""

import numpy as np

from harness.errors import UsageError

# Row names of classification_report.csv after the classes; a class may not take one of them.
RESERVED_ROW_NAMES = ("accuracy", "macro avg", "weighted avg", "micro avg")
# Rows of probabilities summing to 1 within this are rescaled to sum to 1 in float64.
PROBABILITY_SUM_TOLERANCE = 1e-4


def check_class_names(class_names) -> list:
    """The class names as unique strings, at least two, none a report row name."""
    names = [str(name) for name in class_names]
    if len(names) < 2:
        raise UsageError(f"a classification report needs at least two classes; got {names}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"class names must be unique; repeated: {duplicates}")
    reserved = [name for name in names if name in RESERVED_ROW_NAMES]
    if reserved:
        raise UsageError(
            f"class names {reserved} clash with the report rows "
            f"{list(RESERVED_ROW_NAMES)}; rename those classes"
        )
    return names


def _as_class_ids(values, what: str, num_classes: int) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]  # Keras keeps sparse labels as (n, 1) at times.
    if values.ndim != 1:
        raise ValueError(f"{what} must be (n,) class ids; got shape {values.shape}")
    if values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0):
        values = values.astype(np.int64)
    if values.dtype.kind not in "iu":
        raise ValueError(f"{what} must hold integer class ids; got dtype {values.dtype}")
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"{what} ids must lie in 0..{num_classes - 1}; got {values.min()}..{values.max()}"
        )
    return values.astype(np.int64)


def check_arrays(y_true, probabilities, y_pred, num_classes: int):
    """(y_true, y_pred, probabilities) as int64 ids and float64 rows; y_pred defaults to the
    argmax of the probabilities, which may be None when y_pred is given."""
    y_true = _as_class_ids(y_true, "y_true", num_classes)
    if len(y_true) == 0:
        raise ValueError("no examples to report on: y_true is empty")
    if probabilities is not None:
        probabilities = _check_probabilities(probabilities, len(y_true), num_classes)
    if y_pred is None:
        if probabilities is None:
            raise ValueError("give probabilities, y_pred or both")
        return y_true, np.argmax(probabilities, axis=1), probabilities
    y_pred = _as_class_ids(y_pred, "y_pred", num_classes)
    if len(y_pred) != len(y_true):
        raise ValueError(f"y_pred has {len(y_pred)} entries, y_true {len(y_true)}")
    return y_true, y_pred, probabilities


def _check_probabilities(probabilities, num_examples: int, num_classes: int) -> np.ndarray:
    # float64 so the CSV holds exactly the numbers the metrics were computed from.
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if num_classes == 2 and (probabilities.ndim == 1 or probabilities.shape[1:] == (1,)):
        positive = probabilities.reshape(-1)
        probabilities = np.stack([1.0 - positive, positive], axis=1)
    if probabilities.shape != (num_examples, num_classes):
        raise ValueError(
            f"probabilities must have shape {(num_examples, num_classes)}; "
            f"got {probabilities.shape}"
        )
    if not np.all(np.isfinite(probabilities)):
        raise ValueError("probabilities hold NaN or infinite values")
    # A float32 softmax row misses 1 by about 1e-7, which sklearn's float64 check reports as
    # "do not sum to one". Rescaling such rows changes nothing a reader can see and keeps the
    # file, the metrics and sklearn in agreement; rows further off are left for sklearn to flag.
    sums = probabilities.sum(axis=1, keepdims=True)
    near_one = np.abs(sums - 1.0) <= PROBABILITY_SUM_TOLERANCE
    return np.where(near_one, probabilities / sums, probabilities)


def check_index(index, n: int) -> np.ndarray:
    """The (n,) example identifiers, default 0..n-1."""
    if index is None:
        return np.arange(n)
    index = np.asarray(index)
    if index.shape != (n,):
        raise ValueError(f"index must have shape ({n},); got {index.shape}")
    return index
