"""forecast:PATH data: windows against hand-computed ones, the split by time, scaling fitted on the
training rows only, the options, and the naive forecasts against a hand-computed example."""

import numpy as np
import pandas as pd
import pytest

from harness.data import forecast, forecast_options, load_dataset
from harness.errors import UsageError
from harness.reports.forecast import naive_forecasts, skill_figures
from tests.forecast_tools import monthly_series, write_series


def _counting(tmp_path, steps=20, **columns) -> str:
    """A series 0, 1, 2, ... with no dates: each value is its row, so windows read as rows."""
    frame = pd.DataFrame({"y": np.arange(steps, dtype=float), **columns})
    return write_series(tmp_path / "count.csv", frame)


def _load(path, options, target="y", layout="sequence", **kwargs):
    return load_dataset(f"forecast:{path}", layout=layout, target=target, options=options, **kwargs)


def test_windows_and_splits_match_a_hand_computed_example(tmp_path):
    # 20 rows: test the last fifth (rows 16-19), validation a tenth before it (14-15), train 0-13.
    splits = _load(_counting(tmp_path), {"window": "3", "horizon": "2", "scaling": "none"})

    assert splits.info["segments"] == {"train": [0, 14], "val": [14, 16], "test": [16, 20]}
    # A window belongs to the part holding both its targets; its inputs may reach back.
    np.testing.assert_array_equal(splits.x_train[:2, :, 0], [[0, 1, 2], [1, 2, 3]])
    np.testing.assert_array_equal(splits.y_train[:2], [[3, 4], [4, 5]])
    np.testing.assert_array_equal(splits.y_train[-1], [12, 13])
    assert len(splits.x_train) == 10
    np.testing.assert_array_equal(splits.x_val[:, :, 0], [[11, 12, 13]])
    np.testing.assert_array_equal(splits.y_val, [[14, 15]])
    np.testing.assert_array_equal(
        splits.x_test[:, :, 0], [[13, 14, 15], [14, 15, 16], [15, 16, 17]]
    )
    np.testing.assert_array_equal(splits.y_test, [[16, 17], [17, 18], [18, 19]])
    assert splits.task == "regression" and splits.num_outputs == 2
    assert splits.x_train.dtype == np.float32 and splits.y_train.dtype == np.float32


def test_extra_columns_are_inputs_after_the_target_and_flatten_for_flat_models(tmp_path):
    path = _counting(tmp_path, other=np.arange(20) * 10.0, note=["a"] * 20)
    options = {"window": "3,scaling=none"}  # pairs joined by commas in one option
    splits = _load(path, options)
    assert splits.normalization["columns"] == ["y", "other"]  # the text column is no input
    np.testing.assert_array_equal(splits.x_train[0], [[0, 0], [1, 10], [2, 20]])
    flat = _load(path, options, layout="flat")
    np.testing.assert_array_equal(flat.x_train[0], [0, 0, 1, 10, 2, 20])
    alone = _load(path, {**options, "inputs": "none"})
    assert alone.input_shape == (3, 1)


def test_scaling_is_fitted_on_the_training_rows_only(tmp_path):
    frame = monthly_series(100)
    path = write_series(tmp_path / "a.csv", frame)
    changed = frame.copy()
    changed.loc[80:, "sales"] += 1000.0  # the test part only
    changed_path = write_series(tmp_path / "b.csv", changed)
    options = {"window": "12", "scaling": "train", "inputs": "none"}
    splits, other = _load(path, options, target="sales"), _load(changed_path, options, "sales")

    train_rows = pd.read_csv(path)["sales"].to_numpy()[:70]
    assert splits.info["segments"]["train"] == [0, 70]
    assert splits.normalization["mean"] == pytest.approx([train_rows.mean()])
    assert splits.normalization["std"] == pytest.approx([train_rows.std()])
    assert other.normalization == splits.normalization
    raw = pd.read_csv(path)["sales"].to_numpy()
    expected = (raw[87:99] - train_rows.mean()) / train_rows.std()  # the last window
    np.testing.assert_allclose(splits.x_test[-1, :, 0], expected, rtol=1e-5)


