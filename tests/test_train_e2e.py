"""train.main end to end on small data: every file of a run folder, checked on disk."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

import train
import zoo  # noqa: F401  (registers the custom layers for load_model)

RUN_FILES = (
    "run.json",
    "history.csv",
    "training_curves.png",
    "model.keras",
    "summary.json",
    "manifest.json",
)


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "mlp"
    code = train.main(
        [
            "--model",
            "mlp",
            "--epochs",
            "2",
            "--set",
            "widths=16",
            "--batch-size",
            "64",
            "--seed",
            "3",
            "--run-dir",
            str(run_dir),
        ]
    )
    assert code == 0
    return run_dir


def test_run_folder_holds_every_file(mlp_run):
    for name in RUN_FILES:
        assert (mlp_run / name).is_file(), name
    assert tf.train.latest_checkpoint(str(mlp_run / "ckpt")) is not None


def test_run_json_holds_the_resolved_configuration(mlp_run):
    run = json.loads((mlp_run / "run.json").read_text())
    assert run["config"]["epochs"] == 2 and run["config"]["optimizer"] == "adam"
    assert run["config"]["lr"] > 0 and run["config"]["schedule"]
    assert run["model"]["hparams"]["widths"] == [16]
    assert run["data"]["spec"] == "digits" and run["data"]["seed"] == 3
    assert run["data"]["class_names"] == [str(i) for i in range(10)]
    assert {"tensorflow", "keras", "numpy"} <= set(run["versions"])


def test_history_has_one_row_per_epoch_with_metrics_and_rate(mlp_run):
    history = pd.read_csv(mlp_run / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(history.columns)
    assert history["learning_rate"].notna().all()


def test_summary_test_metrics_match_the_saved_model(mlp_run):
    from harness.data import load_dataset

    summary = json.loads((mlp_run / "summary.json").read_text())
    assert summary["epochs_run"] == 2 and summary["best_epoch"] in (1, 2)
    data = load_dataset("digits", layout="flat", seed=3)
    model = keras.saving.load_model(mlp_run / "model.keras")
    # model.keras takes raw pixel values (0..16) and normalises them with the run's statistics.
    stats = data.normalization
    raw = np.rint((data.x_test * stats["std"] + stats["mean"]) * 16.0).astype(np.float32)
    predicted = model.predict(raw, verbose=0).argmax(axis=1)
    assert summary["test"]["accuracy"] == pytest.approx(np.mean(predicted == data.y_test), abs=1e-6)


def test_curves_are_an_image(mlp_run):
    with Image.open(mlp_run / "training_curves.png") as image:
        assert image.size[0] > 300 and image.size[1] > 300


def test_regression_run_reports_mse(tmp_path):
    run_dir = tmp_path / "lstm"
    assert (
        train.main(
            [
                "--model",
                "lstm",
                "--epochs",
                "1",
                "--set",
                "units=4",
                "--data-opt",
                "length=600",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["task"] == "regression" and summary["monitor"] == "val_loss"
    assert summary["test"]["mse"] == summary["test"]["loss"] and "mae" in summary["test"]


def test_early_stopping_restores_the_best_checkpoint(tmp_path):
    run_dir = tmp_path / "es"
    # A rate this high makes validation accuracy collapse after the first epoch.
    assert (
        train.main(
            [
                "--model",
                "mlp",
                "--epochs",
                "6",
                "--set",
                "widths=8",
                "--lr",
                "3",
                "--optimizer",
                "sgd",
                "--early-stopping",
                "1",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    history = pd.read_csv(run_dir / "history.csv")
    best_epoch = int(history.loc[history["val_accuracy"].idxmax(), "epoch"])
    assert summary["best_epoch"] == best_epoch
    if summary["stopped_early"]:
        assert summary["epochs_run"] < 6
    assert summary["weights"].startswith("best")


def test_saved_model_does_not_augment_when_called_directly(tmp_path):
    run_dir = tmp_path / "augmented"
    assert (
        train.main(
            [
                "--model",
                "cnn",
                "--epochs",
                "1",
                "--set",
                "filters=4,8",
                "--set",
                "dense_units=8",
                "--augment",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    model = keras.saving.load_model(run_dir / "model.keras")
    assert not any(
        layer.__class__.__name__.startswith("Random") for layer in model._flatten_layers()
    )
    from harness.data import load_dataset

    x = load_dataset("digits", layout="image", seed=0).x_test[:32]
    # Keras preprocessing layers augment when called without training=False; none may be left.
    np.testing.assert_allclose(model(x).numpy(), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
