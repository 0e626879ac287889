"""Checkpoints written before the format gained a child still restore: runs trained before an
upgrade keep resuming and evaluating (harness/checkpoints/compat.py: ADDED_LATER)."""

import keras
import numpy as np
import tensorflow as tf

from harness.checkpoints.compat import check_fits, root_for
from harness.model.state import TrainingState


def _state(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    return TrainingState(model, optimizer)


def test_a_checkpoint_from_before_the_metric_sums_restores_with_them_empty(tmp_path):
    old = _state(seed=1)
    old.epoch.assign(7)
    # What a checkpoint written before 2026-12-01 holds: every child but epoch_metrics.
    children = tf.train.TrackableView.children(old.checkpoint)
    before = {name: child for name, child in children.items() if name != "epoch_metrics"}
    prefix = tf.train.Checkpoint(**before).save(str(tmp_path / "ckpt"))  # with a save counter

    new = _state(seed=2)
    new.epoch_metrics.assign([1.0, 2.0])  # whatever the live copy held
    root = root_for(new.checkpoint, prefix)
    check_fits(root, prefix, "ckpt-7")
    status = root.restore(prefix)
    status.assert_existing_objects_matched()

    assert int(new.epoch.numpy()) == 7
    for saved, restored in zip(old.model.weights, new.model.weights):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())
    assert new.epoch_metrics.numpy().shape == (0,)  # empty: an epoch's end
    # A checkpoint of today's format restores through the full root, unchanged.
    current = new.checkpoint.save(str(tmp_path / "now"))
    assert root_for(new.checkpoint, current) is new.checkpoint
