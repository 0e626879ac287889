"""series:PATH data: the three formats, the splits, the two scalings and every file it refuses.

The files are written here (tests/series_tools.py); none is downloaded.
"""

import json

import numpy as np
import pandas as pd
import pytest

from harness.data import load_dataset, prepare_inputs
from harness.errors import UsageError
from tests.series_tools import bumps, write_csv, write_lines, write_npz, write_tsv

pytestmark = pytest.mark.timeout(60)


def _load(path, layout="sequence", **kwargs):
    return load_dataset(f"series:{path}", layout=layout, **kwargs)


def _all_rows(data):
    return np.concatenate([data.split(which)[0] for which in ("train", "val", "test")])


def test_ucr_tsv_keeps_the_contract_of_every_data_set(tmp_path):
    x, labels = bumps(40, steps=20, labels=("10", "2"))
    data = _load(write_tsv(tmp_path / "Bumps_TRAIN.tsv", x, labels), seed=3)

    assert (data.task, data.layout, data.input_shape) == ("classification", "sequence", (20, 1))
    assert data.class_names == ["2", "10"]  # as written, sorted by value
    assert data.info["sizes"] == {"train": 26, "val": 6, "test": 8}
    for which in ("train", "val", "test"):
        xs, ys = data.split(which)
        assert xs.dtype == np.float32 and ys.dtype == np.int64 and np.isfinite(xs).all()
        assert set(ys) == {0, 1}  # stratified: both classes in every split
        # z-normalised, each series on its own: the archive's convention.
        np.testing.assert_allclose(xs.mean(axis=1), 0.0, atol=1e-5)
        np.testing.assert_allclose(xs.std(axis=1), 1.0, atol=1e-4)
    assert data.normalization == {
        "method": "series",
        "scaling": "zscore",
        "steps": 20,
        "channels": 1,
        "class_names": ["2", "10"],
        "target": None,
    }
    facts = json.loads(json.dumps({"info": data.info, "normalization": data.normalization}))
    again = _load(data.info["source"], seed=3, normalization=facts["normalization"])
    for which in ("train", "val", "test"):
        np.testing.assert_array_equal(again.split(which)[0], data.split(which)[0])


def test_the_same_series_read_from_tsv_csv_and_npz_are_the_same_examples(tmp_path):
    x, labels = bumps(30, steps=16)
    tsv = _load(write_tsv(tmp_path / "a.tsv", x, labels))
    csv = _load(write_csv(tmp_path / "a.csv", x, labels, target="kind"), target="kind")
    npz = _load(write_npz(tmp_path / "a.npz", x, labels))

    for other in (csv, npz):
        for which in ("train", "val", "test"):
            np.testing.assert_allclose(other.split(which)[0], tsv.split(which)[0], atol=1e-6)
            np.testing.assert_array_equal(other.split(which)[1], tsv.split(which)[1])
    assert (csv.normalization["target"], csv.info["format"], npz.info["format"]) == (
        "kind",
        "csv",
        "npz",
    )


def test_npz_series_have_channels_and_flatten_for_flat_models(tmp_path):
    x, labels = bumps(30, steps=12, channels=3)
    path = write_npz(tmp_path / "multi.npz", x, labels)
    sequence, flat = _load(path), _load(path, layout="flat")

    assert sequence.input_shape == (12, 3) and flat.input_shape == (36,)
    np.testing.assert_array_equal(flat.x_train, sequence.x_train.reshape(len(flat.x_train), -1))
    # Each channel of each series is scaled on its own.
    np.testing.assert_allclose(sequence.x_train.mean(axis=1), 0.0, atol=1e-5)


