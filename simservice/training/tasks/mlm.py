"""Masked-LM warm-up on unlabelled sentences (BERT masking), to give a model from scratch its bearings."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.training.batches import mlm_rows
from simservice.training.losses import mlm_loss
from simservice.training.plan import BatchPlan
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs


class MlmTask:
    name = "mlm"

    def __init__(self, sentences: Sequence[list[int]], batch_size: int, seed: int, *, mask_id: int,
                 special_ids: Sequence[int], rate: float = 0.15, weight: float = 1.0):
        self.sentences = list(sentences)
        lengths = [np.array([len(x) for x in self.sentences])]
        self.plan = BatchPlan([len(self.sentences)], batch_size, seed, salt=3, lengths=lengths)
        self.seed = seed
        self.mask_id = mask_id
        self.special_ids = list(special_ids)
        self.rate = rate
        self.weight = weight

    def signature(self) -> dict:
        return {**MODEL_INPUTS, "labels": tf.TensorSpec([None, None], tf.int32)}

    def batch(self, step: int) -> dict:
        _, indices = self.plan.batch(step)
        rng = np.random.default_rng([self.seed, 3, step])
        inputs, labels = mlm_rows([self.sentences[i] for i in indices], rng, mask_id=self.mask_id,
                                  special_ids=self.special_ids, rate=self.rate)
        return {**inputs, "labels": labels}

    def loss(self, model, batch, training: bool):
        logits = model.logits(model(model_inputs(batch), training=training))
        loss = mlm_loss(logits, batch["labels"])
        return self.weight * loss, {"mlm": loss}
