"""A Transformer encoder classifier for sequences.

Each time step is projected to `model_dim`, given a learned position embedding, passed through
`num_blocks` Transformer blocks (see `zoo.layers`) and averaged over time before the head.
"""

from harness.errors import UsageError
from zoo.heads import check_rank, check_rate, finish_model, positive_int
from zoo.registry import Recipe, register_model


@register_model(
    task="classification",
    default_dataset="waveforms",
    layout="sequence",
    # Transformers train best with a warm-up and decoupled weight decay.
    recipe=Recipe(
        optimizer="adamw",
        lr=2e-3,
        schedule="warmup-cosine",
        warmup_epochs=2,
        epochs=25,
        batch_size=64,
        weight_decay=1e-4,
    ),
    description="Transformer encoder classifier (MultiHeadAttention blocks, learned positions)",
)
def attention(
    *,
    input_shape,
    num_outputs,
    task="classification",
    model_dim=32,
    num_heads=4,
    ff_dim=64,
    num_blocks=2,
    dropout_rate=0.1,
    activation="gelu",
):
    """Builds a Transformer encoder classifier.

    Args:
        input_shape: (timesteps, features).
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression".
        model_dim: width of every time step's vector inside the encoder.
        num_heads: attention heads per block; must divide `model_dim`.
        ff_dim: hidden width of each block's feed-forward network.
        num_blocks: Transformer blocks stacked.
        dropout_rate: dropout inside each block and before the head.
        activation: the feed-forward activation, "relu" or "gelu".

    Returns:
        A `keras.Model` named "attention".
    """
    import keras

    from zoo.layers import PositionalEmbedding, TransformerBlock

    check_rank("attention", input_shape, rank=2, layout="(timesteps, features)")
    model_dim = positive_int("model_dim", model_dim)
    num_heads = positive_int("num_heads", num_heads)
    if model_dim % num_heads:
        raise UsageError(f"num_heads {num_heads} must divide model_dim {model_dim}")
    if activation not in ("relu", "gelu"):
        raise UsageError(f"activation must be relu or gelu; got {activation!r}")
    dropout_rate = check_rate("dropout_rate", dropout_rate)

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Dense(model_dim, name="projection")(inputs)
    x = PositionalEmbedding(input_shape[0], name="positions")(x)
    for index in range(positive_int("num_blocks", num_blocks)):
        x = TransformerBlock(
            model_dim,
            num_heads=num_heads,
            ff_dim=positive_int("ff_dim", ff_dim),
            dropout_rate=dropout_rate,
            activation=activation,
            name=f"block_{index}",
        )(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return finish_model(
        inputs, x, num_outputs=num_outputs, task=task, name="attention", dropout_rate=dropout_rate
    )
