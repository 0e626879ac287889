"""Classification figures, drawn by scikit-learn's displays on Matplotlib figures.

Each builder returns a `Figure` drawn in the project style (`harness.reports.style`); the report
writer saves it with `save_png`.
"""

import numpy as np
from sklearn import metrics
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

from harness.reports.scores import CALIBRATION_BINS
from harness.reports.style import (
    PANEL_SIZE,
    PANEL_SIZE_WIDE,
    SEQUENTIAL_COLORMAP,
    legend_outside,
    new_figure,
    styled,
)

# Beyond this many characters a class name is cut on the axes (the CSV files keep it whole).
MAX_TICK_CHARS = 18
# Inches per class of a confusion matrix, and the cell-text size in points for k classes: two
# lines ("1234" over "0.56") fit a cell from 2 classes up to 50.
INCHES_PER_CLASS = 0.45
CELL_FONT_POINTS = ((5, 10), (12, 9), (25, 8), (50, 7))  # (at most k classes, points)


def short_name(name: str) -> str:
    """`name` cut to MAX_TICK_CHARS characters with an ellipsis, for axis labels."""
    return name if len(name) <= MAX_TICK_CHARS else name[: MAX_TICK_CHARS - 1] + "…"


_COLORBAR_LABELS = {
    "true": "fraction of the true class (row sums to 1)",
    "pred": "fraction of the predicted class (column sums to 1)",
    "all": "fraction of all examples",
}


@styled
def confusion_matrix_figure(counts, normalized, class_names, normalize: str = "true"):
    """`ConfusionMatrixDisplay` of the normalised matrix, each cell also showing its count.

    A cell with examples shows its count above its normalised value; an empty cell a grey 0.
    Colours follow the normalised value, from 0 to 1 (so that runs compare, and classes of
    different sizes), or to the largest value when normalised over all examples.

    Args:
        counts: (k, k) integer counts, rows true classes, columns predicted classes.
        normalized: (k, k) the same matrix normalised over `normalize`: "true", "pred" or "all".
        class_names: the k class names, in index order.

    Returns:
        The `matplotlib.figure.Figure`, sized to the number of classes.
    """
    vmax = max(float(normalized.max()), 1e-12) if normalize == "all" else 1.0
    num_classes = len(class_names)
    side = 4.5 + INCHES_PER_CLASS * num_classes
    figure = new_figure(side + 1.5, side)
    axes = figure.subplots()
    display = ConfusionMatrixDisplay(normalized, display_labels=list(map(short_name, class_names)))
    points = next(size for limit, size in CELL_FONT_POINTS if num_classes <= limit)
    display.plot(
        ax=axes,
        cmap=SEQUENTIAL_COLORMAP,
        colorbar=False,
        xticks_rotation="vertical" if num_classes > 4 else "horizontal",
        text_kw={"fontsize": points},
        im_kw={"vmin": 0.0, "vmax": vmax},
    )
    for (row, column), text in np.ndenumerate(display.text_):
        count, value = counts[row, column], normalized[row, column]
        text.set_text(f"{count}\n{value:.2f}" if count else "0")
        text.set_color("white" if value > vmax / 2 else "black" if count else "grey")
    axes.grid(False)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    axes.set_title(f"Confusion matrix (n={counts.sum()}, accuracy={accuracy:.3f})")
    figure.colorbar(display.im_, ax=axes, label=_COLORBAR_LABELS[normalize], shrink=0.8)
    return figure


# Beyond this many classes the curve figures draw only the micro and macro averages.
MAX_CLASS_CURVES = 10
_GRID = np.linspace(0.0, 1.0, 201)


# Per kind of one-vs-rest curve: the scikit-learn curve and display, how a curve's (x, y) come
# from the curve's result, the score (a column of per_class_ranking), its short name, the title
# and the axis labels.
_CURVES = {
    "roc": (
        metrics.roc_curve,
        RocCurveDisplay,
        lambda result: (result[0], result[1]),
        ("roc_auc", "AUC", "ROC"),
        ("false-positive rate", "true-positive rate"),
    ),
    "pr": (
        metrics.precision_recall_curve,
        PrecisionRecallDisplay,
        lambda result: (result[1], result[0]),
        ("average_precision", "AP", "Precision-recall"),
        ("recall", "precision"),
    ),
}


