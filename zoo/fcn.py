"""The fully convolutional network for time series (Wang, Yan and Oates, 2017).

Three Conv1D blocks (128, 256 and 128 filters with kernels of 8, 5 and 3 steps, each followed by
BatchNorm and ReLU), global average pooling over time, and the head. "same" padding keeps every
step, and the pooling makes the model indifferent to the series' length. In the Fawaz et al.
(2019) review of 85 UCR sets it is, with the 1D ResNet (`zoo.resnet1d`), the strongest deep
baseline.
"""

from zoo.errors import UsageError
from zoo.heads import check_rank, check_rate, finish_model, int_tuple
from zoo.registry import Recipe, register_model

# The recipe for small sets (50-500 series), after dl-4-tsc's: Adam at 1e-3, batches of a tenth
# of the training series (at most 16), the rate halved on a plateau of the training loss, and the
# weights of the lowest training loss as the result. Early stopping watches the same loss: it
# ends a run whose loss has stopped falling. The held-out part is reported every epoch but does
# not choose: on the 10-13 held-out series of GunPoint and ItalyPowerDemand, choosing by the
# validation loss left three of seven runs at test accuracy 0.71-0.92 (two kept the weights of
# epoch 2 or 5), where the training loss gave 0.96-1.0 in the same runs (BENCHMARKS.md, section
# 8). The literature's 2000 epochs are for a GPU; 300 keep a default run on a set of GunPoint's
# size near a minute on two cores.
SMALL_SET_RECIPE = Recipe(
    optimizer="adam",
    lr=1e-3,
    schedule="plateau",
    epochs=300,
    batch_size=16,
    batch_share=0.1,
    early_stopping=50,
    monitor="loss",
)


def conv1d_block(x, filters, kernel_size, *, relu=True):
    """Conv1D ("same" padding), BatchNorm and (optionally) ReLU; BatchNorm's beta is the bias."""
    import keras

    x = keras.layers.Conv1D(filters, kernel_size, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.Activation("relu")(x) if relu else x


def check_widths(filters, kernel_sizes) -> tuple:
    """Returns (filters, kernel_sizes) as tuples of positive ints of one length."""
    filters, kernel_sizes = int_tuple("filters", filters), int_tuple("kernel_sizes", kernel_sizes)
    if len(filters) != len(kernel_sizes):
        raise UsageError(
            f"filters {filters} and kernel_sizes {kernel_sizes} must have one entry per layer"
        )
    return filters, kernel_sizes


@register_model(
    task="classification",
    default_dataset="waveforms",
    layout="sequence",
    recipe=SMALL_SET_RECIPE,
    description="FCN: Conv1D 128/256/128 (kernels 8/5/3), BatchNorm, ReLU, global pooling",
)
def fcn(
    *,
    input_shape,
    num_outputs,
    task="classification",
    filters=(128, 256, 128),
    kernel_sizes=(8, 5, 3),
    dropout_rate=0.0,
):
    """Builds the FCN.

    Args:
        input_shape: (timesteps, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        filters: filters of each Conv1D block, first to last.
        kernel_sizes: kernel width in steps of each block, one per entry of filters.
        dropout_rate: dropout between global pooling and the head (the paper uses none).

    Returns:
        A `keras.Model` named "fcn".
    """
    import keras

    check_rank("fcn", input_shape, rank=2, layout="(timesteps, channels)")
    filters, kernel_sizes = check_widths(filters, kernel_sizes)
    dropout_rate = check_rate("dropout_rate", dropout_rate)

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for layer_filters, kernel_size in zip(filters, kernel_sizes):
        x = conv1d_block(x, layer_filters, kernel_size)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="fcn", dropout_rate=dropout_rate
    )
