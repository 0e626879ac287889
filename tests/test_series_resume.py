"""A series run killed with SIGKILL and resumed ends bit-identical to one that never stopped,
with every history row once: the series data, its fixed splits and its scaling are rebuilt from
run.json exactly, and the batch the recipe adapted to the data is the recorded one."""

import pytest

import train
from tests.checkpoint_tools import assert_same_history, assert_same_state, checkpoint_tensors
from tests.process_tools import Trainer, history_epochs
from tests.series_tools import bumps, write_tsv

pytestmark = pytest.mark.timeout(300)
EPOCHS = 4


def test_a_killed_series_run_resumes_bit_identical(tmp_path):
    train_path = write_tsv(tmp_path / "S_TRAIN.tsv", *bumps(40, steps=16, seed=1))
    test_path = write_tsv(tmp_path / "S_TEST.tsv", *bumps(20, steps=16, seed=2))
    argv = [
        "--model",
        "resnet1d",
        "--set",
        "filters=4,8,8",
        "--set",
        "dropout_rate=0.2",  # a seed-generator state that must carry over too
        "--dataset",
        f"series:{train_path}",
        "--test-data",
        test_path,
        "--epochs",
        str(EPOCHS),
        "--seed",
        "4",
        "--save-every",
        "epoch",  # history rows on disk epoch by epoch, for the kill below to wait on
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