def test_a_test_file_is_the_test_split_and_validation_comes_from_the_training_file(tmp_path):
    x, labels = bumps(50, seed=1)
    x_test, labels_test = bumps(24, seed=2)
    train_path = write_tsv(tmp_path / "S_TRAIN.tsv", x, labels)
    test_path = write_tsv(tmp_path / "S_TEST.tsv", x_test, labels_test)
    data = _load(train_path, test_data=test_path, val_fraction=0.3)

    assert data.info["sizes"] == {"train": 35, "val": 15, "test": 24}
    assert data.info["test_data"] == test_path and data.info["val_fraction"] == 0.3
    # The test split is the test file, in file order.
    expected = prepare_inputs(
        x_test, spec_name=data.name, layout="sequence", normalization=data.normalization
    )
    np.testing.assert_array_equal(data.x_test, expected)
    np.testing.assert_array_equal(data.y_test, (labels_test == "2").astype(np.int64))
    # Train and validation are the training file's series, each once.
    ours = np.sort(np.concatenate([data.x_train, data.x_val])[:, :, 0], axis=0)
    whole = prepare_inputs(
        x, spec_name=data.name, layout="sequence", normalization=data.normalization
    )
    np.testing.assert_array_equal(ours, np.sort(whole[:, :, 0], axis=0))
    assert np.bincount(data.y_val).tolist() in ([7, 8], [8, 7])  # stratified


def test_the_validation_and_test_splits_do_not_move_with_the_seed(tmp_path):
    x, labels = bumps(40)
    path = write_tsv(tmp_path / "s.tsv", x, labels)
    first, other = _load(path, seed=0), _load(path, seed=7)

    for which in ("train", "val", "test"):
        np.testing.assert_array_equal(first.split(which)[0], other.split(which)[0])


def test_train_scaling_standardises_with_the_training_split_only(tmp_path):
    x, labels = bumps(40, channels=2)
    data = _load(write_npz(tmp_path / "s.npz", x, labels), options={"scaling": "train"})
    stats = data.normalization

    train_raw = data.x_train * np.asarray(stats["std"]) + np.asarray(stats["mean"])
    np.testing.assert_allclose(train_raw.mean(axis=(0, 1)), stats["mean"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(data.x_train.mean(axis=(0, 1)), 0.0, atol=1e-5)
    np.testing.assert_allclose(data.x_train.std(axis=(0, 1)), 1.0, atol=1e-4)
    assert abs(float(data.x_test.mean())) > 1e-4  # other series: not exactly 0
    none = _load(write_npz(tmp_path / "s.npz", x, labels), options={"scaling": "none"})
    # The values as written, only split.
    np.testing.assert_allclose(
        np.sort(_all_rows(none).ravel()), np.sort(x.astype(np.float32).ravel()), rtol=1e-6
    )


def _bumps_table(tmp_path, count=20, steps=8):
    x, labels = bumps(count, steps=steps)
    lines = ["\t".join([label, *(f"{value:.5f}" for value in row)]) for label, row in
             zip(labels, x[:, :, 0])]  # fmt: skip
    return lines


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("text.tsv", {3: "2\t0.1\t0.2\tabc\t0.4\t0.5\t0.6\t0.7\t0.8"},
         r"line 4, column 4: 'abc' is not a number"),
        ("gap.tsv", {5: "1\t0.1\t0.2\t\t0.4\t0.5\t0.6\t0.7\t0.8"},
         r"line 6, column 4: an empty value inside the series"),
        ("short.tsv", {2: "1\t0.1\t0.2\t0.3", 9: "2\t0.1\t0.2\t0.3\t0.4\t\t\t\t"},
         r"2 series end early, shorter than the longest \(8 steps\): line 3 \(3\), line 10 \(4\)"),
        ("one.tsv", "one-class", r"holds one class only \('1'\)"),
        ("few.tsv", "four-rows", r"too few series to split \('1': 2, '2': 2\)"),
    ],
)  # fmt: skip
def test_a_bad_tsv_is_refused_naming_the_line_and_column(tmp_path, name, change, message):
    lines = _bumps_table(tmp_path)
    if change == "one-class":
        lines = [line.replace("2\t", "1\t", 1) if line.startswith("2") else line for line in lines]
    elif change == "four-rows":
        lines = lines[:4]
    else:
        for index, line in change.items():
            lines[index] = line
    with pytest.raises(UsageError, match=message):
        _load(write_lines(tmp_path / name, lines))


