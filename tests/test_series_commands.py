"""A series run through the real commands: train.py on a UCR TSV with its TEST file, evaluate.py
on its own test split and on another file, predict.py on series files, and model.keras on raw
series; and every bad input answered with one line, exit 2 and nothing written."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

import evaluate
import predict
import train
from tests.series_tools import bumps, write_csv, write_lines, write_npz, write_tsv

pytestmark = pytest.mark.timeout(240)
TINY_FCN = ["--model", "fcn", "--set", "filters=8,8,8", "--epochs", "3", "--seed", "1"]


@pytest.fixture(scope="module")
def series_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    x, labels = bumps(60, steps=24, seed=1)
    train_path = write_tsv(folder / "Bumps_TRAIN.tsv", x, labels)
    test_path = write_tsv(folder / "Bumps_TEST.tsv", *bumps(30, steps=24, seed=2))
    run_dir = folder / "run"
    argv = [*TINY_FCN, "--dataset", f"series:{train_path}", "--test-data", test_path]
    assert train.main([*argv, "--data-opt", "scaling=train", "--run-dir", str(run_dir)]) == 0
    return folder, run_dir


def test_run_json_records_the_split_and_the_scaling_that_evaluate_reuses(series_run, capsys):
    folder, run_dir = series_run
    run = json.loads((run_dir / "run.json").read_text())
    data = run["data"]

    assert data["normalization"]["method"] == "series"
    assert data["normalization"]["scaling"] == "train"
    assert len(data["normalization"]["mean"]) == 1
    assert data["info"]["test_data"] == str(folder / "Bumps_TEST.tsv")
    assert data["info"]["sizes"] == {"train": 48, "val": 12, "test": 30}
    # The batch adapts to the 48 training series: a tenth of them (dl-4-tsc's rule).
    assert run["config"]["batch_size"] == 4 and run["config"]["monitor"] == "loss"
    summary = json.loads((run_dir / "summary.json").read_text())

    assert evaluate.main(["--run-dir", str(run_dir)]) == 0
    reports = run_dir / "reports" / summary["result_checkpoint"]
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["metrics"]["n"] == 30
    assert metrics["metrics"]["accuracy"] == pytest.approx(summary["test"]["accuracy"], abs=1e-6)
    report = pd.read_csv(reports / "confusion_matrix.csv", index_col=0)
    assert report.to_numpy().sum() == 30 and list(report.columns) == ["1", "2"]

    # Another file is read in file order, scaled with the training statistics.
    other = write_csv(folder / "other.csv", *bumps(14, steps=24, seed=5))
    assert evaluate.main(["--run-dir", str(run_dir), "--dataset", f"series:{other}"]) == 0
    out = run_dir / "reports" / f"{summary['result_checkpoint']}-other-all"
    predictions = pd.read_csv(out / "predictions.csv")
    assert predictions["index"].tolist() == list(range(14))
    assert predictions["y_true"].astype(str).tolist() == ["1", "2"] * 7
    capsys.readouterr()


def test_predict_reads_series_files_and_matches_the_raw_input_model(series_run):
    folder, run_dir = series_run
    x, labels = bumps(6, steps=24, seed=9)
    unlabelled = write_lines(
        folder / "new.tsv", ["\t".join(f"{value:.9f}" for value in row) for row in x[:, :, 0]]
    )
    labelled = write_tsv(folder / "labelled.tsv", x, labels)
    npz = write_npz(folder / "new.npz", x)
    tables = []
    for name, path in (("a", unlabelled), ("b", labelled), ("c", npz)):
        out = folder / f"{name}.csv"
        assert predict.main(["--run-dir", str(run_dir), path, "--out", str(out)]) == 0
        tables.append(pd.read_csv(out))
    probabilities = [table[["p_1", "p_2"]].to_numpy() for table in tables]
    np.testing.assert_allclose(probabilities[1], probabilities[0], atol=1e-6)
    np.testing.assert_allclose(probabilities[2], probabilities[0], atol=1e-6)
    assert tables[0]["input"].tolist() == [f"{unlabelled}[{row}]" for row in range(6)]

    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    raw = np.round(x, 9).astype(np.float32)
    np.testing.assert_allclose(model.predict(raw, verbose=0), probabilities[0], atol=1e-5)


def test_zscore_runs_raw_input_model_normalises_each_series(tmp_path):
    x, labels = bumps(40, steps=16, seed=3)
    path = write_npz(tmp_path / "s.npz", x, labels)
    run_dir = tmp_path / "run"
    argv = ["--model", "mlp", "--set", "widths=8", "--epochs", "1", "--dataset", f"series:{path}"]
    assert train.main([*argv, "--run-dir", str(run_dir)]) == 0
    out = tmp_path / "p.csv"
    assert predict.main(["--run-dir", str(run_dir), path, "--out", str(out)]) == 0
    expected = pd.read_csv(out)[["p_1", "p_2"]].to_numpy()
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    flat = x.reshape(len(x), -1).astype(np.float32)
    np.testing.assert_allclose(model.predict(flat, verbose=0), expected, atol=1e-5)


def _bad_files(folder):
    x, labels = bumps(30, steps=10)
    good = write_tsv(folder / "good.tsv", x, labels)
    rows = [line.rstrip("\n") for line in open(good)]
    gap = rows.copy()
    gap[4] = "2\t0.1\t\t0.3\t0.4\t0.5\t0.6\t0.7\t0.8\t0.9\t1.0"
    text = rows.copy()
    text[6] = "1\t0.1\t0.2\tx7\t0.4\t0.5\t0.6\t0.7\t0.8\t0.9\t1.0"
    return {
        "text": (
            ["--dataset", f"series:{write_lines(folder / 't.tsv', text)}"],
            "line 7, column 4",
        ),
        "gap": (["--dataset", f"series:{write_lines(folder / 'g.tsv', gap)}"], "line 5, column 3"),
        "label": (
            ["--dataset", f"series:{write_csv(folder / 'c.csv', x, labels, target='y')}"],
            "no label column 'label'",
        ),
        "one class": (
            ["--dataset", f"series:{write_tsv(folder / 'one.tsv', x, ['1'] * 30)}"],
            "one class only",
        ),
        "few": (
            ["--dataset", f"series:{write_tsv(folder / 'few.tsv', x[:4], labels[:4])}"],
            "too few series to split",
        ),
        "test length": (
            [
                "--dataset",
                f"series:{good}",
                "--test-data",
                write_tsv(folder / "long.tsv", *bumps(8, steps=12)),
            ],
            "has series of 12 steps",
        ),
        "test channels": (
            [
                "--dataset",
                f"series:{write_npz(folder / 'one.npz', x, labels)}",
                "--test-data",
                write_npz(folder / "three.npz", *bumps(8, steps=10, channels=3)),
            ],
            "3 channel(s)",
        ),
        "empty": (["--dataset", f"series:{write_lines(folder / 'e.tsv', [])}"], "is empty"),
        "npz without y": (["--dataset", f"series:{write_npz(folder / 'x.npz', x)}"], "no array y"),
        "image model": (["--model", "resnet", "--dataset", f"series:{good}"], "--model resnet1d"),
        "test data on digits": (["--dataset", "digits", "--test-data", good], "has its own splits"),
        "val fraction": (["--dataset", f"series:{good}", "--val-fraction", "1"], "below 1"),
    }


CASES = [
    "text",
    "gap",
    "label",
    "one class",
    "few",
    "test length",
    "test channels",
    "empty",
    "npz without y",
    "image model",
    "test data on digits",
    "val fraction",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_series_input_exits_2_with_one_line_and_writes_nothing(
    case, tmp_path, monkeypatch, capsys
):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    argv, fragment = _bad_files(inputs)[case]
    monkeypatch.chdir(work)
    model = [] if "--model" in argv else ["--model", "fcn"]
    code = train.main([*model, *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err, err
    assert list(work.iterdir()) == []  # no checkpoints/ folder, no run folder


def test_a_bad_series_file_is_answered_before_tensorflow_is_imported(tmp_path):
    from tests.eval_tools import train_in_a_fresh_process

    bad = write_lines(
        tmp_path / "short.tsv", ["1\t0.1\t0.2\t0.3", "2\t0.1\t0.2", "1\t0.3\t0.1\t0.2"]
    )
    outcome, stderr = train_in_a_fresh_process(
        ["--model", "fcn", "--dataset", f"series:{bad}"], tmp_path
    )
    assert outcome == ["2", "False", "False"], stderr
    assert "1 series end early" in stderr and "line 2 (2)" in stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["short.tsv"]
