"""The zoo's custom Keras layers: a Transformer encoder block and a learned positional embedding.

Both are registered as serializable under the package "zoo" and return every constructor
argument from `get_config()`, so after `import zoo.layers` a `.keras` file holding them loads back
with plain `keras.saving.load_model`.
"""

import keras


@keras.saving.register_keras_serializable(package="zoo")
class PositionalEmbedding(keras.layers.Layer):
    """Adds a learned embedding of each position to a sequence of vectors.

    Attention alone is blind to order; this gives each time step a trainable signature.

    Args:
        sequence_length: the longest sequence the layer accepts.
        initializer: how the position embeddings start.
        **kwargs: `keras.layers.Layer` arguments (name, dtype, ...).
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if int(sequence_length) < 1:
            raise ValueError(f"sequence_length must be positive; got {sequence_length!r}")
        self.sequence_length = int(sequence_length)
        self.initializer = keras.initializers.get(initializer)
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-2] is not None and input_shape[-2] > self.sequence_length:
            raise ValueError(
                f"sequences of length {input_shape[-2]} exceed sequence_length "
                f"{self.sequence_length}"
            )
        self.position_embeddings = self.add_weight(
            name="position_embeddings",
            shape=(self.sequence_length, input_shape[-1]),
            initializer=self.initializer,
        )

    def call(self, inputs):
        length = keras.ops.shape(inputs)[-2]
        embeddings = keras.ops.cast(self.position_embeddings[:length], inputs.dtype)
        return inputs + embeddings

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            sequence_length=self.sequence_length,
            initializer=keras.initializers.serialize(self.initializer),
        )
        return config


@keras.saving.register_keras_serializable(package="zoo")
class TransformerBlock(keras.layers.Layer):
    """A post-norm Transformer encoder block (Vaswani et al., 2017).

    Self-attention and a two-layer feed-forward network, each followed by dropout, a residual
    connection and layer normalisation.

    Args:
        model_dim: width of the vectors the block reads and writes.
        num_heads: attention heads; each attends in `model_dim // num_heads` dimensions.
        ff_dim: width of the feed-forward network's hidden layer.
        dropout_rate: dropout on the attention weights and on both residual branches.
        activation: the feed-forward hidden activation, e.g. "relu" or "gelu".
        epsilon: LayerNormalization's epsilon.
        **kwargs: `keras.layers.Layer` arguments (name, dtype, ...).
    """

    def __init__(
        self,
        model_dim,
        num_heads=2,
        ff_dim=64,
        dropout_rate=0.1,
        activation="relu",
        epsilon=1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if model_dim % num_heads:
            raise ValueError(f"model_dim {model_dim} is not divisible by num_heads {num_heads}")
        self.model_dim = model_dim
        self.num_heads = num_heads
        self.ff_dim = ff_dim
        self.dropout_rate = dropout_rate
        self.activation = activation
        self.epsilon = epsilon
        self.supports_masking = True
        # Sublayers share the block's dtype policy so mixed precision reaches all of them.
        policy = self.dtype_policy
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=model_dim // num_heads,
            dropout=dropout_rate,
            dtype=policy,
            name="attention",
        )
        self.attention_dropout = keras.layers.Dropout(dropout_rate, dtype=policy)
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=epsilon, dtype=policy, name="attention_norm"
        )
        self.ff_hidden = keras.layers.Dense(
            ff_dim, activation=activation, dtype=policy, name="ff_hidden"
        )
        self.ff_output = keras.layers.Dense(model_dim, dtype=policy, name="ff_output")
        self.ff_dropout = keras.layers.Dropout(dropout_rate, dtype=policy)
        self.ff_norm = keras.layers.LayerNormalization(
            epsilon=epsilon, dtype=policy, name="ff_norm"
        )

    def build(self, input_shape):
        if input_shape[-1] != self.model_dim:
            raise ValueError(
                f"TransformerBlock(model_dim={self.model_dim}) got inputs of width "
                f"{input_shape[-1]}; project them to {self.model_dim} first"
            )
        # Built here, not lazily in call(), so load_model finds every weight before restoring.
        self.attention.build(query_shape=input_shape, value_shape=input_shape)
        self.attention_norm.build(input_shape)
        self.ff_hidden.build(input_shape)
        self.ff_output.build(tuple(input_shape[:-1]) + (self.ff_dim,))
        self.ff_norm.build(input_shape)

    def call(self, inputs, training=None, attention_mask=None):
        attended = self.attention(inputs, inputs, attention_mask=attention_mask, training=training)
        x = self.attention_norm(inputs + self.attention_dropout(attended, training=training))
        transformed = self.ff_output(self.ff_hidden(x))
        return self.ff_norm(x + self.ff_dropout(transformed, training=training))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            model_dim=self.model_dim,
            num_heads=self.num_heads,
            ff_dim=self.ff_dim,
            dropout_rate=self.dropout_rate,
            activation=self.activation,
            epsilon=self.epsilon,
        )
        return config
