"""GoogLeNet-style Inception network (Szegedy et al., 2015), a few modules deep.

An Inception module looks at one map through four branches at once and concatenates them: a 1x1
convolution; a 1x1 reduction then a 3x3; a 1x1 reduction then a 5x5; and 3x3 max pooling then a
1x1 projection. The widths follow GoogLeNet's module 3a (64, 96->128, 16->32, 32 of 256 outputs):
a quarter of a module's channels from the 1x1 branch, half from the 3x3 branch, an eighth each
from the 5x5 and pool branches, with the 3x3 reduction at three quarters and the 5x5 reduction
at half of its branch. Here a stem convolution is followed by stages of modules, a max pooling
between stages, global average pooling and dropout 0.4, as in the paper; BatchNorm after each
convolution is GoogLeNet's second version (Ioffe and Szegedy, 2015). The default, one module of
64 channels at half the input's size and two of 128 at a quarter, is GoogLeNet's 2-5-2 stages
in miniature; two modules in the first stage took a default run on 3,600 28x28 images past 90 s
on two cores.
"""

from zoo.heads import check_rank, check_rate, finish_model, halvings_that_fit
from zoo.image_blocks import HALF_BUDGET_RECIPE, conv_unit, per_stage, pool
from zoo.registry import register_model


def inception_module(x, channels, *, batch_norm=True):
    """One Inception module with `channels` outputs in GoogLeNet 3a's proportions.

    Args:
        x: the module's input map.
        channels: the module's output channels; a multiple of 8 keeps the proportions exact.
        batch_norm: normalise each convolution's pre-activations.
    """
    import keras

    b1, b3, b5 = channels // 4, channels // 2, channels // 8
    bp = channels - b1 - b3 - b5
    one = conv_unit(x, b1, 1, batch_norm=batch_norm)
    three = conv_unit(
        conv_unit(x, b3 * 3 // 4, 1, batch_norm=batch_norm), b3, 3, batch_norm=batch_norm
    )
    five = conv_unit(
        conv_unit(x, max(b5 // 2, 1), 1, batch_norm=batch_norm), b5, 5, batch_norm=batch_norm
    )
    pooled = conv_unit(pool(x, "max", size=3, strides=1), bp, 1, batch_norm=batch_norm)
    return keras.layers.Concatenate()([one, three, five, pooled])


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    recipe=HALF_BUDGET_RECIPE,
    description="GoogLeNet-style Inception modules (Szegedy et al. 2015): 1x1/3x3/5x5/pool",
)
def inception(
    *,
    input_shape,
    num_outputs,
    task="classification",
    stem_filters=32,
    modules_per_stage=(1, 2),
    filters=(64, 128),
    dropout_rate=0.4,
    batch_norm=True,
):
    """Builds a small Inception network.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        stem_filters: channels of the 3x3 stem convolution.
        modules_per_stage: Inception modules in each stage; the map halves between stages.
        filters: output channels of every module of each stage.
        dropout_rate: dropout between global pooling and the head (GoogLeNet's 0.4).
        batch_norm: normalise each convolution's pre-activations.

    Returns:
        A `keras.Model` named "inception".
    """
    import keras

    check_rank("inception", input_shape, rank=3, layout="(height, width, channels)")
    modules_per_stage, filters = per_stage("modules_per_stage", modules_per_stage, filters)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    # One halving after the stem, then one between each two stages, while the map allows.
    halvings = halvings_that_fit(input_shape, wanted=len(filters))

    inputs = keras.Input(shape=input_shape)
    x = conv_unit(inputs, stem_filters, 3, batch_norm=batch_norm)
    for stage, (modules, channels) in enumerate(zip(modules_per_stage, filters)):
        if stage < halvings:
            x = pool(x, "max", size=3, strides=2)
        for _ in range(modules):
            x = inception_module(x, channels, batch_norm=batch_norm)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="inception", dropout_rate=dropout_rate
    )
