"""SIGTERM in the middle of an epoch, on every model of the zoo: a real train.py process is
stopped inside its first step checkpoint, sent SIGTERM and let go; it saves at the next step
boundary (mid-epoch), exits 143 naming that checkpoint, and `--resume` then ends bit-identical
to a run never interrupted, with every history row (the interrupted epoch's training metrics
included) as that run wrote it.

Each model runs its own recipe (Dropout, BatchNorm, augmentation layers and seed states as its
default builds them) under the plateau schedule, for one epoch on a small slice of its default
data, so that the whole zoo takes a few minutes of the suite. (Counters carried across epoch
ends are tested on the mlp and gru in test_resume.py.)
"""

import contextlib
import io
import re
import signal

import pytest

import train
import zoo
from tests.checkpoint_tools import assert_same_history, assert_same_state, checkpoint_tensors
from tests.process_tools import RESUMED, Trainer, manifest_entries

pytestmark = pytest.mark.timeout(300)

INTERRUPTED = re.compile(
    r"^interrupted at epoch (\d+), step (\d+) of (\d+); saved (ckpt-\d+);", re.M
)
# Small slices of each default data set: digits (1,437 training images, 23 batches) is used
# whole; the waveforms get 6 batches of 32, the sine series (lstm) 16.
SMALL_DATA = {
    "waveforms": ["--data-opt", "n_train=192", "--data-opt", "n_val=64", "--data-opt", "n_test=64"],
    "sine": ["--data-opt", "length=800"],
}


def small_run(name: str) -> list[str]:
    """`name`'s recipe for 1 epoch on a small slice of its data, saving every 3 steps."""
    dataset = zoo.get_model_spec(name).default_dataset
    batch = [] if dataset == "digits" else ["--batch-size", "32"]
    return [
        "--model",
        name,
        *SMALL_DATA.get(dataset, []),
        *batch,
        "--schedule",
        "plateau",
        "--epochs",
        "1",
        "--seed",
        "7",
        "--save-every",
        "3steps",
    ]


@pytest.mark.parametrize("name", zoo.list_models())
def test_sigterm_mid_epoch_then_resume_is_bit_identical(name, tmp_path):
    argv = small_run(name)
    straight, run_dir = tmp_path / "straight", tmp_path / "run"
    with contextlib.redirect_stdout(io.StringIO()):
        assert train.main([*argv, "--run-dir", str(straight)]) == 0

    # Stopped inside the first save (at step 3); the signal waits for SIGCONT, the save ends,
    # and the next step boundary (a launch's first epoch runs one step a call) saves at step 4.
    trainer = Trainer(
        [*argv, "--run-dir", run_dir], log_dir=tmp_path, name="sigterm", stop_at="checkpoint save#1"
    )
    trainer.wait_until_stopped()
    trainer.send(signal.SIGTERM)
    trainer.resume()
    assert trainer.wait_exit() == 143, trainer.logs()
    found = INTERRUPTED.search(trainer.err_path.read_text())
    assert found, trainer.logs()
    epoch, step, steps, saved = found.groups()
    assert (epoch, step, saved) == ("1", "4", "ckpt-4") and int(steps) > 4, trainer.logs()
    newest = manifest_entries(run_dir)[-1]
    assert (newest["name"], newest["kind"]) == ("ckpt-4", "step")
    assert not (run_dir / ".lock").exists()

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert train.main(["--resume", "--run-dir", str(run_dir)]) == 0
    assert RESUMED.search(out.getvalue()).groups() == ("ckpt-4", "0", "4"), out.getvalue()
    assert_same_state(checkpoint_tensors(straight), checkpoint_tensors(run_dir))
    assert_same_history(run_dir, straight)
