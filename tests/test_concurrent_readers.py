"""Readers (evaluate, predict, export, list, verify) while a training run prunes the same folder.

Retention rewrites the manifest, then deletes files; a reader holding the old manifest once lost
the race: a live, healthy run was reported failed (NotFoundError) or damaged. Readers now read
the manifest again when a file they were promised is gone, and take the new newest checkpoint.
"""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

import evaluate
import predict
from harness.checkpoints import CheckpointStore, RetentionPolicy
from harness.checkpoints.cli import main as checkpoints_main
from harness.checkpoints.restore import restore_run_model
from harness.errors import UsageError
from tests.conftest import REPO_ROOT
from tests.test_checkpoint_store import holds, make_root, save_epochs


def test_a_reader_whose_manifest_went_stale_restores_the_new_newest(tmp_path, capfd):
    """Before: "no intact checkpoint" (ckpt-20 missing), though ckpt-40 was there, intact."""
    writer_root = make_root()
    writer = CheckpointStore(tmp_path, writer_root, RetentionPolicy(keep_last=1, keep_best=0))
    save_epochs(writer, writer_root, [1, 2])
    reader_root = make_root()
    reader = CheckpointStore(tmp_path, reader_root)  # its manifest lists ckpt-20 only
    save_epochs(writer, writer_root, [3, 4])  # ckpt-20 and ckpt-30 are deleted meanwhile
    capfd.readouterr()
    assert reader.restore("latest")["name"] == "ckpt-40"
    assert reader.skipped == [] and capfd.readouterr().err == ""  # gone is not damaged
    assert holds(reader_root, 4.0)


def test_a_checkpoint_named_explicitly_and_pruned_meanwhile_is_named_as_deleted(tmp_path):
    writer_root = make_root()
    writer = CheckpointStore(tmp_path, writer_root, RetentionPolicy(keep_last=1, keep_best=0))
    save_epochs(writer, writer_root, [1, 2])
    reader = CheckpointStore(tmp_path, make_root())
    save_epochs(writer, writer_root, [3])
    with pytest.raises(UsageError, match="ckpt-20 of .* was deleted while it was being read"):
        reader.restore("ckpt-20")


def start_trainer(run_dir, log):
    """train.py saving every 3 steps and keeping 1: a deletion every few tens of milliseconds."""
    args = ["--model", "mlp", "--set", "widths=16", "--batch-size", "32", "--epochs", "40"]
    args += ["--save-every-steps", "3", "--keep-last", "1", "--keep-best", "1"]
    args += ["--run-dir", str(run_dir)]
    return subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "train.py"), *args],
        cwd=REPO_ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.timeout(400)
def test_readers_in_a_loop_never_lose_to_a_training_run_pruning(tmp_path, capsys):
    run_dir = tmp_path / "live"
    np.save(tmp_path / "x.npy", np.zeros(64))
    readers = {
        "restore": lambda: restore_run_model(run_dir, "latest", warn=False) and 0,
        "evaluate": lambda: evaluate.main(["--run-dir", str(run_dir), "--checkpoint", "latest"]),
        "evaluate --all": lambda: evaluate.main(["--all", str(tmp_path)]),
        "predict": lambda: predict.main(
            ["--run-dir", str(run_dir), "--checkpoint", "latest", str(tmp_path / "x.npy")]
        ),
        "export": lambda: checkpoints_main(
            ["export", str(run_dir), "--checkpoint", "latest", "--out", str(tmp_path / "m.keras")]
        ),
        "list": lambda: checkpoints_main(["list", str(run_dir)]),
        "verify": lambda: checkpoints_main(["verify", str(run_dir)]),
    }
    failures, reads = [], {name: 0 for name in readers}
    with open(tmp_path / "train.log", "wb") as log:
        trainer = start_trainer(run_dir, log)
        try:
            while not (run_dir / "manifest.json").exists() and trainer.poll() is None:
                time.sleep(0.2)
            while trainer.poll() is None:
                for name, read in readers.items():
                    if trainer.poll() is not None:
                        break
                    code = read()
                    reads[name] += 1
                    err = capsys.readouterr().err
                    if code != 0 or "warning" in err or "error" in err:
                        failures.append((name, code, err))
        finally:
            trainer.kill() if trainer.poll() is None else None
            trainer.wait()
    assert trainer.returncode == 0, (tmp_path / "train.log").read_text()
    assert failures == []
    assert min(reads.values()) >= 2, reads  # every reader ran while the trainer pruned
