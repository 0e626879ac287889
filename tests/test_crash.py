"""SIGKILLs that land where the test says: after an epoch's history row, after a mid-epoch
checkpoint, and inside two saves. Each next launch must resume from the checkpoint the kill left
as the newest recorded one, and the last must end bit-identical to a run never interrupted, with
every history row exactly once.

Kills are triggered by what the run has written (history.csv, manifest.json), or by the
test-only stop of harness/runtime/timing.py (ZOO_TEST_STOP_AT), never by a timer from launch:
start-up alone takes 5-15 s, and a timer would kill before the first checkpoint.
"""

import contextlib
import io
import json

import pandas as pd
import pytest
import tensorflow as tf

import train
from harness.checkpoints.integrity import damage
from tests.checkpoint_tools import assert_same_history, assert_same_state, checkpoint_tensors
from tests.process_tools import RESUMED, Trainer, history_epochs, manifest_entries

pytestmark = pytest.mark.timeout(420)

EPOCHS = 3
STEPS_PER_EPOCH = 20  # the digits training split at batch 64
ARGV = [
    "--model",
    "mlp",
    "--set",
    "widths=8",
    "--set",
    "dropout_rate=0.2",  # a seed-generator state that must carry over too
    "--batch-size",
    "64",
    "--epochs",
    EPOCHS,
    "--save-every-steps",
    6,
    "--seed",
    9,
]


def check_after_kill(run_dir) -> dict:
    """What a kill may leave: every recorded checkpoint intact, history at most one epoch ahead
    of the newest one. Returns that newest entry: the one the next launch must resume from."""
    entries = manifest_entries(run_dir)
    assert entries, "killed before the first checkpoint: nothing to resume"
    for entry in entries:
        assert damage(run_dir, entry) is None, entry["name"]
    newest = entries[-1]
    assert len(history_epochs(run_dir)) - newest["epoch"] in (0, 1)
    return newest


def test_kills_at_observed_progress_and_inside_saves_resume_from_the_newest_checkpoint(tmp_path):
    assert train.main([*map(str, ARGV), "--run-dir", str(tmp_path / "straight")]) == 0
    run_dir = tmp_path / "crashed"
    resume = ["--resume", "--run-dir", run_dir]

    # 1. Killed once epoch 1's history row is on disk: the row is written (and fsynced) before
    # the epoch's checkpoint, so the newest checkpoint is usually epoch 1's last step one, and
    # the resume must drop that row and write it again.
    first = Trainer([*ARGV, "--run-dir", run_dir], log_dir=tmp_path, name="1-row")
    first.wait_until(lambda: len(history_epochs(run_dir)) >= 1)
    first.kill()
    expected = check_after_kill(run_dir)
    assert expected["step"] > 0  # a mid-run checkpoint, not a fresh start
    resumed = [expected]  # the checkpoint each later launch must resume from

    # 2. Killed as soon as the manifest records a mid-epoch checkpoint newer than the resume.
    second = Trainer(resume, log_dir=tmp_path, name="2-step")
    second.wait_until(
        lambda: (
            second.resumed_from() is not None
            and manifest_entries(run_dir)[-1]["kind"] == "step"
            and manifest_entries(run_dir)[-1]["step"] > expected["step"]
        )
    )
    second.kill()
    assert second.resumed_from() == expected["name"]
    expected = check_after_kill(run_dir)
    assert expected["kind"] == "step" and expected["step"] % STEPS_PER_EPOCH
    resumed.append(expected)

    # 3. Stopped inside its second save: files written and hashed, the manifest not yet.
    third = Trainer(resume, log_dir=tmp_path, name="3-manifest", stop_at="manifest#2")
    third.wait_until_stopped()
    third.kill()
    assert third.resumed_from() == expected["name"]  # the mid-epoch resume
    recorded = check_after_kill(run_dir)
    assert recorded["step"] > expected["step"]  # the first save of this launch
    on_disk = {path.stem for path in run_dir.glob("ckpt/ckpt-*.index")}
    unrecorded = on_disk - {entry["name"] for entry in manifest_entries(run_dir)}
    assert unrecorded, "the kill lands after TensorFlow wrote the second save's files"
    expected = recorded
    resumed.append(expected)

    # 4. Stopped inside its first save, after the manifest, before TensorFlow's state file.
    fourth = Trainer(resume, log_dir=tmp_path, name="4-state", stop_at="tf state file#1")
    fourth.wait_until_stopped()
    fourth.kill()
    assert fourth.resumed_from() == expected["name"]
    newest = check_after_kill(run_dir)
    assert newest["step"] > expected["step"]
    # TensorFlow's own state file still names the older checkpoint; the manifest decides.
    assert tf.train.latest_checkpoint(str(run_dir / "ckpt")).endswith(expected["name"])
    resumed.append(newest)

    # 5. The last launch runs to the end.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert train.main([*map(str, resume), "--epochs", str(EPOCHS)]) == 0
    assert RESUMED.search(out.getvalue()).group(1) == newest["name"]

    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == list(range(1, EPOCHS + 1))
    assert_same_history(
        run_dir,
        tmp_path / "straight",
        partial_epochs=[e["epoch"] + 1 for e in resumed if e["step"] % STEPS_PER_EPOCH],
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["epochs_run"] == EPOCHS
    assert (
        summary["test"] == json.loads((tmp_path / "straight" / "summary.json").read_text())["test"]
    )
    assert_same_state(checkpoint_tensors(tmp_path / "straight"), checkpoint_tensors(run_dir))
    # A killed writer's temporary is removed by the next write of its file (harness/atomic.py).
    assert not [path.name for path in run_dir.iterdir() if ".tmp" in path.name]
