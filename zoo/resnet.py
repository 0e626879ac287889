"""A small residual CNN: a stem, stages of residual blocks, global pooling and a head.

Each stage after the first halves the feature map (while it stays at least 2x2) and widens it.
On images of 24 px and more the stem halves the map first, as He et al.'s ImageNet stem
downsamples its input: 28x28 digits and 32x32 photos then reach the last stage at 7-8 px, the
size the last stage of their CIFAR ResNets works at, for about a quarter of the work.
A block adds its input back through an identity shortcut, or through a 1x1 projection when the
stride or the channel count changes, as in He et al. (2016).
"""

from zoo.heads import (
    check_rank,
    check_rate,
    finish_model,
    halvings_that_fit,
    int_tuple,
    normalize_and_activate,
    positive_int,
)
from zoo.image_blocks import HALF_BUDGET_RECIPE
from zoo.registry import register_model

# The smallest side the stem halves (`downsample_stem`): 8x8 digits keep their resolution.
STEM_HALVES_FROM = 24


def _conv_bn(x, channels, *, kernel_size=3, strides=1, relu=True):
    """Convolution, BatchNorm and (optionally) ReLU; the bias is left to BatchNorm's beta."""
    import keras

    x = keras.layers.Conv2D(channels, kernel_size, strides=strides, padding="same", use_bias=False)(
        x
    )
    return normalize_and_activate(x, batch_norm=True, relu=relu)


def residual_block(x, channels, *, strides=1):
    """Two 3x3 convolutions plus a shortcut, then ReLU.

    Args:
        x: the block's input, shaped (batch, height, width, channels_in).
        channels: the block's output channels.
        strides: 2 to halve the feature map, else 1.

    Returns:
        The block's output, shaped (batch, height / strides, width / strides, channels).
    """
    import keras

    shortcut = x
    if strides != 1 or x.shape[-1] != channels:
        # The identity no longer fits the residual branch's shape, so project it.
        shortcut = _conv_bn(x, channels, kernel_size=1, strides=strides, relu=False)
    x = _conv_bn(x, channels, strides=strides)
    x = _conv_bn(x, channels, relu=False)
    x = keras.layers.Add()([x, shortcut])
    return keras.layers.Activation("relu")(x)


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    # As for cnn: on 1257 training digits the last errors go with regularisation (shifts, turns,
    # zooms and contrast, label smoothing) and a warm-up-cosine run, not with a larger network.
    # On the 8x8 digits, where the stem keeps full resolution, a step costs about twice the
    # cnn's on a CPU, so it trains for the classic networks' half budget, 800 updates (40 epochs
    # of the digits, 15 of mnist_5k's 3600 training images), as vgg, inception and densenet do.
    recipe=HALF_BUDGET_RECIPE,
    description="small residual CNN with BatchNorm and identity/projection shortcuts",
    # Runs recorded before the stem could halve were built with a full-resolution stem.
    legacy_hparams={"downsample_stem": False},
)
def resnet(
    *,
    input_shape,
    num_outputs,
    task="classification",
    filters=(32, 64),
    blocks_per_stage=1,
    dropout_rate=0.2,
    downsample_stem=True,
):
    """Builds a small ResNet.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        filters: channels of each stage; the stem uses the first.
        blocks_per_stage: residual blocks in every stage.
        dropout_rate: dropout between global pooling and the head.
        downsample_stem: let the stem halve inputs whose smaller side is at least 24 px.

    Returns:
        A `keras.Model` named "resnet".
    """
    import keras

    check_rank("resnet", input_shape, rank=3, layout="(height, width, channels)")
    filters = int_tuple("filters", filters)
    blocks_per_stage = positive_int("blocks_per_stage", blocks_per_stage)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    stem_strides = 2 if downsample_stem and min(input_shape[:2]) >= STEM_HALVES_FROM else 1
    # The first stage keeps the stem's resolution; each later one halves it if the map allows.
    stem_map = [-(-side // stem_strides) for side in input_shape[:2]]
    halvings = halvings_that_fit(stem_map, wanted=len(filters) - 1)

    inputs = keras.Input(shape=input_shape)
    x = _conv_bn(inputs, filters[0], strides=stem_strides)
    for stage, channels in enumerate(filters):
        for block in range(blocks_per_stage):
            downsample = block == 0 and 1 <= stage <= halvings
            x = residual_block(x, channels, strides=2 if downsample else 1)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="resnet", dropout_rate=dropout_rate
    )
