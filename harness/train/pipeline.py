"""The training input pipeline: tf.data with an epoch order that is a pure function of
(seed, epoch).

Keras's own array adapter shuffles with hidden RNG state, so a resumed run would see different
batches. Here epoch e's order is argsort(stateless_uniform(seed=[seed, e])), and a resumed run
simply starts the range at its next epoch: it sees exactly the batches it would have seen.
"""

import math

import numpy as np

EVAL_BATCH_MULTIPLIER = 4


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    """Batches per epoch, the last one partial."""
    return math.ceil(num_examples / batch_size)


def execution_steps(requested, steps: int, *, distributed=False) -> int | None:
    """Training steps Keras runs per call into its compiled function (`steps_per_execution`).

    By default (None) the harness bounds each call by the measured step time
    (`harness.train.executions`): as many steps as fit in about half a second, a whole epoch
    for short ones, so results are bit-identical with far fewer calls than one per batch, and
    signals and the progress bar are answered within the call. One step under a distribution
    strategy (not measured there).

    Raises:
        UsageError: a requested value that does not divide the steps of an epoch; Keras would
            then run whole executions across epoch boundaries and the results would change.
    """
    from harness.errors import UsageError

    if requested is None:
        return 1 if distributed else None
    if steps % requested:
        divisors = [d for d in range(1, steps + 1) if steps % d == 0]
        raise UsageError(
            f"--steps-per-execution {requested} must divide the {steps} steps of an "
            f"epoch, e.g. one of {', '.join(map(str, divisors))}"
        )
    return requested


def epoch_order(num_examples: int, seed: int, epoch: int):
    """The example order of `epoch` (0-based) as a tensor of indices."""
    import tensorflow as tf

    keys = tf.random.stateless_uniform(
        [num_examples], seed=tf.stack([tf.constant(seed, tf.int64), tf.cast(epoch, tf.int64)])
    )
    return tf.argsort(keys, stable=True)


def train_dataset(x, y, *, batch_size, seed, start_epoch, epochs, one_hot_classes=None):
    """Returns a tf.data.Dataset of the batches of epochs start_epoch .. epochs-1, in order.

    Args:
        x, y: the training arrays.
        batch_size: examples per batch (the global batch under a distribution strategy).
        seed: the run's seed.
        start_epoch: the first epoch to produce (0-based): the number of epochs done.
        epochs: one past the last epoch to produce.
        one_hot_classes: if set, y is turned into one-hot vectors of this size (label smoothing).
    """
    import tensorflow as tf

    num_examples = len(x)
    take = _taker(x)
    labels = tf.constant(np.asarray(y))

    def batches_of(epoch):
        order = epoch_order(num_examples, seed, epoch)
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    def gather(indices):
        batch_y = tf.gather(labels, indices)
        if one_hot_classes:
            batch_y = tf.one_hot(batch_y, one_hot_classes)
        return take(indices), batch_y

    dataset = tf.data.Dataset.range(start_epoch, epochs).flat_map(batches_of)
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _taker(x):
    """indices -> examples: gathered from the array in memory, or decoded from the files of a
    split that streams (`harness.data.image_decode.StreamedImages.gather`)."""
    import tensorflow as tf

    if hasattr(x, "gather"):
        return x.gather
    features = tf.constant(np.asarray(x))
    return lambda indices: tf.gather(features, indices)


def split_dataset(data, split: str, config):
    """A run's "val" or "test" split, batched for evaluation as the recipe trains (one-hot
    targets under label smoothing), in batches larger than training's: no gradients, so memory
    allows it."""
    x, y = data.split(split)
    return eval_dataset(
        x,
        y,
        batch_size=config.batch_size * EVAL_BATCH_MULTIPLIER,
        one_hot_classes=data.num_outputs if config.label_smoothing else None,
    )


def eval_dataset(x, y, *, batch_size, one_hot_classes=None):
    """A plain batched dataset for validation or test (no shuffling)."""
    import tensorflow as tf

    if hasattr(x, "gather"):  # streams from files: decoded batch by batch, never cached
        take, labels = _taker(x), tf.constant(np.asarray(y))
        dataset = tf.data.Dataset.range(len(x)).batch(batch_size)
        dataset = dataset.map(lambda index: (take(index), tf.gather(labels, index)))
    else:
        dataset = tf.data.Dataset.from_tensor_slices((np.asarray(x), np.asarray(y)))
    if one_hot_classes:
        dataset = dataset.map(lambda a, b: (a, tf.one_hot(b, one_hot_classes)))
    if not hasattr(x, "gather"):
        dataset = dataset.batch(batch_size).cache()
    return dataset.prefetch(tf.data.AUTOTUNE)
