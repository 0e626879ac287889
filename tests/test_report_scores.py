"""ROC, precision-recall, calibration and the worst errors: every number recomputed with
scikit-learn from predictions.csv read back with pandas, and the figures' drawn data checked."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.calibration import calibration_curve

from harness.reports import write_classification_report
from harness.reports.classification_figures import WORST_ERRORS_SHOWN as MAX_SHOWN
from harness.reports.classification_figures import worst_errors_figure
from harness.reports.scores import CALIBRATION_BINS, expected_calibration_error

CLASSES = ["cat", "dog", "=bird", "fish"]
FIGURES = ("confusion_matrix.png", "roc_curve.png", "pr_curve.png", "calibration.png")


def _probabilities(num_classes, n, seed, skill=1.5):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, num_classes, size=n)
    logits = rng.normal(size=(n, num_classes))
    logits[np.arange(n), y_true] += skill
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_true, probabilities.astype(np.float32)


def _read_back(folder, class_names):
    predictions = pd.read_csv(folder / "predictions.csv", dtype={"y_true": str, "y_pred": str})
    columns = [f"p_{name}" for name in class_names]
    return predictions, predictions[columns].to_numpy()


def _ece_by_definition(correct, confidence) -> float:
    # Written out bin by bin: (b/15, (b+1)/15], 0 in the first bin.
    total = 0.0
    for b in range(CALIBRATION_BINS):
        low, high = b / CALIBRATION_BINS, (b + 1) / CALIBRATION_BINS
        members = (confidence > low) & (confidence <= high) | ((b == 0) & (confidence == 0))
        if members.any():
            gap = correct[members].mean() - confidence[members].mean()
            total += members.sum() / len(correct) * abs(gap)
    return total


def test_every_probability_score_agrees_with_sklearn_on_predictions_csv(tmp_path):
    y_true, probabilities = _probabilities(len(CLASSES), 400, seed=3)
    images = np.random.default_rng(0).random((400, 8, 8, 1))
    headline = write_classification_report(
        tmp_path,
        y_true=y_true,
        probabilities=probabilities,
        class_names=CLASSES,
        inputs=images,
        layout="image",
    )
    predictions, p = _read_back(tmp_path, CLASSES)
    y = predictions["y_true_id"].to_numpy()
    truth = np.eye(len(CLASSES))[y]
    report = pd.read_csv(tmp_path / "classification_report.csv", index_col=0)
    for c, name in enumerate(["cat", "dog", "'=bird", "fish"]):
        assert report.loc[name, "roc_auc"] == pytest.approx(metrics.roc_auc_score(y == c, p[:, c]))
        assert report.loc[name, "average_precision"] == pytest.approx(
            metrics.average_precision_score(y == c, p[:, c])
        )
    expected = {
        "macro_roc_auc": metrics.roc_auc_score(y, p, multi_class="ovr", average="macro"),
        "micro_roc_auc": metrics.roc_auc_score(truth, p, average="micro"),
        "macro_average_precision": metrics.average_precision_score(truth, p, average="macro"),
        "micro_average_precision": metrics.average_precision_score(truth, p, average="micro"),
        "brier": np.mean(np.sum((p - truth) ** 2, axis=1)),
        "log_loss": metrics.log_loss(y, p),
        "ece": _ece_by_definition(predictions["correct"].to_numpy(), p.max(axis=1)),
    }
    for name, value in expected.items():
        assert headline[name] == pytest.approx(value, abs=1e-9), name
    assert report.loc["macro avg", "roc_auc"] == pytest.approx(expected["macro_roc_auc"])
    assert report.loc["weighted avg", "roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y, p, multi_class="ovr", average="weighted")
    )
    assert np.isnan(report.loc["accuracy", "roc_auc"])
    for figure in (*FIGURES, "worst_errors.png"):
        assert (tmp_path / figure).stat().st_size > 10_000, figure


def test_ece_is_the_binned_gap_that_sklearns_calibration_curve_shows():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.25, 1.0, size=3000)
    correct = rng.random(3000) < confidence**2  # overconfident
    accuracy, mean_confidence = calibration_curve(
        correct, confidence, n_bins=CALIBRATION_BINS, strategy="uniform"
    )
    counts = np.histogram(confidence, bins=np.linspace(0, 1, CALIBRATION_BINS + 1))[0]
    weights = counts[counts > 0] / len(confidence)
    via_sklearn = np.sum(weights * np.abs(accuracy - mean_confidence))
    assert expected_calibration_error(correct, confidence) == pytest.approx(via_sklearn)
    assert expected_calibration_error(np.ones(4, bool), np.ones(4)) == 0.0
    assert expected_calibration_error(np.zeros(2, bool), np.array([1.0, 1.0])) == 1.0


def test_binary_scores_are_the_positive_class_scores(tmp_path):
    y_true, probabilities = _probabilities(2, 300, seed=4, skill=1.0)
    headline = write_classification_report(
        tmp_path, y_true=y_true, probabilities=probabilities[:, 1], class_names=["no", "yes"]
    )
    predictions, p = _read_back(tmp_path, ["no", "yes"])
    y = predictions["y_true_id"].to_numpy()
    assert headline["macro_roc_auc"] == pytest.approx(metrics.roc_auc_score(y, p[:, 1]))
    assert headline["brier"] == pytest.approx(np.mean((p[:, 1] - y) ** 2))
    assert headline["macro_average_precision"] == pytest.approx(
        np.mean([metrics.average_precision_score(y == c, p[:, c]) for c in (0, 1)])
    )


def test_a_class_absent_from_the_split_has_no_roc_auc_and_no_say_in_the_macro(tmp_path):
    y_true, probabilities = _probabilities(3, 200, seed=5)
    y_true[y_true == 2] = 0
    headline = write_classification_report(
        tmp_path, y_true=y_true, probabilities=probabilities, class_names=["a", "b", "c"]
    )
    report = pd.read_csv(tmp_path / "classification_report.csv", index_col=0)
    assert np.isnan(report.loc["c", "roc_auc"])
    present = [metrics.roc_auc_score(y_true == c, probabilities[:, c]) for c in (0, 1)]
    assert headline["macro_roc_auc"] == pytest.approx(np.mean(present), rel=1e-6)
    assert report.loc["c", "average_precision"] == 0.0
    assert (tmp_path / "roc_curve.png").exists() and (tmp_path / "pr_curve.png").exists()


def test_no_plots_writes_the_same_numbers_and_no_figure(tmp_path):
    y_true, probabilities = _probabilities(4, 100, seed=6)
    drawn = write_classification_report(
        tmp_path / "drawn", y_true=y_true, probabilities=probabilities, class_names=CLASSES
    )
    bare = write_classification_report(
        tmp_path / "bare",
        y_true=y_true,
        probabilities=probabilities,
        class_names=CLASSES,
        plots=False,
    )
    assert bare == drawn
    assert not list((tmp_path / "bare").glob("*.png"))
    for name in ("predictions.csv", "classification_report.csv"):
        assert (tmp_path / "bare" / name).read_text() == (tmp_path / "drawn" / name).read_text()


@pytest.mark.parametrize("layout", ["image", "sequence"])
def test_the_worst_errors_are_the_most_confident_wrong_rows_of_predictions_csv(tmp_path, layout):
    y_true, probabilities = _probabilities(4, 120, seed=7, skill=0.3)
    rng = np.random.default_rng(2)
    inputs = rng.random((120, 6, 6, 3)) if layout == "image" else rng.normal(size=(120, 30, 2))
    write_classification_report(
        tmp_path,
        y_true=y_true,
        probabilities=probabilities,
        class_names=CLASSES,
        inputs=inputs,
        layout=layout,
    )
    predictions, _ = _read_back(tmp_path, CLASSES)
    wrong = predictions[~predictions["correct"]]
    expected = wrong.sort_values("confidence", ascending=False, kind="stable").head(MAX_SHOWN)
    figure = worst_errors_figure(inputs, layout, predictions)
    shown = [axes for axes in figure.axes if axes.get_title()]
    assert len(shown) == MAX_SHOWN
    for axes, (index, row) in zip(shown, expected.iterrows()):
        assert axes.get_title() == (
            f"true {row['y_true']}\npredicted {row['y_pred']} ({row['confidence']:.2f})"
        )
        if layout == "sequence":
            for channel, line in enumerate(axes.lines):
                np.testing.assert_array_equal(line.get_ydata(), inputs[index, :, channel])
        else:
            image = axes.images[0].get_array()
            stretched = (inputs[index] - inputs[index].min()) / np.ptp(inputs[index])
            np.testing.assert_allclose(image, stretched)
    assert (tmp_path / "worst_errors.png").exists()


def test_flat_rows_get_no_worst_errors_grid(tmp_path):
    y_true, probabilities = _probabilities(4, 60, seed=8)
    write_classification_report(
        tmp_path,
        y_true=y_true,
        probabilities=probabilities,
        class_names=CLASSES,
        inputs=np.zeros((60, 5)),
        layout="flat",
    )
    assert not (tmp_path / "worst_errors.png").exists()
