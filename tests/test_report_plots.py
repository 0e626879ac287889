"""The report figures: valid PNG files of a readable size, drawn without TensorFlow or pyplot."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from harness.errors import UsageError
from harness.reports import (
    plot_training_curves,
    write_classification_report,
    write_regression_report,
)
from harness.reports.classification_figures import confusion_matrix_figure
from harness.reports.curves import _curves_figure, _panels, best_epoch
from harness.reports.regression import regression_figure, residuals_figure
from harness.reports.style import MAX_TICK_CHARS


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
    write_classification_report(
        tmp_path, y_true=y_true, probabilities=probabilities, class_names=names
    )
    width, height = _open_png(tmp_path / "confusion_matrix.png")
    minimum = 400 if num_classes == 2 else 1200
    assert width >= minimum and height >= minimum
    assert _no_temporary_files(tmp_path)


def _reaches_outside(figure) -> list:
    # Renders the figure as the PNG will be and returns the box of every Axes whose drawn
    # labels, title, colour-bar text or cell text reach past the figure's edges.
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer, (width, height) = canvas.get_renderer(), canvas.get_width_height()
    boxes = [axes.get_tightbbox(renderer) for axes in figure.axes]
    assert all(box.width > 0 and box.height > 0 for box in boxes)
    return [box for box in boxes if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height]


def _matrix(num_classes, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 3000, size=(num_classes, num_classes)) * (
        rng.random((num_classes, num_classes)) < 0.5
    )
    counts[np.diag_indices(num_classes)] = 9999
    return counts, counts / counts.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("num_classes", [2, 5, 24, 50])
def test_confusion_matrix_is_readable_from_2_to_50_classes(num_classes):
    # Long names (cut at MAX_TICK_CHARS), wide glyphs and a long title stay inside the figure,
    # and every cell's two lines (a four-digit count over its value) stay inside its cell,
    # in a font of at least 7 points.
    names = [("WWWW class " if i % 2 else "i ") * (i + 1) for i in range(num_classes)]
    counts, normalized = _matrix(num_classes)
    figure = confusion_matrix_figure(counts, normalized, names, "all")
    assert not _reaches_outside(figure)
    axes = figure.axes[0]
    renderer = figure.canvas.get_renderer()
    cell_width = axes.get_window_extent(renderer).width / num_classes
    texts = [text for text in axes.texts if text.get_text()]
    assert len(texts) == num_classes**2
    for text in texts:
        box = text.get_window_extent(renderer)
        assert text.get_fontsize() >= 7
        assert box.width < cell_width and box.height < cell_width, text.get_text()
    assert all(len(label.get_text()) <= MAX_TICK_CHARS for label in axes.get_xticklabels())


def test_every_cell_shows_its_count_and_value_and_empty_cells_a_zero(tmp_path):
    # Classes 0 and 1 are always right and class 2 never predicted: 5 empty cells of 9.
    y_true, y_pred = np.array([0, 0, 1, 2, 2]), np.array([0, 0, 1, 0, 1])
    write_classification_report(
        tmp_path, y_true=y_true, probabilities=None, y_pred=y_pred, class_names=["a", "b", "c"]
    )
    _open_png(tmp_path / "confusion_matrix.png")
    counts = np.array([[2, 0, 0], [0, 1, 0], [1, 1, 0]])
    figure = confusion_matrix_figure(counts, counts / counts.sum(axis=1, keepdims=True), "abc")
    drawn = {
        (round(text.get_position()[1]), round(text.get_position()[0])): text.get_text()
        for text in figure.axes[0].texts
    }
    expected = {(0, 0): "2\n1.00", (2, 0): "1\n0.50", (2, 1): "1\n0.50", (1, 1): "1\n1.00"}
    for row, column in np.ndindex(3, 3):
        assert drawn[row, column] == expected.get((row, column), "0"), (row, column)
    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == ["a", "b", "c"]


def test_regression_labels_stay_inside_the_figure():
    steps = np.arange(50)
    y_true = 1e6 * np.sin(steps / 5)[:, None]
    figure = regression_figure(steps, y_true, y_true + 1e4, x_label="position", title="t " * 30)
    assert not _reaches_outside(figure)


def test_regression_figure_draws_the_true_and_predicted_values_and_their_error():
    steps = np.arange(100, 140)
    y_true = np.stack([np.sin(steps / 10), np.cos(steps / 10)], axis=1)
    y_pred = y_true * 0.9 + 0.01
    figure = regression_figure(steps, y_true, y_pred, x_label="index", title="t")
    top, bottom = figure.axes
    drawn = {line.get_label(): line for line in top.lines}
    for output in range(2):
        suffix = f" (output {output})"
        for label, values in (("true", y_true), ("predicted", y_pred)):
            line = drawn[label + suffix]
            np.testing.assert_array_equal(line.get_xdata(), steps)
            np.testing.assert_array_equal(line.get_ydata(), values[:, output])
        error = bottom.lines[output].get_ydata()
        np.testing.assert_allclose(error, y_pred[:, output] - y_true[:, output])


def test_regression_png_is_only_checked_to_be_a_drawn_image_of_readable_size(tmp_path):
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
    assert plot_training_curves(history, tmp_path / "auto.png") == ["loss", "val_loss", "mae", "lr"]
    assert plot_training_curves(history, tmp_path / "mse.png", metric="mse") == [
        "loss",
        "val_loss",
        "mse",
        "val_mse",
        "lr",
    ]
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
    banned = {
        name
        for name in imported
        if name.split(".")[0] in ("tensorflow", "keras") or name == "matplotlib.pyplot"
    }
    assert not banned


def test_residuals_figure_draws_each_error_against_its_prediction_and_their_histogram():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(80, 2))
    y_pred = y_true + rng.normal(scale=0.1, size=(80, 2))
    figure = residuals_figure(y_true, y_pred, title="t")
    scatter, histogram = figure.axes[:2]
    for output, points in enumerate(scatter.collections):
        np.testing.assert_allclose(
            points.get_offsets(), np.stack([y_pred[:, output], (y_pred - y_true)[:, output]], 1)
        )
    counted = sum(patch.get_height() for patch in histogram.patches)
    assert counted == 2 * 80


def test_training_curves_go_log_past_two_decades_and_mark_best_and_selected(tmp_path):
    # The lstm's case: a loss falling from 0.05 to 1e-6; val_loss is lowest at epoch 7.
    epochs = np.arange(1, 13)
    loss = 0.05 * (1e-6 / 0.05) ** ((epochs - 1) / 11)
    val_loss = np.abs(epochs - 7) * 1e-3 + 1e-6
    history = pd.DataFrame(
        {"epoch": epochs, "loss": loss, "val_loss": val_loss, "mae": 1 - epochs / 20}
    )
    history.to_csv(tmp_path / "history.csv", index=False)
    frame = pd.read_csv(tmp_path / "history.csv")
    figure = _curves_figure(frame, _panels(list(frame.columns), None), [(7, "best"), (9, "x")])
    loss_axes, mae_axes = figure.axes
    assert loss_axes.get_yscale() == "log" and mae_axes.get_yscale() == "linear"
    assert best_epoch(frame) == (7, "val_loss") and best_epoch(frame, "mae") == (12, "mae")
    assert best_epoch(frame.assign(val_accuracy=epochs % 5), "val_accuracy")[0] == 4
    marks = [line.get_xdata()[0] for line in loss_axes.lines if line.get_label() in ("best", "x")]
    assert marks == [7, 9]
    figure.canvas.draw()
    for axes in figure.axes:  # every legend wholly right of its panel
        legend = axes.get_legend().get_window_extent()
        assert legend.x0 >= axes.get_window_extent().x1
    plot_training_curves(tmp_path / "history.csv", tmp_path / "c.png", selected=(9, "ckpt-9"))
    _open_png(tmp_path / "c.png")
