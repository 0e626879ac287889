"""CSV injection: class labels such as "=HYPERLINK(...)" were written raw into every report CSV,
where a spreadsheet would run them. Text cells that start a formula now get a leading quote
(OWASP, ASVS 5.0 V1.2.10); numbers, such as the label "-2", are left as they are. Every file is
read back with pandas."""

import numpy as np
import pandas as pd
import pytest

from harness.reports import write_batch_summary, write_classification_report
from harness.reports.csv_cells import spreadsheet_safe
from tests.eval_tools import run_script, train_run

HOSTILE = ['=HYPERLINK("http://x")', "+1+cmd", "-2", "@SUM(A1)", "plain", "-x"]
QUOTED = ['\'=HYPERLINK("http://x")', "'+1+cmd", "-2", "'@SUM(A1)", "plain", "'-x"]


@pytest.mark.parametrize(
    "text, written",
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-2", "-2"),
        ("+1.5e3", "+1.5e3"),
        ("-0.25", "-0.25"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_the_rule_quotes_formula_text_and_leaves_numbers(text, written):
    assert spreadsheet_safe(text) == written


def test_every_classification_report_csv_quotes_formula_labels(tmp_path):
    y = np.arange(len(HOSTILE))
    write_classification_report(
        tmp_path, y_true=y, probabilities=np.eye(len(HOSTILE)), class_names=HOSTILE
    )
    for name in ("confusion_matrix.csv", "confusion_matrix_normalized.csv"):
        matrix = pd.read_csv(tmp_path / name, index_col=0, dtype=str)
        assert list(matrix.index) == QUOTED and list(matrix.columns) == QUOTED
    report = pd.read_csv(tmp_path / "classification_report.csv", index_col=0, dtype=str)
    assert list(report.index[: len(HOSTILE)]) == QUOTED
    predictions = pd.read_csv(tmp_path / "predictions.csv", dtype=str)
    assert list(predictions["y_true"]) == QUOTED and list(predictions["y_pred"]) == QUOTED
    assert 'p_=HYPERLINK("http://x")' in predictions.columns  # starts with p_: harmless
    numeric = pd.read_csv(tmp_path / "predictions.csv")
    assert numeric["y_true"].tolist()[2] == "-2" and numeric["confidence"].dtype == np.float64
    raw = (tmp_path / "predictions.csv").read_text()
    assert ",=HYPERLINK" not in raw and ",@SUM" not in raw and ",+1+cmd" not in raw


def test_summary_csv_quotes_formula_text_in_any_column(tmp_path):
    rows = [
        {"run": "=cmd|' /C calc'!A0", "status": "failed", "error": "-bad"},
        {"run": "runs/a", "model": "mlp", "accuracy": 0.5, "status": "ok"},
    ]
    write_batch_summary(tmp_path / "s.csv", rows, primary_metric="accuracy", higher_is_better=True)
    table = pd.read_csv(tmp_path / "s.csv", dtype=str)
    assert set(table["run"]) == {"'=cmd|' /C calc'!A0", "runs/a"}
    assert table.loc[table["status"] == "failed", "error"].item() == "'-bad"


@pytest.mark.timeout(240)
def test_a_csv_run_with_hostile_labels_reports_and_predicts_them_quoted(tmp_path):
    """End to end: labels read from the user's table go through training, evaluate.py and
    predict.py --out; run.json keeps them as written."""
    labels = np.array(["=1+2", "-7", "@go"])[np.arange(60) % 3]
    table = pd.DataFrame({"width": np.arange(60) % 3 + np.linspace(0, 0.1, 60), "label": labels})
    table.to_csv(tmp_path / "t.csv", index=False)
    run = train_run(
        tmp_path / "run",
        *("--model", "mlp", "--set", "widths=8", "--epochs", "2", "--target", "label"),
        *("--dataset", f"csv:{tmp_path / 't.csv'}"),
    )
    assert run["data"]["class_names"] == ["-7", "=1+2", "@go"]
    code, _, err = run_script("evaluate.py", "--run-dir", tmp_path / "run")
    assert code == 0, err
    report = next((tmp_path / "run" / "reports").iterdir())
    matrix = pd.read_csv(report / "confusion_matrix.csv", index_col=0, dtype=str)
    assert list(matrix.columns) == ["-7", "'=1+2", "'@go"]
    code, _, err = run_script(
        "predict.py", "--run-dir", tmp_path / "run", tmp_path / "t.csv", "--out", tmp_path / "p.csv"
    )
    assert code == 0, err
    predicted = pd.read_csv(tmp_path / "p.csv", dtype=str)["predicted"]
    assert set(predicted) <= {"-7", "'=1+2", "'@go"}
