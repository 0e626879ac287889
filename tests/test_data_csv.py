"""csv:PATH data: task inference, feature encoding, splits, rejections and prepare_inputs."""

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from harness.data import load_dataset, prepare_inputs
from harness.errors import UsageError

pytestmark = pytest.mark.timeout(60)


def _flowers(rows=60, seed=0):
    rng = np.random.default_rng(seed)
    species = np.array(["setosa", "versicolor", "virginica"])[np.arange(rows) % 3]
    return pd.DataFrame(
        {
            "width": rng.normal(3.0, 0.5, rows).round(4),
            "colour": rng.choice(["blue", "red", "white"], rows),
            "length": rng.normal(10.0, 2.0, rows).round(4),
            "species": species,
        }
    )


def _write(tmp_path, table, name="table.csv"):
    path = tmp_path / name
    table.to_csv(path, index=False)
    return str(path)


def _rows(x):
    return Counter(row.tobytes() for row in x)


def test_string_labels_give_classification_with_names_as_written(tmp_path):
    table = _flowers()
    data = load_dataset(f"csv:{_write(tmp_path, table)}", layout="flat", target="species")
    assert data.task == "classification" and data.name.startswith("csv:")
    assert data.class_names == ["setosa", "versicolor", "virginica"]
    assert data.y_train.dtype == np.int64 and data.x_train.dtype == np.float32
    assert data.info["sizes"] == {"train": 42, "val": 6, "test": 12}
    # width, three colour columns, length: in file order.
    assert data.input_shape == (5,)
    for y in (data.y_train, data.y_val, data.y_test):
        assert set(y) == {0, 1, 2}  # stratified: every class in every split
    assert json.loads(json.dumps(data.normalization)) == data.normalization
    assert json.loads(json.dumps(data.info))["source"] == str(tmp_path / "table.csv")
    kinds = [(f["name"], f["kind"]) for f in data.normalization["features"]]
    assert kinds == [("width", "numeric"), ("colour", "categorical"), ("length", "numeric")]


def test_numeric_stats_and_categories_come_from_train_rows(tmp_path):
    data = load_dataset(f"csv:{_write(tmp_path, _flowers())}", layout="flat", target="species")
    for column in (0, 4):
        assert abs(float(data.x_train[:, column].mean())) < 1e-5
        assert float(data.x_train[:, column].std()) == pytest.approx(1.0, abs=1e-5)
    onehot = data.x_train[:, 1:4]
    assert set(onehot.sum(axis=1)) == {1.0}
    assert data.normalization["features"][1]["categories"] == ["blue", "red", "white"]


def test_splits_are_seeded_disjoint_and_test_rows_fixed(tmp_path):
    spec = f"csv:{_write(tmp_path, _flowers(rows=100))}"
    first, again = (load_dataset(spec, layout="flat", target="species", seed=1) for _ in range(2))
    other = load_dataset(spec, layout="flat", target="species", seed=2)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    assert _rows(first.x_val) != _rows(other.x_val)
    # The same test rows, though standardised with each run's own training statistics.
    width = [np.sort(d.x_test[:, 0] * w["std"] + w["mean"]).round(3) for d in (first, other)
             for w in [d.normalization["features"][0]]]  # fmt: skip
    np.testing.assert_array_equal(width[0], width[1])
    train, val, test = (set(_rows(x)) for x in (first.x_train, first.x_val, first.x_test))
    assert len(train) + len(val) + len(test) == 100
    assert not (train & val or train & test or val & test)


def test_float_target_gives_regression_in_file_units(tmp_path):
    table = _flowers().drop(columns="species")
    table["price"] = np.linspace(0.5, 30.25, len(table))
    data = load_dataset(f"csv:{_write(tmp_path, table)}", layout="flat", target="price")
    assert data.task == "regression" and data.class_names is None
    assert data.y_train.shape == (42, 1) and data.y_train.dtype == np.float32
    all_y = np.concatenate([data.y_train, data.y_val, data.y_test])[:, 0]
    np.testing.assert_allclose(np.sort(all_y), table["price"].to_numpy(), rtol=1e-6)


def test_whole_number_targets_with_few_values_are_classes_sorted_by_value(tmp_path):
    table = _flowers()
    table["grade"] = np.array([1, 2, 10])[np.arange(len(table)) % 3]
    table["count"] = np.arange(len(table))
    path = _write(tmp_path, table.drop(columns="species"))
    grades = load_dataset(f"csv:{path}", layout="flat", target="grade")
    assert grades.task == "classification" and grades.class_names == ["1", "2", "10"]
    counts = load_dataset(f"csv:{path}", layout="flat", target="count")
    assert counts.task == "regression"


