"""evaluate.py over several runs: summary.csv, damaged runs as rows, --every-checkpoint."""

import contextlib
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn import metrics

import evaluate
from harness.data import load_dataset
from tests.checkpoint_tools import restored_outputs
from tests.eval_tools import flip_bytes, read_json, train_digits_mlp

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """runs/mlp/: two good runs, one whose best checkpoint is damaged, one whose every checkpoint
    is damaged, and one whose run.json is gone."""
    root = tmp_path_factory.mktemp("runs")
    good = root / "mlp" / "good-a"
    train_digits_mlp(good, epochs=2, widths=16)
    train_digits_mlp(root / "mlp" / "good-b", epochs=1, widths=8, seed=1)
    best = read_json(good / "manifest.json")["best"]["name"]
    for name in ("best-damaged", "all-damaged", "no-run-json"):
        shutil.copytree(good, root / "mlp" / name)
    for data_file in (root / "mlp" / "best-damaged" / "ckpt").glob(f"{best}.data-*"):
        flip_bytes(data_file)
    for data_file in (root / "mlp" / "all-damaged" / "ckpt").glob("*.data-*"):
        flip_bytes(data_file)
    (root / "mlp" / "no-run-json" / "run.json").unlink()
    return root


@pytest.fixture(scope="module")
def batch(root):
    """`evaluate.py --all ROOT`, in-process (a subprocess would import TensorFlow once more)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = evaluate.main(["--all", str(root)])  # returns: nothing raised
    summary = pd.read_csv(root / "summary.csv")
    summary.index = [Path(run).name for run in summary["run"]]
    return code, stdout.getvalue(), stderr.getvalue().splitlines(), summary


def test_a_damaged_run_is_a_row_and_the_exit_code_says_so(batch):
    code, _, stderr, summary = batch
    assert code == 1
    assert not any("Traceback" in line for line in stderr), stderr
    assert sorted(summary.index) == [
        "all-damaged",
        "best-damaged",
        "good-a",
        "good-b",
        "no-run-json",
    ]
    assert summary.loc["good-a", "status"] == summary.loc["good-b", "status"] == "ok"
    assert summary.loc["best-damaged", "status"] == "damaged"
    assert "SHA-256" in summary.loc["best-damaged", "error"]
    assert summary.loc["all-damaged", "status"] == "failed"
    assert "no intact checkpoint" in summary.loc["all-damaged", "error"]
    assert summary.loc["no-run-json", "status"] == "failed"
    assert "run.json" in summary.loc["no-run-json", "error"]


def test_a_damaged_best_checkpoint_is_replaced_by_the_next_intact_one(batch, root):
    _, _, _, summary = batch
    best = read_json(root / "mlp" / "good-a" / "manifest.json")["best"]["name"]
    assert summary.loc["good-a", "checkpoint"] == best
    assert summary.loc["best-damaged", "checkpoint"] != best
    assert best in summary.loc["best-damaged", "error"]


def assert_row_agrees_with_sklearn(row, run_dir) -> None:
    """The row's figures equal scikit-learn's on the predictions of the checkpoint the row
    names, restored here, on the run's test split; its epoch and size are the run's."""
    run = read_json(run_dir / "run.json")
    data = load_dataset(
        run["data"]["spec"],
        layout=run["model"]["layout"],
        seed=run["data"]["seed"],
        normalization=run["data"]["normalization"],
    )
    probabilities = restored_outputs(run_dir, row["checkpoint"], data.x_test)
    predicted = probabilities.argmax(axis=1)
    expected = {
        "accuracy": metrics.accuracy_score(data.y_test, predicted),
        "macro_f1": metrics.f1_score(data.y_test, predicted, average="macro"),
        "weighted_f1": metrics.f1_score(data.y_test, predicted, average="weighted"),
    }
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, abs=1e-12), (run_dir.name, name)
    log_loss = metrics.log_loss(data.y_test, probabilities, labels=range(10))
    assert row["log_loss"] == pytest.approx(log_loss, rel=1e-5)
    macro_roc_auc = metrics.roc_auc_score(data.y_test, probabilities, multi_class="ovr")
    assert row["macro_roc_auc"] == pytest.approx(macro_roc_auc, abs=1e-4)
    entry = next(
        e
        for e in read_json(run_dir / "manifest.json")["checkpoints"]
        if e["name"] == row["checkpoint"]
    )
    assert row["epoch"] == entry["epoch"] and row["params"] == run["model"]["params"]


def test_summary_rows_are_ranked_and_agree_with_sklearn(batch, root):
    _, _, _, summary = batch
    ok = summary[summary["status"] == "ok"]
    assert list(summary.index[: len(ok)]) == list(ok.index)  # ok rows first
    assert ok["accuracy"].is_monotonic_decreasing
    for columns in (
        ["run", "model", "dataset", "checkpoint", "epoch", "params"],
        ["eval_samples_per_s", "status", "error"],
    ):
        assert set(columns) <= set(summary.columns)
    # The damaged run's row holds the figures of the intact checkpoint it fell back to.
    for name in ("good-a", "good-b", "best-damaged"):
        assert_row_agrees_with_sklearn(summary.loc[name], root / "mlp" / name)
        assert summary.loc[name, "eval_samples_per_s"] > 0


def test_progress_shows_every_run(batch):
    _, stdout, _, _ = batch
    assert "5/5" in stdout
    for name in ("good-a", "good-b", "best-damaged", "all-damaged", "no-run-json"):
        assert name in stdout


def test_every_checkpoint_gives_a_row_per_retained_checkpoint(root):
    run_dir = root / "mlp" / "good-a"
    assert evaluate.main(["--run-dir", str(run_dir), "--every-checkpoint"]) == 0
    summary = pd.read_csv(run_dir / "reports" / "summary.csv")
    kept = [entry["name"] for entry in read_json(run_dir / "manifest.json")["checkpoints"]]
    assert sorted(summary["checkpoint"]) == sorted(kept)
    for _, row in summary.iterrows():
        assert_row_agrees_with_sklearn(row, run_dir)
        assert (run_dir / "reports" / row["checkpoint"] / "metrics.json").is_file()


def test_several_run_dirs_write_a_summary_in_the_working_folder(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runs = [str(root / "mlp" / "good-b"), str(root / "mlp" / "good-a")]
    assert evaluate.main(["--run-dir", runs[0], "--run-dir", runs[1]]) == 0
    summary = pd.read_csv(tmp_path / "evaluation_summary.csv")
    assert sorted(summary["run"]) == sorted(runs)
    assert summary["accuracy"].is_monotonic_decreasing
    assert evaluate.main(["--run-dir", runs[0], "--run-dir", runs[1], "--out", "sums"]) == 0
    assert len(pd.read_csv(tmp_path / "sums" / "summary.csv")) == 2
