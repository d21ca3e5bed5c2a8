"""RoFormer-Sim / SimBERT and BERT-style embedding models in Keras: a backbone, its pooling and,
for the models that generate, the tied MLM head."""

from __future__ import annotations

import keras
from keras import ops

from simservice.model.backbone import Backbone
from simservice.model.config import ModelConfig
from simservice.model.mlm_head import MLMHead
from simservice.model.pooler import Pooler
from simservice.model.pooling import cls_vector, mean_vector


class SimModel(keras.Model):
    """One set of weights, two uses: sentence vectors (pooling) and UniLM generation (MLM head).

    `call` returns the hidden states; `pooled` and `logits` apply the heads, so callers say
    which outputs they want instead of a flag changing the output arity. The linear pooler
    exists only for `pooling="linear"` and the MLM head only for `generator=True`, so an
    embedding model's checkpoint needs neither.
    """

    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.backbone = Backbone(config, name="backbone")
        self.backbone.build()
        self.pooler = None
        if config.pooling == "linear":
            self.pooler = Pooler(config.hidden_size, name="pooler")
            self.pooler.build()
        self.mlm_head = None
        if config.generator:
            self.mlm_head = MLMHead(
                self.backbone.token_embedding,
                config.hidden_size,
                config.hidden_act,
                config.head_layer_norm_epsilon,
                name="mlm_head",
            )
            self.mlm_head.build()
        self.built = True

    def call(self, inputs, training=False):
        return self.backbone(inputs, training=training)

    @property
    def can_generate(self) -> bool:
        return self.mlm_head is not None

    def pooled(self, hidden, padding_mask=None):
        """Raw sentence vectors [batch, hidden] (not normalised) from hidden states; mean pooling
        needs the padding mask of right-padded rows."""
        if self.pooler is not None:
            return self.pooler(hidden)
        if self.config.pooling == "cls":
            return cls_vector(hidden)
        if padding_mask is None:
            raise ValueError("mean pooling needs the padding mask")
        return mean_vector(hidden, padding_mask)

    def logits(self, hidden):
        """Vocabulary logits for every position of `hidden`, in float32."""
        if self.mlm_head is None:
            raise ValueError("this model has no generator (MLM head): it only encodes")
        return ops.cast(self.mlm_head(hidden), "float32")

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(ModelConfig(**config.pop("config")), **config)
