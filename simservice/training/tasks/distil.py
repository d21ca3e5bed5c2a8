"""Distillation from the teacher the student was cut from: its sentence vectors stay close to the teacher's.

A regulariser: fine-tuning a few layers on question pairs moves the vector space towards what
those pairs reward and away from what the pretrained model knew of everything else; pulling
the student's vectors of general sentences towards the teacher's (precomputed, see
`training.teacher`) keeps that knowledge. Loss: mean (1 - cosine) of student and teacher vectors.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.training.batches import sentence_rows
from simservice.training.losses import distil_loss
from simservice.training.plan import BatchPlan
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs, source_mask


class DistilTask:
    name = "distil"

    def __init__(self, sentences: Sequence[list[int]], targets: np.ndarray, batch_size: int, seed: int,
                 weight: float = 1.0):
        if len(sentences) != len(targets):
            raise ValueError(f"{len(sentences)} sentences but {len(targets)} teacher vectors")
        self.sentences = list(sentences)
        self.targets = np.asarray(targets, dtype=np.float32)
        lengths = [np.array([len(x) for x in self.sentences])]
        self.plan = BatchPlan([len(self.sentences)], batch_size, seed, salt=8, lengths=lengths)
        self.weight = weight

    def signature(self) -> dict:
        return {**MODEL_INPUTS, "teacher": tf.TensorSpec([None, self.targets.shape[1]], tf.float32)}

    def batch(self, step: int) -> dict:
        _, indices = self.plan.batch(step)
        return {**sentence_rows([self.sentences[i] for i in indices]), "teacher": self.targets[indices]}

    def loss(self, model, batch, training: bool):
        pooled = model.pooled(model(model_inputs(batch), training=training), source_mask(batch))
        loss = distil_loss(pooled, batch["teacher"])
        return self.weight * loss, {"distil": loss}
