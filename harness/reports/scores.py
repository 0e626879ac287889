"""Scores of class probabilities: ROC AUC and average precision per class, calibration, Brier.

All but the calibration error are scikit-learn's functions, one-vs-rest on the (n, k)
probabilities with `labels=range(k)`, so a class absent from the split keeps its place (its
ROC AUC is then undefined: NaN in the CSV, left out of the macro average).
"""

import numpy as np
from sklearn import metrics
from sklearn.preprocessing import label_binarize

CALIBRATION_BINS = 15


def one_hot(y_true, num_classes: int) -> np.ndarray:
    """(n, k) indicator matrix of the class ids (also for k == 2, unlike label_binarize)."""
    return label_binarize(y_true, classes=list(range(max(num_classes, 3))))[:, :num_classes]


def per_class_ranking(y_true, probabilities) -> dict:
    """Per-class one-vs-rest "roc_auc" and "average_precision", each a (k,) array.

    A class that is absent from `y_true` (or the only one present) has no ROC curve: NaN.
    Its average precision is 0, as scikit-learn defines it with no positives.
    """
    truth = one_hot(y_true, probabilities.shape[1])
    present = (truth.sum(axis=0) > 0) & (truth.sum(axis=0) < len(truth))
    roc_auc = np.full(probabilities.shape[1], np.nan)
    roc_auc[present] = metrics.roc_auc_score(
        truth[:, present], probabilities[:, present], average=None
    )
    # A class without positives has no precision; scikit-learn warns and counts it as 0.
    precision = [
        metrics.average_precision_score(truth[:, c], probabilities[:, c]) if present[c] else 0.0
        for c in range(probabilities.shape[1])
    ]
    return {"roc_auc": roc_auc, "average_precision": np.asarray(precision)}


def probability_scores(y_true, y_pred, probabilities, ranking: dict) -> dict:
    """The headline probability scores for metrics.json and summary.csv.

    macro_roc_auc and macro_average_precision: the unweighted mean over the classes with a
    defined value (`per_class_ranking`); micro_roc_auc and micro_average_precision: every
    (example, class) pair pooled; brier: scikit-learn's `brier_score_loss`, for more than two
    classes the mean over examples of the squared distance between the probability row and the
    one-hot truth (0 best, 2 worst), for two the binary score of class 1, mean (p1 - y)^2 (0
    best, 1 worst); ece: `expected_calibration_error` of the confidence (the probability of
    the predicted class, predictions.csv's confidence column).
    """
    truth = one_hot(y_true, probabilities.shape[1])
    labels = list(range(probabilities.shape[1]))
    confidence = probabilities[np.arange(len(y_pred)), y_pred]
    return {
        "macro_roc_auc": float(np.nanmean(ranking["roc_auc"])),
        "macro_average_precision": float(np.mean(ranking["average_precision"])),
        "micro_roc_auc": float(metrics.roc_auc_score(truth.ravel(), probabilities.ravel())),
        "micro_average_precision": float(
            metrics.average_precision_score(truth.ravel(), probabilities.ravel())
        ),
        "brier": float(metrics.brier_score_loss(y_true, probabilities, labels=labels)),
        "ece": expected_calibration_error(y_pred == y_true, confidence),
    }


def calibration_bins(confidence) -> np.ndarray:
    """The bin of each confidence among CALIBRATION_BINS equal-width bins of [0, 1]: bin b holds
    (b/B, (b+1)/B], and 0 falls in the first, as `sklearn.calibration.calibration_curve` bins."""
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    return np.searchsorted(edges[1:-1], confidence)


def expected_calibration_error(correct, confidence) -> float:
    """The expected calibration error of the top-class confidence, with 15 equal-width bins.

    ECE = sum over bins b of (n_b / n) * |accuracy_b - confidence_b|, where bin b holds the
    n_b examples whose confidence (the probability of the predicted class) lies in
    (b/15, (b+1)/15], accuracy_b is the fraction of them predicted right and confidence_b their
    mean confidence. Empty bins add nothing. This is the definition of Guo et al. 2017 ("On
    Calibration of Modern Neural Networks") and of torchmetrics' CalibrationError (norm "l1").
    0 is perfectly calibrated; an overconfident model has confidences above its accuracies.
    """
    correct = np.asarray(correct, dtype=np.float64)
    confidence = np.asarray(confidence, dtype=np.float64)
    bins = calibration_bins(confidence)
    gap = np.bincount(bins, weights=correct - confidence, minlength=CALIBRATION_BINS)
    # |sum over the bin of (correct - confidence)| / n_b is |accuracy_b - confidence_b|.
    return float(np.sum(np.abs(gap)) / len(correct))
