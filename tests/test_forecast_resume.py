"""A forecast run killed with SIGKILL and resumed ends bit-identical to one that never stopped,
with every history row once: the windows, the split by time and the scaling are rebuilt from
run.json exactly."""

import pytest

import train
from tests.checkpoint_tools import assert_same_history, assert_same_state, checkpoint_tensors
from tests.forecast_tools import monthly_series, write_series
from tests.process_tools import Trainer, history_epochs

pytestmark = pytest.mark.timeout(300)
EPOCHS = 6


def test_a_killed_forecast_run_resumes_bit_identical(tmp_path):
    path = write_series(tmp_path / "sales.csv", monthly_series(300))
    argv = [
        "--model",
        "lstm",
        "--set",
        "units=8",
        "--set",
        "dropout_rate=0.2",  # a seed-generator state that must carry over too
        "--dataset",
        f"forecast:{path}",
        "--target",
        "sales",
        "--data-opt",
        "window=12,horizon=2,season=12",
        "--batch-size",
        "8",
        "--epochs",
        str(EPOCHS),
        "--seed",
        "3",
        "--save-every",
        "epoch",  # a checkpoint (and history rows) at every epoch's end, to be killed between
    ]
    assert train.main([*argv, "--run-dir", str(tmp_path / "straight")]) == 0

    run_dir = tmp_path / "killed"
    first = Trainer([*argv, "--run-dir", run_dir], log_dir=tmp_path, name="first")
    first.wait_until(lambda: len(history_epochs(run_dir)) >= 2)
    first.kill()
    assert len(history_epochs(run_dir)) < EPOCHS
    second = Trainer(["--resume", "--run-dir", run_dir], log_dir=tmp_path, name="second")
    assert second.process.wait(timeout=240) == 0, second.logs()

    assert second.resumed_from() is not None
    assert_same_state(checkpoint_tensors(tmp_path / "straight"), checkpoint_tensors(run_dir))
    assert_same_history(run_dir, tmp_path / "straight")
