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
from harness.reports import NORMALIZE_CHOICES, scores, worst_errors
from harness.reports import classification_figures as figures
from harness.reports.class_inputs import check_arrays, check_class_names, check_index
from harness.reports.csv_cells import write_csv_atomic
from harness.reports.style import save_png

# The corner cell of both matrix CSVs, read back as the index name by `pd.read_csv(index_col=0)`.
MATRIX_INDEX_NAME = "true\\predicted"
REPORT_COLUMNS = ["precision", "recall", "f1-score", "support"]
RANKING_COLUMNS = ["roc_auc", "average_precision"]  # with probabilities


def write_classification_report(
    out_dir,
    *,
    y_true,
    probabilities,
    class_names,
    normalize="true",
    index=None,
    y_pred=None,
    inputs=None,
    layout=None,
    plots=True,
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
        under f1-score, with support = the number of examples. With probabilities, two more
        columns: roc_auc and average_precision, one-vs-rest per class
        (`harness.reports.scores.per_class_ranking`), their mean in "macro avg" and their
        support-weighted mean in "weighted avg" (over the classes with a value).
      - predictions.csv (no index column): index, y_true, y_pred (class names), y_true_id,
        y_pred_id (class indices), correct, then with probabilities: confidence (probability
        of the predicted class) and one column "p_<class name>" per class. Probability rows
        that sum to 1 within 1e-4 (float32 softmax rounding) are rescaled in float64 to sum to
        1, and those are the values written and scored.
      - confusion_matrix.png: scikit-learn's `ConfusionMatrixDisplay`, coloured by the
        normalised value; a cell with examples shows its count and normalised value, an empty
        cell a 0.
      - with probabilities: roc_curve.png and pr_curve.png (one-vs-rest, per class, micro and
        macro average), calibration.png (reliability diagram of the confidence, 15 bins);
        with `inputs` of layout "image" or "sequence" and at least one error,
        worst_errors.png (the 16 most confident errors).

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
        inputs: (n, ...) the model inputs, for the worst-errors grid.
        layout: the inputs' layout ("image", "sequence" or "flat").
        plots: False writes no PNG (the CSVs and the returned metrics are the same).

    Returns:
        Headline metrics: accuracy, macro_f1, weighted_f1, macro_precision, macro_recall, n,
        and with probabilities log_loss and `harness.reports.scores.probability_scores`
        (macro and micro ROC AUC and average precision, brier, ece).
    """
    if normalize not in NORMALIZE_CHOICES:
        raise UsageError(f"unknown normalize {normalize!r}; known: {', '.join(NORMALIZE_CHOICES)}")
    class_names = check_class_names(class_names)
    labels = list(range(len(class_names)))
    y_true, y_pred, probabilities = check_arrays(y_true, probabilities, y_pred, len(labels))
    index = check_index(index, len(y_true))
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
    ranking = scores.per_class_ranking(y_true, probabilities) if probabilities is not None else {}
    write_csv_atomic(
        out_dir / "classification_report.csv",
        _report_frame(report, class_names, len(y_true), ranking),
    )
    predictions = _predictions_frame(index, y_true, y_pred, probabilities, class_names)
    write_csv_atomic(out_dir / "predictions.csv", predictions, index=False)
    headline = _headline(report, y_true, probabilities, labels)
    if probabilities is not None:
        headline.update(scores.probability_scores(y_true, y_pred, probabilities, ranking))
    if plots:
        figure = figures.confusion_matrix_figure(counts, normalized, class_names, normalize)
        save_png(figure, out_dir / "confusion_matrix.png")
    if plots and probabilities is not None:
        truth = scores.one_hot(y_true, len(class_names))
        for kind in ("roc", "pr"):
            figure = figures.curve_figure(
                kind, truth, probabilities, class_names, ranking, headline
            )
            save_png(figure, out_dir / f"{kind}_curve.png")
        save_png(figures.calibration_figure(predictions, headline), out_dir / "calibration.png")
        if inputs is not None and layout in worst_errors.DRAWN_LAYOUTS and headline["accuracy"] < 1:
            figure = worst_errors.worst_errors_figure(inputs, layout, predictions)
            save_png(figure, out_dir / "worst_errors.png")
    return headline


def _matrix_frame(matrix, class_names) -> pd.DataFrame:
    frame = pd.DataFrame(matrix, index=class_names, columns=class_names)
    frame.index.name = MATRIX_INDEX_NAME
    return frame


def _report_frame(report: dict, class_names, n: int, ranking: dict) -> pd.DataFrame:
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
    support = frame.loc[class_names, "support"].to_numpy()
    for column, values in ranking.items():
        defined = np.isfinite(values)
        frame[column] = np.nan
        frame.loc[class_names, column] = values
        if defined.any():
            frame.loc["macro avg", column] = np.mean(values[defined])
            frame.loc["weighted avg", column] = np.average(
                values[defined], weights=support[defined]
            )
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
