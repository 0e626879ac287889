"""train.py --tensorboard: Keras's TensorBoard logs read back with TensorBoard's own event
reader, one value per epoch equal to history.csv's, no step twice after a resume, and the events
of epochs a killed run loses dropped before they are trained again."""

import numpy as np
import pandas as pd
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

from harness.train.tensorboard import drop_events_after
from tests.eval_tools import run_script, train_run

pytestmark = pytest.mark.timeout(240)
STEPS_PER_EPOCH = 40  # 1,257 digits training examples at batch 32


def _read(log_dir) -> dict:
    """{tag: [(step, value), ...]} of one TensorBoard run folder, through EventAccumulator."""
    accumulator = EventAccumulator(str(log_dir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return {
        tag: [
            (event.step, tensor_util.make_ndarray(event.tensor_proto))
            for event in accumulator.Tensors(tag)
        ]
        for tag in accumulator.Tags()["tensors"]
    }


def _steps(events) -> list:
    return [step for step, _ in events]


def _values(events) -> np.ndarray:
    return np.array([float(value) for _, value in events])


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory):
    """A digits mlp trained 2 epochs with --tensorboard (histograms every epoch), then resumed
    to 4 epochs in a new process, as a user would, without retyping the flag (run.json keeps
    it). (In one process, Keras would name the rebuilt layers dense_1, ... and the histograms
    would change tags.)"""
    run_dir = tmp_path_factory.mktemp("tensorboard") / "run"
    flags = ["--model", "mlp", "--set", "widths=16", "--batch-size", 32]
    # Both in fresh processes: in a test worker that built models before, the first run's
    # layers would be named dense_251, ... and the resumed run's dense, ...
    code, _, stderr = run_script(
        "train.py", *flags, "--epochs", 2, "--tensorboard", 1, "--run-dir", run_dir
    )
    assert code == 0, stderr[-5:]
    code, _, stderr = run_script("train.py", "--run-dir", run_dir, "--resume", "--epochs", 4)
    assert code == 0, stderr[-5:]
    return run_dir


def test_one_scalar_per_epoch_equal_to_history_csv_after_a_resume(resumed_run):
    history = pd.read_csv(resumed_run / "history.csv")
    train = _read(resumed_run / "tensorboard" / "train")
    validation = _read(resumed_run / "tensorboard" / "validation")
    expected = [
        (train, "epoch_loss", "loss"),
        (train, "epoch_accuracy", "accuracy"),
        (train, "epoch_learning_rate", "learning_rate"),
        (validation, "epoch_loss", "val_loss"),
        (validation, "epoch_accuracy", "val_accuracy"),
    ]
    for run, tag, column in expected:
        assert _steps(run[tag]) == [0, 1, 2, 3], (tag, column)  # each epoch once, in order
        np.testing.assert_allclose(_values(run[tag]), history[column], rtol=1e-6, err_msg=column)
    after_each_epoch = [STEPS_PER_EPOCH * epoch for epoch in (1, 2, 3, 4)]
    iterations = validation["evaluation_loss_vs_iterations"]
    assert sorted(set(_steps(iterations))) == _steps(iterations)
    assert set(_steps(iterations)) <= set(after_each_epoch)
    histograms = [tag for tag in train if tag.endswith("histogram")]
    assert histograms and all(_steps(train[tag]) == [0, 1, 2, 3] for tag in histograms)


def test_a_resume_drops_what_the_lost_epochs_logged(resumed_run, tmp_path):
    # As if the run had been killed after logging epoch 4 with its newest checkpoint at the end
    # of epoch 2: the resume removes epochs 3 and 4 (steps 2 and 3) before training them again.
    import shutil

    log_dir = shutil.copytree(resumed_run / "tensorboard", tmp_path / "tensorboard")
    dropped = drop_events_after(log_dir, epochs=2, steps=2 * STEPS_PER_EPOCH)
    assert dropped > 0
    train, validation = _read(log_dir / "train"), _read(log_dir / "validation")
    for run in (train, validation):
        for tag, events in run.items():
            if tag.endswith("_vs_iterations"):
                assert max(_steps(events)) <= 2 * STEPS_PER_EPOCH, tag
            else:
                assert _steps(events) == [0, 1], tag
    history = pd.read_csv(resumed_run / "history.csv")
    np.testing.assert_allclose(_values(train["epoch_loss"]), history["loss"][:2], rtol=1e-6)
    assert drop_events_after(log_dir, epochs=2, steps=2 * STEPS_PER_EPOCH) == 0  # idempotent


def test_a_negative_histogram_frequency_is_refused_before_anything_is_written(tmp_path, capsys):
    import train

    run_dir = tmp_path / "run"
    assert train.main(["--model", "mlp", "--tensorboard", "-1", "--run-dir", str(run_dir)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: --tensorboard N takes N >= 0 (histograms every N epochs), got -1"
    ]
    assert not run_dir.exists()


def test_tensorboard_can_be_turned_on_when_resuming_a_run_without_it(tmp_path):
    run_dir = tmp_path / "run"
    train_run(run_dir, "--model", "mlp", "--set", "widths=8", "--epochs", 1)
    assert not (run_dir / "tensorboard").exists()
    code, _, stderr = run_script(
        "train.py", "--run-dir", run_dir, "--resume", "--epochs", 2, "--tensorboard"
    )
    assert code == 0, stderr[-5:]
    train_events = _read(next((run_dir / "tensorboard").glob("train*")))
    assert _steps(train_events["epoch_loss"]) == [1]  # the resumed epoch only, 0-based
