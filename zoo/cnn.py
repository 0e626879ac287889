"""A LeNet-style convolutional network: Conv2D blocks with max pooling, then a Dense layer."""

from zoo.heads import (
    check_rank,
    check_rate,
    finish_model,
    halvings_that_fit,
    int_tuple,
    normalize_and_activate,
    positive_int,
)
from zoo.registry import Recipe, register_model


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    # Digits have 1257 training images, so the bar (at most 1 test error in 360) is reached by
    # regularising, not by size: 1-pixel shifts, small turns and zooms, label smoothing, and a
    # long warm-up-cosine run (0.997 on seeds 0, 1 and 2 with 80 or 100 epochs at batch 64; 60
    # epochs at batch 32 gave 0.989 on two of them).
    recipe=Recipe(
        optimizer="adam",
        lr=3e-3,
        schedule="warmup-cosine",  # warms up for the first 5% of the epochs
        epochs=80,
        batch_size=64,
        augment=True,
        label_smoothing=0.1,
        # Tuned as 1600 updates (80 epochs of the 1257 training digits): a larger set
        # gets as many updates in fewer epochs (mnist_5k's 3600 images: 29).
        step_budget=1600,
    ),
    description="LeNet-style Conv2D/pooling blocks with dropout and optional BatchNorm",
)
def cnn(
    *,
    input_shape,
    num_outputs,
    task="classification",
    filters=(32, 64, 128),
    kernel_size=3,
    dense_units=128,
    dropout_rate=0.1,  # augmentation already regularises; 0.25 on top of it underfits digits
    batch_norm=True,
):
    """Builds a LeNet-style CNN that pools only while the feature map stays at least 2x2.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        filters: channels of each convolution block; a block pools 2x2 while the map allows.
        kernel_size: side of every square convolution kernel.
        dense_units: units of the Dense layer after the blocks.
        dropout_rate: dropout after each block and before the head.
        batch_norm: normalise each convolution's pre-activations.

    Returns:
        A `keras.Model` named "cnn".
    """
    import keras

    check_rank("cnn", input_shape, rank=3, layout="(height, width, channels)")
    filters = int_tuple("filters", filters)
    kernel_size = positive_int("kernel_size", kernel_size)
    dense_units = positive_int("dense_units", dense_units)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    pools = halvings_that_fit(input_shape, wanted=len(filters))

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for index, channels in enumerate(filters):
        # With BatchNorm the convolution bias is redundant: BatchNorm's beta plays its part.
        x = keras.layers.Conv2D(channels, kernel_size, padding="same", use_bias=not batch_norm)(x)
        x = normalize_and_activate(x, batch_norm=batch_norm)
        if index < pools:
            x = keras.layers.MaxPooling2D(pool_size=2)(x)
        if dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(dense_units, activation="relu")(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="cnn", dropout_rate=dropout_rate
    )
