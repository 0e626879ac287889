"""train.main end to end on small data: every file of a run folder, checked on disk against
values computed here: the recipe from the registry, the schedule's rate from its formula, test
metrics from scikit-learn on the restored checkpoint's predictions, model.keras's weights
against the checkpoint it says it holds."""

import json
import math

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image
from sklearn import metrics

import train
import zoo  # also registers the custom layers for load_model
from harness.data import load_dataset
from tests.checkpoint_tools import assert_model_holds_checkpoint, read_summary, restored_outputs

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
    recipe = zoo.get_model_spec("mlp").recipe  # what the flags left out comes from
    config = run["config"]
    assert (config["epochs"], config["batch_size"], config["seed"]) == (2, 64, 3)  # typed
    for field in ("optimizer", "lr", "schedule", "augment", "label_smoothing", "clip_norm"):
        assert config[field] == getattr(recipe, field), field
    assert recipe.schedule == "warmup-cosine" and config["warmup_epochs"] == 1  # 5%, at least 1
    assert run["model"]["hparams"]["widths"] == [16]
    assert run["data"]["spec"] == "digits" and run["data"]["seed"] == 3
    assert run["data"]["class_names"] == [str(i) for i in range(10)]
    assert {"tensorflow", "keras", "numpy"} <= set(run["versions"])


def warmup_cosine_rate(step: int, *, peak: float, warmup_steps: int, total_steps: int) -> float:
    """Keras's CosineDecay with a linear warm-up, written out."""
    if step < warmup_steps:
        return peak * step / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return 0.5 * peak * (1 + math.cos(math.pi * progress))


def test_history_has_one_row_per_epoch_with_metrics_and_the_schedules_rate(mlp_run):
    history = pd.read_csv(mlp_run / "history.csv")
    run = json.loads((mlp_run / "run.json").read_text())
    assert history["epoch"].tolist() == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(history.columns)
    steps = math.ceil(run["data"]["info"]["sizes"]["train"] / 64)
    # Each row holds the rate at the epoch's last step: the end of the warm-up, then zero.
    expected = [
        warmup_cosine_rate(
            epoch * steps, peak=run["config"]["lr"], warmup_steps=steps, total_steps=2 * steps
        )
        for epoch in (1, 2)
    ]
    np.testing.assert_allclose(history["learning_rate"], expected, rtol=1e-6, atol=1e-9)
    assert expected[0] == run["config"]["lr"] and expected[1] == 0.0


def test_summary_test_metrics_match_sklearn_on_the_result_checkpoint(mlp_run):
    summary = read_summary(mlp_run)
    run = json.loads((mlp_run / "run.json").read_text())
    history = pd.read_csv(mlp_run / "history.csv")
    assert summary["epochs_run"] == 2 and summary["result_checkpoint"] == "ckpt-40"
    assert summary["best_epoch"] == int(history.loc[history["val_accuracy"].idxmax(), "epoch"])
    data = load_dataset("digits", layout="flat", seed=3, normalization=run["data"]["normalization"])
    probabilities = restored_outputs(mlp_run, "ckpt-40", data.x_test)
    assert summary["test"]["accuracy"] == pytest.approx(
        metrics.accuracy_score(data.y_test, probabilities.argmax(axis=1)), abs=1e-6
    )
    assert_model_holds_checkpoint(mlp_run / "model.keras", mlp_run, "ckpt-40")


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
    summary = read_summary(run_dir)
    run = json.loads((run_dir / "run.json").read_text())
    assert summary["task"] == "regression" and summary["monitor"] == "val_loss"
    data = load_dataset(
        "sine",
        layout="sequence",
        seed=0,
        normalization=run["data"]["normalization"],
        options={"length": "600"},
    )
    predicted = restored_outputs(run_dir, summary["result_checkpoint"], data.x_test)
    assert summary["test"]["mse"] == pytest.approx(
        metrics.mean_squared_error(data.y_test, predicted), rel=1e-5
    )
    assert summary["test"]["mae"] == pytest.approx(
        metrics.mean_absolute_error(data.y_test, predicted), rel=1e-5
    )


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
    summary = read_summary(run_dir)
    history = pd.read_csv(run_dir / "history.csv")
    best_epoch = int(history.loc[history["val_accuracy"].idxmax(), "epoch"])
    assert summary["stopped_early"] and summary["epochs_run"] == best_epoch + 1  # patience 1
    assert summary["best_epoch"] == best_epoch < summary["epochs_run"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    by_epoch = {entry["epoch"]: entry["name"] for entry in manifest["checkpoints"]}
    best, last = by_epoch[best_epoch], by_epoch[summary["epochs_run"]]
    assert summary["result_checkpoint"] == best and summary["weights"].startswith("best")
    # The weights themselves: model.keras holds the best epoch's, not the last epoch's.
    assert_model_holds_checkpoint(run_dir / "model.keras", run_dir, best)
    with pytest.raises(AssertionError):
        assert_model_holds_checkpoint(run_dir / "model.keras", run_dir, last)


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
