"""The masked-LM head: Dense + GELU + LayerNorm, then the transposed token embedding plus a bias."""

import keras
from keras import ops

from simservice.model.activations import get_activation
from simservice.model.dense import Dense
from simservice.model.layer_norm import LayerNorm


class MLMHead(keras.layers.Layer):
    """hidden -> vocabulary logits, tied to the backbone's token embedding matrix."""

    def __init__(self, token_embedding: keras.layers.Embedding, hidden_size: int, hidden_act: str = "gelu",
                 layer_norm_epsilon: float = 1e-12, **kwargs):
        super().__init__(**kwargs)
        self.token_embedding = token_embedding
        self.hidden_size = hidden_size
        self.hidden_act = hidden_act
        self.layer_norm_epsilon = layer_norm_epsilon
        self.embedding_dim = token_embedding.output_dim
        self.dense = Dense(self.embedding_dim, activation=get_activation(hidden_act), name="dense")
        self.norm = LayerNorm(epsilon=layer_norm_epsilon, name="norm")

    def build(self, input_shape=None):
        self.dense.build((None, self.hidden_size))
        self.norm.build((None, self.embedding_dim))
        self.bias = self.add_weight(
            shape=(self.token_embedding.input_dim,), initializer="zeros", name="bias"
        )
        self.built = True

    def call(self, hidden):
        x = self.norm(self.dense(hidden))
        logits = ops.matmul(x, ops.transpose(self.token_embedding.embeddings))
        return logits + self.bias
