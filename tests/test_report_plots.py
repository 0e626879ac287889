"""The report figures: valid PNG files of a readable size, drawn without TensorFlow or pyplot."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from harness.errors import UsageError
from harness.reports import (plot_training_curves, write_classification_report,
                             write_regression_report)


def _open_png(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        pixels = np.asarray(image.convert("RGB"))
    # A blank or single-colour image would mean nothing was drawn.
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
    return pixels.shape[1], pixels.shape[0]


def _no_temporary_files(folder):
    return not [path.name for path in folder.rglob("*") if path.name.endswith(".tmp")]


@pytest.mark.parametrize("num_classes", [2, 20])
def test_confusion_matrix_png_grows_with_the_classes(tmp_path, num_classes):
    rng = np.random.default_rng(num_classes)
    names = [f"class {i}, a longer name than most" for i in range(num_classes)]
    y_true = rng.integers(0, num_classes, size=200)
    probabilities = rng.dirichlet(np.ones(num_classes), size=200)
    write_classification_report(tmp_path, y_true=y_true, probabilities=probabilities,
                                class_names=names)
    width, height = _open_png(tmp_path / "confusion_matrix.png")
    minimum = 400 if num_classes == 2 else 1200
    assert width >= minimum and height >= minimum
    assert _no_temporary_files(tmp_path)


def test_regression_png(tmp_path):
    steps = np.arange(100, 300)
    y_true = np.stack([np.sin(steps / 10), np.cos(steps / 10)], axis=1)
    write_regression_report(tmp_path, y_true=y_true, y_pred=y_true * 0.9, index=steps)
    width, height = _open_png(tmp_path / "predictions.png")
    assert width >= 800 and height >= 500
    assert _no_temporary_files(tmp_path)


def _write_history(path, columns):
    epochs = np.arange(12)
    values = {"epoch": epochs}
    for name in columns:
        values[name] = np.exp(-epochs / 5) + (0.1 if name.startswith("val_") else 0.0)
    pd.DataFrame(values).to_csv(path, index=False)


def test_training_curves_from_a_keras_history(tmp_path):
    history = tmp_path / "history.csv"
    # CSVLogger's order: sorted keys, so the metric comes before the loss.
    _write_history(history, ["accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"])
    drawn = plot_training_curves(history, tmp_path / "curves.png")
    assert drawn == ["loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"]
    width, height = _open_png(tmp_path / "curves.png")
    assert width >= 600 and height >= 700
    assert _no_temporary_files(tmp_path)


def test_training_curves_with_lr_and_a_chosen_metric(tmp_path):
    history = tmp_path / "history.csv"
    _write_history(history, ["epoch_time_s", "loss", "lr", "mae", "mse", "val_loss", "val_mse"])
    assert plot_training_curves(history, tmp_path / "auto.png") == [
        "loss", "val_loss", "mae", "lr"]
    assert plot_training_curves(history, tmp_path / "mse.png", metric="mse") == [
        "loss", "val_loss", "mse", "val_mse", "lr"]
    _open_png(tmp_path / "mse.png")
    with pytest.raises(UsageError, match="metric 'auc' is not in the history"):
        plot_training_curves(history, tmp_path / "auc.png", metric="auc")
    pd.DataFrame({"step": [0, 1], "loss": [1.0, 0.5]}).to_csv(history, index=False)
    with pytest.raises(UsageError, match="needs an 'epoch' column"):
        plot_training_curves(history, tmp_path / "bad.png")
    assert not (tmp_path / "auc.png").exists() and not (tmp_path / "bad.png").exists()


def test_reports_import_neither_tensorflow_nor_pyplot():
    # Read the sources rather than sys.modules: other tests in this process import TensorFlow.
    package = Path(__file__).resolve().parents[1] / "harness" / "reports"
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
    assert "matplotlib.figure" in imported and "sklearn" in imported
    banned = {name for name in imported
              if name.split(".")[0] in ("tensorflow", "keras") or name == "matplotlib.pyplot"}
    assert not banned
