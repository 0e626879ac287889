"""Optimizers and learning-rate schedules from the recipe, all built from Keras's own classes.

Warm-up uses the warm-up built into `keras.optimizers.schedules.CosineDecay`, so no custom
schedule class ends up inside a saved model: `model.keras` stays loadable by plain Keras.
"""

from harness.config import LENGTH_FREE_SCHEDULES
from harness.errors import UsageError

# Plateau: halve the rate after this share of the run without improvement.
PLATEAU_FACTOR = 0.5
PLATEAU_MIN_LR_RATIO = 1e-3
# Step: the rate drops tenfold at these fractions of the run (the classic ResNet recipe).
STEP_BOUNDARIES = (0.5, 0.75)
# Exponential: the rate falls to this fraction of its peak by the last epoch.
EXPONENTIAL_FINAL_RATIO = 0.01


def build_learning_rate(config, steps_per_epoch: int):
    """Returns a float or a Keras LearningRateSchedule for the resolved config."""
    import keras

    schedules = keras.optimizers.schedules
    total_steps = config.epochs * steps_per_epoch
    warmup_steps = config.warmup_epochs * steps_per_epoch  # resolved (harness.config)
    if config.schedule in LENGTH_FREE_SCHEDULES:
        if not warmup_steps:
            return config.lr
        # alpha=1 makes the "decay" a constant: only the linear warm-up remains.
        return schedules.CosineDecay(
            0.0, decay_steps=1, alpha=1.0, warmup_target=config.lr, warmup_steps=warmup_steps
        )
    if config.schedule in ("cosine", "warmup-cosine"):
        return schedules.CosineDecay(
            0.0 if warmup_steps else config.lr,
            decay_steps=max(1, total_steps - warmup_steps),
            warmup_target=config.lr if warmup_steps else None,
            warmup_steps=warmup_steps,
        )
    if warmup_steps:  # check_config refuses this before anything is written
        raise ValueError(f"no warm-up for {config.schedule}")
    if config.schedule == "step":
        boundaries = [max(1, int(total_steps * f)) for f in STEP_BOUNDARIES]
        values = [config.lr * 0.1**i for i in range(len(boundaries) + 1)]
        return schedules.PiecewiseConstantDecay(boundaries, values)
    # Exponential, smooth, reaching EXPONENTIAL_FINAL_RATIO of the peak at the end.
    return schedules.ExponentialDecay(
        config.lr, decay_steps=max(1, total_steps), decay_rate=EXPONENTIAL_FINAL_RATIO
    )


def build_optimizer(config, steps_per_epoch: int):
    """Returns the Keras optimizer named by `config.optimizer`, with clipping if asked."""
    import keras

    options = {"learning_rate": build_learning_rate(config, steps_per_epoch)}
    if config.clip_norm:
        options["global_clipnorm"] = config.clip_norm
    name = config.optimizer
    if name == "sgd":
        return keras.optimizers.SGD(**options)
    if name == "momentum":
        return keras.optimizers.SGD(momentum=0.9, nesterov=True, **options)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(**options)
    if name == "adam":
        return keras.optimizers.Adam(**options)
    if name == "adamw":
        return keras.optimizers.AdamW(weight_decay=config.weight_decay or 1e-4, **options)
    raise UsageError(f"unknown --optimizer {name!r}")


def plateau_callback(config):
    """Returns Keras's ReduceLROnPlateau for --schedule plateau, else None."""
    if config.schedule != "plateau":
        return None
    import keras

    from harness.config import monitor_mode

    return keras.callbacks.ReduceLROnPlateau(
        monitor=config.monitor,
        mode=monitor_mode(config.monitor),
        factor=PLATEAU_FACTOR,
        patience=max(2, config.epochs // 10),
        min_lr=config.lr * PLATEAU_MIN_LR_RATIO,
        verbose=0,
    )


def learning_rate_reader(optimizer):
    """A function of no arguments returning the rate `optimizer` applies at its current step.

    Reading the rate of a schedule runs the schedule's ops one by one in eager mode, after every
    epoch for history.csv; traced once into a tf.function, the same ops run as one call
    (BENCHMARKS.md has the figures). The function reads the optimizer's step and rate variables
    when called, so ReduceLROnPlateau's changes and a restored step are seen.
    """
    import tensorflow as tf

    # The property, not the schedule: it is what the optimizer itself applies at this step.
    read = tf.function(lambda: optimizer.learning_rate)
    return lambda: float(read().numpy())
