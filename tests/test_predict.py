"""predict.py on files a user has: a PNG, .npy and .csv of raw values, rows of a csv table.

Expected probabilities come from the restored model applied to inputs normalised here by hand
with run.json's statistics, so the test checks predict.py's reading and normalisation.
"""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

import predict
from harness.checkpoints.restore import restore_run_model
from tests.eval_tools import (
    FLOWERS,
    assert_one_line_usage_error,
    flowers_table,
    run_script,
    train_digits_mlp,
    train_run,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("digits") / "run"
    run = train_digits_mlp(run_dir)
    return run_dir, run


@pytest.fixture(scope="module")
def table_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("table")
    flowers_table(90, seed=0).to_csv(folder / "flowers.csv", index=False)
    run = train_run(
        folder / "run",
        "--model",
        "mlp",
        "--dataset",
        f"csv:{folder / 'flowers.csv'}",
        "--target",
        "species",
        "--epochs",
        2,
        "--set",
        "widths=8",
    )
    return folder, run


def probabilities_of(run_dir, inputs) -> np.ndarray:
    model = restore_run_model(run_dir).model  # the checkpoint predict.py uses by default
    return model.predict(np.asarray(inputs, dtype=np.float32), verbose=0)


def read_out(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"predicted": str})


def test_png_npy_and_csv_of_raw_values(digits_run, tmp_path, capsys):
    run_dir, run = digits_run
    raw = load_digits().data[:3]  # values 0..16, as digits were trained on
    stats = run["data"]["normalization"]
    expected = probabilities_of(run_dir, (raw / 16.0 - stats["mean"]) / stats["std"])
    # 8x8 in 0..16 drawn as a 32x32 grayscale PNG in 0..255, and as an RGB one.
    pixels = np.round(raw[0].reshape(8, 8) * 255 / 16).astype(np.uint8)
    Image.fromarray(pixels).resize((32, 32), Image.Resampling.NEAREST).save(tmp_path / "gray.png")
    Image.fromarray(pixels).convert("RGB").save(tmp_path / "rgb.png")
    np.save(tmp_path / "three.npy", raw)
    np.savetxt(tmp_path / "rows.csv", raw[1:], delimiter=",")
    inputs = ["gray.png", "rgb.png", "three.npy", "rows.csv"]
    code = predict.main(
        [
            "--run-dir",
            str(run_dir),
            *(str(tmp_path / name) for name in inputs),
            "--out",
            str(tmp_path / "out.csv"),
        ]
    )
    assert code == 0
    out = read_out(tmp_path / "out.csv")
    assert len(out) == 7 and out["input"].iloc[2] == f"{tmp_path / 'three.npy'}[0]"
    probabilities = out[[f"p_{name}" for name in run["data"]["class_names"]]].to_numpy()
    # The images went through uint8 pixels, so they match to that precision only.
    np.testing.assert_allclose(probabilities[:2], expected[[0, 0]], atol=5e-3)
    np.testing.assert_allclose(probabilities[2:], expected[[0, 1, 2, 1, 2]], rtol=1e-5, atol=1e-6)
    assert list(out["predicted"]) == [
        str(i) for i in expected[[0, 0, 0, 1, 2, 1, 2]].argmax(axis=1)
    ]
    np.testing.assert_allclose(out["probability"], probabilities.max(axis=1))
    printed = capsys.readouterr().out
    assert all(f"{tmp_path / name}" in printed for name in ("gray.png", "rows.csv[1]"))


def test_rows_of_a_csv_table(table_run, tmp_path, capsys):
    folder, run = table_run
    rows = flowers_table(6, seed=3)[["colour", "species", "width"]]  # another column order
    rows.to_csv(tmp_path / "rows.csv", index=False)
    assert (
        predict.main(
            [
                "--run-dir",
                str(folder / "run"),
                str(tmp_path / "rows.csv"),
                "--out",
                str(tmp_path / "out.csv"),
            ]
        )
        == 0
    )
    features = run["data"]["normalization"]["features"]
    width = next(feature for feature in features if feature["name"] == "width")
    colours = next(feature for feature in features if feature["name"] == "colour")["categories"]
    encoded = np.column_stack(
        [
            (rows["width"] - width["mean"]) / width["std"],
            *[(rows["colour"] == colour) for colour in colours],
        ]
    )
    expected = probabilities_of(folder / "run", encoded)
    out = read_out(tmp_path / "out.csv")
    np.testing.assert_allclose(
        out[[f"p_{name}" for name in FLOWERS]], expected, rtol=1e-5, atol=1e-6
    )
    assert list(out["predicted"]) == [FLOWERS[i] for i in expected.argmax(axis=1)]
    printed = capsys.readouterr().out.splitlines()
    assert sum(line.strip().startswith(str(tmp_path / "rows.csv")) for line in printed) == 6


def test_bad_inputs_exit_2_with_one_line(digits_run, table_run, tmp_path):
    run_dir, _ = digits_run
    folder, _ = table_run
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    flowers_table(4, seed=0)[["width"]].to_csv(tmp_path / "one-column.csv", index=False)
    cases = [
        ([run_dir, tmp_path / "missing.png"], "not found"),
        ([run_dir, tmp_path / "broken.png"], "cannot read image"),
        ([folder / "run", tmp_path / "one-column.csv"], "missing columns [colour]"),
        ([tmp_path / "no-run", tmp_path / "broken.png"], "does not exist"),
    ]
    for (run, path), words in cases:
        code, _, stderr = run_script("predict.py", "--run-dir", run, path)
        assert_one_line_usage_error(code, stderr)
        assert words in stderr[0]
