"""What the classic image networks share: the convolution unit, stride-adaptive pooling and their
default recipe.

The classic architectures (`lenet5`, `alexnet`, `vgg`, `inception`, `densenet`) were drawn for
32-224 px images; the zoo serves 8x8 digits to 64x64 folders. Each builder therefore pools only
while the feature map stays at least 2x2 (`zoo.heads.halvings_that_fit`), so one layout reads
every size in that range.
"""

import dataclasses

from zoo.registry import Recipe

# One recipe for the classic image networks: the cnn's (zoo/cnn.py), so that the table compares
# architectures, not recipes. Adam at 3e-3 with a short warm-up and a cosine decay, batches of
# 64, light augmentation (small shifts, turns and zooms) and label smoothing 0.1, for 1600
# updates: 80 epochs of the 1257 training digits, fewer epochs of a larger set (29 of mnist_5k's
# 3600 training images), which keeps a default run on a few thousand 28x28 images near a minute.
CLASSIC_RECIPE = Recipe(
    optimizer="adam",
    lr=3e-3,
    schedule="warmup-cosine",
    epochs=80,
    batch_size=64,
    augment=True,
    label_smoothing=0.1,
    step_budget=1600,
)
# The same recipe at half the updates (800: 40 epochs of digits, 15 of mnist_5k) for the networks
# whose step costs two to four times the cnn's on a CPU (vgg, inception, densenet: many small
# BatchNorm, concatenation and branch operations), so that a default run on a few thousand
# 28x28 images stays within the 90 s a learner waits on two cores.
HALF_BUDGET_RECIPE = dataclasses.replace(CLASSIC_RECIPE, epochs=40, step_budget=800)


def conv_unit(x, channels, kernel_size=3, *, strides=1, batch_norm=True, activation="relu"):
    """Conv2D ("same" padding), optional BatchNorm, then the activation.

    Args:
        x: a feature map, shaped (batch, height, width, channels_in).
        channels: output channels.
        kernel_size: side of the square kernel.
        strides: 2 to halve the map.
        batch_norm: normalise the pre-activations; the convolution then has no bias, since
            BatchNorm's beta plays its part.
        activation: a Keras activation name, or None for none.
    """
    import keras

    x = keras.layers.Conv2D(
        channels, kernel_size, strides=strides, padding="same", use_bias=not batch_norm
    )(x)
    if batch_norm:
        x = keras.layers.BatchNormalization()(x)
    return keras.layers.Activation(activation)(x) if activation else x


def pool(x, kind="max", *, size=2, strides=2):
    """Max or average pooling with "same" padding, so an odd or tiny map never loses its border.

    Args:
        x: a feature map.
        kind: "max" or "average".
        size: the pooling window; 3 with strides 2 is AlexNet's overlapping pooling.
        strides: the step between windows.
    """
    import keras

    layer = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
    return layer(pool_size=size, strides=strides, padding="same")(x)


def per_stage(counts_name, counts, filters):
    """Returns (counts, filters) as tuples of positive ints with one entry per stage.

    Args:
        counts_name: the hyperparameter naming how many blocks each stage has, for the message.
        counts: its value; filters: the channels of each stage.

    Raises:
        UsageError: a value that is not positive ints, or the two of different lengths.
    """
    from zoo.errors import UsageError
    from zoo.heads import int_tuple

    counts, filters = int_tuple(counts_name, counts), int_tuple("filters", filters)
    if len(counts) != len(filters):
        raise UsageError(f"{counts_name} {counts} and filters {filters} need one entry per stage")
    return counts, filters


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`.

    Raises:
        UsageError: it is not; the message lists the choices.
    """
    from zoo.errors import UsageError

    if value not in choices:
        raise UsageError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value
