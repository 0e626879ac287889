"""The built-in data sets (digits, sine, waveforms) and the data-set registry."""

import json
from collections import Counter

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from harness.data import (
    dataset_task,
    list_datasets,
    load_dataset,
    prepare_inputs,
    transform,
    waveforms,
)
from harness.errors import UsageError

pytestmark = pytest.mark.timeout(60)
SMALL_WAVES = {"n_train": "400", "n_val": "100", "n_test": "200"}


def _rows(x):
    return Counter(row.tobytes() for row in np.ascontiguousarray(x).reshape(len(x), -1))


def _raw_pixels(x, stats):
    """Undoes the pixel normalisation to the integer raw values it came from."""
    return np.rint((x.astype(np.float64) * stats["std"] + stats["mean"]) * stats["raw_range"][1])


@pytest.mark.parametrize(
    "layout, shape", [("image", (8, 8, 1)), ("flat", (64,)), ("sequence", (8, 8))]
)
def test_digits_shapes_per_layout(layout, shape):
    data = load_dataset("digits", layout=layout)
    assert data.input_shape == shape
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (1257, 180, 360)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.task == "classification" and data.class_names == [str(d) for d in range(10)]
    assert data.info["sizes"] == {"train": 1257, "val": 180, "test": 360}


def test_digits_test_split_is_sklearns_fixed_split():
    x_all, y_all = load_digits(return_X_y=True)
    _, x_test, _, y_test = train_test_split(
        x_all, y_all, test_size=0.2, random_state=0, stratify=y_all
    )
    data = load_dataset("digits", layout="flat", seed=7)
    np.testing.assert_array_equal(data.y_test, y_test)
    np.testing.assert_array_equal(_raw_pixels(data.x_test, data.normalization), x_test)


def test_digits_splits_partition_the_data_and_stats_come_from_train():
    data = load_dataset("digits", layout="flat", seed=3)
    stats = data.normalization
    recovered = sum(
        (_rows(_raw_pixels(x, stats)) for x in (data.x_train, data.x_val, data.x_test)), Counter()
    )
    assert recovered == _rows(load_digits().data.astype(np.float64))
    raw_train = _raw_pixels(data.x_train, stats) / 16.0
    assert stats["mean"] == pytest.approx(raw_train.mean())
    assert stats["std"] == pytest.approx(raw_train.std())
    assert stats["raw_range"] == [0, 16.0]
    # Validation is stratified: every digit appears about as often as in the whole set.
    assert np.bincount(data.y_val, minlength=10).min() >= 16


def test_digits_deterministic_and_seed_moves_only_validation():
    first, again = (
        load_dataset("digits", layout="flat", seed=1),
        load_dataset("digits", layout="flat", seed=1),
    )
    other = load_dataset("digits", layout="flat", seed=2)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    np.testing.assert_array_equal(first.y_train, again.y_train)
    assert _rows(first.x_val) != _rows(other.x_val)
    np.testing.assert_array_equal(
        _raw_pixels(first.x_test, first.normalization),
        _raw_pixels(other.x_test, other.normalization),
    )


def test_given_normalization_is_used_instead_of_refitting():
    stats = {
        "method": "pixels",
        "raw_range": [0, 16],
        "image_shape": [8, 8, 1],
        "mean": 0.0,
        "std": 1.0,
    }
    data = load_dataset("digits", layout="flat", normalization=stats)
    assert data.normalization is stats
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0


@pytest.mark.parametrize("layout", ["image", "flat", "sequence"])
def test_prepare_inputs_reproduces_digits_training_transform(layout):
    data = load_dataset("digits", layout=layout)
    x_all, y_all = load_digits(return_X_y=True)
    _, x_test, _, _ = train_test_split(x_all, y_all, test_size=0.2, random_state=0, stratify=y_all)
    prepared = prepare_inputs(
        x_test, spec_name="digits", layout=layout, normalization=data.normalization
    )
    np.testing.assert_allclose(prepared, data.x_test, rtol=0, atol=1e-6)
    one = prepare_inputs(
        x_test[0].reshape(8, 8), spec_name="digits", layout=layout, normalization=data.normalization
    )
    np.testing.assert_allclose(one, data.x_test[:1], atol=1e-6)
    with pytest.raises(UsageError, match=r"shape \(8, 8, 1\)"):
        prepare_inputs(
            np.zeros((3, 7)), spec_name="digits", layout=layout, normalization=data.normalization
        )


