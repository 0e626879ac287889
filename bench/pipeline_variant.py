"""The input pipeline alone: is it a bottleneck, and is a cheaper one with the same batches?

`epoch_gather_dataset` is a bench-local variant of `harness.train.pipeline.train_dataset`,
clearly not
the harness's code: the same per-epoch order (`harness.train.pipeline.epoch_order`), so the same
batches in the same order, but the examples are gathered once per epoch instead of once per
batch through a parallel `map`. `cached_batches` (no reshuffling at all) is the upper bound.
"""

import time


def epoch_gather_dataset(x, y, *, batch_size, seed, start_epoch, epochs):
    """Batches of epochs start_epoch..epochs-1, identical to the harness's, gathered per epoch."""
    import tensorflow as tf

    from harness.train.pipeline import epoch_order

    features, labels = tf.constant(x), tf.constant(y)

    def epoch_batches(epoch):
        order = epoch_order(len(x), seed, epoch)
        return tf.data.Dataset.from_tensor_slices(
            (tf.gather(features, order), tf.gather(labels, order))
        ).batch(batch_size)

    return (
        tf.data.Dataset.range(start_epoch, epochs)
        .flat_map(epoch_batches)
        .prefetch(tf.data.AUTOTUNE)
    )


def _variants(x, y, batch, epochs) -> dict:
    import tensorflow as tf

    from harness.train.pipeline import train_dataset

    return {
        "harness_pipeline": lambda: train_dataset(
            x, y, batch_size=batch, seed=0, start_epoch=0, epochs=epochs
        ),
        "epoch_gather": lambda: epoch_gather_dataset(
            x, y, batch_size=batch, seed=0, start_epoch=0, epochs=epochs
        ),
        "cached_batches": lambda: (
            tf.data.Dataset.from_tensor_slices((x, y))
            .batch(batch)
            .cache()
            .repeat(epochs)
            .prefetch(tf.data.AUTOTUNE)
        ),
    }


def pipeline_throughput(data, config, *, epochs=3) -> dict:
    """Samples/s of each pipeline alone, no model, and whether epoch_gather's batches are the
    harness's."""
    import numpy as np

    variants = _variants(data.x_train, data.y_train, config.batch_size, epochs)
    rates = {}
    for label, make in variants.items():
        for _ in make():  # warm-up: builds the functions, fills the cache
            pass
        started = time.perf_counter()
        for _ in make():
            pass
        rates[f"{label}_samples_per_s"] = (
            epochs * len(data.x_train) / (time.perf_counter() - started)
        )
    pairs = zip(variants["harness_pipeline"](), variants["epoch_gather"]())
    rates["epoch_gather_same_batches"] = all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in pairs
    )
    return rates
