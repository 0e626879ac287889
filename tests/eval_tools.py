"""What the evaluate and predict tests share: tiny real runs, real commands, hand-written
files."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

from tests.conftest import REPO_ROOT

FLOWERS = ("setosa", "versicolor", "virginica")


def train_run(run_dir, *flags) -> dict:
    """Trains a real run in-process with train.py's flags; returns its run.json."""
    import train

    code = train.main([*map(str, flags), "--run-dir", str(run_dir)])
    assert code == 0, f"training {flags} failed with exit code {code}"
    return read_json(run_dir / "run.json")


def train_digits_mlp(run_dir, *, epochs=2, widths=16, seed=0) -> dict:
    """A tiny mlp on digits: 1.2k parameters, a few seconds on a CPU.

    Batch 32 gives 40 steps an epoch, so epoch 2's checkpoint is ckpt-80 whatever the recipe's
    own batch size.
    """
    return train_run(
        run_dir,
        "--model",
        "mlp",
        "--epochs",
        epochs,
        "--set",
        f"widths={widths}",
        "--batch-size",
        32,
        "--seed",
        seed,
    )


def run_script(script, *args, cwd=REPO_ROOT):
    """Runs evaluate.py or predict.py as a user would; returns (exit code, stdout, stderr lines)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / script), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    return done.returncode, done.stdout, done.stderr.strip().splitlines()


def assert_one_line_usage_error(code, stderr_lines) -> None:
    """Exit code 2, exactly one stderr line that starts with "error:", no traceback."""
    assert code == 2, stderr_lines
    assert len(stderr_lines) == 1, stderr_lines
    assert stderr_lines[0].startswith("error: ")
    assert "Traceback" not in stderr_lines[0]


def read_json(path) -> dict:
    return json.loads(path.read_text())


def flowers_table(rows: int, seed: int) -> pd.DataFrame:
    """A table with string class labels that a tiny mlp can learn from the numeric column."""
    rng = np.random.default_rng(seed)
    species = np.array(FLOWERS)[np.arange(rows) % 3]
    width = rng.normal(3.0, 0.3, rows) + 2.0 * (np.arange(rows) % 3)
    return pd.DataFrame(
        {"width": width.round(4), "colour": rng.choice(["blue", "red"], rows), "species": species}
    )


def flip_bytes(path) -> None:
    """Flips a byte in the middle of a file, keeping its size."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def train_in_a_fresh_process(argv, cwd) -> tuple[list[str], str]:
    """Runs train.main(argv) in a new Python process; returns ([exit code, whether tensorflow
    was imported, whether keras was], stderr), to show what is answered before TensorFlow."""
    script = (
        "import sys, train\n"
        f"code = train.main({list(argv)!r})\n"
        "print(code, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.split(), done.stderr