@pytest.mark.parametrize("layout, shape", [("sequence", (50, 1)), ("flat", (50,))])
def test_sine_windows_are_cut_inside_time_segments(layout, shape):
    data = load_dataset("sine", layout=layout)
    assert data.input_shape == shape and data.task == "regression"
    assert data.y_train.shape == (2750, 1) and data.y_train.dtype == np.float32
    segments, window = data.info["segments"], 50
    assert segments == {"train": [0, 2800], "val": [2800, 3200], "test": [3200, 4000]}
    for which, (start, stop) in segments.items():
        x, y = data.split(which)
        assert len(x) == stop - start - window
        # Window i of a segment starts at its first index plus i; its target follows it.
        times = 0.1 * (start + np.arange(len(x))[:, None] + np.arange(window + 1))
        expected = np.sin(times).astype(np.float32)
        np.testing.assert_allclose(x.reshape(len(x), window), expected[:, :-1], atol=1e-6)
        np.testing.assert_allclose(y[:, 0], expected[:, -1], atol=1e-6)
    assert data.normalization == {"method": "none", "steps": 50}


def test_sine_noise_is_seeded_and_test_segment_ignores_seed():
    options = {"noise": "0.05", "length": "1200", "step": "0.2", "window": "20"}
    first = load_dataset("sine", layout="flat", seed=1, options=options)
    again = load_dataset("sine", layout="flat", seed=1, options=options)
    other = load_dataset("sine", layout="flat", seed=2, options=options)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    assert not np.array_equal(first.x_val, other.x_val)
    np.testing.assert_array_equal(first.x_test, other.x_test)
    clean = np.sin(0.2 * (np.arange(20) + 960))
    assert 0.01 < np.std(first.x_test[0] - clean) < 0.1
    assert first.info["options"] == {"noise": 0.05, "length": 1200, "step": 0.2, "window": 20}


def test_sine_rejects_bad_layout_and_options():
    with pytest.raises(UsageError, match="expects images.*sequence, flat"):
        load_dataset("sine", layout="image")
    with pytest.raises(UsageError, match="no option 'nois'; known: length, noise, step, window"):
        load_dataset("sine", layout="flat", options={"nois": "1"})
    with pytest.raises(UsageError, match="noise='abc' for sine must be a float"):
        load_dataset("sine", layout="flat", options={"noise": "abc"})
    with pytest.raises(UsageError, match="use length >= 510"):
        load_dataset("sine", layout="flat", options={"length": "300"})
    with pytest.raises(UsageError, match="step=0.0 must be > 0"):
        load_dataset("sine", layout="flat", options={"step": "0"})


@pytest.mark.parametrize("layout, shape", [("sequence", (64, 1)), ("flat", (64,))])
def test_waveforms_shapes_and_train_only_stats(layout, shape):
    data = load_dataset("waveforms", layout=layout)
    assert data.input_shape == shape
    assert data.info["sizes"] == {"train": 4000, "val": 500, "test": 1000}
    assert data.class_names == ["sine", "square", "sawtooth", "triangle"]
    assert data.y_train.dtype == np.int64 and set(np.unique(data.y_train)) == {0, 1, 2, 3}
    assert abs(float(data.x_train.mean())) < 1e-5
    assert float(data.x_train.std()) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(UsageError, match="layouts: sequence, flat"):
        load_dataset("waveforms", layout="image")


def test_waveforms_splits_are_disjoint_deterministic_draws():
    first = load_dataset("waveforms", layout="flat", seed=4, options=SMALL_WAVES)
    again = load_dataset("waveforms", layout="flat", seed=4, options=SMALL_WAVES)
    other = load_dataset("waveforms", layout="flat", seed=5, options=SMALL_WAVES)
    for which in ("train", "val", "test"):
        np.testing.assert_array_equal(first.split(which)[0], again.split(which)[0])
    assert not np.array_equal(first.x_val, other.x_val)
    np.testing.assert_array_equal(first.y_test, other.y_test)
    train, val, test = (set(_rows(x)) for x in (first.x_train, first.x_val, first.x_test))
    assert len(train) == 400 and not (train & val or train & test or val & test)


