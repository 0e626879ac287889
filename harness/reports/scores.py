"""Scores of class probabilities: per-class ROC AUC and average precision, Brier, calibration.
All but the calibration error are scikit-learn's, one-vs-rest on the (n, k) probabilities."""

import numpy as np
from sklearn import metrics
from sklearn.preprocessing import label_binarize

CALIBRATION_BINS = 15


def one_hot(y_true, num_classes: int) -> np.ndarray:
    """(n, k) indicator matrix of the class ids (also for k == 2, unlike label_binarize)."""
    return label_binarize(y_true, classes=list(range(max(num_classes, 3))))[:, :num_classes]


def per_class_ranking(y_true, probabilities) -> dict:
    """Per-class one-vs-rest "roc_auc" and "average_precision", each (k,). A class absent from
    `y_true` (or alone in it) has no ROC curve (NaN) and an average precision of 0."""
    truth = one_hot(y_true, probabilities.shape[1])
    present = (truth.sum(axis=0) > 0) & (truth.sum(axis=0) < len(truth))
    ranking = {
        "roc_auc": np.full(len(present), np.nan),
        "average_precision": np.zeros(len(present)),
    }
    for name, score in (("roc_auc", metrics.roc_auc_score),
                        ("average_precision", metrics.average_precision_score)):  # fmt: skip
        ranking[name][present] = score(truth[:, present], probabilities[:, present], average=None)
    return ranking


def probability_scores(y_true, y_pred, probabilities, ranking: dict) -> dict:
    """The headline probability scores for metrics.json and summary.csv.

    macro_roc_auc and macro_average_precision: the mean over the classes with a value
    (`per_class_ranking`); micro_*: every (example, class) pair pooled; brier: sklearn's
    `brier_score_loss` (for k > 2 the mean squared distance between the probability row and the
    one-hot truth, 0 to 2; for k == 2 mean (p1 - y)^2, 0 to 1); ece: `expected_calibration_error`
    of the confidence (the probability of the predicted class).
    """
    truth, pooled = one_hot(y_true, probabilities.shape[1]).ravel(), probabilities.ravel()
    confidence = probabilities[np.arange(len(y_pred)), y_pred]
    labels = list(range(probabilities.shape[1]))
    return {
        "macro_roc_auc": float(np.nanmean(ranking["roc_auc"])),
        "macro_average_precision": float(np.mean(ranking["average_precision"])),
        "micro_roc_auc": float(metrics.roc_auc_score(truth, pooled)),
        "micro_average_precision": float(metrics.average_precision_score(truth, pooled)),
        "brier": float(metrics.brier_score_loss(y_true, probabilities, labels=labels)),
        "ece": expected_calibration_error(y_pred == y_true, confidence),
    }


def expected_calibration_error(correct, confidence) -> float:
    """The expected calibration error of the top-class confidence, in 15 equal-width bins.

    ECE = sum over bins b of (n_b / n) * |accuracy_b - confidence_b|, where bin b holds the n_b
    examples whose confidence lies in (b/15, (b+1)/15] (0 in the first, as sklearn's
    `calibration_curve` bins), accuracy_b is the fraction of them predicted right and
    confidence_b their mean confidence; empty bins add nothing. The definition of Guo et al.
    2017 ("On Calibration of Modern Neural Networks") and torchmetrics' CalibrationError ("l1").
    0 is perfectly calibrated; an overconfident model has confidences above its accuracies.
    """
    correct, confidence = np.asarray(correct, np.float64), np.asarray(confidence, np.float64)
    bins = np.searchsorted(np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)[1:-1], confidence)
    # |sum over the bin of (correct - confidence)| / n_b is |accuracy_b - confidence_b|.
    gap = np.bincount(bins, weights=correct - confidence, minlength=CALIBRATION_BINS)
    return float(np.sum(np.abs(gap)) / len(correct))