def test_prepare_inputs_repeats_the_training_encoding(tmp_path):
    path = _write(tmp_path, _flowers())
    data = load_dataset(f"csv:{path}", layout="flat", target="species")
    rows = pd.read_csv(path, dtype=str)
    prepared = prepare_inputs(
        rows, spec_name=f"csv:{path}", layout="flat", normalization=data.normalization
    )
    assert _rows(prepared) == _rows(data.x_train) + _rows(data.x_val) + _rows(data.x_test)
    unseen = rows.drop(columns="species").head(1).assign(colour="green")
    encoded = prepare_inputs(
        unseen, spec_name="csv:x", layout="flat", normalization=data.normalization
    )
    np.testing.assert_array_equal(encoded[0, 1:4], [0, 0, 0])
    with pytest.raises(
        UsageError, match=r"missing columns \[length\]; expected: width, colour, length"
    ):
        prepare_inputs(
            rows.drop(columns="length"),
            spec_name="csv:x",
            layout="flat",
            normalization=data.normalization,
        )
    with pytest.raises(UsageError, match=r"unexpected columns \[height\]"):
        prepare_inputs(
            rows.assign(height="1"),
            spec_name="csv:x",
            layout="flat",
            normalization=data.normalization,
        )
    with pytest.raises(UsageError, match="'width' must hold numbers; got 'wide'"):
        prepare_inputs(
            unseen.assign(width="wide"),
            spec_name="csv:x",
            layout="flat",
            normalization=data.normalization,
        )


def test_reused_normalization_keeps_classes_and_stats(tmp_path):
    spec = f"csv:{_write(tmp_path, _flowers(seed=0), 'a.csv')}"
    trained = load_dataset(spec, layout="flat", target="species")
    other = _flowers(seed=1)
    reused = load_dataset(
        f"csv:{_write(tmp_path, other, 'b.csv')}",
        layout="flat",
        normalization=trained.normalization,
    )
    assert reused.class_names == trained.class_names
    width = trained.normalization["features"][0]
    recovered = reused.x_train[:, 0] * width["std"] + width["mean"]
    # Undone with a.csv's statistics, b.csv's own widths come back.
    distance = np.abs(recovered[:, None] - other["width"].to_numpy()[None, :]).min(axis=1)
    assert distance.max() < 1e-4
    other.loc[0, "species"] = "rose"
    renamed = _write(tmp_path, other.rename(columns={"width": "breadth"}), "d.csv")
    with pytest.raises(UsageError, match=r"d.csv: missing columns \[width\], unexpected columns"):
        load_dataset(f"csv:{renamed}", layout="flat", normalization=trained.normalization)
    with pytest.raises(UsageError, match="labels unseen in training: rose; known: setosa"):
        load_dataset(
            f"csv:{_write(tmp_path, other, 'c.csv')}",
            layout="flat",
            normalization=trained.normalization,
        )


def test_rejections_say_what_was_wrong(tmp_path):
    table = _flowers()
    good = f"csv:{_write(tmp_path, table)}"
    cases = [
        (dict(spec="csv:/no/such.csv", target="y"), "csv file '/no/such.csv' not found"),
        (
            dict(spec=good),
            "csv data needs --target COLUMN; columns: width, colour, length, species",
        ),
        (dict(spec=good, target="kind"), "has no column 'kind'; columns: width, colour"),
        (
            dict(spec=good, target="species", layout="image"),
            "expects images cannot use csv data.*mlp",
        ),
        (dict(spec=good, target="species", layout="sequence"), "tabular"),
        (
            dict(
                spec=f"csv:{_write(tmp_path, table.assign(species='x'), 'one.csv')}",
                target="species",
            ),
            "target 'species' holds one value only",
        ),
        (
            dict(spec=good, target="species", options={"noise": "1"}),
            "csv data takes one option, image=",
        ),
        (
            dict(spec=f"csv:{_write(tmp_path, table.head(8), 'small.csv')}", target="species"),
            "has 8 rows; it needs at least 10",
        ),
    ]
    for kwargs, message in cases:
        kwargs.setdefault("layout", "flat")
        with pytest.raises(UsageError, match=message):
            load_dataset(kwargs.pop("spec"), **kwargs)


def test_missing_values_and_free_text_are_rejected_by_column(tmp_path):
    holes = _flowers()
    holes.loc[[3, 7], "length"] = np.nan
    with pytest.raises(UsageError, match=r"missing values in 'length' \(2 rows\)"):
        load_dataset(f"csv:{_write(tmp_path, holes, 'holes.csv')}", layout="flat", target="species")
    text = _flowers().assign(note=[f"note {i}" for i in range(60)])
    with pytest.raises(UsageError, match="column 'note' holds text with 42 distinct values"):
        load_dataset(f"csv:{_write(tmp_path, text, 'text.csv')}", layout="flat", target="species")
