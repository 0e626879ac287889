"""Classification report files: confusion matrices, per-class metrics, predictions and a heatmap.

Every number comes from `sklearn.metrics` on integer class ids, with `labels=range(k)` so that a
class absent from the evaluated split still has its row and column. Class names appear in every
file instead of ids, so a CSV data set's own names are what a reader sees.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

from harness.errors import UsageError
from harness.reports import NORMALIZE_CHOICES
from harness.reports.classification_figures import confusion_matrix_figure
from harness.reports.csv_cells import write_csv_atomic
from harness.reports.style import save_png

# The corner cell of both matrix CSVs, read back as the index name by `pd.read_csv(index_col=0)`.
MATRIX_INDEX_NAME = "true\\predicted"
REPORT_COLUMNS = ["precision", "recall", "f1-score", "support"]
# Row names of classification_report.csv after the classes; a class may not take one of them.
RESERVED_ROW_NAMES = ("accuracy", "macro avg", "weighted avg", "micro avg")
# Rows of probabilities summing to 1 within this are rescaled to sum to 1 in float64.
PROBABILITY_SUM_TOLERANCE = 1e-4
_COLORBAR_LABELS = {
    "true": "fraction of the true class (row sums to 1)",
    "pred": "fraction of the predicted class (column sums to 1)",
    "all": "fraction of all examples",
}


def write_classification_report(
    out_dir, *, y_true, probabilities, class_names, normalize="true", index=None, y_pred=None
) -> dict:
    """Writes the classification report files into `out_dir`, each one atomically.

    Files (read them with `pd.read_csv(path, index_col=0)`, except predictions.csv):
      - confusion_matrix.csv: counts; rows are true classes, columns predicted classes, both
        labelled by class name; the corner cell (index name) is "true\\predicted".
      - confusion_matrix_normalized.csv: the same layout, normalised over the true classes
        (rows sum to 1), the predicted classes (columns sum to 1) or all examples, as
        `normalize` says. A class with no examples gives zeros, not NaN.
      - classification_report.csv: index "class"; one row per class, then "accuracy",
        "macro avg" and "weighted avg"; columns precision, recall, f1-score, support, as
        sklearn's `classification_report(output_dict=True, zero_division=0)`. Like sklearn's
        text report, the accuracy row leaves precision and recall empty and puts the accuracy
        under f1-score, with support = the number of examples.
      - predictions.csv (no index column): index, y_true, y_pred (class names), y_true_id,
        y_pred_id (class indices), correct, then with probabilities: confidence (probability
        of the predicted class) and one column "p_<class name>" per class. Probability rows
        that sum to 1 within 1e-4 (float32 softmax rounding) are rescaled in float64 to sum to
        1, and those are the values written and scored.
      - confusion_matrix.png: scikit-learn's `ConfusionMatrixDisplay`, coloured by the
        normalised value; a cell with examples shows its count and normalised value, an empty
        cell a 0.

    Class names are written as text; a name such as "0" reads back as a number unless read with
    `dtype=str` (predictions.csv) or its index is cast to str. A name a spreadsheet would take
    for a formula (=, +, -, @ and not a number) is written with a leading quote
    (`harness.reports.csv_cells`).

    Args:
        out_dir: folder to write into (created if missing).
        y_true: (n,) integer class ids in 0..k-1.
        probabilities: (n, k) class probabilities, or (n,) for k == 2 (probability of class 1),
            or None when only `y_pred` is known.
        class_names: the k class names in id order, unique.
        normalize: "true", "pred" or "all", for the normalised matrix and the heatmap colours.
        index: (n,) identifiers of the examples (row numbers, time stamps); default 0..n-1.
        y_pred: (n,) predicted ids; default the argmax of `probabilities`.

    Returns:
        Headline metrics: accuracy, macro_f1, weighted_f1, macro_precision, macro_recall, n,
        and log_loss when probabilities are given.
    """
    if normalize not in NORMALIZE_CHOICES:
        raise UsageError(f"unknown normalize {normalize!r}; known: {', '.join(NORMALIZE_CHOICES)}")
    class_names = _check_class_names(class_names)
    labels = list(range(len(class_names)))
    y_true, y_pred, probabilities = _check_arrays(y_true, probabilities, y_pred, len(labels))
    index = _check_index(index, len(y_true))
    out_dir = Path(out_dir)
    counts = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    normalized = metrics.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    report = metrics.classification_report(
        y_true, y_pred, labels=labels, target_names=class_names, output_dict=True, zero_division=0
    )
    write_csv_atomic(out_dir / "confusion_matrix.csv", _matrix_frame(counts, class_names))
    write_csv_atomic(
        out_dir / "confusion_matrix_normalized.csv", _matrix_frame(normalized, class_names)
    )
    write_csv_atomic(
        out_dir / "classification_report.csv", _report_frame(report, class_names, len(y_true))
    )
    predictions = _predictions_frame(index, y_true, y_pred, probabilities, class_names)
    write_csv_atomic(out_dir / "predictions.csv", predictions, index=False)
    headline = _headline(report, y_true, probabilities, labels)
    figure = confusion_matrix_figure(
        counts,
        normalized,
        class_names,
        colorbar_label=_COLORBAR_LABELS[normalize],
        title=f"Confusion matrix (n={len(y_true)}, accuracy={headline['accuracy']:.3f})",
        vmax=max(float(normalized.max()), 1e-12) if normalize == "all" else 1.0,
    )
    save_png(figure, out_dir / "confusion_matrix.png")
    return headline


def _check_class_names(class_names) -> list:
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


def _check_arrays(y_true, probabilities, y_pred, num_classes: int):
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


def _check_index(index, n: int) -> np.ndarray:
    if index is None:
        return np.arange(n)
    index = np.asarray(index)
    if index.shape != (n,):
        raise ValueError(f"index must have shape ({n},); got {index.shape}")
    return index


def _matrix_frame(matrix, class_names) -> pd.DataFrame:
    frame = pd.DataFrame(matrix, index=class_names, columns=class_names)
    frame.index.name = MATRIX_INDEX_NAME
    return frame


def _report_frame(report: dict, class_names, n: int) -> pd.DataFrame:
    rows = {name: report[name] for name in class_names}
    rows["accuracy"] = {
        "precision": np.nan,
        "recall": np.nan,
        "f1-score": report["accuracy"],
        "support": n,
    }
    rows["macro avg"] = report["macro avg"]
    rows["weighted avg"] = report["weighted avg"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=REPORT_COLUMNS)
    frame["support"] = frame["support"].astype(np.int64)
    frame.index.name = "class"
    return frame


def _predictions_frame(index, y_true, y_pred, probabilities, class_names) -> pd.DataFrame:
    names = np.asarray(class_names, dtype=object)
    columns = {
        "index": index,
        "y_true": names[y_true],
        "y_pred": names[y_pred],
        "y_true_id": y_true,
        "y_pred_id": y_pred,
        "correct": y_true == y_pred,
    }
    if probabilities is not None:
        columns["confidence"] = probabilities[np.arange(len(y_pred)), y_pred]
        for class_id, name in enumerate(class_names):
            columns[f"p_{name}"] = probabilities[:, class_id]
    return pd.DataFrame(columns)


def _headline(report: dict, y_true, probabilities, labels) -> dict:
    headline = {
        "accuracy": float(report["accuracy"]),
        "macro_f1": float(report["macro avg"]["f1-score"]),
        "weighted_f1": float(report["weighted avg"]["f1-score"]),
        "macro_precision": float(report["macro avg"]["precision"]),
        "macro_recall": float(report["macro avg"]["recall"]),
        "n": int(len(y_true)),
    }
    if probabilities is not None:
        headline["log_loss"] = float(metrics.log_loss(y_true, probabilities, labels=labels))
    return headline
