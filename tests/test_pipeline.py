"""The training pipeline's epoch order is a pure function of (seed, epoch)."""

import numpy as np

from harness.train.pipeline import steps_per_epoch, train_dataset


def batches(dataset):
    return [x.numpy().ravel().tolist() for x, _ in dataset]


def test_each_epoch_is_a_permutation_and_epochs_differ():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.arange(10)
    dataset = train_dataset(x, y, batch_size=4, seed=3, start_epoch=0, epochs=2)
    got = batches(dataset)
    assert steps_per_epoch(10, 4) == 3 and len(got) == 6
    first, second = sum(got[:3], []), sum(got[3:], [])
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second


def test_a_resumed_range_sees_exactly_the_batches_of_a_straight_run():
    x = np.arange(50, dtype="float32").reshape(25, 2)
    y = np.arange(25)
    straight = batches(train_dataset(x, y, batch_size=8, seed=11, start_epoch=0, epochs=4))
    resumed = batches(train_dataset(x, y, batch_size=8, seed=11, start_epoch=2, epochs=4))
    per_epoch = steps_per_epoch(25, 8)
    assert resumed == straight[2 * per_epoch :]


def test_labels_follow_their_examples_and_seed_changes_order():
    x = np.arange(12, dtype="float32").reshape(12, 1)
    y = np.arange(12) * 10
    for features, labels in train_dataset(x, y, batch_size=5, seed=0, start_epoch=0, epochs=1):
        np.testing.assert_array_equal(features.numpy().ravel() * 10, labels.numpy())
    one = batches(train_dataset(x, y, batch_size=12, seed=0, start_epoch=0, epochs=1))
    two = batches(train_dataset(x, y, batch_size=12, seed=1, start_epoch=0, epochs=1))
    assert one != two