@styled
def curve_figure(kind: str, truth, probabilities, class_names, ranking: dict, headline: dict):
    """One-vs-rest ROC ("roc", `RocCurveDisplay`) or precision-recall ("pr",
    `PrecisionRecallDisplay`) curves: one per class (up to MAX_CLASS_CURVES), and for more than
    two classes the micro average (every example and class pooled) and the macro average (the
    mean of the classes' curves on a common grid of false-positive rate or recall).

    Args:
        kind: "roc" or "pr".
        truth: (n, k) one-hot truth.
        probabilities: (n, k) class probabilities.
        class_names: the k class names.
        ranking: `harness.reports.scores.per_class_ranking`.
        headline: the micro_ and macro_ averages of the score, for the legend and title.
    """
    curve, display, x_and_y, (score, score_name, title), axis_labels = _CURVES[kind]
    class_scores = ranking[score]
    micro, macro = headline[f"micro_{score}"], headline[f"macro_{score}"]
    figure = new_figure(*PANEL_SIZE_WIDE)
    axes = figure.subplots()
    # A class absent from the split (or alone in it) has no curve.
    shown = [c for c in range(truth.shape[1]) if 0 < truth[:, c].sum() < len(truth)]
    curves = {c: x_and_y(curve(truth[:, c], probabilities[:, c])) for c in shown}
    # ROC for two classes: class 1's curve is class 0's mirrored; one is enough.
    for c in shown[-1:] if len(class_names) == 2 else shown[:MAX_CLASS_CURVES]:
        label = f"{short_name(class_names[c])} ({score_name} {class_scores[c]:.3f})"
        _display(display, *curves[c]).plot(
            ax=axes, name=label, curve_kwargs={"alpha": 0.7, "linewidth": 1}
        )
    if len(class_names) > 2:
        display.from_predictions(
            truth.ravel(),
            probabilities.ravel(),
            ax=axes,
            name="micro average",
            curve_kwargs={"color": "black"},
        )
        # np.interp needs increasing x: precision-recall curves come with recall decreasing.
        mean = np.mean([np.interp(_GRID, *_increasing(*curves[c])) for c in shown], axis=0)
        axes.plot(_GRID, mean, "k--", label=f"macro average ({score_name} = {macro:.3f})")
    if kind == "roc":
        axes.plot([0, 1], [0, 1], ":", color="grey", label="chance")
    axes.set_title(f"{title}, one-vs-rest (micro {score_name} {micro:.3f}, macro {macro:.3f})")
    axes.set(xlabel=axis_labels[0], ylabel=axis_labels[1])
    legend_outside(axes)
    return figure


def _display(display, x, y):
    return display(fpr=x, tpr=y) if display is RocCurveDisplay else display(precision=y, recall=x)


def _increasing(x, y):
    return (x, y) if x[0] <= x[-1] else (x[::-1], y[::-1])


@styled
def calibration_figure(predictions, headline: dict):
    """`CalibrationDisplay` of the top-class confidence in CALIBRATION_BINS equal-width bins
    (accuracy against mean confidence per bin; the diagonal is perfect calibration), with the
    number of examples per bin below.

    Args:
        predictions: predictions.csv's frame (its correct and confidence columns).
        headline: the ece and brier scores, for the title.
    """
    correct, confidence = predictions["correct"], predictions["confidence"]
    ece, brier = headline["ece"], headline["brier"]
    figure = new_figure(PANEL_SIZE[0], PANEL_SIZE[1] * 1.3)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    CalibrationDisplay.from_predictions(
        correct, confidence, n_bins=CALIBRATION_BINS, strategy="uniform", ax=top, name="model"
    )
    top.set_ylabel("accuracy in the bin")
    top.set_xlabel("")
    top.set_title(f"Calibration of the top-class confidence (ECE {ece:.3f}, Brier {brier:.3f})")
    legend_outside(top)
    bottom.hist(confidence, bins=np.linspace(0.0, 1.0, CALIBRATION_BINS + 1), color="C0")
    bottom.set_xlabel("confidence (probability of the predicted class)")
    bottom.set_ylabel("examples")
    return figure
