"""SIGKILL at random moments, including mid-save: resume must lose at most the epoch in flight
and end bit-identical to a run that was never interrupted."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd
import tensorflow as tf

import train
from harness.checkpoints.integrity import damage
from tests.checkpoint_tools import assert_same_state, checkpoint_tensors
from tests.conftest import REPO_ROOT

EPOCHS = 5
ARGV = [
    "--model",
    "mlp",
    "--set",
    "widths=32",
    "--set",
    "dropout_rate=0.2",
    "--batch-size",
    "32",
    "--epochs",
    str(EPOCHS),
    "--save-every-steps",
    "4",
    "--seed",
    "9",
]


def launch(run_dir):
    manifest = run_dir / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text())["checkpoints"]:
        extra = ["--resume"]
    elif (run_dir / "run.json").exists():
        extra = ["--overwrite"]  # killed before its first checkpoint: nothing to resume
    else:
        extra = []
    command = [
        sys.executable,
        str(REPO_ROOT / "train.py"),
        *ARGV,
        "--run-dir",
        str(run_dir),
        *extra,
    ]
    return subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_for(predicate, process, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if predicate():
            return True
        time.sleep(0.001)
    return False


def saving_now(run_dir):
    ckpt = run_dir / "ckpt"
    return ckpt.is_dir() and any("temp" in name for name in os.listdir(ckpt))


def check_after_kill(run_dir):
    """What a kill may leave: every recorded checkpoint intact, at most one epoch unsaved."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.exists():
        return
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["checkpoints"]:
        assert damage(run_dir, entry) is None, entry["name"]
    if manifest["checkpoints"]:
        assert tf.train.latest_checkpoint(str(run_dir / "ckpt")) is not None
        saved_epoch = max(entry["epoch"] for entry in manifest["checkpoints"])
        history = run_dir / "history.csv"
        rows = pd.read_csv(history)["epoch"].max() if history.exists() else 0
        assert rows - saved_epoch <= 1  # only the epoch in flight is lost


def test_sigkill_at_random_moments_then_resume(tmp_path):
    assert train.main([*ARGV, "--run-dir", str(tmp_path / "straight")]) == 0
    run_dir = tmp_path / "crashed"
    chooser = random.Random(20261122)
    kinds = ["mid-save", "random", "mid-save", "random"]
    killed_mid_save = 0
    for kind in kinds:
        process = launch(run_dir)
        if kind == "mid-save":
            killed_mid_save += wait_for(lambda: saving_now(run_dir), process)
        else:
            wait_for(lambda: (run_dir / "run.json").exists(), process)
            time.sleep(chooser.uniform(0.0, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        check_after_kill(run_dir)
    assert killed_mid_save >= 1  # at least one kill landed while TensorFlow was writing
    final = launch(run_dir)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    history = pd.read_csv(run_dir / "history.csv")
    assert history["epoch"].tolist() == list(range(1, EPOCHS + 1))
    assert json.loads((run_dir / "summary.json").read_text())["epochs_run"] == EPOCHS
    assert_same_state(checkpoint_tensors(tmp_path / "straight"), checkpoint_tensors(run_dir))
