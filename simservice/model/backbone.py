"""The RoFormer / BERT encoder: token ids, segment ids and a padding mask in, hidden states out."""

from __future__ import annotations

import keras

from simservice.model.config import ModelConfig
from simservice.model.dense import Dense
from simservice.model.layer_norm import LayerNorm
from simservice.model.masks import position_ids_from_padding, unilm_mask
from simservice.model.rotary import rotary_sin_cos
from simservice.model.transformer_layer import TransformerLayer


class Backbone(keras.layers.Layer):
    """Embeddings (token + segment [+ absolute position for BERT]) -> LayerNorm -> [mapping] -> blocks.

    Inputs are a dict of `token_ids`, `segment_ids` and `padding_mask` ([batch, length]).
    The attention mask is UniLM's, from the segment ids, so one backbone serves the
    sentence encoder (all segments 0: bidirectional) and the seq2seq generator. Optional
    `position_ids` and `attention_mask` override the ones derived from the padding mask.
    """

    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        c = config
        self.rotary = not c.absolute_positions
        self.token_embedding = keras.layers.Embedding(c.vocab_size, c.embedding_dim, name="token_embedding")
        self.segment_embedding = keras.layers.Embedding(
            c.type_vocab_size, c.embedding_dim, name="segment_embedding"
        )
        self.position_embedding = (
            None
            if self.rotary
            else keras.layers.Embedding(c.max_position, c.embedding_dim, name="position_embedding")
        )
        self.embedding_norm = LayerNorm(
            epsilon=c.layer_norm_epsilon, name="embedding_norm"
        )
        self.embedding_mapping = (
            Dense(c.hidden_size, name="embedding_mapping")
            if c.embedding_dim != c.hidden_size
            else None
        )
        self.embedding_dropout = keras.layers.Dropout(c.dropout)
        self.blocks = [
            TransformerLayer(
                c.num_heads,
                c.head_size,
                c.intermediate_size,
                rotary=self.rotary,
                hidden_act=c.hidden_act,
                layer_norm_epsilon=c.layer_norm_epsilon,
                dropout=c.dropout,
                name=f"layer_{i}",
            )
            for i in range(c.num_layers)
        ]

    def build(self, input_shape=None):
        c = self.config
        self.token_embedding.build((None, None))
        self.segment_embedding.build((None, None))
        if self.position_embedding is not None:
            self.position_embedding.build((None, None))
        self.embedding_norm.build((None, None, c.embedding_dim))
        if self.embedding_mapping is not None:
            self.embedding_mapping.build((None, None, c.embedding_dim))
        for block in self.blocks:
            block.build((None, None, c.hidden_size))
        self.built = True

    def embed(self, token_ids, segment_ids, position_ids, training=False):
        x = self.token_embedding(token_ids) + self.segment_embedding(segment_ids)
        if self.position_embedding is not None:
            x = x + self.position_embedding(position_ids)
        x = self.embedding_dropout(self.embedding_norm(x), training=training)
        if self.embedding_mapping is not None:
            x = self.embedding_mapping(x)
        return x

    def _masks_and_positions(self, inputs):
        padding_mask = inputs["padding_mask"]
        position_ids = inputs.get("position_ids")
        if position_ids is None:
            position_ids = position_ids_from_padding(padding_mask)
        attention_mask = inputs.get("attention_mask")
        if attention_mask is None:
            attention_mask = unilm_mask(inputs["segment_ids"], padding_mask)
        rotary = rotary_sin_cos(position_ids, self.config.head_size, self.config.rotary_base, self.compute_dtype)
        return position_ids, attention_mask, (rotary if self.rotary else None)

    def call(self, inputs, training=False):
        position_ids, attention_mask, rotary = self._masks_and_positions(inputs)
        x = self.embed(inputs["token_ids"], inputs["segment_ids"], position_ids, training)
        for block in self.blocks:
            x, _ = block(x, attention_mask, rotary=rotary, training=training)
        return x

    def call_with_cache(self, inputs, cache, cache_index):
        """Run `inputs` as positions `cache_index...` of a sequence whose earlier keys/values are in `cache`.

        `cache` holds one (keys, values) pair per layer, each [batch, heads, max_length,
        head_size]; `inputs` must then carry `position_ids` and an `attention_mask` of shape
        [batch, length, max_length] over the cache slots. Returns the hidden states of
        `inputs` and the updated cache.
        """
        _, attention_mask, rotary = self._masks_and_positions(inputs)
        x = self.embed(inputs["token_ids"], inputs["segment_ids"], inputs["position_ids"])
        updated = []
        for block, layer_cache in zip(self.blocks, cache):
            x, layer_cache = block(x, attention_mask, rotary=rotary, cache=layer_cache, cache_index=cache_index)
            updated.append(layer_cache)
        return x, updated

    def get_config(self):
        return {**super().get_config(), "config": self.config.to_dict()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(ModelConfig(**config.pop("config")), **config)
