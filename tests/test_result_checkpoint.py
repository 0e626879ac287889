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
        # A rate so high that validation accuracy falls after its peak: best is not the last.
        (
            ("--epochs", 8, "--early-stopping", 2, "--optimizer", "sgd", "--lr", 3.0),
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
