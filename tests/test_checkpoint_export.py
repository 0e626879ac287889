"""Checkpoints read by plain TensorFlow, and `export` read by plain Keras."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import train
import zoo  # noqa: F401  (registers the custom layers for load_model)
from harness.data import load_dataset
from harness.model.factory import build_model
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("export") / "run"
    assert (
        train.main(
            [
                "--model",
                "mlp",
                "--epochs",
                "3",
                "--set",
                "widths=16",
                "--lr",
                "0.01",
                "--keep-last",
                "1",
                "--keep-best",
                "1",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    return run_dir


def cli(*argv):
    return subprocess.run(
        [sys.executable, "-m", "harness.checkpoints", *argv],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_plain_tensorflow_finds_model_and_optimizer_by_name(run_dir):
    latest = tf.train.latest_checkpoint(str(run_dir / "ckpt"))
    keys = tf.train.load_checkpoint(latest).get_variable_to_shape_map()
    assert any(key.startswith("optimizer/") for key in keys)
    assert {"epoch/.ATTRIBUTES/VARIABLE_VALUE", "step/.ATTRIBUTES/VARIABLE_VALUE"} <= set(keys)
    # Plain TF code: a fresh model of the same architecture (the recipe's augmentation wrapper
    # included, as run.json says), restored under the name "model".
    run = json.loads((run_dir / "run.json").read_text())
    fresh = build_model(
        run["model"], augment=run["config"]["augment"], dataset="digits", seed=run["config"]["seed"]
    )
    tf.train.Checkpoint(model=fresh).read(latest).expect_partial()
    final = keras.saving.load_model(run_dir / "model.keras")
    for restored, saved in zip(fresh.get_weights(), final.get_weights()):
        np.testing.assert_array_equal(restored, saved)


def test_export_best_is_the_monitored_best_and_loads_in_plain_keras(run_dir, tmp_path):
    out = tmp_path / "best.keras"
    result = cli(
        "export",
        str(run_dir),
        "--checkpoint",
        "best",
        "--out",
        str(out),
        "--saved-model",
        str(tmp_path / "serving"),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((run_dir / "manifest.json").read_text())
    best = manifest["best"]
    assert best["monitor"] == "val_accuracy" and f"exported {best['name']}" in result.stdout
    exported = keras.saving.load_model(out)
    data = load_dataset("digits", layout="flat", seed=0)
    # The exported model takes the digits' raw pixel values, 0..16, and normalises them itself.
    stats = data.normalization
    raw = np.rint((data.x_val * stats["std"] + stats["mean"]) * 16.0).astype(np.float32)
    probabilities = exported.predict(raw, verbose=0)
    entry = next(e for e in manifest["checkpoints"] if e["name"] == best["name"])
    accuracy = np.mean(probabilities.argmax(axis=1) == data.y_val)
    assert accuracy == pytest.approx(entry["metrics"]["val_accuracy"], abs=1e-6)
    serving = tf.saved_model.load(str(tmp_path / "serving"))
    np.testing.assert_allclose(
        serving.serve(raw[:16]).numpy(), probabilities[:16], rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["export", "{run}", "--out", "model.h5"], "end in .keras"),
        (["export", "{run}", "--checkpoint", "ckpt-999"], "ckpt-999"),
        (["export", "/nowhere/run"], "does not exist"),
    ],
)
def test_export_bad_input_exits_2_with_one_line(run_dir, argv, fragment):
    result = cli(*[part.format(run=run_dir) for part in argv])
    assert result.returncode == 2
    assert (
        result.stderr.count("\n") == 1
        and fragment in result.stderr
        and "Traceback" not in result.stderr
    )
