"""Learning rate: linear warm-up from 0, then linear decay to `final_fraction` of the peak at `total_steps`."""

from __future__ import annotations

import keras
from keras import ops


class WarmupLinear(keras.optimizers.schedules.LearningRateSchedule):
    """A small post-LN transformer from scratch diverges without warm-up; decay helps the last steps."""

    def __init__(self, peak: float, warmup_steps: int, total_steps: int, final_fraction: float = 0.0):
        self.peak = peak
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.final_fraction = final_fraction

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warm = step / max(self.warmup_steps, 1)
        span = max(self.total_steps - self.warmup_steps, 1)
        progress = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
        decay = 1.0 - (1.0 - self.final_fraction) * progress
        return self.peak * ops.where(step < self.warmup_steps, warm, decay)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps, "total_steps": self.total_steps,
                "final_fraction": self.final_fraction}
