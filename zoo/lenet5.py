"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), as faithful as Keras allows.

The 1998 layout: C1 six 5x5 convolutions, S2 2x2 subsampling, C3 sixteen 5x5 convolutions, S4
subsampling, C5 120 units, F6 84 units, then the output. What Keras does not have is replaced by
its nearest plain layer: the trainable subsampling (average times a learned coefficient plus a
bias) by average pooling, C3's partial connection table by full connections, the scaled tanh
1.7159 tanh(2x/3) by tanh, and the RBF output by softmax. The paper read 28x28 digits padded to
32x32; C1's "same" padding keeps the 28x28 map it produced. C5 is a Dense layer over S4's 5x5x16
map, which on 32x32 inputs is what its 5x5 convolution computes. ReLU and max pooling, the
modern choices, are hyperparameters.
"""

from zoo.heads import check_rank, check_rate, finish_model, halvings_that_fit, int_tuple
from zoo.image_blocks import CLASSIC_RECIPE, check_choice, pool
from zoo.registry import register_model


@register_model(
    task="classification",
    default_dataset="digits",
    layout="image",
    recipe=CLASSIC_RECIPE,
    description="LeNet-5 (LeCun et al. 1998): conv 6, subsample, conv 16, subsample, dense 120/84",
)
def lenet5(
    *,
    input_shape,
    num_outputs,
    task="classification",
    activation="tanh",
    pooling="average",
    dense_units=(120, 84),
    dropout_rate=0.0,
):
    """Builds LeNet-5.

    Args:
        input_shape: (height, width, channels).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        activation: "tanh" as in 1998, or "relu".
        pooling: "average" (the paper's subsampling) or "max".
        dense_units: units of C5 and F6.
        dropout_rate: dropout before the head (the paper had none).

    Returns:
        A `keras.Model` named "lenet5".
    """
    import keras

    check_rank("lenet5", input_shape, rank=3, layout="(height, width, channels)")
    activation = check_choice("activation", activation, ("tanh", "relu"))
    pooling = check_choice("pooling", pooling, ("average", "max"))
    dense_units = int_tuple("dense_units", dense_units)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    pools = halvings_that_fit(input_shape, wanted=2)

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(6, 5, padding="same", activation=activation, name="c1")(inputs)
    if pools >= 1:
        x = pool(x, pooling)
    # C3 is a "valid" 5x5 convolution (14x14 -> 10x10); on maps too small for that it keeps
    # the map's size instead.
    c3_padding = "valid" if min(x.shape[1], x.shape[2]) >= 10 else "same"
    x = keras.layers.Conv2D(16, 5, padding=c3_padding, activation=activation, name="c3")(x)
    if pools >= 2:
        x = pool(x, pooling)
    x = keras.layers.Flatten()(x)
    for units in dense_units:
        x = keras.layers.Dense(units, activation=activation)(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="lenet5", dropout_rate=dropout_rate
    )
