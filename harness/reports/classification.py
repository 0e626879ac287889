"""Classification report files: confusion matrices, per-class metrics, predictions and figures.

Every number is `sklearn.metrics`' on class ids with `labels=range(k)`, so a class absent from the
split keeps its row and column. Bad arrays are the caller's bug (ValueError); class names the
report cannot write are the user's data (UsageError).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.utils import column_or_1d

from harness.errors import UsageError
from harness.reports import NORMALIZE_CHOICES, scores, style
from harness.reports.classification_figures import write_figures
from harness.reports.csv_cells import write_csv_atomic

MATRIX_INDEX_NAME = "true\\predicted"  # the matrices' corner cell: their index name read back
RESERVED_ROW_NAMES = ("accuracy", "macro avg", "weighted avg", "micro avg")  # no class's name
PROBABILITY_SUM_TOLERANCE = 1e-4  # rows summing to 1 within this are rescaled to 1 in float64


def write_classification_report(out_dir, *, y_true, probabilities, class_names, normalize="true",
                                index=None, y_pred=None, inputs=None, layout=None,
                                plots=True, draw=style.draw_png) -> dict:  # fmt: skip
    """Writes the classification report files into `out_dir`, each one atomically.

    Files (all but predictions.csv read back with `pd.read_csv(path, index_col=0)`):
      - confusion_matrix.csv (counts) and confusion_matrix_normalized.csv (over the true
        classes, the predictions or all, as `normalize` says): true classes down, predicted across.
      - classification_report.csv: sklearn's `classification_report(output_dict=True,
        zero_division=0)`, with accuracy under f1-score as its text report has it; with
        probabilities also each class's one-vs-rest roc_auc and average_precision
        (`scores.per_class_ranking`), their mean and support-weighted mean where defined.
      - predictions.csv: index, y_true, y_pred (names), y_true_id, y_pred_id, correct, and with
        probabilities confidence (of the predicted class) and p_<class name> per class.
      - unless `plots` is False, `classification_figures.write_figures`'s, through `draw`.

    Args:
        y_true: (n,) class ids in 0..k-1.
        probabilities: (n, k), (n,) of class 1 for k == 2, or None with `y_pred`. Rows within
            1e-4 of summing to 1 (float32 softmax rounding) are rescaled to 1 in float64, and
            those are the values written and scored.
        class_names: the k unique class names in id order.
        index: (n,) identifiers of the examples; default 0..n-1.
        y_pred: (n,) predicted ids; default the argmax of `probabilities`.
        inputs, layout: the model inputs and their layout, for the worst errors.

    Returns:
        accuracy, macro_f1, weighted_f1, macro_precision, macro_recall, n, and with
        probabilities log_loss and `scores.probability_scores`.
    """
    if normalize not in NORMALIZE_CHOICES:
        raise UsageError(f"unknown normalize {normalize!r}; known: {', '.join(NORMALIZE_CHOICES)}")
    class_names = _checked_names(class_names)
    labels = list(range(len(class_names)))
    y_true, y_pred, probabilities, index = _checked_arrays(
        y_true, probabilities, y_pred, index, len(labels)
    )
    out_dir = Path(out_dir)
    counts = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    normalized = metrics.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    for name, matrix in (("confusion_matrix", counts), ("confusion_matrix_normalized", normalized)):
        rows = pd.Index(class_names, name=MATRIX_INDEX_NAME)
        write_csv_atomic(out_dir / f"{name}.csv", pd.DataFrame(matrix, rows, class_names))
    report = metrics.classification_report(
        y_true, y_pred, labels=labels, target_names=class_names, output_dict=True, zero_division=0
    )
    ranking = scores.per_class_ranking(y_true, probabilities) if probabilities is not None else {}
    write_csv_atomic(out_dir / "classification_report.csv", _report_frame(report, ranking))
    names = np.asarray(class_names, dtype=object)
    predictions = pd.DataFrame(
        {"index": index, "y_true": names[y_true], "y_pred": names[y_pred], "y_true_id": y_true,
         "y_pred_id": y_pred, "correct": y_true == y_pred}
    )  # fmt: skip
    macro, weighted = report["macro avg"], report["weighted avg"]
    headline = {
        "accuracy": float(report["accuracy"]),
        "macro_f1": float(macro["f1-score"]),
        "weighted_f1": float(weighted["f1-score"]),
        "macro_precision": float(macro["precision"]),
        "macro_recall": float(macro["recall"]),
        "n": len(y_true),
    }
    if probabilities is not None:
        predictions["confidence"] = probabilities[np.arange(len(y_pred)), y_pred]
        predictions[[f"p_{name}" for name in class_names]] = probabilities
        headline["log_loss"] = float(metrics.log_loss(y_true, probabilities, labels=labels))
        headline.update(scores.probability_scores(y_true, y_pred, probabilities, ranking))
    write_csv_atomic(out_dir / "predictions.csv", predictions, index=False)
    if plots:
        matrices = (counts, normalized, normalize)
        write_figures(out_dir, matrices, predictions, probabilities, class_names, ranking,
                      headline, inputs=inputs, layout=layout, draw=draw)  # fmt: skip
    return headline


def _report_frame(report: dict, ranking: dict) -> pd.DataFrame:
    frame = pd.DataFrame(report).T.rename_axis("class")
    examples = frame.loc["weighted avg", "support"]
    frame.loc["accuracy"] = [np.nan, np.nan, report["accuracy"], examples]
    frame["support"] = frame["support"].astype(np.int64)
    for column, values in ranking.items():
        per_class = pd.Series(values, index=frame.index[: len(values)]).dropna()
        frame[column] = per_class
        if len(per_class):
            frame.loc["macro avg", column] = np.mean(per_class.to_numpy())
            support = frame.loc[per_class.index, "support"]
            frame.loc["weighted avg", column] = np.average(per_class, weights=support)
    return frame


def _checked_names(class_names) -> list:
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


def _checked_arrays(y_true, probabilities, y_pred, index, num_classes: int):
    y_true = _class_ids(y_true, "y_true", num_classes)
    if len(y_true) == 0:
        raise ValueError("no examples to report on: y_true is empty")
    if probabilities is not None:
        probabilities = _checked_probabilities(probabilities, len(y_true), num_classes)
    if y_pred is None and probabilities is None:
        raise ValueError("give probabilities, y_pred or both")
    if y_pred is None:
        y_pred = np.argmax(probabilities, axis=1)
    y_pred = _class_ids(y_pred, "y_pred", num_classes)
    if len(y_pred) != len(y_true):
        raise ValueError(f"y_pred has {len(y_pred)} entries, y_true {len(y_true)}")
    index = np.arange(len(y_true)) if index is None else np.asarray(index)
    if index.shape != y_true.shape:
        raise ValueError(f"index must have shape {y_true.shape}; got {index.shape}")
    return y_true, y_pred, probabilities, index


def _class_ids(values, what: str, num_classes: int) -> np.ndarray:
    values = column_or_1d(values)  # Keras keeps sparse labels as (n, 1) at times
    if values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0):
        values = values.astype(np.int64)
    if values.dtype.kind not in "iu":
        raise ValueError(f"{what} must hold integer class ids; got dtype {values.dtype}")
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"{what} ids must lie in 0..{num_classes - 1}; got {values.min()}..{values.max()}"
        )
    return values.astype(np.int64)


def _checked_probabilities(probabilities, num_examples: int, num_classes: int) -> np.ndarray:
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
    # "do not sum to one"; rows further off are left for sklearn to flag.
    sums = probabilities.sum(axis=1, keepdims=True)
    near_one = np.abs(sums - 1.0) <= PROBABILITY_SUM_TOLERANCE
    return np.where(near_one, probabilities / sums, probabilities)
