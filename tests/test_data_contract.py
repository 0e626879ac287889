"""What every registered data set promises, checked on each one that loads offline, in each
layout it declares. A new data set that passes here fits train.py, evaluate.py and predict.py.

The keras.datasets sources need their files; tests/test_data_keras_datasets.py writes small ones.
"""

import json

import numpy as np
import pytest

from harness.data import keras_datasets, load_dataset
from harness.data.registry import DATASETS

OFFLINE = [
    (name, layout)
    for name, entry in sorted(DATASETS.items())
    if name not in keras_datasets.SOURCES
    for layout in entry.layouts
]


@pytest.mark.parametrize("name, layout", OFFLINE)
def test_a_data_set_keeps_the_contract(name, layout):
    entry = DATASETS[name]
    data = load_dataset(name, layout=layout, seed=1)
    assert (data.name, data.task, data.layout) == (name, entry.task, layout)
    sizes = {}
    for split in ("train", "val", "test"):
        x, y = data.split(split)
        assert x.dtype == np.float32 and np.isfinite(x).all() and len(x) == len(y) > 0
        assert x.shape[1:] == data.input_shape
        if data.task == "classification":
            assert y.dtype == np.int64 and y.ndim == 1
            assert 0 <= y.min() and y.max() < len(data.class_names) == data.num_outputs
        else:
            assert y.dtype == np.float32 and y.ndim == 2 and data.class_names is None
        sizes[split] = len(x)
    assert data.info["sizes"] == sizes
    if entry.image_shape is not None and layout == "image":
        assert data.input_shape == tuple(entry.image_shape)
    # run.json holds these, and evaluation rebuilds the same examples from them.
    facts = json.loads(json.dumps({"info": data.info, "normalization": data.normalization}))
    again = load_dataset(name, layout=layout, seed=1, normalization=facts["normalization"])
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(again.split(split)[0], data.split(split)[0])


@pytest.mark.parametrize("name", sorted({name for name, _ in OFFLINE}))
def test_the_test_split_does_not_move_with_the_seed(name):
    layout = DATASETS[name].layouts[0]
    first, other = (load_dataset(name, layout=layout, seed=seed) for seed in (0, 5))
    np.testing.assert_array_equal(first.y_test, other.y_test)
    statistics = first.normalization
    fixed = load_dataset(name, layout=layout, seed=5, normalization=statistics)
    np.testing.assert_array_equal(fixed.x_test, first.x_test)
