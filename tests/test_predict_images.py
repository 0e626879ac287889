"""predict.py on a run trained on an image folder: files and folders decoded, resized and
normalised as in training (checked against model.keras on the raw pixels), the top-k table
and CSV, and the polarity check that inverts a dark-on-light photo, in one line."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

import predict
import train
from harness.data.image_decode import decode_files
from tests.eval_tools import run_script
from tests.image_tools import pattern, save, write_folder

pytestmark = pytest.mark.timeout(240)
TINY_CNN = ["--model", "cnn", "--set", "filters=4,8", "--set", "dense_units=8", "--epochs", "3"]


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    root = write_folder(folder / "shapes", per_class=12, size=(12, 12))
    run_dir = folder / "run"
    assert train.main([*TINY_CNN, "--dataset", f"images:{root}", "--run-dir", str(run_dir)]) == 0
    return folder, run_dir


def _predict(run_dir, inputs, out, *extra):
    return predict.main(["--run-dir", str(run_dir), *map(str, inputs), "--out", str(out), *extra])


def test_png_and_jpeg_are_read_as_in_training_and_match_model_keras(image_run, capsys):
    folder, run_dir = image_run
    png = save(folder / "new" / "one.png", pattern(1, size=(12, 12), seed=99))
    jpeg = save(folder / "new" / "two.jpg", pattern(2, size=(24, 24), channels=3, seed=98))
    assert _predict(run_dir, [png, jpeg], folder / "out.csv", "--top-k", "3") == 0
    table = pd.read_csv(folder / "out.csv")
    run = json.loads((run_dir / "run.json").read_text())
    classes = run["data"]["class_names"]
    probabilities = table[[f"p_{name}" for name in classes]].to_numpy()

    # model.keras takes raw pixels and applies run.json's normalisation itself.
    raw = decode_files([str(png), str(jpeg)], (12, 12), 1)  # training's decoding graph
    exported = keras.saving.load_model(run_dir / "model.keras")
    np.testing.assert_allclose(
        probabilities, exported.predict(raw, verbose=0), rtol=1e-5, atol=1e-6
    )
    assert list(table.columns[:7]) == [
        "input", "predicted", "probability", "top2", "top2_p", "top3", "top3_p"
    ]  # fmt: skip
    assert (table["probability"] >= table["top2_p"]).all()
    assert (table["top2_p"] >= table["top3_p"]).all()
    printed = capsys.readouterr().out
    assert (
        "polarity: training images are light on dark" in printed
        and "every input matches" in printed
    )
    assert f"{jpeg}" in printed and printed.count("|") == 4


def test_a_folder_stands_for_its_images(image_run):
    folder, run_dir = image_run
    inputs = write_folder(folder / "batch", per_class=2, size=(12, 12), seed=7)
    assert _predict(run_dir, [inputs], folder / "batch.csv") == 0
    table = pd.read_csv(folder / "batch.csv")
    assert len(table) == 6 and table["input"].str.endswith(".png").all()


def test_a_dark_on_light_photo_is_inverted_and_said_so(image_run, capsys):
    folder, run_dir = image_run
    light = save(folder / "ink" / "light.png", pattern(0, seed=50))
    paper = save(folder / "ink" / "paper.png", pattern(0, seed=50, invert=True))
    assert _predict(run_dir, [light, paper], folder / "auto.csv") == 0
    printed = capsys.readouterr().out
    assert printed.count("polarity:") == 1
    assert f"inverted 1 that are not: {paper} (--invert no keeps them)" in printed
    auto = pd.read_csv(folder / "auto.csv")
    np.testing.assert_allclose(auto.iloc[0, 3:], auto.iloc[1, 3:], rtol=1e-5, atol=1e-6)

    assert _predict(run_dir, [light, paper], folder / "no.csv", "--invert", "no") == 0
    kept = pd.read_csv(folder / "no.csv")
    assert not np.allclose(kept.iloc[0, 3:], kept.iloc[1, 3:])
    assert "polarity" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "case, fragment",
    [("empty folder", "holds no images"), ("not an image", "are not images"),
     ("top-k", "--top-k must be 1 or more")],
)  # fmt: skip
def test_bad_image_inputs_exit_2_with_one_line(image_run, case, fragment, tmp_path, capsys):
    _, run_dir = image_run
    (tmp_path / "empty").mkdir()
    (tmp_path / "fake.png").write_bytes(b"no pixels here")
    inputs, extra = {
        "empty folder": ([tmp_path / "empty"], []),
        "not an image": ([tmp_path / "fake.png"], []),
        "top-k": ([tmp_path / "fake.png"], ["--top-k", "0"]),
    }[case]
    assert _predict(run_dir, inputs, tmp_path / "out.csv", *extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err, err
    assert not (tmp_path / "out.csv").exists()


def test_reports_carry_the_folder_names_and_the_test_images(image_run):
    import evaluate
    from harness.evaluate.data import load_eval_data

    _, run_dir = image_run
    assert evaluate.main(["--run-dir", str(run_dir)]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    report = run_dir / "reports" / summary["result_checkpoint"]
    matrix = pd.read_csv(report / "confusion_matrix.csv", index_col=0)
    assert list(matrix.columns) == ["circle", "square", "triangle"] and matrix.to_numpy().sum() == 7
    data = load_eval_data(json.loads((run_dir / "run.json").read_text()), split="test")
    assert data.x.shape == (7, 12, 12, 1) and data.class_names == ["circle", "square", "triangle"]


def test_without_out_the_csv_goes_into_the_run_folder(image_run, capsys):
    folder, run_dir = image_run
    photo = save(folder / "new" / "three.png", pattern(0, size=(12, 12), seed=97))
    assert predict.main(["--run-dir", str(run_dir), str(photo)]) == 0
    kept = run_dir / "predictions" / "three.csv"
    assert f"predictions: {kept}" in capsys.readouterr().out
    table = pd.read_csv(kept)
    assert list(table["input"]) == [str(photo)] and table["predicted"].notna().all()


def test_the_command_prints_nothing_of_tensorflows_start_up(image_run):
    # As a user runs it: a fresh process, where predict.py decodes the images while it checks its
    # inputs, before its own quiet import of TensorFlow.
    folder, run_dir = image_run
    png = save(folder / "fresh" / "one.png", pattern(1, size=(12, 12), seed=97))
    code, out, err = run_script("predict.py", "--run-dir", run_dir, png, "--out", folder / "f.csv")
    assert code == 0, err
    assert err == [], err
    assert f"{png}" in out
