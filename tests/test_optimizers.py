"""Learning-rate schedules and optimizers from the recipe, evaluated with real Keras objects."""

import dataclasses

import keras
import numpy as np
import pytest

from harness.config import TrainConfig, check_config, resolve_config
from harness.errors import UsageError
from harness.model.optimizers import build_learning_rate, build_optimizer, learning_rate_reader
from zoo import Recipe

BASE = TrainConfig(
    model="mlp",
    optimizer="adam",
    lr=0.1,
    schedule="constant",
    warmup_epochs=0,
    epochs=10,
    batch_size=8,
    clip_norm=None,
    weight_decay=0.0,
)
STEPS = 5  # per epoch


def rate_at(schedule, step):
    return (
        float(schedule)
        if isinstance(schedule, float)
        else float(keras.ops.convert_to_numpy(schedule(step)))
    )


def config(**changes):
    return dataclasses.replace(BASE, **changes)


def test_warmup_cosine_rises_linearly_then_decays_to_zero():
    schedule = build_learning_rate(config(schedule="warmup-cosine", warmup_epochs=2), STEPS)
    assert rate_at(schedule, 0) == pytest.approx(0.0)
    assert rate_at(schedule, 5) == pytest.approx(0.05, rel=1e-5)
    assert rate_at(schedule, 10) == pytest.approx(0.1, rel=1e-5)
    assert rate_at(schedule, 50) == pytest.approx(0.0, abs=1e-6)
    mid = rate_at(schedule, 30)
    assert 0.04 < mid < 0.06  # halfway through the decay of a cosine


def test_constant_with_warmup_holds_the_peak_after_warmup():
    schedule = build_learning_rate(config(warmup_epochs=1), STEPS)
    assert rate_at(schedule, 0) == pytest.approx(0.0)
    assert [rate_at(schedule, s) for s in (5, 20, 49)] == pytest.approx([0.1] * 3)


def test_step_and_exponential_schedules():
    step = build_learning_rate(config(schedule="step"), STEPS)
    assert [rate_at(step, s) for s in (0, 26, 40)] == pytest.approx([0.1, 0.01, 0.001])
    exponential = build_learning_rate(config(schedule="exponential"), STEPS)
    assert rate_at(exponential, 50) == pytest.approx(0.001, rel=1e-4)


def test_warmup_is_refused_where_keras_has_no_warmup():
    for schedule in ("step", "exponential"):
        with pytest.raises(UsageError, match="works with constant, cosine and warmup-cosine"):
            check_config(config(schedule=schedule, warmup_epochs=1), task="classification")


def test_warmup_cosine_records_the_warmup_it_applies():
    recipe = Recipe(schedule="warmup-cosine", epochs=40)
    resolved = resolve_config(TrainConfig(model="mlp"), recipe, task="classification")
    assert resolved.warmup_epochs == 2  # 5% of 40, what build_learning_rate then applies
    schedule = build_learning_rate(resolved, STEPS)
    assert rate_at(schedule, 0) == pytest.approx(0.0)
    assert rate_at(schedule, 2 * STEPS) == pytest.approx(resolved.lr, rel=1e-5)
    short = resolve_config(TrainConfig(model="mlp", epochs=1), recipe, task="classification")
    assert short.warmup_epochs == 0  # never the whole run


@pytest.mark.parametrize(
    "name, cls",
    [
        ("sgd", "SGD"),
        ("momentum", "SGD"),
        ("rmsprop", "RMSprop"),
        ("adam", "Adam"),
        ("adamw", "AdamW"),
    ],
)
def test_optimizers_and_clipping(name, cls):
    optimizer = build_optimizer(config(optimizer=name, clip_norm=1.0), STEPS)
    assert type(optimizer).__name__ == cls
    assert optimizer.global_clipnorm == 1.0
    if name == "momentum":
        assert optimizer.momentum == 0.9 and optimizer.nesterov


def test_clip_norm_bounds_the_applied_update():
    variable = keras.Variable(np.zeros(4, dtype="float32"))
    optimizer = build_optimizer(config(optimizer="sgd", lr=1.0, clip_norm=0.5), STEPS)
    optimizer.apply([keras.ops.convert_to_tensor(np.full(4, 10.0, dtype="float32"))], [variable])
    assert np.linalg.norm(keras.ops.convert_to_numpy(variable)) == pytest.approx(0.5, rel=1e-5)


@pytest.mark.parametrize("schedule", ["warmup-cosine", "step", "exponential", "constant"])
def test_learning_rate_reader_follows_the_step_like_the_eager_property(schedule):
    optimizer = build_optimizer(
        config(schedule=schedule, warmup_epochs=2 if schedule == "warmup-cosine" else 0), STEPS
    )
    optimizer.build([keras.Variable(np.zeros(3, "float32"))])
    read = learning_rate_reader(optimizer)
    seen = []
    for step in (0, 3, 10, 26, 49):
        optimizer.iterations.assign(step)
        seen.append(read())
        assert seen[-1] == pytest.approx(
            float(keras.ops.convert_to_numpy(optimizer.learning_rate)), rel=1e-6
        )
    if schedule != "constant":
        assert len(set(seen)) > 1  # it really follows the step, not the value at tracing time


def test_learning_rate_reader_sees_a_plateau_reduction():
    optimizer = build_optimizer(config(schedule="plateau"), STEPS)
    optimizer.build([keras.Variable(np.zeros(3, "float32"))])
    read = learning_rate_reader(optimizer)
    assert read() == pytest.approx(0.1)
    optimizer.learning_rate = 0.05  # what ReduceLROnPlateau does
    assert read() == pytest.approx(0.05)
