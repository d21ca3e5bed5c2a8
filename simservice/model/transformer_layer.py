"""One post-LN transformer block of BERT / RoFormer: attention, add, norm, feed-forward, add, norm."""

from __future__ import annotations

import keras

from simservice.model.activations import get_activation
from simservice.model.attention import SelfAttention
from simservice.model.dense import Dense
from simservice.model.layer_norm import LayerNorm


class TransformerLayer(keras.layers.Layer):
    """x -> LN(x + Attn(x)) -> LN(h + FFN(h)), dropout after attention and feed-forward."""

    def __init__(
        self,
        num_heads: int,
        head_size: int,
        intermediate_size: int,
        rotary: bool,
        hidden_act: str = "gelu",
        layer_norm_epsilon: float = 1e-12,
        dropout: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.head_size = head_size
        self.intermediate_size = intermediate_size
        self.rotary = rotary
        self.hidden_act = hidden_act
        self.layer_norm_epsilon = layer_norm_epsilon
        self.dropout = dropout
        hidden = num_heads * head_size
        self.attention = SelfAttention(num_heads, head_size, rotary, dropout, name="attention")
        self.attention_norm = LayerNorm(epsilon=layer_norm_epsilon, name="attention_norm")
        self.intermediate = Dense(
            intermediate_size, activation=get_activation(hidden_act), name="intermediate"
        )
        self.ffn_output = Dense(hidden, name="ffn_output")
        self.ffn_norm = LayerNorm(epsilon=layer_norm_epsilon, name="ffn_norm")
        self.drop = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.attention.build(input_shape)
        self.attention_norm.build(input_shape)
        self.intermediate.build(input_shape)
        self.ffn_output.build(input_shape[:-1] + (self.intermediate_size,))
        self.ffn_norm.build(input_shape)
        self.built = True

    def call(self, x, attention_mask, rotary=None, cache=None, cache_index=None, training=False):
        attended, cache = self.attention(
            x, attention_mask, rotary=rotary, cache=cache, cache_index=cache_index, training=training
        )
        x = self.attention_norm(x + self.drop(attended, training=training))
        h = self.ffn_output(self.intermediate(x))
        x = self.ffn_norm(x + self.drop(h, training=training))
        return x, cache

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "head_size": self.head_size,
            "intermediate_size": self.intermediate_size,
            "rotary": self.rotary,
            "hidden_act": self.hidden_act,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "dropout": self.dropout,
        }