def test_last_scaling_takes_each_window_from_its_last_value_and_unscale_undoes_it(tmp_path):
    path = write_series(tmp_path / "s.csv", monthly_series(100))
    splits = _load(path, {"window": "12", "horizon": "3"}, target="sales")
    stats = splits.normalization
    assert stats["scaling"] == "last" and stats["columns"] == ["sales", "temperature"]
    assert stats["date"] == "date" and stats["frequency"] == "MS"
    raw = forecast.raw_split(path, stats, "test")
    std = np.asarray(stats["std"])
    np.testing.assert_allclose(splits.x_test, (raw.x - raw.x[:, -1:]) / std, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(forecast.unscale(raw.x, splits.y_test, stats), raw.y, rtol=1e-6)
    # The targets' dates: each window's next three months, in the last fifth of the file.
    assert str(raw.dates[0, 0])[:10] == "2006-09-01" and raw.dates.shape == (len(raw.y), 3)


def test_the_splits_do_not_move_with_the_seed(tmp_path):
    path = write_series(tmp_path / "s.csv", monthly_series(80))
    first, second = (_load(path, {}, target="sales", seed=seed) for seed in (0, 7))
    for which in ("train", "val", "test"):
        np.testing.assert_array_equal(first.split(which)[0], second.split(which)[0])


def test_options_parse_joined_pairs_and_the_default_window_adapts_to_the_series():
    chosen = forecast_options.parse({"window": "24,horizon=3,inputs=a,b"}, None)
    assert (chosen["window"], chosen["horizon"], chosen["inputs"]) == (24, 3, ["a", "b"])
    # 1.25 x max(horizon, season) (Hewamalage et al. 2021), at least a tenth of training (8-64).
    assert forecast_options.default_window(368, 1, 12) == 36
    assert forecast_options.default_window(60, 1, None) == 8
    assert forecast_options.default_window(5000, 1, None) == 64
    assert forecast_options.default_window(100, 1, 52) == 65
    with pytest.raises(UsageError, match="horizon=0"):
        forecast_options.parse({"horizon": "0"}, None)
    with pytest.raises(UsageError, match="no option lag"):
        forecast_options.parse({"lag": "2"}, None)


def test_naive_forecasts_and_skill_match_a_hand_computed_example():
    windows = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]])
    naive = naive_forecasts(windows, horizon=3, season=2)
    np.testing.assert_array_equal(naive["last value"], [[4, 4, 4], [8, 8, 8]])
    # Step h takes the value one season back from it: t + h - 2 * ceil(h / 2).
    np.testing.assert_array_equal(naive["seasonal naive (S=2)"], [[3, 4, 3], [6, 8, 6]])
    truth = np.array([[5.0, 6.0, 7.0], [10.0, 12.0, 14.0]])
    figures = skill_figures(truth, truth + 0.5, naive)
    assert figures["naive_mae"] == pytest.approx((1 + 2 + 3 + 2 + 4 + 6) / 6)
    assert figures["skill"] == pytest.approx(0.5 / figures["naive_mae"])
    assert figures["seasonal_naive_mae"] == pytest.approx((2 + 2 + 4 + 4 + 4 + 8) / 6)


def test_the_bench_summarises_seeds_and_tabulates_them(monkeypatch, tmp_path):
    import bench.forecast as bench_forecast

    runs = [
        {"seed": seed, "mae": mae, "naive_mae": 1.0, "seasonal_naive_mae": 2.0, "skill": mae,
         "seasonal_skill": mae / 2, "wall_seconds": 50.0 + seed, "cpu_seconds": 10.0}
        for seed, mae in enumerate((0.3, 0.5, 0.4))
    ]  # fmt: skip
    row = bench_forecast.summarize_runs(runs)
    assert (row["median_skill"], row["max_skill"], row["max_wall_seconds"]) == (0.4, 0.5, 52.0)
    lines = bench_forecast.table_lines({"models": {"lstm": row}})
    assert lines[2].startswith("| `lstm` | 0.400 | 1.000 | 2.000 | **0.400** (worst 0.500)")
    monkeypatch.setattr(bench_forecast, "FORECAST_JSON", tmp_path / "absent.json")
    assert bench_forecast.forecast_section(quick=True)["status"] == "missing"
