"""DenseNet-BC (Huang, Liu, van der Maaten and Weinberger, 2017), small depth.

Inside a dense block every layer reads the concatenation of all earlier maps of the block and
adds `growth_rate` new channels, so any layer has a short path to any earlier one. Each layer is
BN-ReLU-Conv1x1 (the bottleneck, 4 x growth_rate channels) then BN-ReLU-Conv3x3 (growth_rate
channels): the "B". Between blocks a transition (BN-ReLU-Conv1x1 then 2x2 average pooling)
halves the map and keeps `compression` of the channels (0.5): the "C". The stem is one 3x3
convolution of 2 x growth_rate channels, as in the paper's CIFAR networks, followed here by 2x2
average pooling while the map is wider than 16 px: the first block then sees at most 16x16, as
the ImageNet networks' stem shrinks 224 px to 56 before theirs, and a 28-64 px image costs a CPU
what a CIFAR image does. The default (three blocks of 3 layers, k=12) is a DenseNet-BC-22 at the
paper's smallest growth rate; with blocks of 4 layers (DenseNet-BC-28) a default run on 3,600
28x28 images took more than 90 s on two cores.
"""

from zoo.errors import UsageError
from zoo.heads import (
    check_rank,
    check_rate,
    finish_model,
    halvings_that_fit,
    int_tuple,
    positive_int,
)
from zoo.image_blocks import HALF_BUDGET_RECIPE
from zoo.registry import register_model

STEM_SIDE = 16  # the stem pools until the map is at most this wide


def _bn_relu_conv(x, channels, kernel_size):
    """The pre-activation unit of DenseNet: BatchNorm, ReLU, then a bias-free convolution."""
    import keras

    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    return keras.layers.Conv2D(channels, kernel_size, padding="same", use_bias=False)(x)


def dense_block(x, layers, *, growth_rate):
    """`layers` bottleneck layers, each concatenating `growth_rate` new channels to its input."""
    import keras

    for _ in range(layers):
        new = _bn_relu_conv(_bn_relu_conv(x, 4 * growth_rate, 1), growth_rate, 3)
        x = keras.layers.Concatenate()([x, new])
    return x


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    recipe=HALF_BUDGET_RECIPE,
    description="DenseNet-BC (Huang et al. 2017): dense blocks, bottlenecks, transitions, k=12",
)
def densenet(
    *,
    input_shape,
    num_outputs,
    task="classification",
    layers_per_block=(3, 3, 3),
    growth_rate=12,
    compression=0.5,
    dropout_rate=0.0,
):
    """Builds a DenseNet-BC.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        layers_per_block: bottleneck layers in each dense block.
        growth_rate: channels each layer adds (k).
        compression: share of the channels a transition keeps (theta), in (0, 1].
        dropout_rate: dropout between global pooling and the head.

    Returns:
        A `keras.Model` named "densenet".
    """
    import keras

    check_rank("densenet", input_shape, rank=3, layout="(height, width, channels)")
    layers_per_block = int_tuple("layers_per_block", layers_per_block)
    growth_rate = positive_int("growth_rate", growth_rate)
    if not 0.0 < float(compression) <= 1.0:
        raise UsageError(f"compression must be in (0, 1]; got {compression!r}")
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    halvings = halvings_that_fit(input_shape, wanted=len(layers_per_block) - 1)

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(2 * growth_rate, 3, padding="same", use_bias=False)(inputs)
    while min(x.shape[1], x.shape[2]) > STEM_SIDE:
        x = keras.layers.AveragePooling2D(pool_size=2, padding="same")(x)
    for index, layers in enumerate(layers_per_block):
        x = dense_block(x, layers, growth_rate=growth_rate)
        if index < len(layers_per_block) - 1:
            # The transition compresses the channels; it pools only while the map allows.
            x = _bn_relu_conv(x, max(int(x.shape[-1] * float(compression)), 1), 1)
            if index < halvings:
                x = keras.layers.AveragePooling2D(pool_size=2, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="densenet", dropout_rate=dropout_rate
    )
