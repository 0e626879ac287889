"""A forecast run through the real commands: train.py on a monthly series with an extra input,
evaluate.py's report (the naive forecasts and the skill ratio recomputed here from the file and
predictions.csv with pandas), predict.py's next-H forecast against evaluate.py's and model.keras;
and every bad input answered with one line, exit 2 and nothing written."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

import evaluate
import predict
import train
from harness.data import list_datasets
from tests.forecast_tools import monthly_series, write_series

pytestmark = pytest.mark.timeout(300)
HORIZON, SEASON, WINDOW = 3, 12, 15
TINY_LSTM = ["--model", "lstm", "--set", "units=8", "--epochs", "3", "--seed", "2"]


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast")
    path = write_series(folder / "sales.csv", monthly_series(120))
    run_dir = folder / "run"
    options = f"window={WINDOW},horizon={HORIZON},season={SEASON}"
    argv = [*TINY_LSTM, "--dataset", f"forecast:{path}", "--target", "sales"]
    assert train.main([*argv, "--data-opt", options, "--run-dir", str(run_dir)]) == 0
    return folder, path, run_dir


def test_evaluate_reports_the_naive_forecasts_and_the_skill_ratio(forecast_run, capsys):
    folder, path, run_dir = forecast_run
    assert ("forecast:PATH", "regression") in [row[:2] for row in list_datasets()]
    run = json.loads((run_dir / "run.json").read_text())
    stats = run["data"]["normalization"]
    assert stats["method"] == "forecast" and stats["columns"] == ["sales", "temperature"]
    assert run["model"]["input_shape"] == [WINDOW, 2] and run["model"]["num_outputs"] == HORIZON
    capsys.readouterr()
    assert evaluate.main(["--run-dir", str(run_dir)]) == 0
    printed = capsys.readouterr().out
    reports = next((run_dir / "reports").iterdir())
    metrics = json.loads((reports / "metrics.json").read_text())["metrics"]
    assert f"skill {metrics['skill']:.4g}" in printed and "naive_mae" in printed

    series = pd.read_csv(path, parse_dates=["date"])
    predictions = pd.read_csv(reports / "predictions.csv", parse_dates=["index"])
    # The test part is the last fifth of the 120 months: windows whose 3 targets lie in it.
    first_test_row = 120 - 24
    assert predictions["index"].min() == series["date"][first_test_row]
    assert len(predictions) == (24 - HORIZON + 1) * HORIZON
    row_of = {date: row for row, date in enumerate(series["date"])}
    rows = predictions["index"].map(row_of).to_numpy() + predictions["output"].to_numpy()
    values = series["sales"].to_numpy()
    np.testing.assert_allclose(predictions["y_true"], values[rows], rtol=1e-9)
    last_value = values[predictions["index"].map(row_of).to_numpy() - 1]
    steps = predictions["output"].to_numpy() + 1
    seasonal = values[rows - SEASON * np.ceil(steps / SEASON).astype(int)]
    model_mae = (predictions["y_pred"] - predictions["y_true"]).abs().mean()
    naive_mae = np.abs(last_value - predictions["y_true"]).mean()
    seasonal_mae = np.abs(seasonal - predictions["y_true"]).mean()
    assert metrics["mae"] == pytest.approx(model_mae)
    assert metrics["naive_mae"] == pytest.approx(naive_mae)
    assert metrics["seasonal_naive_mae"] == pytest.approx(seasonal_mae)
    assert metrics["skill"] == pytest.approx(model_mae / naive_mae)
    assert metrics["seasonal_skill"] == pytest.approx(model_mae / seasonal_mae)
    baselines = pd.read_csv(reports / "forecast_baselines.csv", index_col="forecast")
    assert baselines.loc["last value", "mae"] == pytest.approx(naive_mae)
    assert baselines.loc["model", "skill"] == pytest.approx(metrics["skill"])
    assert (reports / "forecast.png").stat().st_size > 10_000


def test_predict_forecasts_the_next_steps_as_evaluate_and_model_keras_do(forecast_run, capsys):
    folder, path, run_dir = forecast_run
    series = pd.read_csv(path)
    # A file that ends where the last test window's inputs end: its forecast is that window's.
    recent = write_series(folder / "recent.csv", series.iloc[40:-HORIZON])
    out = folder / "next.csv"
    assert predict.main(["--run-dir", str(run_dir), recent, "--out", str(out)]) == 0
    assert "2009-10-01" in capsys.readouterr().out
    table = pd.read_csv(out)
    assert table.columns.tolist() == ["input", "step", "date", "sales"]
    assert table["step"].tolist() == [1, 2, 3]
    assert table["date"].tolist() == ["2009-10-01", "2009-11-01", "2009-12-01"]

    assert evaluate.main(["--run-dir", str(run_dir)]) == 0
    reports = next((run_dir / "reports").iterdir())
    predictions = pd.read_csv(reports / "predictions.csv")
    np.testing.assert_allclose(
        table["sales"], predictions["y_pred"].to_numpy()[-HORIZON:], rtol=1e-5
    )

    window = series[["sales", "temperature"]].to_numpy()[-HORIZON - WINDOW : -HORIZON]
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    raw = model.predict(window[None].astype(np.float32), verbose=0)[0]
    np.testing.assert_allclose(raw, table["sales"], rtol=1e-4)

    # Another file, all its windows (train, validation, test parts in turn), scaled as in training.
    assert evaluate.main(["--run-dir", str(run_dir), "--dataset", f"forecast:{recent}"]) == 0
    other = pd.read_csv(next((run_dir / "reports").glob("*-recent-all")) / "predictions.csv")
    assert len(other) == (37 + 6 + 13) * HORIZON  # of 77 rows: parts of 54, 8 and 15
    # Its last window forecasts rows 114-116 of the series, as the run's own test window did.
    same = predictions[predictions["index"] == series["date"][120 - 2 * HORIZON]]
    np.testing.assert_allclose(other["y_pred"][-HORIZON:], same["y_pred"], rtol=1e-5)
    np.testing.assert_allclose(other["y_true"][-HORIZON:], series["sales"][114:117], rtol=1e-9)

    # Without --out the forecast goes beside the run's reports.
    assert predict.main(["--run-dir", str(run_dir), recent]) == 0
    assert pd.read_csv(run_dir / "forecasts" / "recent.csv").equals(table)


def _bad_files(folder):
    good = monthly_series(60)
    text = good.astype({"sales": object})
    text.loc[7, "sales"] = "n/a?"
    gap = good.copy()
    gap.loc[30, "sales"] = np.nan
    shuffled = good.copy()
    shuffled.loc[[20, 21], "date"] = shuffled.loc[[21, 20], "date"].to_numpy()
    files = {
        "shuffled": write_series(folder / "shuffled.csv", shuffled),
        "text": write_series(folder / "text.csv", text),
        "gap": write_series(folder / "gap.csv", gap),
        "good": write_series(folder / "good.csv", good),
    }
    (folder / "empty.csv").write_text("")
    target = ["--target", "sales"]
    return {
        "non-numeric target": (
            ["--dataset", f"forecast:{files['text']}", *target],
            "line 9, column 'sales': 'n/a?' is not a number",
        ),
        "gap": (["--dataset", f"forecast:{files['gap']}", *target], "line 32, column 'sales'"),
        "window too long": (
            ["--dataset", f"forecast:{files['good']}", *target, "--data-opt", "window=45"],
            "window 45 + horizon 1 is longer than the training part (42 of 60 rows)",
        ),
        "empty": (["--dataset", f"forecast:{folder / 'empty.csv'}", *target], "is empty"),
        "missing target": (
            ["--dataset", f"forecast:{files['good']}", "--target", "revenue"],
            "has no target column 'revenue' (columns: date, sales, temperature)",
        ),
        "no target": (["--dataset", f"forecast:{files['good']}"], "needs --target COLUMN"),
        "season beyond window": (
            ["--dataset", f"forecast:{files['good']}", *target, "--data-opt", "season=12,window=8"],
            "season=12 is longer than the window (8)",
        ),
        "dates out of order": (
            ["--dataset", f"forecast:{files['shuffled']}", *target],
            "line 23: date '2001-09-01' does not come after '2001-10-01'",
        ),
        "image model": (
            ["--model", "cnn", "--dataset", f"forecast:{files['good']}", *target],
            "cannot feed a model that expects images",
        ),
    }


CASES = ["non-numeric target", "gap", "window too long", "empty", "missing target", "no target",
         "season beyond window", "dates out of order", "image model"]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_bad_forecast_input_exits_2_with_one_line_and_writes_nothing(
    case, tmp_path, monkeypatch, capsys
):
    inputs, work = tmp_path / "inputs", tmp_path / "work"
    inputs.mkdir()
    work.mkdir()
    argv, fragment = _bad_files(inputs)[case]
    monkeypatch.chdir(work)
    model = [] if "--model" in argv else ["--model", "lstm"]
    code = train.main([*model, *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err, err
    assert list(work.iterdir()) == []  # no checkpoints/ folder, no run folder


def test_predict_refuses_a_file_shorter_than_the_window_or_without_the_target(forecast_run, capsys):
    folder, path, run_dir = forecast_run
    short = write_series(folder / "short.csv", pd.read_csv(path).iloc[:5])
    assert predict.main(["--run-dir", str(run_dir), short]) == 2
    err = capsys.readouterr().err
    assert f"has 5 rows; a forecast needs the last {WINDOW}" in err and err.count("\n") == 1
    renamed = write_series(folder / "renamed.csv", pd.read_csv(path).rename(columns={"sales": "x"}))
    assert predict.main(["--run-dir", str(run_dir), renamed]) == 2
    err = capsys.readouterr().err
    assert "no target column 'sales'" in err and "give a file like the training one" in err


TINY = {
    "rnn": "units=4",
    "gru": "units=4",
    "attention": "model_dim=8",
    "fcn": "filters=4,4,4",
    "resnet1d": "filters=4,4,4",
}


@pytest.mark.parametrize("model", sorted(TINY))
def test_every_sequence_model_trains_on_a_forecast(model, tmp_path):
    path = write_series(tmp_path / "s.csv", monthly_series(60))
    run_dir = tmp_path / "run"
    argv = ["--model", model, "--set", TINY[model], "--epochs", "1", "--batch-size", "8"]
    argv += ["--dataset", f"forecast:{path}", "--target", "sales", "--data-opt", "horizon=2"]
    assert train.main([*argv, "--run-dir", str(run_dir)]) == 0
    run = json.loads((run_dir / "run.json").read_text())
    assert run["model"]["task"] == "regression" and run["model"]["num_outputs"] == 2
    assert evaluate.main(["--run-dir", str(run_dir), "--no-plots"]) == 0


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("std", [1.0, -2.0], "data.normalization.std"),
        ("columns", ["sales"], "data.normalization.mean must be 1 values"),
        ("season", 99, "data.normalization.season"),
        ("scaling", "log", "data.normalization.scaling"),
    ],
)
def test_run_json_with_a_damaged_forecast_normalisation_is_refused(
    forecast_run, key, value, fragment
):
    from harness.checkpoints.run_schema import check_run_json
    from harness.errors import RunDamaged

    folder, path, run_dir = forecast_run
    run = json.loads((run_dir / "run.json").read_text())
    assert check_run_json(run, "run.json") is run
    run["data"]["normalization"][key] = value
    with pytest.raises(RunDamaged, match=fragment):
        check_run_json(run, "run.json")
