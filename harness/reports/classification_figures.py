"""Classification figures: scikit-learn's displays on figures of `harness.reports.style`."""

import math

import numpy as np
from matplotlib.font_manager import FontProperties
from sklearn import metrics
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

from harness.reports import style
from harness.reports.scores import CALIBRATION_BINS, one_hot
from harness.reports.style import draw_png, legend_outside, new_figure, short_name, styled

# A matrix cell's side in inches and its text size for k classes: two lines ("1234" over
# "0.56") fit a cell from 2 classes up to 50.
CELL_INCHES, MATRIX_INCHES = 0.33, (3.5, 20.0)  # the matrix side: 3.5 + k cells, at most 20
CELL_FONT_POINTS = ((5, 10), (12, 9), (25, 8), (50, 7))  # (at most k classes, points)
COLORBAR_LABELS = {
    "true": "fraction of the true class (row sums to 1)",
    "pred": "fraction of the predicted class (column sums to 1)",
    "all": "fraction of all examples",
}
MAX_CLASS_CURVES = 10  # beyond this many classes, only the micro and macro averages are drawn
WORST_ERRORS_SHOWN, WORST_ERRORS_COLUMNS = 16, 4
DRAWN_LAYOUTS = ("image", "sequence")  # the inputs the worst-errors grid can draw


def write_figures(out_dir, matrices, predictions, probabilities, class_names, ranking, headline,
                  *, inputs, layout, draw=draw_png) -> None:  # fmt: skip
    """Writes, through `draw`, confusion_matrix.png from `matrices` (counts, normalised, how), and
    with probabilities roc_curve.png, pr_curve.png and calibration.png; with "image" or "sequence"
    inputs and at least one error, worst_errors.png. The rest: the report writer's values."""
    draw(confusion_matrix_figure, out_dir / "confusion_matrix.png", *matrices[:2], class_names,
         matrices[2])  # fmt: skip
    if probabilities is None:
        return
    truth = one_hot(predictions["y_true_id"].to_numpy(), len(class_names))
    for kind in ("roc", "pr"):
        draw(curve_figure, out_dir / f"{kind}_curve.png", kind, truth, probabilities, class_names,
             ranking, headline)  # fmt: skip
    draw(calibration_figure, out_dir / "calibration.png", predictions, headline)
    if inputs is not None and layout in DRAWN_LAYOUTS and headline["accuracy"] < 1:
        wrong = predictions[~predictions["correct"]]  # only the examples the grid may show
        top = wrong.nlargest(WORST_ERRORS_SHOWN, "confidence", keep="all").index  # ties too
        shown = {row: np.asarray(inputs[row]) for row in top}
        draw(worst_errors_figure, out_dir / "worst_errors.png", shown, layout, predictions)


