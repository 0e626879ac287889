"""An image-folder run killed with SIGKILL and resumed ends bit-identical to one that never
stopped, with every history row once, in both storage modes: decoded once into memory, and
streamed from the files batch by batch (a memory budget below the decoded size)."""

import pytest

import train
from tests.checkpoint_tools import assert_same_history, assert_same_state, checkpoint_tensors
from tests.image_tools import write_folder
from tests.process_tools import Trainer, history_epochs

pytestmark = pytest.mark.timeout(300)
EPOCHS = 4


@pytest.mark.parametrize("storage", ["memory", "streaming"])
def test_a_killed_image_run_resumes_bit_identical(storage, tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=20, size=(14, 14))
    budget = ["--data-opt", "memory_mb=0.01"] if storage == "streaming" else []
    argv = [
        "--model",
        "cnn",
        "--set",
        "filters=4,8",
        "--set",
        "dense_units=8",  # dropout and augmentation: seed-generator states that carry over too
        "--dataset",
        f"images:{root}",
        *budget,
        "--batch-size",
        "8",
        "--epochs",
        str(EPOCHS),
        "--seed",
        "3",
        "--save-every",
        "epoch",  # a checkpoint each epoch, so that the kill lands between two of them
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
    assert storage in (run_dir / "run.json").read_text()
    assert_same_state(checkpoint_tensors(tmp_path / "straight"), checkpoint_tensors(run_dir))
    assert_same_history(run_dir, tmp_path / "straight")
