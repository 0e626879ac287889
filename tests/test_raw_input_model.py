"""model.keras works outside the zoo: plain Keras on raw inputs gives predict.py's predictions.

The run's normalisation is inside the saved model as Keras preprocessing layers, so nobody has to
standardise by hand with run.json's statistics (before, plain Keras scored 0.879 on raw digits).
"""

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

import predict
from tests.eval_tools import flowers_table, train_digits_mlp, train_run

pytestmark = pytest.mark.timeout(180)


def predicted_by_predict_py(run_dir, input_path, out) -> np.ndarray:
    assert predict.main(["--run-dir", str(run_dir), str(input_path), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    return table[[column for column in table.columns if column.startswith("p_")]].to_numpy()


def test_digits_model_keras_takes_raw_pixels(tmp_path):
    run_dir = tmp_path / "run"
    train_digits_mlp(run_dir, epochs=2)
    raw = load_digits().data[:40].astype(np.float32)  # 0..16, as scikit-learn ships them
    np.save(tmp_path / "raw.npy", raw)
    expected = predicted_by_predict_py(run_dir, tmp_path / "raw.npy", tmp_path / "out.csv")
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(raw, verbose=0), expected, atol=1e-6)


def test_table_model_keras_takes_raw_columns(tmp_path):
    flowers_table(90, seed=0).to_csv(tmp_path / "flowers.csv", index=False)
    run_dir = tmp_path / "run"
    train_run(
        run_dir,
        "--model",
        "mlp",
        "--dataset",
        f"csv:{tmp_path / 'flowers.csv'}",
        "--target",
        "species",
        "--epochs",
        2,
        "--set",
        "widths=8",
    )
    rows = flowers_table(12, seed=4).drop(columns="species")
    rows.loc[0, "colour"] = "green"  # a colour training never saw encodes as no colour
    rows.to_csv(tmp_path / "rows.csv", index=False)
    expected = predicted_by_predict_py(run_dir, tmp_path / "rows.csv", tmp_path / "out.csv")
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    # One input per column, named after it; Keras takes text as tensors, not NumPy arrays.
    columns = {
        "width": tf.constant(rows[["width"]].to_numpy(np.float32)),
        "colour": tf.constant(rows[["colour"]].to_numpy(str)),
    }
    np.testing.assert_allclose(model.predict(columns, verbose=0), expected, atol=1e-6)
