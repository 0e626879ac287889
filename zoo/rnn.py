"""A SimpleRNN sequence model, and `recurrent_model`, the stack the LSTM and GRU builders share."""

from zoo.heads import check_rank, check_rate, finish_model, int_tuple
from zoo.registry import Recipe, register_model


def recurrent_model(
    layer_name, *, name, input_shape, num_outputs, task, units=(32,), dropout_rate=0.0
):
    """Builds a stack of recurrent layers whose last state feeds the output head.

    Args:
        layer_name: the `keras.layers` class to stack: "SimpleRNN", "LSTM" or "GRU".
        name: the model's name: its registry name.
        input_shape: (timesteps, features).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        units: units of each recurrent layer, first to last.
        dropout_rate: dropout between layers and before the head.

    Returns:
        A `keras.Model` named `name`.
    """
    import keras

    check_rank(name, input_shape, rank=2, layout="(timesteps, features)")
    units = int_tuple("units", units)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    layer_class = getattr(keras.layers, layer_name)

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for index, layer_units in enumerate(units):
        last = index == len(units) - 1
        # Every layer but the last hands its whole sequence on; the last gives its final state.
        x = layer_class(layer_units, return_sequences=not last)(x)
        if dropout_rate > 0 and not last:
            x = keras.layers.Dropout(dropout_rate)(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name=name, dropout_rate=dropout_rate
    )


@register_model(
    task="classification",
    default_dataset="waveforms",
    layout="sequence",
    # Plain RNNs suffer exploding gradients over 64 steps: clipping keeps training steady, and a
    # peak rate of 5e-3 still diverged, so the rate stays low and the epochs many.
    recipe=Recipe(
        optimizer="adam", lr=2e-3, schedule="cosine", epochs=40, batch_size=64, clip_norm=1.0
    ),
    description="SimpleRNN sequence classifier",
)
def rnn(*, input_shape, num_outputs, task="classification", units=(64,), dropout_rate=0.1):
    """Builds a SimpleRNN sequence model.

    Args:
        input_shape: (timesteps, features).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        units: units of each stacked SimpleRNN layer, first to last.
        dropout_rate: dropout between layers and before the head.

    Returns:
        A `keras.Model` named "rnn".
    """
    return recurrent_model(
        "SimpleRNN",
        name="rnn",
        input_shape=input_shape,
        num_outputs=num_outputs,
        task=task,
        units=units,
        dropout_rate=dropout_rate,
    )
