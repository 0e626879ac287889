"""The LSTM sine-wave regressor: one or more stacked LSTM layers and a Dense head."""

from zoo.registry import Recipe, register_model
from zoo.rnn import recurrent_model


@register_model(
    task="regression",
    default_dataset="sine",
    layout="sequence",
    # A clean sine is easy: 12 epochs of cosine decay reach a test MSE near 1e-6, far below the
    # 1e-4 bar, and the decay's late small steps are what get it there.
    recipe=Recipe(optimizer="adam", lr=3e-3, schedule="cosine", epochs=12, batch_size=32),
    description="stacked LSTM regressor (next sine value); its head adapts to classification",
)
def lstm(
    *,
    input_shape,
    num_outputs,
    task="regression",
    units=(32,),
    dropout_rate=0.0,
    bidirectional=False,
):
    """Builds an LSTM sequence model.

    Args:
        input_shape: (timesteps, features).
        num_outputs: values to predict for regression, classes for classification.
        task: "regression" (linear head) or "classification" (softmax head).
        units: units of each stacked LSTM layer, first to last.
        dropout_rate: dropout between layers and before the head; regression rarely wants it.
        bidirectional: also read the series backwards, joining both directions' states (for
            classification of whole series; a forecast should read forwards only).

    Returns:
        A `keras.Model` named "lstm".
    """
    return recurrent_model(
        "LSTM",
        name="lstm",
        input_shape=input_shape,
        num_outputs=num_outputs,
        task=task,
        units=units,
        dropout_rate=dropout_rate,
        bidirectional=bidirectional,
    )
