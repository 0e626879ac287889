"""Every registered model builds, trains a step, and survives a save and reload, at tiny sizes."""

import keras
import numpy as np
import pytest

import zoo
import zoo.layers  # registers the custom layers, as any user of load_model must
from harness.errors import UsageError

# Tiny hyperparameters for every registered model; a new model without an entry fails the test.
TINY_HPARAMS = {
    "mlp": {"widths": (8, 4), "batch_norm": True},
    "cnn": {"filters": (4, 8, 8), "dense_units": 8, "batch_norm": True},
    "resnet": {"filters": (4, 8)},
    "rnn": {"units": (8, 4)},
    "lstm": {"units": [8, 4]},  # a list, as `--set units=8,4` may deliver it
    "gru": {"units": 8},  # a bare int means one layer
    # patch_size 5 leaves a ragged last patch of the 12 steps, which the projection must pad.
    "attention": {"model_dim": 8, "num_heads": 2, "ff_dim": 8, "num_blocks": 2, "patch_size": 5},
    "fcn": {"filters": (4, 8, 4), "kernel_sizes": (5, 3, 3)},
    "resnet1d": {"filters": (4, 8, 8), "kernel_sizes": (5, 3, 3)},
    "lenet5": {"dense_units": (8, 4), "dropout_rate": 0.1},
    "alexnet": {"filters": (4, 4, 8, 8, 4), "dense_units": (8,)},
    "vgg": {"convs_per_stage": (1, 2), "filters": (4, 8), "dense_units": (8,)},
    "inception": {"stem_filters": 4, "modules_per_stage": (1, 1), "filters": (8, 16)},
    "densenet": {"layers_per_block": (2, 2), "growth_rate": 4},
}
TINY_SHAPES = {"image": (8, 8, 1), "flat": (16,), "sequence": (12, 3)}
NUM_OUTPUTS = 3
TASKS = ("classification", "regression")


def _examples(input_shape, *, task, count=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, *input_shape)).astype("float32")
    if task == "classification":
        y = rng.integers(0, NUM_OUTPUTS, size=count)
    else:
        y = rng.normal(size=(count, NUM_OUTPUTS)).astype("float32")
    return x, y


