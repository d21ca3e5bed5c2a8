"""Training objectives: each owns its data, makes the batch of a step, and computes its loss on the model.

A task's `batch(step)` is a pure function of the step (see `BatchPlan`), so resuming is exact.
"""

from simservice.training.tasks.cosent import CosentTask
from simservice.training.tasks.mlm import MlmTask
from simservice.training.tasks.simbert import SimBertTask

__all__ = ["CosentTask", "MlmTask", "SimBertTask"]
