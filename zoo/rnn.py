"""A SimpleRNN sequence model, and `recurrent_model`, the stack the LSTM and GRU builders share."""

from zoo.heads import check_rank, check_rate, finish_model, int_tuple, positive_int
from zoo.registry import Recipe, register_model


def _stack_steps(inputs, *, patch_size):
    """Reads `patch_size` consecutive steps as one: (batch, T, F) -> (batch, T / p, F * p).

    A recurrent layer runs its steps one after another, so on a CPU its cost follows the step
    count, not the batch: 64 steps read in pairs train about twice as fast, and the shorter chain
    also eases the vanishing and exploding gradients of plain RNNs. The last patch is zero-padded
    when T is not a multiple of patch_size.
    """
    import keras

    if patch_size == 1:
        return inputs
    steps, features = inputs.shape[1], inputs.shape[2]
    padding = -steps % patch_size
    x = keras.layers.ZeroPadding1D((0, padding))(inputs) if padding else inputs
    return keras.layers.Reshape(((steps + padding) // patch_size, features * patch_size))(x)


def recurrent_model(
    layer_name,
    *,
    name,
    input_shape,
    num_outputs,
    task,
    units=(32,),
    dropout_rate=0.0,
    patch_size=1,
    bidirectional=False,
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
        patch_size: time steps the first layer reads as one input (see `_stack_steps`).
        bidirectional: run every layer forwards and backwards and join the two (Keras's
            Bidirectional, concatenated): twice the units and the time.

    Returns:
        A `keras.Model` named `name`.
    """
    import keras

    check_rank(name, input_shape, rank=2, layout="(timesteps, features)")
    units = int_tuple("units", units)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    patch_size = positive_int("patch_size", patch_size)
    layer_class = getattr(keras.layers, layer_name)

    inputs = keras.Input(shape=input_shape)
    x = _stack_steps(inputs, patch_size=patch_size)
    for index, layer_units in enumerate(units):
        last = index == len(units) - 1
        # Every layer but the last hands its whole sequence on; the last gives its final state.
        layer = layer_class(layer_units, return_sequences=not last)
        x = (keras.layers.Bidirectional(layer) if bidirectional else layer)(x)
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
    # peak rate of 5e-3 still diverged, so the rate stays low and the epochs many. Reading 4 steps
    # at a time (patch_size) makes each epoch a quarter as long (README: the quality table).
    recipe=Recipe(
        optimizer="adam", lr=2e-3, schedule="cosine", epochs=40, batch_size=64, clip_norm=1.0
    ),
    description="SimpleRNN sequence classifier",
)
def rnn(
    *,
    input_shape,
    num_outputs,
    task="classification",
    units=(64,),
    dropout_rate=0.1,
    patch_size=4,
    bidirectional=False,
):
    """Builds a SimpleRNN sequence model.

    Args:
        input_shape: (timesteps, features).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        units: units of each stacked SimpleRNN layer, first to last.
        dropout_rate: dropout between layers and before the head.
        patch_size: time steps read as one input; 4 turns 64 steps into 16.
        bidirectional: also read the series backwards, joining both directions' states.

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
        patch_size=patch_size,
        bidirectional=bidirectional,
    )