@styled
def confusion_matrix_figure(counts, normalized, class_names, normalize: str = "true"):
    """`ConfusionMatrixDisplay` of the `normalized` matrix ("true", "pred" or "all" as
    `normalize` says), each cell with its count above its value, an empty cell a grey 0.
    Colours run from 0 to 1 (to the largest value for "all"), so that runs compare."""
    vmax = max(float(normalized.max()), 1e-12) if normalize == "all" else 1.0
    k, names = len(class_names), [short_name(name) for name in class_names]
    side = min(MATRIX_INCHES[0] + CELL_INCHES * k, MATRIX_INCHES[1])
    # The margins hold the widest tick label, measured the way it will be drawn.
    font = FontProperties(size=9)
    figure, axes = new_figure(side, side)
    measure = figure.canvas.get_renderer().get_text_width_height_descent
    label = max(measure(name, font, ismath=False)[0] for name in names) / figure.dpi
    vertical = label > 0.9 * side / k
    left, bottom = 0.5 + label, 0.5 + (label if vertical else 0.2)
    width, height = left + side + 1.3, bottom + side + 0.45
    figure.set_size_inches(width, height)
    axes.set_position((left / width, bottom / height, side / width, side / height))
    colorbar = figure.add_axes(
        ((left + side + 0.2) / width, bottom / height, 0.2 / width, side / height)
    )
    display = ConfusionMatrixDisplay(normalized, display_labels=names).plot(
        ax=axes,
        cmap=style.SEQUENTIAL_COLORMAP,
        colorbar=False,
        xticks_rotation="vertical" if vertical else "horizontal",
        text_kw={"fontsize": next(size for limit, size in CELL_FONT_POINTS if k <= limit)},
        im_kw={"vmin": 0.0, "vmax": vmax},
    )
    for (row, column), text in np.ndenumerate(display.text_):
        count, value = counts[row, column], normalized[row, column]
        text.set_text(f"{count}\n{value:.2f}" if count else "0")
        text.set_color("white" if value > vmax / 2 else "black" if count else "grey")
    axes.grid(False)
    axes.set(xlabel="predicted class", ylabel="true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    axes.set_title(f"Confusion matrix (n={counts.sum()}, accuracy={accuracy:.3f})")
    figure.colorbar(display.im_, cax=colorbar, label=COLORBAR_LABELS[normalize])
    colorbar.grid(False)
    return figure


# Per kind: the curve, its display, the display's arguments from the curve's arrays, the score
# (a per_class_ranking column) and its short name, the title.
_CURVES = {
    "roc": (metrics.roc_curve, RocCurveDisplay, ("fpr", "tpr"), "roc_auc", "AUC", "ROC"),
    "pr": (
        lambda y, p: metrics.precision_recall_curve(y, p)[1::-1],
        PrecisionRecallDisplay,
        ("recall", "precision"),
        "average_precision",
        "AP",
        "Precision-recall",
    ),
}
_GRID = np.linspace(0.0, 1.0, 201)
_CHANCE = {"plot_chance_level": True, "chance_level_kw": {"color": "grey", "linestyle": ":"}}


@styled
def curve_figure(kind: str, truth, probabilities, class_names, ranking: dict, headline: dict):
    """One-vs-rest ROC ("roc") or precision-recall ("pr") curves of (n, k) one-hot `truth` and
    `probabilities` on one scikit-learn display: one per class (up to MAX_CLASS_CURVES; of two
    classes, class 1's), and for more classes the micro average (every example and class pooled)
    and the macro average (the classes' curves averaged on a common grid of the x axis)."""
    curve, display, (x_name, y_name), score, score_name, title = _CURVES[kind]
    micro, macro = headline[f"micro_{score}"], headline[f"macro_{score}"]
    # A class absent from the split (or alone in it) has no curve.
    shown = [c for c in range(truth.shape[1]) if 0 < truth[:, c].sum() < len(truth)]
    curves = {c: curve(truth[:, c], probabilities[:, c])[:2] for c in shown}
    drawn = shown[-1:] if len(class_names) == 2 else shown[:MAX_CLASS_CURVES]
    lines = [(*curves[c], ranking[score][c], short_name(class_names[c]),
              {"color": f"C{c % 10}", "linestyle": "-", "alpha": 0.8, "linewidth": 1})
             for c in drawn]  # fmt: skip
    if len(class_names) > 2:
        average = {"color": "k", "alpha": 1, "linestyle": "-"}
        pooled = curve(truth.ravel(), probabilities.ravel())[:2]
        lines.append((*pooled, micro, "micro average", average))
        # np.interp needs increasing x: precision-recall curves come with recall decreasing.
        mean = np.mean([np.interp(_GRID, *_increasing(*curves[c])) for c in shown], axis=0)
        lines.append((_GRID, mean, macro, "macro average", {**average, "linestyle": "--"}))
    x, y, scores, names, styles = map(list, zip(*lines))
    figure, axes = new_figure(4.2, 4.2)
    display(**{x_name: x, y_name: y, score: scores, "name": names}).plot(
        ax=axes, curve_kwargs=styles, **(_CHANCE if kind == "roc" else {})
    )
    axes.set_title(f"{title}, one-vs-rest (micro {score_name} {micro:.3f}, macro {macro:.3f})")
    legend_outside(axes)
    return figure


def _increasing(x, y):
    return (x, y) if x[0] <= x[-1] else (x[::-1], y[::-1])


@styled
def calibration_figure(predictions, headline: dict):
    """`CalibrationDisplay` of the top-class confidence in CALIBRATION_BINS equal-width bins
    (accuracy against mean confidence per bin; the diagonal is perfect calibration), with the
    number of examples per bin below, and the ece and brier of `headline` in the title."""
    correct, confidence = predictions["correct"], predictions["confidence"]
    figure, (top, bottom) = new_figure(
        5.0, 5.0, rows=2, gap=0.15, sharex=True, height_ratios=[3, 1]
    )
    CalibrationDisplay.from_predictions(
        correct, confidence, n_bins=CALIBRATION_BINS, strategy="uniform", ax=top, name="model"
    )
    top.set(xlabel="", ylabel="accuracy in the bin")
    ece, brier = headline["ece"], headline["brier"]
    top.set_title(f"Calibration of the top-class confidence (ECE {ece:.3f}, Brier {brier:.3f})")
    legend_outside(top)
    bottom.hist(confidence, bins=np.linspace(0.0, 1.0, CALIBRATION_BINS + 1), color="C0")
    bottom.set(xlabel="confidence (probability of the predicted class)", ylabel="examples")
    return figure


@styled
def worst_errors_figure(inputs, layout: str, predictions):
    """A grid of the (at most WORST_ERRORS_SHOWN) most confident wrong predictions, most
    confident first (ties in split order), each titled with its true and predicted class and
    the confidence: images for "image" inputs (n, h, w[, c]), line plots for "sequence" ones
    (n, steps[, channels]), or a dict of the shown rows' positions to their examples;
    `predictions` is predictions.csv's frame, in the inputs' order."""
    wrong = predictions[~predictions["correct"]]
    shown = wrong.sort_values("confidence", ascending=False, kind="stable").head(WORST_ERRORS_SHOWN)
    rows, columns = max(1, math.ceil(len(shown) / WORST_ERRORS_COLUMNS)), WORST_ERRORS_COLUMNS
    margins = (0.2, 0.1, 0.2, 0.75)  # no tick labels; above, the title and the first titles
    figure, grid = new_figure(2.2 * columns, 2.3 * rows, rows=rows, cols=columns, gap=0.5,
                              margins=margins, squeeze=False)  # fmt: skip
    for axes in grid.flat[len(shown) :]:
        axes.set_axis_off()
    for axes, (position, row) in zip(grid.flat, shown.iterrows()):
        example = np.asarray(inputs[position], dtype=np.float64)
        if layout == "image":
            # Inputs may be normalised to any range: stretch each image to [0, 1].
            low, high = example.min(), example.max()
            image = (example - low) / (high - low) if high > low else np.zeros_like(example)
            image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
            axes.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0)
            axes.set_axis_off()
        else:
            axes.plot(example.reshape(len(example), -1), linewidth=1)
            axes.set(xticks=[], yticks=[])  # the shape is what a reader compares
        title = f"true {short_name(row['y_true'])}\npredicted {short_name(row['y_pred'])}"
        axes.set_title(f"{title} ({row['confidence']:.2f})", fontsize=8)
    figure.suptitle(f"The {len(shown)} most confident errors")
    return figure
