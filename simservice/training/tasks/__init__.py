"""Training objectives: each owns its data, makes the batch of a step, and computes its loss on the model.

A task's `batch(step)` is a pure function of the step (see `BatchPlan`), so resuming is exact.
"""

from simservice.training.tasks.cosent import CosentTask
from simservice.training.tasks.denoise import DenoiseTask
from simservice.training.tasks.distil import DistilTask
from simservice.training.tasks.mlm import MlmTask
from simservice.training.tasks.simbert import SimBertTask
from simservice.training.tasks.simcse import SimCseTask
from simservice.training.tasks.triplet import TripletTask

__all__ = ["CosentTask", "DenoiseTask", "DistilTask", "MlmTask", "SimBertTask", "SimCseTask", "TripletTask"]
