"""evaluate.py on one run: every report file read back and checked against scikit-learn computed
independently from predictions.csv, on real tiny runs (digits mlp, sine lstm, a csv table)."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn import metrics

import evaluate
from tests.checkpoint_tools import restored_outputs
from tests.eval_tools import (
    FLOWERS,
    assert_one_line_usage_error,
    flowers_table,
    read_json,
    run_script,
    train_digits_mlp,
    train_run,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """A digits mlp run evaluated at its latest checkpoint (the weights training tested)."""
    run_dir = tmp_path_factory.mktemp("digits") / "run"
    run = train_digits_mlp(run_dir)
    assert evaluate.main(["--run-dir", str(run_dir), "--checkpoint", "latest"]) == 0
    return run_dir, run, run_dir / "reports" / "ckpt-80"


@pytest.fixture(scope="module")
def sine_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("sine") / "run"
    run = train_run(
        run_dir, "--model", "lstm", "--epochs", 1, "--set", "units=4", "--data-opt", "length=600"
    )
    assert evaluate.main(["--run-dir", str(run_dir), "--checkpoint", "latest"]) == 0
    return run_dir, run


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    flowers_table(90, seed=0).to_csv(folder / "flowers.csv", index=False)
    run_dir = folder / "run"
    train_run(
        run_dir,
        "--model",
        "mlp",
        "--dataset",
        f"csv:{folder / 'flowers.csv'}",
        "--target",
        "species",
        "--epochs",
        2,
        "--set",
        "widths=8",
    )
    return folder, run_dir


def read_predictions(report_dir) -> pd.DataFrame:
    return pd.read_csv(report_dir / "predictions.csv", dtype={"y_true": str, "y_pred": str})


def read_matrix(path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col=0)
    frame.index = frame.index.astype(str)
    return frame


def test_confusion_matrices_agree_with_sklearn(digits_run):
    _, run, report_dir = digits_run
    names = run["data"]["class_names"]
    predictions = read_predictions(report_dir)
    counts = read_matrix(report_dir / "confusion_matrix.csv")
    assert list(counts.index) == names and list(counts.columns) == names
    expected = metrics.confusion_matrix(predictions["y_true"], predictions["y_pred"], labels=names)
    np.testing.assert_array_equal(counts.to_numpy(), expected)
    normalized = read_matrix(report_dir / "confusion_matrix_normalized.csv")
    np.testing.assert_allclose(
        normalized.to_numpy(),
        metrics.confusion_matrix(
            predictions["y_true"], predictions["y_pred"], labels=names, normalize="true"
        ),
        atol=1e-12,
    )
    np.testing.assert_allclose(normalized.sum(axis=1), 1.0)  # every digit is in the test split


def test_every_report_cell_agrees_with_sklearn(digits_run):
    _, run, report_dir = digits_run
    names = run["data"]["class_names"]
    predictions = read_predictions(report_dir)
    expected = metrics.classification_report(
        predictions["y_true"],
        predictions["y_pred"],
        labels=names,
        output_dict=True,
        zero_division=0,
    )
    report = read_matrix(report_dir / "classification_report.csv")
    assert list(report.index) == names + ["accuracy", "macro avg", "weighted avg"]
    sklearn_columns = ["precision", "recall", "f1-score", "support"]
    assert list(report.columns) == sklearn_columns + ["roc_auc", "average_precision"]
    probabilities = predictions[[f"p_{name}" for name in names]].to_numpy()
    for column, name in enumerate(names):
        truth = predictions["y_true"] == name
        ranking = {
            "roc_auc": metrics.roc_auc_score(truth, probabilities[:, column]),
            "average_precision": metrics.average_precision_score(truth, probabilities[:, column]),
        }
        expected[name].update(ranking)
    for row in names + ["macro avg", "weighted avg"]:
        for column in sklearn_columns + (["roc_auc", "average_precision"] if row in names else []):
            assert report.loc[row, column] == pytest.approx(expected[row][column], abs=1e-12), (
                row,
                column,
            )
    accuracy = metrics.accuracy_score(predictions["y_true"], predictions["y_pred"])
    assert report.loc["accuracy", "f1-score"] == pytest.approx(accuracy, abs=1e-12)
    assert (
        report.loc["accuracy", "support"]
        == len(predictions)
        == run["data"]["info"]["sizes"]["test"]
    )


def test_predictions_hold_probabilities_that_explain_the_prediction(digits_run):
    _, run, report_dir = digits_run
    names = run["data"]["class_names"]
    predictions = read_predictions(report_dir)
    probabilities = predictions[[f"p_{name}" for name in names]].to_numpy()
    assert list(predictions["index"]) == list(range(len(predictions)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert list(np.asarray(names)[probabilities.argmax(axis=1)]) == list(predictions["y_pred"])
    np.testing.assert_allclose(predictions["confidence"], probabilities.max(axis=1))
    headline = read_json(report_dir / "metrics.json")["metrics"]
    true_ids = predictions["y_true"].map(names.index)
    assert headline["log_loss"] == pytest.approx(
        metrics.log_loss(true_ids, probabilities, labels=range(len(names))), rel=1e-9
    )


def test_metrics_json_names_the_evaluation_and_matches_training(digits_run):
    run_dir, run, report_dir = digits_run
    written = read_json(report_dir / "metrics.json")
    predictions = read_predictions(report_dir)
    assert {
        key: written[key] for key in ("run", "model", "dataset", "split", "checkpoint", "epoch")
    } == {
        "run": str(run_dir),
        "model": "mlp",
        "dataset": "digits",
        "split": "test",
        "checkpoint": "ckpt-80",
        "epoch": 2,
    }
    assert written["params"] == run["model"]["params"]
    accuracy = metrics.accuracy_score(predictions["y_true"], predictions["y_pred"])
    assert written["metrics"]["accuracy"] == pytest.approx(accuracy, abs=1e-12)
    # Training tested its final weights on the test split: same split, same statistics.
    trained = read_json(run_dir / "summary.json")["test"]["accuracy"]
    assert written["metrics"]["accuracy"] == pytest.approx(trained, abs=1e-6)
    timing = written["timing"]
    assert written["eval_samples_per_s"] > 0 and timing["predict_seconds"] > 0
    assert 0 < timing["report_seconds"] < timing["total_seconds"]
    image = Image.open(report_dir / "confusion_matrix.png")
    assert image.format == "PNG" and min(image.size) >= 300


def test_other_split_and_normalisation_get_their_own_folder(digits_run):
    run_dir, run, _ = digits_run
    assert (
        evaluate.main(
            [
                "--run-dir",
                str(run_dir),
                "--checkpoint",
                "ckpt-80",
                "--split",
                "val",
                "--normalize",
                "pred",
            ]
        )
        == 0
    )
    report_dir = run_dir / "reports" / "ckpt-80-val"
    predictions = read_predictions(report_dir)
    assert len(predictions) == run["data"]["info"]["sizes"]["val"]
    normalized = read_matrix(report_dir / "confusion_matrix_normalized.csv")
    predicted = sorted(set(predictions["y_pred"]))
    np.testing.assert_allclose(normalized[predicted].sum(axis=0), 1.0)
    assert read_json(report_dir / "metrics.json")["normalize"] == "pred"


def test_regression_files_agree_with_sklearn(sine_run):
    run_dir, run = sine_run
    report_dir = run_dir / "reports" / "ckpt-12"
    predictions = pd.read_csv(report_dir / "predictions.csv")
    assert list(predictions.columns) == ["index", "y_true", "y_pred", "error"]
    y_true, y_pred = predictions["y_true"], predictions["y_pred"]
    np.testing.assert_allclose(predictions["error"], y_pred - y_true, atol=1e-12)
    report = pd.read_csv(report_dir / "regression_report.csv").set_index("output").loc["all"]
    mse = metrics.mean_squared_error(y_true, y_pred)
    assert report["mse"] == pytest.approx(mse, rel=1e-9)
    assert report["rmse"] == pytest.approx(np.sqrt(mse), rel=1e-9)
    assert report["mae"] == pytest.approx(metrics.mean_absolute_error(y_true, y_pred), rel=1e-9)
    assert report["r2"] == pytest.approx(metrics.r2_score(y_true, y_pred), rel=1e-9)
    assert report["max_error"] == pytest.approx(metrics.max_error(y_true, y_pred), rel=1e-9)
    assert report["n"] == len(predictions) == run["data"]["info"]["sizes"]["test"]
    trained = read_json(run_dir / "summary.json")["test"]["mse"]
    assert mse == pytest.approx(trained, rel=1e-5)
    written = read_json(report_dir / "metrics.json")
    assert written["task"] == "regression" and written["metrics"]["r2"] == pytest.approx(
        report["r2"]
    )
    assert Image.open(report_dir / "predictions.png").format == "PNG"
    assert Image.open(report_dir / "residuals.png").format == "PNG"
    assert Image.open(report_dir / "training_curves.png").format == "PNG"


def test_class_names_of_a_csv_table_are_kept(csv_run):
    _, run_dir = csv_run
    out = run_dir / "my-report"
    assert evaluate.main(["--run-dir", str(run_dir), "--out", str(out)]) == 0
    counts = read_matrix(out / "confusion_matrix.csv")
    assert list(counts.index) == list(FLOWERS) and list(counts.columns) == list(FLOWERS)
    report = read_matrix(out / "classification_report.csv")
    assert list(report.index[:3]) == list(FLOWERS)
    predictions = read_predictions(out)
    assert set(predictions["y_true"]) == set(FLOWERS)
    assert [f"p_{name}" for name in FLOWERS] == [
        c for c in predictions.columns if c.startswith("p_")
    ]


def test_another_csv_is_evaluated_row_by_row_with_training_statistics(csv_run):
    folder, run_dir = csv_run
    new_rows = flowers_table(30, seed=1)
    new_rows.to_csv(folder / "new.csv", index=False)
    assert (
        evaluate.main(
            [
                "--run-dir",
                str(run_dir),
                "--dataset",
                f"csv:{folder / 'new.csv'}",
                "--out",
                str(folder / "new-report"),
            ]
        )
        == 0
    )
    predictions = read_predictions(folder / "new-report")
    assert list(predictions["index"]) == list(range(30))  # file order, every row
    assert list(predictions["y_true"]) == list(new_rows["species"])
    written = read_json(folder / "new-report" / "metrics.json")
    assert written["split"] == "all" and written["dataset"] == f"csv:{folder / 'new.csv'}"
    # Each row encoded here with the statistics run.json recorded from the training rows (not
    # refitted on the new file, whose mean differs), then through the restored checkpoint.
    run = read_json(run_dir / "run.json")
    features = run["data"]["normalization"]["features"]
    assert [feature["name"] for feature in features] == ["width", "colour"]
    width, colour = features
    assert abs(new_rows["width"].mean() - width["mean"]) > 1e-3
    x = np.column_stack(
        [
            (new_rows["width"].to_numpy() - width["mean"]) / width["std"],
            *(new_rows["colour"].to_numpy() == category for category in colour["categories"]),
        ]
    ).astype(np.float32)
    probabilities = restored_outputs(run_dir, written["checkpoint"], x)
    names = run["data"]["class_names"]
    written_probabilities = predictions[[f"p_{name}" for name in names]].to_numpy()
    np.testing.assert_allclose(written_probabilities, probabilities, rtol=1e-5, atol=1e-6)
    assert list(predictions["y_pred"]) == [names[i] for i in probabilities.argmax(axis=1)]


def test_bad_input_exits_2_with_one_line(digits_run, tmp_path):
    run_dir, _, _ = digits_run
    (tmp_path / "a-file").write_text("not a run")
    (tmp_path / "empty").mkdir()
    cases = {
        "missing": ["--run-dir", tmp_path / "nowhere"],
        "file": ["--run-dir", tmp_path / "a-file"],
        "empty root": ["--all", tmp_path / "empty"],
        "unknown checkpoint": ["--run-dir", run_dir, "--checkpoint", "ckpt-999"],
        "not a checkpoint name": ["--run-dir", run_dir, "--checkpoint", "newest"],
    }
    for case, args in cases.items():
        code, _, stderr = run_script("evaluate.py", *args)
        assert_one_line_usage_error(code, stderr)
        assert {
            "missing": "does not exist",
            "file": "is a file",
            "empty root": "no run folders",
            "unknown checkpoint": "ckpt-999",
            "not a checkpoint name": "newest",
        }[case] in stderr[0]