def test_waveforms_shapes_are_what_their_names_say():
    x, y = waveforms.generate(np.random.default_rng(0), 400, steps=64, noise=0.0)
    assert np.abs(x).max() <= 1.5 + 1e-6
    # Square waves sit at plus or minus their amplitude at every step.
    square = np.abs(x[y == 1])
    np.testing.assert_allclose(square, square[:, :1].repeat(64, axis=1), atol=1e-6)
    assert square.min() >= 0.5 - 1e-6 and len(square) > 50
    # A linear model on spectrum and value distribution tells the four shapes apart.
    data = load_dataset("waveforms", layout="flat", options=SMALL_WAVES)
    spectrum = lambda x: np.abs(np.fft.rfft(x, axis=1))  # noqa: E731
    features = lambda x: np.hstack(  # noqa: E731
        [
            spectrum(x) / np.linalg.norm(spectrum(x), axis=1, keepdims=True),
            np.sort(x, axis=1) / np.abs(x).max(1, keepdims=True),
        ]
    )
    model = LogisticRegression(max_iter=2000).fit(features(data.x_train), data.y_train)
    assert model.score(features(data.x_test), data.y_test) > 0.85


@pytest.mark.parametrize("spec, layout", [("waveforms", "sequence"), ("sine", "flat")])
def test_prepare_inputs_reproduces_signal_transform(spec, layout):
    options = SMALL_WAVES if spec == "waveforms" else {"noise": "0.1"}
    data = load_dataset(spec, layout=layout, seed=3, options=options)
    if spec == "waveforms":
        raw, _ = waveforms.generate(transform.split_rng(3, "val"), 100, steps=64, noise=0.1)
    else:
        raw = data.x_val.reshape(len(data.x_val), -1)  # sine inputs are raw values
    prepared = prepare_inputs(raw, spec_name=spec, layout=layout, normalization=data.normalization)
    np.testing.assert_allclose(prepared, data.x_val, atol=1e-6)


@pytest.mark.parametrize("spec", ["digits", "sine", "waveforms"])
def test_info_and_normalization_are_json(spec):
    options = SMALL_WAVES if spec == "waveforms" else None
    data = load_dataset(spec, layout="flat", seed=2, options=options)
    facts = json.loads(json.dumps({"info": data.info, "normalization": data.normalization}))
    assert facts["info"]["seed"] == 2 and set(facts["info"]["sizes"]) == {"train", "val", "test"}
    assert facts["normalization"] == data.normalization


def test_registry_names_tasks_and_errors():
    names = [name for name, _, _ in list_datasets()]
    for name in ("digits", "sine", "waveforms", "mnist", "fashion_mnist", "cifar10", "csv:PATH"):
        assert name in names
    assert dataset_task("digits") == "classification" and dataset_task("sine") == "regression"
    assert dataset_task("csv:any.csv", target="y") is None
    with pytest.raises(UsageError, match="unknown data set 'digit'; known: cifar10, digits"):
        load_dataset("digit", layout="flat")
    with pytest.raises(UsageError, match="unknown data set"):
        dataset_task("nope")
    with pytest.raises(UsageError, match="unknown layout 'img'"):
        load_dataset("digits", layout="img")
    with pytest.raises(UsageError, match="--target is for csv"):
        load_dataset("digits", layout="flat", target="label")
    with pytest.raises(UsageError, match="digits' has no option 'noise'; known: none"):
        load_dataset("digits", layout="flat", options={"noise": "1"})
    with pytest.raises(UsageError, match="seed must be a whole number"):
        load_dataset("digits", layout="flat", seed=-1)
    with pytest.raises(UsageError, match="method 'none' cannot be applied to 'digits'"):
        load_dataset("digits", layout="flat", normalization={"method": "none", "steps": 64})
