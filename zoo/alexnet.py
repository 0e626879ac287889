"""A small AlexNet (Krizhevsky, Sutskever and Hinton, 2012), scaled down for small images.

Five convolutions with ReLU: a larger first kernel, then 3x3 ones; overlapping 3x3 max pooling
with stride 2 after the first, second and fifth; two Dense layers with dropout 0.5 in the head.
What changes for 8-64 px images: the first convolution is 5x5 with stride 1 (the 11x11 stride-4
one of the paper would leave a 224 px image 55 px, and a 28 px one 7), the widths are about a
sixth of the paper's (96, 256, 384, 384, 256 become 16, 48, 64, 64, 48) and the Dense layers
have 256 units instead of 4096. BatchNorm, which 2012 did not have, replaces the local response
normalisation and is on by default; `batch_norm=False` gives the plain layout.
"""

from zoo.heads import check_rank, check_rate, finish_model, halvings_that_fit, int_tuple
from zoo.image_blocks import CLASSIC_RECIPE, conv_unit, pool
from zoo.registry import register_model


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    recipe=CLASSIC_RECIPE,
    description="small AlexNet (Krizhevsky et al. 2012): 5 convs, overlapping max-pool, dropout",
)
def alexnet(
    *,
    input_shape,
    num_outputs,
    task="classification",
    filters=(16, 48, 64, 64, 48),
    first_kernel_size=5,
    dense_units=(256, 256),
    dropout_rate=0.5,
    batch_norm=True,
):
    """Builds a small AlexNet.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        filters: channels of the five convolutions.
        first_kernel_size: side of the first convolution's kernel; the others are 3x3.
        dense_units: units of the Dense layers of the head.
        dropout_rate: dropout before each Dense layer of the head and before the output.
        batch_norm: normalise each convolution's pre-activations (in place of 2012's local
            response normalisation).

    Returns:
        A `keras.Model` named "alexnet".
    """
    import keras

    check_rank("alexnet", input_shape, rank=3, layout="(height, width, channels)")
    filters = int_tuple("filters", filters)
    if len(filters) != 5:
        from zoo.errors import UsageError

        raise UsageError(f"filters must name the five convolutions' widths; got {filters}")
    dense_units = int_tuple("dense_units", dense_units)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    pools = halvings_that_fit(input_shape, wanted=3)
    # The paper pools after convolutions 1, 2 and 5; a small image keeps the first `pools` of them.
    pool_after = (0, 1, 4)[:pools]

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for index, channels in enumerate(filters):
        kernel = first_kernel_size if index == 0 else 3
        x = conv_unit(x, channels, kernel, batch_norm=batch_norm)
        if index in pool_after:
            x = pool(x, "max", size=3, strides=2)  # overlapping: the window is wider than a step
    x = keras.layers.Flatten()(x)
    for units in dense_units:
        if dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate)(x)
        x = keras.layers.Dense(units, activation="relu")(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="alexnet", dropout_rate=dropout_rate
    )
