"""A full disk and a read-only run folder, for real: small tmpfs mounts (the suite runs as root;
without permission to mount, these tests are skipped and say so).

Each command answers a file-system error with one line and exit 3 (2 is bad input, 1 damage), a
full disk loses no checkpoint (the newest intact one stays recorded and selected, and --resume
finishes once there is room), and a read-only folder is found before any data is loaded.
"""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from harness.atomic import write_bytes_atomic
from harness.errors import EXIT_FILESYSTEM, FileSystemError
from tests.conftest import REPO_ROOT
from tests.eval_tools import flowers_table

pytestmark = pytest.mark.timeout(300)


def mount_tmpfs(folder, size: str):
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not permitted'})")


def remount(folder, options: str):
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


@pytest.fixture
def mounted(tmp_path):
    """A folder for tmpfs mounts, unmounted (lazily, in case a process still holds it) after."""
    folder = tmp_path / "mnt"
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def run(script, *args, cwd):
    """Runs a command as a user would, from `cwd`: "train.py", ... or "-m harness.checkpoints"."""
    command = script.split() if script.startswith("-m ") else [str(REPO_ROOT / script)]
    done = subprocess.run(
        [sys.executable, *command, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO_ROOT)},
    )
    return done.returncode, done.stdout, done.stderr.strip().splitlines()


def checkpoints(*args, cwd):
    return run("-m harness.checkpoints", *args, cwd=cwd)


def assert_filesystem_line(code, err, *fragments):
    assert code == EXIT_FILESYSTEM, err
    assert len(err) == 1 and err[0].startswith("error: cannot ") and "Traceback" not in err[0]
    for fragment in fragments:
        assert fragment in err[0], err


def test_a_full_disk_is_one_line_and_the_last_checkpoint_stays_valid_and_selected(mounted):
    """A 30-37-line traceback with exit 1 before (ResourceExhaustedError at the write)."""
    mount_tmpfs(mounted, "3m")  # two checkpoints of this mlp fit, the third does not
    args = ["--model", "mlp", "--set", "widths=256,256", "--epochs", "6", "--run-dir", "run"]
    args += ["--save-every", "epoch"]
    code, _, err = run("train.py", *args, cwd=mounted)
    assert_filesystem_line(
        code,
        err,
        "cannot write run/ckpt: No space left on device; free some space, then continue with "
        "python train.py --run-dir run --resume (ckpt-40, epoch 2, is intact)",
    )
    run_dir = mounted / "run"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [entry["name"] for entry in manifest["checkpoints"]] == ["ckpt-20", "ckpt-40"]
    state = (run_dir / "ckpt" / "checkpoint").read_text()
    assert 'model_checkpoint_path: "ckpt-40"' in state  # TensorFlow's own pointer agrees
    left = sorted(path.name for path in (run_dir / "ckpt").iterdir())
    assert not [name for name in left if name.startswith("ckpt-60")], left  # space given back
    code, out, err = checkpoints("verify", "run", cwd=mounted)
    assert code == 0 and out.count(": OK") == 2, (out, err)
    remount(mounted, "size=64m")
    code, out, err = run("train.py", "--run-dir", "run", "--resume", cwd=mounted)
    assert code == 0, err
    assert "resumed from ckpt-40 (epoch 2" in out
    assert json.loads((run_dir / "summary.json").read_text())["epochs_run"] == 6


def test_an_atomic_write_to_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(mounted):
    mount_tmpfs(mounted, "1m")
    target = mounted / "report.csv"
    write_bytes_atomic(target, b"old content\n")
    with pytest.raises(FileSystemError) as error:
        write_bytes_atomic(target, b"x" * (2 << 20))
    assert str(error.value) == (
        f"cannot write {target}: No space left on device; free some space, then run the "
        "command again"
    )
    assert target.read_bytes() == b"old content\n"
    assert sorted(path.name for path in mounted.iterdir()) == ["report.csv"]


@pytest.fixture
def read_only_run(mounted, tmp_path):
    """A trained csv run on a tmpfs then remounted read-only; its csv file is deleted, so a
    command that loaded data before checking the folder would fail on that instead."""
    mount_tmpfs(mounted, "64m")
    flowers_table(60, seed=0).to_csv(tmp_path / "flowers.csv", index=False)
    args = ["--model", "mlp", "--set", "widths=8", "--epochs", "2", "--target", "species"]
    args += ["--dataset", f"csv:{tmp_path / 'flowers.csv'}", "--run-dir", "run"]
    code, _, err = run("train.py", *args, cwd=mounted)
    assert code == 0, err
    shutil.copy(tmp_path / "flowers.csv", tmp_path / "rows.csv")
    (tmp_path / "flowers.csv").unlink()
    remount(mounted, "ro")
    return mounted


def test_a_read_only_run_folder_is_one_line_in_every_command_that_writes(read_only_run, tmp_path):
    """Tracebacks before: resume at .lock after loading the data, evaluate at reports/, prune,
    export, and evaluate --all, which then crashed writing summary.csv."""
    cwd = read_only_run
    read_only = "Read-only file system; remount it read-write or use a folder on a writable disk"
    code, _, err = run("train.py", "--run-dir", "run", "--resume", "--epochs", "3", cwd=cwd)
    assert_filesystem_line(code, err, "cannot write run: " + read_only)  # not: csv not found
    code, _, err = run("evaluate.py", "--run-dir", "run", cwd=cwd)
    assert_filesystem_line(code, err, "cannot write run/reports: " + read_only)
    code, _, err = run("evaluate.py", "--all", ".", cwd=cwd)
    assert_filesystem_line(code, err, read_only)
    code, _, err = run(
        "predict.py", "--run-dir", "run", tmp_path / "rows.csv", "--out", "out.csv", cwd=cwd
    )
    assert_filesystem_line(code, err, read_only)
    code, _, err = checkpoints("prune", "run", "--keep-last", 1, "--keep-best", 0, cwd=cwd)
    assert_filesystem_line(code, err, read_only)
    code, _, err = checkpoints("export", "run", cwd=cwd)
    assert_filesystem_line(code, err, read_only)


def test_readers_work_on_a_read_only_run_folder(read_only_run, tmp_path):
    cwd = read_only_run
    code, out, err = checkpoints("verify", "run", cwd=cwd)
    assert code == 0 and out.count(": OK") == 2, err
    code, out, err = checkpoints("list", "run", cwd=cwd)
    assert code == 0 and "ckpt-" in out, err
    shutil.copy(tmp_path / "rows.csv", tmp_path / "flowers.csv")  # evaluation reads the table
    code, out, err = run("evaluate.py", "--run-dir", "run", "--out", tmp_path / "reports", cwd=cwd)
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "reports" / "predictions.csv")) > 0
    code, out, err = run("predict.py", "--run-dir", "run", tmp_path / "rows.csv", cwd=cwd)
    assert code == 0 and "rows.csv[59]" in out, err
