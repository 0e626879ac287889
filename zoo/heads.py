"""Pieces the builders share: hyperparameter checks, hidden-layer tails and the output head.

Hyperparameters arrive from `--set key=value`, so a width list may come as a list, a tuple or a
single int; the helpers here turn them into what Keras wants and reject bad values with a
`UsageError` that says what was received.
"""

from zoo.errors import UsageError


def int_tuple(name, value):
    """Returns `value` (an int or a sequence of ints) as a non-empty tuple of positive ints.

    Args:
        name: the hyperparameter's name, for the error message.
        value: an int, or a list or tuple of ints.

    Raises:
        UsageError: the value is empty or holds something that is not a positive int.
    """
    values = (value,) if isinstance(value, int) else tuple(value)
    if not values:
        raise UsageError(f"{name} must be a positive int or a list of them; got {value!r}")
    return tuple(positive_int(name, v) for v in values)


def positive_int(name, value):
    """Returns `value` if it is a positive int.

    Raises:
        UsageError: the value is not a positive int.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{name} must be a positive int; got {value!r}")
    return value


def check_rate(name, value):
    """Returns `value` as a float in [0, 1), the range a dropout rate can take.

    Raises:
        UsageError: the value is outside [0, 1).
    """
    if not 0.0 <= float(value) < 1.0:
        raise UsageError(f"{name} must be in [0, 1); got {value!r}")
    return float(value)


def check_rank(model_name, input_shape, *, rank, layout):
    """Raises a `UsageError` unless one example has `rank` axes.

    Args:
        model_name: the registry name, for the error message.
        input_shape: one example's shape, without the batch axis.
        rank: the number of axes the model needs.
        layout: how those axes read, e.g. "(height, width, channels)".
    """
    if len(input_shape) != rank:
        raise UsageError(
            f"model {model_name!r} needs inputs shaped {layout}; got {tuple(input_shape)}"
        )


def normalize_and_activate(x, *, batch_norm, relu=True):
    """Optional BatchNorm, then optional ReLU: the tail of every hidden Dense or Conv2D layer.

    Args:
        x: a hidden layer's pre-activations.
        batch_norm: normalise them first (the layer before should then have no bias).
        relu: apply ReLU; residual branches leave it to after the addition.
    """
    import keras

    if batch_norm:
        x = keras.layers.BatchNormalization()(x)
    return keras.layers.Activation("relu")(x) if relu else x


def output_head(features, *, num_outputs, task):
    """Applies the task's output layer to `features` and returns the model's outputs.

    The head is float32 even under mixed precision, so softmax and the loss stay numerically safe.

    Args:
        features: the last hidden tensor, shaped (batch, units).
        num_outputs: classes for classification, values for regression.
        task: "classification" (softmax probabilities) or "regression" (linear values).
    """
    import keras

    activation = "softmax" if task == "classification" else None
    return keras.layers.Dense(num_outputs, activation=activation, dtype="float32", name="head")(
        features
    )


def finish_model(inputs, features, *, num_outputs, task, name, dropout_rate=0.0):
    """Adds dropout (if any) and the output head, then wraps everything in a `keras.Model`.

    Args:
        inputs: the model's `keras.Input`.
        features: the last hidden tensor, shaped (batch, units).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        name: the model's name: its registry name.
        dropout_rate: dropout applied to `features` before the head.
    """
    import keras

    if dropout_rate > 0:
        features = keras.layers.Dropout(dropout_rate)(features)
    outputs = output_head(features, num_outputs=num_outputs, task=task)
    return keras.Model(inputs, outputs, name=name)


def halvings_that_fit(input_shape, *, wanted):
    """Returns how many of `wanted` 2x downsamplings keep an image at least 2x2.

    Lets one builder serve 8x8 digits and 32x32 CIFAR: small images simply pool less.

    Args:
        input_shape: (height, width, channels).
        wanted: the most downsamplings the builder would use.
    """
    side = min(input_shape[0], input_shape[1])
    halvings = 0
    while halvings < wanted and side // 2 >= 2:
        side //= 2
        halvings += 1
    return halvings
