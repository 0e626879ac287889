"""A GRU sequence classifier."""

from zoo.registry import Recipe, register_model
from zoo.rnn import recurrent_model


@register_model(
    task="classification",
    default_dataset="waveforms",
    layout="sequence",
    # A GRU tolerates a high peak rate; clipping guards the early steps at that rate.
    recipe=Recipe(
        optimizer="adam", lr=1e-2, schedule="cosine", epochs=20, batch_size=64, clip_norm=1.0
    ),
    description="GRU sequence classifier",
)
def gru(
    *,
    input_shape,
    num_outputs,
    task="classification",
    units=(32,),
    dropout_rate=0.1,
    patch_size=2,
    bidirectional=False,
):
    """Builds a GRU sequence model.

    Args:
        input_shape: (timesteps, features).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        units: units of each stacked GRU layer, first to last.
        dropout_rate: dropout between layers and before the head.
        patch_size: time steps read as one input. 2 halves the steps and the time (0.985 on
            waveforms); 4 is faster again but reached only 0.978-0.980.
        bidirectional: also read the series backwards, joining both directions' states.

    Returns:
        A `keras.Model` named "gru".
    """
    return recurrent_model(
        "GRU",
        name="gru",
        input_shape=input_shape,
        num_outputs=num_outputs,
        task=task,
        units=units,
        dropout_rate=dropout_rate,
        patch_size=patch_size,
        bidirectional=bidirectional,
    )
