"""evaluate.py's report folder of an image classifier: every figure the issue asks for, the
probability scores in metrics.json and summary.csv recomputed with scikit-learn from
predictions.csv read back with pandas, and --no-plots."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn import metrics

import evaluate
from harness.reports import REPORT_FILES
from tests.eval_tools import read_json, train_run

pytestmark = pytest.mark.timeout(240)
CLASSIFICATION_FIGURES = (
    "confusion_matrix.png",
    "roc_curve.png",
    "pr_curve.png",
    "calibration.png",
    "worst_errors.png",
    "training_curves.png",
)


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory):
    """A tiny digits cnn (image layout) trained 2 epochs and evaluated at its result."""
    run_dir = tmp_path_factory.mktemp("cnn") / "run"
    flags = ["--set", "filters=[4]", "--set", "dense_units=8", "--batch-size", 64]
    train_run(run_dir, "--model", "cnn", "--epochs", 2, *flags)
    assert evaluate.main(["--run-dir", str(run_dir)]) == 0
    (report_dir,) = [folder for folder in (run_dir / "reports").iterdir() if folder.is_dir()]
    return run_dir, report_dir


def test_every_figure_is_a_png_and_every_file_is_a_known_report_file(cnn_run):
    _, report_dir = cnn_run
    for name in CLASSIFICATION_FIGURES:
        with Image.open(report_dir / name) as image:
            assert image.format == "PNG" and min(image.size) >= 300, name
    assert {path.name for path in report_dir.iterdir()} <= set(REPORT_FILES)


def test_probability_scores_in_metrics_json_agree_with_sklearn(cnn_run):
    _, report_dir = cnn_run
    predictions = pd.read_csv(report_dir / "predictions.csv", dtype={"y_true": str})
    p = predictions[[f"p_{c}" for c in range(10)]].to_numpy()
    y = predictions["y_true_id"].to_numpy()
    truth = np.eye(10)[y]
    written = read_json(report_dir / "metrics.json")["metrics"]
    expected = {
        "macro_roc_auc": metrics.roc_auc_score(y, p, multi_class="ovr", average="macro"),
        "micro_roc_auc": metrics.roc_auc_score(truth, p, average="micro"),
        "macro_average_precision": metrics.average_precision_score(truth, p, average="macro"),
        "brier": metrics.brier_score_loss(y, p, labels=range(10)),
    }
    for name, value in expected.items():
        assert written[name] == pytest.approx(value, abs=1e-9), name
    report = pd.read_csv(report_dir / "classification_report.csv", index_col=0)
    assert report.loc["macro avg", "roc_auc"] == pytest.approx(expected["macro_roc_auc"])
    assert 0.0 <= written["ece"] <= 1.0


def test_summary_csv_carries_the_macro_scores_and_no_plots_draws_nothing(cnn_run, tmp_path):
    run_dir, report_dir = cnn_run
    out = tmp_path / "batch"
    assert evaluate.main(["--run-dir", str(run_dir), "--every-checkpoint", "--out", str(out)]) == 0
    summary = pd.read_csv(out / "summary.csv")
    result = read_json(report_dir / "metrics.json")
    row = summary[summary["checkpoint"] == result["checkpoint"]].iloc[0]
    for name in ("macro_roc_auc", "macro_average_precision", "ece", "brier"):
        assert row[name] == pytest.approx(result["metrics"][name], rel=1e-12), name
    bare = tmp_path / "bare"
    assert evaluate.main(["--run-dir", str(run_dir), "--no-plots", "--out", str(bare)]) == 0
    assert not list(bare.glob("*.png"))
    assert read_json(bare / "metrics.json")["metrics"] == result["metrics"]
