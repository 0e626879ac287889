"""The residual network for time series (Wang, Yan and Oates, 2017; Fawaz et al., 2019).

Three residual blocks of 64, 128 and 128 filters. A block is three Conv1D layers (kernels 8, 5
and 3, each with BatchNorm, ReLU after the first two) whose output is added to a shortcut: a
1x1 convolution with BatchNorm where the width changes, else BatchNorm alone; ReLU follows the
sum. Global average pooling over time feeds the head. Every layer keeps the series' length.
"""

import dataclasses

from zoo.fcn import SMALL_SET_RECIPE, conv1d_block
from zoo.heads import check_rank, check_rate, finish_model, int_tuple
from zoo.registry import register_model


def residual_block_1d(x, filters, kernel_sizes):
    """The convolutions of `kernel_sizes` at `filters` wide, plus the shortcut, then ReLU."""
    import keras

    shortcut = x
    if x.shape[-1] != filters:
        shortcut = keras.layers.Conv1D(filters, 1, padding="same", use_bias=False)(shortcut)
    shortcut = keras.layers.BatchNormalization()(shortcut)
    for index, kernel_size in enumerate(kernel_sizes):
        x = conv1d_block(x, filters, kernel_size, relu=index < len(kernel_sizes) - 1)
    return keras.layers.Activation("relu")(keras.layers.Add()([x, shortcut]))


@register_model(
    task="classification",
    default_dataset="waveforms",
    layout="sequence",
    # The FCN's recipe (dl-4-tsc trains both alike; its batch cap of 64 for ResNet differs from
    # FCN's 16 only on sets above 160 series) at a third of the epochs: an epoch costs about 2.5
    # times the FCN's, and dl-4-tsc too gives ResNet fewer (1500 against 2000).
    recipe=dataclasses.replace(SMALL_SET_RECIPE, epochs=100),
    description="1D ResNet: three residual blocks of 64/128/128 filters (kernels 8/5/3)",
)
def resnet1d(
    *,
    input_shape,
    num_outputs,
    task="classification",
    filters=(64, 128, 128),
    kernel_sizes=(8, 5, 3),
    dropout_rate=0.0,
):
    """Builds the 1D ResNet.

    Args:
        input_shape: (timesteps, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        filters: filters of each residual block, first to last.
        kernel_sizes: kernel width in steps of the convolutions inside every block.
        dropout_rate: dropout between global pooling and the head (the paper uses none).

    Returns:
        A `keras.Model` named "resnet1d".
    """
    import keras

    check_rank("resnet1d", input_shape, rank=2, layout="(timesteps, channels)")
    filters = int_tuple("filters", filters)
    kernel_sizes = int_tuple("kernel_sizes", kernel_sizes)
    dropout_rate = check_rate("dropout_rate", dropout_rate)

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for block_filters in filters:
        x = residual_block_1d(x, block_filters, kernel_sizes)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="resnet1d", dropout_rate=dropout_rate
    )
