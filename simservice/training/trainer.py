"""One optimisation step over all tasks (sum of their losses), compiled with tf.function (optionally XLA)."""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from simservice.training.schedule import WarmupLinear


def make_optimizer(peak_lr: float, warmup_steps: int, total_steps: int, weight_decay: float = 0.01,
                   clipnorm: float = 1.0, loss_scaling: bool = False):
    """AdamW without decay on biases and LayerNorms; wrapped in dynamic loss scaling for float16."""
    optimizer = keras.optimizers.AdamW(
        learning_rate=WarmupLinear(peak_lr, warmup_steps, total_steps),
        weight_decay=weight_decay, beta_2=0.98, epsilon=1e-6, global_clipnorm=clipnorm,
    )
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    if loss_scaling:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


class Trainer:
    """Applies the summed task losses to the model's trainable variables; returns every loss as floats."""

    def __init__(self, model, tasks: Sequence, optimizer, jit_compile: bool = False):
        self.model = model
        self.tasks = list(tasks)
        self.optimizer = optimizer
        optimizer.build(model.trainable_variables)
        signature = {task.name: task.signature() for task in self.tasks}
        self._step = tf.function(self._train_step, jit_compile=jit_compile, input_signature=[signature])

    def _train_step(self, batches):
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            total = tf.constant(0.0)
            metrics = {}
            for task in self.tasks:
                loss, parts = task.loss(self.model, batches[task.name], training=True)
                total += loss
                metrics.update(parts)
            scaled = self.optimizer.scale_loss(total)
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply(grads, variables)
        metrics["loss"] = total
        return metrics

    def batches(self, step: int) -> dict:
        return {task.name: task.batch(step) for task in self.tasks}

    def step(self, step: int) -> dict[str, float]:
        """Run training step number `step` (0-based) on the batches the tasks assign to it."""
        out = self._step(self.batches(step))
        return {name: float(np.asarray(value)) for name, value in out.items()}

    def loss(self, step: int) -> dict[str, float]:
        """The losses of step `step`'s batches without training (dropout off): for tests and monitoring."""
        metrics, total, batches = {}, 0.0, self.batches(step)
        for task in self.tasks:
            loss, parts = task.loss(self.model, batches[task.name], training=False)
            total += float(loss)
            metrics.update({k: float(v) for k, v in parts.items()})
        metrics["loss"] = total
        return metrics
