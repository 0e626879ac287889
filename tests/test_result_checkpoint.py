"""One run, one test number: training, model.keras, evaluate.py and predict.py by default all
use the run's result, the final weights, or the best ones under --early-stopping."""

import numpy as np
import pandas as pd
import pytest

from harness.checkpoints.restore import restore_run_model
from harness.data import prepare_inputs
from tests.eval_tools import read_json, run_script, train_run

FLAGS = ("--model", "mlp", "--set", "widths=16", "--batch-size", 32, "--seed", 1)


@pytest.mark.parametrize(
    "flags, weights",
    [
        (("--epochs", 3), "final"),
        # A rate so high that validation accuracy falls after its peak, and more epochs than
        # the run lasts: early stopping ends it 2 epochs after the best.
        (
            ("--epochs", 20, "--early-stopping", 2, "--optimizer", "sgd", "--lr", 3.0),
            "best",
        ),
    ],
    ids=["final", "early-stopping"],
)
def test_every_command_reports_the_same_result(tmp_path, capsys, flags, weights):
    run_dir = tmp_path / "run"
    capsys.readouterr()
    train_run(run_dir, *FLAGS, *flags)
    printed = capsys.readouterr().out
    summary = read_json(run_dir / "summary.json")
    manifest = read_json(run_dir / "manifest.json")
    history = pd.read_csv(run_dir / "history.csv")
    expected = (
        manifest["best"]["name"] if weights == "best" else manifest["checkpoints"][-1]["name"]
    )
    assert summary["result_checkpoint"] == expected
    assert summary["weights"].startswith(weights)
    line = next(line for line in printed.splitlines() if line.startswith("result: "))
    assert line.startswith(f"result: {expected}, the {weights} weights of epoch ")
    assert f"accuracy {summary['test']['accuracy']:.4g}" in line
    if weights == "best":
        assert summary["result_epoch"] < history["epoch"].max()  # really not the last epoch

    code, out, err = run_script("evaluate.py", "--run-dir", run_dir)
    assert code == 0, err
    evaluated = read_json(run_dir / "reports" / expected / "metrics.json")
    assert evaluated["checkpoint"] == expected
    assert evaluated["metrics"]["accuracy"] == pytest.approx(summary["test"]["accuracy"], abs=1e-6)

    # model.keras holds the same weights as the result checkpoint predict.py restores.
    import keras

    restored = restore_run_model(run_dir)
    assert restored.checkpoint["name"] == expected
    saved = keras.saving.load_model(run_dir / "model.keras")
    raw = np.random.default_rng(0).integers(0, 17, size=(5, 64)).astype(np.float32)
    normalization = read_json(run_dir / "run.json")["data"]["normalization"]
    inputs = prepare_inputs(raw, spec_name="digits", layout="flat", normalization=normalization)
    np.testing.assert_allclose(
        saved.predict(raw, verbose=0), restored.model.predict(inputs, verbose=0), atol=1e-6
    )


def test_the_end_of_training_lists_the_files_and_the_next_commands(tmp_path, capsys):
    from harness.runs import RUN_FILE_MEANINGS

    run_dir = tmp_path / "run"
    capsys.readouterr()
    train_run(run_dir, *FLAGS, "--epochs", 1)
    lines = capsys.readouterr().out.splitlines()
    start = lines.index(f"run folder: {run_dir}")
    listed = {line.split()[0] for line in lines[start + 1 :] if line.startswith("  ")}
    written = {path.name for path in run_dir.iterdir() if not path.name.startswith(".")}
    assert listed == {name for name in RUN_FILE_MEANINGS if name in written} | {"ckpt/"}
    assert set(RUN_FILE_MEANINGS) <= written
    assert f"evaluate it: python evaluate.py --run-dir {run_dir}" in lines
    assert f"train it on: python train.py --run-dir {run_dir} --resume --epochs N" in lines