def test_other_bad_files_are_refused_saying_what_would_work(tmp_path):
    x, labels = bumps(30, steps=10)
    cases = [
        (write_csv(tmp_path / "c.csv", x, labels, target="kind"), {},
         r"has no label column 'label' \(columns: t0, t1, t2, t3, t4, kind.*--target COLUMN"),
        (write_lines(tmp_path / "empty.tsv", []), {}, r"empty.tsv is empty; it needs one series"),
        (write_npz(tmp_path / "nox.npz", None, labels, data=x), {}, "no array x"),
        (write_npz(tmp_path / "noy.npz", x), {}, r"has no array y \(it holds: x\); it needs x"),
        (str(tmp_path / "s.parquet"), {}, "unknown kind '.parquet'; give a .tsv"),
        (str(tmp_path / "missing.tsv"), {}, "'.*missing.tsv' not found"),
        (write_tsv(tmp_path / "s.tsv", x, labels), {"val_fraction": 1.5},
         r"--val-fraction must be above 0 and below 1 \(e.g. 0.2\), got 1.5"),
        (write_tsv(tmp_path / "s.tsv", x, labels), {"options": {"scaling": "minmax"}},
         r"scaling='minmax' for series data; known: zscore, train, none"),
    ]  # fmt: skip
    for path, kwargs, message in cases:
        with pytest.raises(UsageError, match=message):
            _load(path, **kwargs)


def test_a_test_file_of_another_length_or_channel_count_is_refused(tmp_path):
    x, labels = bumps(30, steps=10)
    train_path = write_tsv(tmp_path / "train.tsv", x, labels)
    longer = write_tsv(tmp_path / "test.tsv", *bumps(10, steps=12))
    with pytest.raises(UsageError, match=r"test file .*test.tsv has series of 12 steps and 1 "):
        _load(train_path, test_data=longer)
    three = write_npz(tmp_path / "test.npz", *bumps(10, steps=10, channels=3))
    with pytest.raises(
        UsageError, match=r"10 steps and 3 channel\(s\); the training file's have 10"
    ):
        _load(write_npz(tmp_path / "train.npz", x, labels), test_data=three)
    unseen = write_tsv(tmp_path / "unseen.tsv", *bumps(10, steps=10, labels=("1", "3")))
    with pytest.raises(UsageError, match="labels the training file lacks: 3; known: 1, 2"):
        _load(train_path, test_data=unseen)


def test_image_models_are_told_which_one_d_model_to_use():
    from harness.data import check_dataset

    with pytest.raises(UsageError, match=r"model 'cnn' takes images .* use --model fcn, its 1D"):
        check_dataset("series:any.tsv", layout="image", model="cnn")
    with pytest.raises(UsageError, match="use --model resnet1d"):
        check_dataset("series:any.tsv", layout="image", model="resnet")
    assert check_dataset("series:any.tsv", layout="sequence") == "classification"


def test_a_csv_table_takes_a_test_file_and_a_validation_share_too(tmp_path):
    rng = np.random.default_rng(0)

    def table(rows):
        return pd.DataFrame(
            {
                "width": rng.normal(size=rows).round(4),
                "kind": np.array(["a", "b"])[np.arange(rows) % 2],
            }
        )

    train_path, test_path = tmp_path / "train.csv", tmp_path / "test.csv"
    table(40).to_csv(train_path, index=False)
    table(12).to_csv(test_path, index=False)
    data = load_dataset(
        f"csv:{train_path}",
        layout="flat",
        target="kind",
        test_data=str(test_path),
        val_fraction=0.25,
    )

    assert data.info["sizes"] == {"train": 30, "val": 10, "test": 12}
    test_rows = pd.read_csv(test_path)
    width = data.normalization["features"][0]
    np.testing.assert_allclose(
        data.x_test[:, 0] * width["std"] + width["mean"], test_rows["width"], atol=1e-5
    )
    np.testing.assert_array_equal(data.y_test, (test_rows["kind"] == "b").astype(np.int64))
    with pytest.raises(UsageError, match=r"test file .*: missing columns \[width\]"):
        pd.DataFrame({"kind": ["a", "b"] * 6}).to_csv(test_path, index=False)
        load_dataset(f"csv:{train_path}", layout="flat", target="kind", test_data=str(test_path))
