"""RoFormer-Sim / SimBERT in Keras: backbone, linear pooler and tied MLM head in one model."""

from __future__ import annotations

import keras
from keras import ops

from simservice.model.backbone import Backbone
from simservice.model.config import ModelConfig
from simservice.model.mlm_head import MLMHead
from simservice.model.pooler import Pooler


class SimModel(keras.Model):
    """One set of weights, two uses: sentence vectors (pooler) and UniLM generation (MLM head).

    `call` returns the hidden states; `pooled` and `logits` apply the heads, so callers say
    which outputs they want instead of a flag changing the output arity.
    """

    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.backbone = Backbone(config, name="backbone")
        self.pooler = Pooler(config.hidden_size, name="pooler")
        self.mlm_head = MLMHead(
            self.backbone.token_embedding,
            config.hidden_size,
            config.hidden_act,
            config.head_layer_norm_epsilon,
            name="mlm_head",
        )
        self.backbone.build()
        self.pooler.build()
        self.mlm_head.build()
        self.built = True

    def call(self, inputs, training=False):
        return self.backbone(inputs, training=training)

    def pooled(self, hidden):
        """Raw sentence vectors [batch, hidden] (not normalised) from hidden states."""
        return self.pooler(hidden)

    def logits(self, hidden):
        """Vocabulary logits for every position of `hidden`, in float32."""
        return ops.cast(self.mlm_head(hidden), "float32")

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(ModelConfig(**config.pop("config")), **config)
