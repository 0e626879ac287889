"""resnet's stem halves images of 24 px and more; a resnet run recorded before it could (its
run.json has no downsample_stem) still rebuilds, evaluates and resumes with the full-resolution
stem it was trained with. A stride changes no weight's shape, so nothing else would notice."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

import train
from harness.model.factory import build_model
from tests.eval_tools import read_json, run_script, train_run
from tests.image_tools import write_folder
from zoo import create_model

pytestmark = pytest.mark.timeout(300)


def _pooled_map(model):
    """The (height, width) global pooling averages: the last stage's map."""
    pooling = next(
        layer for layer in model.layers if isinstance(layer, keras.layers.GlobalAveragePooling2D)
    )
    return tuple(pooling.input.shape[1:3])


@pytest.mark.parametrize(
    ("shape", "last_map"),
    [((8, 8, 1), (4, 4)), ((23, 23, 1), (12, 12)), ((24, 24, 1), (6, 6)),
     ((28, 28, 1), (7, 7)), ((32, 32, 3), (8, 8)), ((64, 48, 3), (16, 12))],
)  # fmt: skip
def test_the_stem_halves_images_of_24_px_and_more(shape, last_map):
    model = create_model("resnet", input_shape=shape, num_outputs=3, task="classification")
    assert _pooled_map(model) == last_map
    full = create_model(
        "resnet", input_shape=shape, num_outputs=3, task="classification", downsample_stem=False
    )
    assert _pooled_map(full) == tuple(-(-side // 2) for side in shape[:2])
    assert model.count_params() == full.count_params()  # the same weights, four times the work


def _forget_the_stem_option(run_dir):
    """Makes run.json what a run recorded before downsample_stem existed holds."""
    path = run_dir / "run.json"
    run = json.loads(path.read_text())
    del run["model"]["hparams"]["downsample_stem"]
    del run["config"]["hparams"]["downsample_stem"]
    path.write_text(json.dumps(run, indent=2))
    return run


def test_a_run_recorded_before_the_stem_halved_keeps_its_full_resolution_stem(tmp_path):
    folder = write_folder(tmp_path / "shapes", per_class=10, size=(24, 24))
    run_dir = tmp_path / "old-resnet"
    flags = ["--model", "resnet", "--dataset", f"images:{folder}", "--epochs", "2", "--set",
             "filters=16,32", "--set", "downsample_stem=false", "--batch-size", "8"]  # fmt: skip
    train_run(run_dir, *flags)
    code, _, err = run_script("evaluate.py", "--run-dir", run_dir, "--out", tmp_path / "before")
    assert code == 0, err
    run = _forget_the_stem_option(run_dir)

    model = build_model(run["model"], augment=False, dataset=run["config"]["dataset"], seed=0)
    assert _pooled_map(model) == (12, 12)  # the stem of its time, not today's default (6, 6)

    code, _, err = run_script("evaluate.py", "--run-dir", run_dir, "--out", tmp_path / "after")
    assert code == 0, err  # run.json passes its format check without the key
    before = pd.read_csv(tmp_path / "before" / "predictions.csv")
    after = pd.read_csv(tmp_path / "after" / "predictions.csv")
    pd.testing.assert_frame_equal(before, after)  # the same model, to the last digit
    metrics = [read_json(tmp_path / out / "metrics.json")["metrics"] for out in ("before", "after")]
    assert metrics[0] == metrics[1]

    assert train.main(["--run-dir", str(run_dir), "--resume", "--epochs", "3"]) == 0
    resumed = read_json(run_dir / "run.json")
    assert "downsample_stem" not in resumed["model"]["hparams"]
    assert len(pd.read_csv(run_dir / "history.csv")) == 3


# Stages of 16 and 32 filters, not 4 and 8: on an AVX-512 host TensorFlow 2.21's oneDNN kernels
# crash the process (free(): invalid pointer, or SIGSEGV) in most trainings of a resnet that
# narrow; TF_ENABLE_ONEDNN_OPTS=0 avoids it (README, "Known problems").
def test_a_new_run_records_the_stem_option(tmp_path):
    folder = write_folder(tmp_path / "shapes", per_class=6, size=(24, 24))
    run = train_run(tmp_path / "new", "--model", "resnet", "--dataset", f"images:{folder}",
                    "--epochs", "1", "--set", "filters=16,32")  # fmt: skip
    assert run["model"]["hparams"]["downsample_stem"] is True
    model = build_model(run["model"], augment=False, dataset=run["config"]["dataset"], seed=0)
    assert _pooled_map(model) == (6, 6)
    np.testing.assert_equal(run["model"]["input_shape"], [24, 24, 1])
