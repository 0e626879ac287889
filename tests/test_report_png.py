"""The PNG encoder of the report figures: any reader decodes exactly the pixels drawn."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from harness.reports.plots import regression_figure
from harness.reports.png import encode_png, figure_png


def _decode(png: bytes):
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        image.load()
        return np.asarray(image.convert("RGBA")), image.info


def test_every_pixel_and_the_resolution_come_back():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    rgba[10:20] = rgba[9]  # repeated rows, as a figure's flat areas give
    rgba[25, :, 0] = 255 - rgba[24, :, 0]  # differences that wrap around modulo 256
    pixels, info = _decode(encode_png(rgba, dpi=100))
    np.testing.assert_array_equal(pixels, rgba)
    assert info["dpi"] == pytest.approx((100, 100), abs=0.01)
    assert info["Software"].startswith("Matplotlib version")


def test_other_pixel_layouts_are_refused():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 3), dtype=np.uint8), dpi=100)
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 4)), dpi=100)


def _savefig(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_figure_png_has_the_pixels_savefig_writes():
    steps = np.arange(60)
    y_true = np.sin(steps / 6)[:, None]
    regression = regression_figure(steps, y_true, y_true * 0.8, x_label="position", title="t")
    # A figure made without an Agg canvas, as the training curves are, gets one.
    plain = Figure(figsize=(4, 3), layout="constrained")
    plain.subplots().plot(steps, y_true[:, 0], marker="o")
    for figure in (regression, plain):
        drawn, _ = _decode(figure_png(figure))
        expected, _ = _decode(_savefig(figure))
        np.testing.assert_array_equal(drawn, expected)
