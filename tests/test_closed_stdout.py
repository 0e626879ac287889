"""A reader that goes away (`| head`) stops the printing, never the work, and prints no traceback.

Real subprocesses whose stdout is a pipe that the test closes after the first line.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def run_with_head(*args, lines=1, timeout=240):
    """Runs a command, reads `lines` lines of its stdout, closes the pipe, waits for it."""
    process = subprocess.Popen(
        [sys.executable, *map(str, args)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(lines):
        process.stdout.readline()
    process.stdout.close()
    _, stderr = process.communicate(timeout=timeout)
    return process.returncode, stderr


def run_with_closed_stdout(*args, timeout=60):
    """Runs a command whose stdout is a pipe nobody reads: its first write meets a closed pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, *map(str, args)],
            cwd=REPO_ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
        )
    finally:
        os.close(write_end)
    return result.returncode, result.stderr


def test_training_goes_on_after_its_reader_goes_away(tmp_path):
    run_dir = tmp_path / "run"
    code, stderr = run_with_head(
        "train.py", "--model", "mlp", "--epochs", "3", "--run-dir", run_dir, "--set", "widths=8"
    )
    assert code == 0 and "Traceback" not in stderr, stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["epochs_run"] == 3
    assert (run_dir / "model.keras").is_file()


@pytest.mark.parametrize(
    "command",
    [
        ["train.py", "--list-models"],
        ["train.py", "--help"],
        ["-m", "harness.checkpoints", "--help"],
        ["evaluate.py", "--help"],
    ],
)
def test_commands_that_only_print_exit_quietly(command):
    code, stderr = run_with_closed_stdout(*command)
    assert code == 0 and stderr == ""
