"""VGG (Simonyan and Zisserman, 2015): stacks of 3x3 convolutions, each stage closed by pooling.

The default is the VGG-11 layout (configuration "A": 1, 1, 2, 2 and 2 convolutions in five
stages) at a quarter of its widths (64-512 become 16-128, as small as the CIFAR-sized variants
go), and a head of one 128-unit Dense layer instead of two
of 4096. A 3x3 stack sees what one larger kernel sees with fewer weights and more non-linearity,
the paper's point. BatchNorm after each convolution (the common "vgg11_bn") is on by default.
"""

from zoo.heads import check_rank, check_rate, finish_model, halvings_that_fit, int_tuple
from zoo.image_blocks import HALF_BUDGET_RECIPE, conv_unit, per_stage, pool
from zoo.registry import register_model


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    recipe=HALF_BUDGET_RECIPE,
    description="VGG-11 layout (Simonyan & Zisserman 2015) of 3x3 conv stacks, reduced widths, BN",
)
def vgg(
    *,
    input_shape,
    num_outputs,
    task="classification",
    convs_per_stage=(1, 1, 2, 2, 2),
    filters=(16, 32, 64, 128, 128),
    dense_units=(128,),
    dropout_rate=0.5,
    batch_norm=True,
):
    """Builds a VGG network.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        convs_per_stage: 3x3 convolutions in each stage (VGG-11: 1,1,2,2,2; VGG-16: 2,2,3,3,3).
        filters: channels of each stage.
        dense_units: units of the Dense layers of the head.
        dropout_rate: dropout before each Dense layer of the head and before the output.
        batch_norm: normalise each convolution's pre-activations.

    Returns:
        A `keras.Model` named "vgg".
    """
    import keras

    check_rank("vgg", input_shape, rank=3, layout="(height, width, channels)")
    convs_per_stage, filters = per_stage("convs_per_stage", convs_per_stage, filters)
    dense_units = int_tuple("dense_units", dense_units)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    pools = halvings_that_fit(input_shape, wanted=len(filters))

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for stage, (convs, channels) in enumerate(zip(convs_per_stage, filters)):
        for _ in range(convs):
            x = conv_unit(x, channels, 3, batch_norm=batch_norm)
        if stage < pools:
            x = pool(x, "max")
    # Global pooling over what is left (1x1 on 32 px inputs, as in the CIFAR variants) keeps
    # the head's size independent of the image's.
    x = keras.layers.GlobalAveragePooling2D()(x)
    for units in dense_units:
        if dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate)(x)
        x = keras.layers.Dense(units, activation="relu")(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="vgg", dropout_rate=dropout_rate
    )