def _build(name, *, task, input_shape=None):
    input_shape = input_shape or TINY_SHAPES[zoo.get_model_spec(name).layout]
    return zoo.create_model(
        name, input_shape=input_shape, num_outputs=NUM_OUTPUTS, task=task, **TINY_HPARAMS[name]
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("name", zoo.list_models())
def test_model_builds_trains_and_reloads(name, task, tmp_path):
    model = _build(name, task=task)
    x, y = _examples(model.input_shape[1:], task=task)

    assert model.name == name
    outputs = np.asarray(model(x, training=False))
    assert outputs.shape == (len(x), NUM_OUTPUTS)
    assert np.isfinite(outputs).all()

    loss = "sparse_categorical_crossentropy" if task == "classification" else "mse"
    # The model's own task trains as train.py trains it by default: a traced graph, no XLA. The
    # other task only swaps the head, so it runs eagerly: tracing costs seconds, eager steps don't.
    own_task = task == zoo.get_model_spec(name).task
    model.compile(optimizer="adam", loss=loss, jit_compile=False, run_eagerly=not own_task)
    weights_before = [np.array(w) for w in model.trainable_weights]
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(
        not np.array_equal(before, np.asarray(after))
        for before, after in zip(weights_before, model.trainable_weights)
    )

    path = tmp_path / f"{name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert reloaded.name == name
    np.testing.assert_array_equal(
        np.asarray(reloaded(x, training=False)), np.asarray(model(x, training=False))
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("input_shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
@pytest.mark.parametrize("name", ["cnn", "resnet"])
def test_image_models_fit_every_image_size(name, input_shape):
    model = _build(name, task="classification", input_shape=input_shape)
    x, _ = _examples(input_shape, task="classification", count=2)

    outputs = np.asarray(model(x, training=False))
    assert outputs.shape == (2, NUM_OUTPUTS)
    assert np.isfinite(outputs).all()
    feature_sides = [
        min(layer.output.shape[1:3]) for layer in model.layers if len(layer.output.shape) == 4
    ]
    # Pooling stops while maps are still at least 2x2, and larger images do get pooled.
    assert min(feature_sides) >= 2
    assert min(feature_sides) < min(input_shape[:2])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_bidirectional_recurrent_models_read_both_ways(name):
    one_way = _build(name, task="classification")
    both_ways = zoo.create_model(
        name,
        input_shape=TINY_SHAPES["sequence"],
        num_outputs=NUM_OUTPUTS,
        task="classification",
        bidirectional=True,
        **TINY_HPARAMS[name],
    )
    x, _ = _examples(both_ways.input_shape[1:], task="classification")

    assert any(isinstance(layer, keras.layers.Bidirectional) for layer in both_ways.layers)
    assert not any(isinstance(layer, keras.layers.Bidirectional) for layer in one_way.layers)
    # Each direction has the one-way layer's weights: twice the parameters, but for the head's.
    assert (
        both_ways.get_layer("head").input.shape[-1] == 2 * one_way.get_layer("head").input.shape[-1]
    )
    probabilities = np.asarray(both_ways(x, training=False))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name, blocks", [("fcn", 3), ("resnet1d", 3)])
def test_one_d_convolutions_keep_every_step_and_follow_the_paper(name, blocks):
    model = zoo.create_model(name, input_shape=(150, 1), num_outputs=2)
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    kernels = [layer.kernel_size[0] for layer in convolutions if layer.kernel_size[0] > 1]

    assert kernels == [8, 5, 3] * (1 if name == "fcn" else blocks)
    widths = [layer.filters for layer in convolutions if layer.kernel_size[0] > 1]
    expected = [128, 256, 128] if name == "fcn" else [64] * 3 + [128] * 6
    assert widths == expected
    assert all(layer.output.shape[1] == 150 for layer in convolutions)
    assert any(isinstance(layer, keras.layers.GlobalAveragePooling1D) for layer in model.layers)
    # Any length: global pooling makes the same builder read 24 or 500 steps.
    for steps in (24, 500):
        short = zoo.create_model(name, input_shape=(steps, 3), num_outputs=2, filters=(4, 4, 4))
        assert short(np.zeros((2, steps, 3), "float32")).shape == (2, 2)


def test_lstm_classification_head_gives_probabilities():
    model = _build("lstm", task="classification")
    x, _ = _examples(model.input_shape[1:], task="classification")

    probabilities = np.asarray(model(x, training=False))

    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    assert zoo.get_model_spec("lstm").task == "regression"


@pytest.mark.parametrize("name", ["mlp", "attention", "gru"])
def test_head_stays_float32_under_mixed_precision(name):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = _build(name, task="classification")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    x, _ = _examples(model.input_shape[1:], task="classification")

    outputs = model(x, training=False)

    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
    np.testing.assert_allclose(np.asarray(outputs).sum(axis=-1), 1.0, rtol=1e-5)


def test_custom_layers_round_trip_their_config():
    block = zoo.layers.TransformerBlock(
        16, num_heads=4, ff_dim=8, dropout_rate=0.2, activation="gelu", epsilon=1e-5
    )
    positions = zoo.layers.PositionalEmbedding(12, initializer="zeros")

    for layer in (block, positions):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert block.get_config()["model_dim"] == 16
    assert block.get_config()["ff_dim"] == 8


def test_transformer_block_rejects_inputs_of_the_wrong_width():
    block = zoo.layers.TransformerBlock(8, num_heads=2)

    with pytest.raises(ValueError, match="project them to 8"):
        block(np.zeros((1, 4, 6), dtype="float32"))


@pytest.mark.parametrize(
    "name, input_shape, hparams, message",
    [
        ("cnn", (64,), {}, r"needs inputs shaped \(height, width, channels\); got \(64,\)"),
        ("gru", (8, 8, 1), {}, r"\(timesteps, features\)"),
        ("mlp", (16,), {"widths": []}, "widths must be a positive int"),
        ("resnet", (8, 8, 1), {"dropout_rate": 1.5}, r"dropout_rate must be in \[0, 1\)"),
        ("attention", (12, 3), {"model_dim": 6, "num_heads": 4}, "must divide model_dim 6"),
    ],
)
def test_bad_shapes_and_hparams_raise_usage_errors(name, input_shape, hparams, message):
    with pytest.raises(UsageError, match=message):
        zoo.create_model(name, input_shape=input_shape, num_outputs=NUM_OUTPUTS, **hparams)


def _layers(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def test_the_classic_networks_follow_their_papers():
    shape = (28, 28, 1)
    lenet = zoo.create_model("lenet5", input_shape=shape, num_outputs=10)
    convolutions = _layers(lenet, keras.layers.Conv2D)
    assert [(c.filters, c.kernel_size) for c in convolutions] == [(6, (5, 5)), (16, (5, 5))]
    assert lenet.get_layer("c3").output.shape[1:3] == (10, 10)  # 14x14 -> 10x10, as in 1998
    assert [d.units for d in _layers(lenet, keras.layers.Dense)] == [120, 84, 10]
    assert len(_layers(lenet, keras.layers.AveragePooling2D)) == 2
    modern = zoo.create_model(
        "lenet5", input_shape=shape, num_outputs=10, activation="relu", pooling="max"
    )
    assert len(_layers(modern, keras.layers.MaxPooling2D)) == 2

    alexnet = zoo.create_model("alexnet", input_shape=shape, num_outputs=10)
    assert len(_layers(alexnet, keras.layers.Conv2D)) == 5
    pools = _layers(alexnet, keras.layers.MaxPooling2D)
    assert [(p.pool_size, p.strides) for p in pools] == [((3, 3), (2, 2))] * 3  # overlapping
    assert len(_layers(alexnet, keras.layers.Dropout)) == 3

    vgg = zoo.create_model("vgg", input_shape=(32, 32, 3), num_outputs=10)
    convolutions = _layers(vgg, keras.layers.Conv2D)
    assert len(convolutions) == 8 and {c.kernel_size for c in convolutions} == {(3, 3)}  # VGG-11

    inception = zoo.create_model("inception", input_shape=shape, num_outputs=10)
    modules = _layers(inception, keras.layers.Concatenate)
    assert len(modules) == 3 and all(len(m.input) == 4 for m in modules)  # four branches each
    kernels = {c.kernel_size for c in _layers(inception, keras.layers.Conv2D)}
    assert {(1, 1), (3, 3), (5, 5)} <= kernels

    densenet = zoo.create_model("densenet", input_shape=shape, num_outputs=10)
    joins = _layers(densenet, keras.layers.Concatenate)
    assert len(joins) == 9  # every layer of the three 3-layer blocks joins all earlier maps
    assert [j.output.shape[-1] - j.input[0].shape[-1] for j in joins] == [12] * 9  # growth k
