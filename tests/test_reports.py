"""Report files read back with pandas and checked against scikit-learn computed independently.

The expected numbers come from the written predictions.csv (class names, not ids), so a report
that mislabels, reorders or drops a class disagrees with what a reader of the files would compute.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from harness.errors import UsageError
from harness.reports import (
    write_batch_summary,
    write_classification_report,
    write_metrics_json,
    write_regression_report,
)

# Spaces, a comma, a quote and a class that never occurs in y_true: the awkward cases for CSV.
CLASS_NAMES = ["setosa, wild", "versi color", 'virginica "big"', "unseen"]


def _classification_data(seed=0, n=60):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 3, size=n)
    probabilities = rng.dirichlet(np.ones(len(CLASS_NAMES)), size=n).astype(np.float32)
    # Lean the probabilities towards the truth so the report is neither perfect nor random.
    probabilities[np.arange(n), y_true] += 0.5
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return y_true, probabilities


def _read_predictions(path):
    return pd.read_csv(path, dtype={"y_true": str, "y_pred": str}, keep_default_na=False)


@pytest.mark.parametrize("normalize", ["true", "pred", "all"])
def test_classification_files_agree_with_sklearn(tmp_path, normalize):
    y_true, probabilities = _classification_data()
    headline = write_classification_report(
        tmp_path,
        y_true=y_true,
        probabilities=probabilities,
        class_names=CLASS_NAMES,
        normalize=normalize,
    )
    predictions = _read_predictions(tmp_path / "predictions.csv")
    true_names, pred_names = predictions["y_true"], predictions["y_pred"]
    assert set(true_names) <= set(CLASS_NAMES) and set(pred_names) <= set(CLASS_NAMES)

    counts = pd.read_csv(tmp_path / "confusion_matrix.csv", index_col=0)
    assert counts.index.name == "true\\predicted"
    assert list(counts.index) == CLASS_NAMES and list(counts.columns) == CLASS_NAMES
    expected = metrics.confusion_matrix(true_names, pred_names, labels=CLASS_NAMES)
    np.testing.assert_array_equal(counts.to_numpy(), expected)
    assert counts.loc["unseen"].sum() == 0

    normalized = pd.read_csv(tmp_path / "confusion_matrix_normalized.csv", index_col=0)
    assert list(normalized.index) == CLASS_NAMES and list(normalized.columns) == CLASS_NAMES
    expected = metrics.confusion_matrix(
        true_names, pred_names, labels=CLASS_NAMES, normalize=normalize
    )
    np.testing.assert_allclose(normalized.to_numpy(), expected, rtol=0, atol=1e-15)
    assert not normalized.isna().any().any()
    if normalize == "true":
        np.testing.assert_allclose(normalized.sum(axis=1), [1, 1, 1, 0])
    elif normalize == "pred":
        column_sums = normalized.sum(axis=0).to_numpy()
        seen = counts.sum(axis=0).to_numpy() > 0
        np.testing.assert_allclose(column_sums, np.where(seen, 1.0, 0.0))
    else:
        assert normalized.to_numpy().sum() == pytest.approx(1.0)
    assert headline["n"] == len(y_true) == len(predictions)


def test_classification_report_every_cell(tmp_path):
    y_true, probabilities = _classification_data(seed=1)
    headline = write_classification_report(
        tmp_path, y_true=y_true, probabilities=probabilities, class_names=CLASS_NAMES
    )
    predictions = _read_predictions(tmp_path / "predictions.csv")
    expected = metrics.classification_report(
        predictions["y_true"],
        predictions["y_pred"],
        labels=CLASS_NAMES,
        output_dict=True,
        zero_division=0,
    )
    report = pd.read_csv(tmp_path / "classification_report.csv", index_col=0)
    assert report.index.name == "class"
    assert list(report.index) == CLASS_NAMES + ["accuracy", "macro avg", "weighted avg"]
    sklearn_columns = ["precision", "recall", "f1-score", "support"]
    # roc_auc and average_precision: tests/test_report_scores.py
    assert list(report.columns) == sklearn_columns + ["roc_auc", "average_precision"]
    for row in CLASS_NAMES + ["macro avg", "weighted avg"]:
        for column in sklearn_columns:
            assert report.loc[row, column] == pytest.approx(expected[row][column], abs=1e-15)
    accuracy_row = report.loc["accuracy"]
    assert math.isnan(accuracy_row["precision"]) and math.isnan(accuracy_row["recall"])
    assert accuracy_row["f1-score"] == pytest.approx(expected["accuracy"], abs=1e-15)
    assert accuracy_row["support"] == len(y_true)
    assert report.loc["unseen", "support"] == 0

    macro, weighted = expected["macro avg"], expected["weighted avg"]
    written = predictions[[f"p_{name}" for name in CLASS_NAMES]].to_numpy()
    probability_scores = {"macro_roc_auc", "macro_average_precision", "micro_roc_auc"}
    probability_scores |= {"micro_average_precision", "brier", "ece"}
    assert probability_scores <= set(headline)  # tests/test_report_scores.py checks them
    headline = {key: value for key, value in headline.items() if key not in probability_scores}
    assert headline == pytest.approx(
        {
            "accuracy": expected["accuracy"],
            "macro_f1": macro["f1-score"],
            "weighted_f1": weighted["f1-score"],
            "macro_precision": macro["precision"],
            "macro_recall": macro["recall"],
            "n": len(y_true),
            # From the probabilities as written (the class that never occurs included).
            "log_loss": metrics.log_loss(
                predictions["y_true_id"], written, labels=range(len(CLASS_NAMES))
            ),
        },
        abs=1e-12,
    )


def test_predictions_csv_holds_names_ids_and_probabilities(tmp_path):
    y_true, probabilities = _classification_data(seed=2)
    index = np.arange(len(y_true)) + 1000
    headline = write_classification_report(
        tmp_path, y_true=y_true, probabilities=probabilities, class_names=CLASS_NAMES, index=index
    )
    predictions = _read_predictions(tmp_path / "predictions.csv")
    probability_columns = [f"p_{name}" for name in CLASS_NAMES]
    assert (
        list(predictions.columns)
        == ["index", "y_true", "y_pred", "y_true_id", "y_pred_id", "correct", "confidence"]
        + probability_columns
    )
    np.testing.assert_array_equal(predictions["index"], index)
    np.testing.assert_array_equal(predictions["y_true_id"], y_true)
    assert list(predictions["y_true"]) == [CLASS_NAMES[i] for i in y_true]
    written = predictions[probability_columns].to_numpy()
    # float32 softmax rows are rescaled in float64 to sum to 1, which moves them by < 1e-6.
    np.testing.assert_allclose(written, probabilities, rtol=1e-6, atol=0)
    np.testing.assert_allclose(written.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(predictions["y_pred_id"], written.argmax(axis=1))
    np.testing.assert_array_equal(predictions["confidence"], written.max(axis=1))
    np.testing.assert_array_equal(
        predictions["correct"], predictions["y_true"] == predictions["y_pred"]
    )
    expected_loss = metrics.log_loss(predictions["y_true_id"], written, labels=range(4))
    assert headline["log_loss"] == pytest.approx(expected_loss, rel=1e-12)


def test_binary_single_column_probabilities_and_hard_predictions(tmp_path):
    y_true = np.array([0, 1, 1, 0, 1, 0])
    positive = np.array([0.2, 0.9, 0.4, 0.1, 0.7, 0.6])
    headline = write_classification_report(
        tmp_path / "soft", y_true=y_true, probabilities=positive, class_names=["no", "yes"]
    )
    predictions = _read_predictions(tmp_path / "soft" / "predictions.csv")
    np.testing.assert_array_equal(predictions["y_pred_id"], (positive > 0.5).astype(int))
    np.testing.assert_allclose(predictions["p_yes"], positive, rtol=0, atol=0)
    assert headline["log_loss"] == pytest.approx(metrics.log_loss(y_true, positive))
    assert headline["accuracy"] == pytest.approx(4 / 6)

    hard = write_classification_report(
        tmp_path / "hard",
        y_true=y_true,
        probabilities=None,
        y_pred=np.array([0, 1, 1, 1, 1, 0]),
        class_names=["no", "yes"],
    )
    assert "log_loss" not in hard and hard["accuracy"] == pytest.approx(5 / 6)
    columns = pd.read_csv(tmp_path / "hard" / "predictions.csv").columns
    assert "confidence" not in columns and not any(c.startswith("p_") for c in columns)


def test_classification_rejects_bad_input(tmp_path):
    y_true, probabilities = _classification_data()
    arguments = dict(y_true=y_true, probabilities=probabilities, class_names=CLASS_NAMES)
    with pytest.raises(UsageError, match="unknown normalize 'rows'; known: true, pred, all"):
        write_classification_report(tmp_path, normalize="rows", **arguments)
    with pytest.raises(UsageError, match="repeated"):
        write_classification_report(tmp_path, **{**arguments, "class_names": ["a", "a", "b", "c"]})
    with pytest.raises(ValueError, match="0..3"):
        write_classification_report(tmp_path, **{**arguments, "y_true": y_true + 2})
    with pytest.raises(ValueError, match="probabilities must have shape"):
        write_classification_report(
            tmp_path, **{**arguments, "probabilities": probabilities[:, :3]}
        )
    assert not list(tmp_path.iterdir()), "a rejected call must not leave files behind"


def test_regression_single_output_agrees_with_sklearn(tmp_path):
    rng = np.random.default_rng(3)
    y_true = np.sin(np.linspace(0, 6, 80)).astype(np.float32)
    y_pred = y_true + rng.normal(0, 0.1, size=80).astype(np.float32)
    returned = write_regression_report(tmp_path, y_true=y_true, y_pred=y_pred)
    predictions = pd.read_csv(tmp_path / "predictions.csv")
    assert list(predictions.columns) == ["index", "y_true", "y_pred", "error"]
    np.testing.assert_array_equal(predictions["index"], np.arange(80))
    np.testing.assert_array_equal(predictions["y_true"], y_true.astype(np.float64))
    np.testing.assert_array_equal(
        predictions["error"], predictions["y_pred"] - predictions["y_true"]
    )
    report = pd.read_csv(tmp_path / "regression_report.csv")
    assert list(report.columns) == ["output", "mse", "rmse", "mae", "r2", "max_error", "n"]
    assert len(report) == 1 and report.loc[0, "output"] == "all"
    row = report.iloc[0]
    truth, guess = predictions["y_true"], predictions["y_pred"]
    expected = {
        "mse": metrics.mean_squared_error(truth, guess),
        "mae": metrics.mean_absolute_error(truth, guess),
        "r2": metrics.r2_score(truth, guess),
        "max_error": metrics.max_error(truth, guess),
    }
    expected["rmse"] = math.sqrt(expected["mse"])
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-12), name
        assert returned[name] == pytest.approx(value, rel=1e-12), name
    assert row["n"] == returned["n"] == 80


def test_regression_multi_output_is_long_and_per_output(tmp_path):
    rng = np.random.default_rng(4)
    y_true = rng.normal(size=(30, 3))
    y_pred = y_true * np.array([1.0, 0.5, 2.0]) + rng.normal(0, 0.2, size=(30, 3))
    index = np.arange(30) * 10
    returned = write_regression_report(tmp_path, y_true=y_true, y_pred=y_pred, index=index)
    predictions = pd.read_csv(tmp_path / "predictions.csv")
    assert list(predictions.columns) == ["index", "output", "y_true", "y_pred", "error"]
    assert len(predictions) == 90
    wide_true = predictions.pivot(index="index", columns="output", values="y_true")
    wide_pred = predictions.pivot(index="index", columns="output", values="y_pred")
    np.testing.assert_array_equal(wide_true.index, index)
    np.testing.assert_array_equal(wide_true.to_numpy(), y_true)
    report = pd.read_csv(tmp_path / "regression_report.csv", dtype={"output": str})
    assert list(report["output"]) == ["all", "0", "1", "2"]
    overall = report.iloc[0]
    assert overall["r2"] == pytest.approx(metrics.r2_score(wide_true, wide_pred), rel=1e-12)
    assert overall["mse"] == pytest.approx(metrics.mean_squared_error(wide_true, wide_pred))
    assert overall["max_error"] == pytest.approx(np.abs(predictions["error"]).max())
    assert overall["n"] == 30 and returned["r2"] == pytest.approx(overall["r2"])
    for output in range(3):
        row = report.iloc[output + 1]
        assert row["r2"] == pytest.approx(metrics.r2_score(wide_true[output], wide_pred[output]))
        assert row["mse"] == pytest.approx(
            metrics.mean_squared_error(wide_true[output], wide_pred[output])
        )
    with pytest.raises(ValueError, match="one shape"):
        write_regression_report(tmp_path, y_true=y_true, y_pred=y_pred[:, :2])


def _batch_rows():
    return [
        {
            "run": "a",
            "model": "mlp",
            "dataset": "digits",
            "checkpoint": "best.keras",
            "epoch": 3,
            "params": 1200,
            "accuracy": 0.81,
            "macro_f1": 0.8,
            "eval_samples_per_s": 900.0,
        },
        {
            "run": "b",
            "model": "cnn",
            "dataset": "digits",
            "checkpoint": "best.keras",
            "status": "failed",
            "error": "load failed: bad file, truncated",
        },
        {
            "run": "c",
            "model": "lstm",
            "dataset": "sine",
            "checkpoint": "last.keras",
            "epoch": 9,
            "params": 800,
            "rmse": 0.12,
            "r2": 0.97,
            "eval_samples_per_s": 400.0,
        },
        {
            "run": "d",
            "model": "gru",
            "dataset": "digits",
            "checkpoint": "last.keras",
            "epoch": 5,
            "params": 900,
            "accuracy": 0.93,
            "macro_f1": 0.92,
            "eval_samples_per_s": 700.0,
        },
        {"run": "e", "model": "rnn", "dataset": "digits", "error": "out of memory"},
        {
            "run": "f",
            "model": "mlp",
            "dataset": "digits",
            "checkpoint": "epoch_2.keras",
            "epoch": 2,
            "params": 1200,
            "accuracy": 0.81,
            "macro_f1": 0.79,
            "eval_samples_per_s": 950.0,
        },
    ]


def test_batch_summary_ranks_best_first_and_failed_last(tmp_path):
    path = tmp_path / "summary.csv"
    returned = write_batch_summary(
        path, _batch_rows(), primary_metric="accuracy", higher_is_better=True
    )
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    assert list(table.columns) == [
        "run",
        "model",
        "dataset",
        "checkpoint",
        "epoch",
        "params",
        "accuracy",
        "macro_f1",
        "rmse",
        "r2",
        "eval_samples_per_s",
        "status",
        "error",
    ]
    # d is best; a and f tie on accuracy and keep the order given; c lacks accuracy; b, e failed.
    assert list(table["run"]) == ["d", "a", "f", "c", "b", "e"]
    assert list(table["status"]) == ["ok", "ok", "ok", "ok", "failed", "failed"]
    assert table.loc[4, "error"] == "load failed: bad file, truncated"
    assert math.isnan(table.loc[0, "rmse"]) and table.loc[3, "rmse"] == 0.12
    assert list(returned["run"]) == list(table["run"])

    write_batch_summary(path, _batch_rows(), primary_metric="rmse", higher_is_better=False)
    assert list(pd.read_csv(path)["run"]) == ["c", "a", "d", "f", "b", "e"]
    with pytest.raises(UsageError, match="'acuracy' is in no successful row; known: .*accuracy"):
        write_batch_summary(path, _batch_rows(), primary_metric="acuracy", higher_is_better=True)


def test_metrics_json_is_strict_json(tmp_path):
    path = write_metrics_json(
        tmp_path / "eval",
        {
            "accuracy": np.float32(0.5),
            "n": np.int64(8),
            "r2": float("nan"),
            "per_class": [1.0, np.inf],
        },
    )
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"accuracy": 0.5, "n": 8, "r2": None, "per_class": [1.0, None]}
    assert [p.name for p in (tmp_path / "eval").iterdir()] == ["metrics.json"]


def test_batch_summary_keeps_whole_numbers_whole_beside_a_failed_row(tmp_path):
    from harness.reports import write_batch_summary

    rows = [
        {"run": "a", "model": "mlp", "epoch": 12, "params": 5082, "accuracy": 0.9},
        {"run": "b", "model": "mlp", "status": "failed", "error": "no run.json"},
    ]
    write_batch_summary(
        tmp_path / "summary.csv", rows, primary_metric="accuracy", higher_is_better=True
    )
    table = pd.read_csv(tmp_path / "summary.csv", dtype=str, keep_default_na=False)
    assert table.loc[0, "epoch"] == "12" and table.loc[0, "params"] == "5082"
    assert table.loc[1, "epoch"] == "" and table.loc[1, "status"] == "failed"
