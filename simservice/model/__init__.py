"""The model layer: tokenizer, RoFormer / BERT backbone, heads and checkpoint loaders.

Knows nothing of HTTP, queues or vector indexes.
"""

from simservice.model.config import ModelConfig
from simservice.model.errors import CheckpointError
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer

__all__ = ["CheckpointError", "ModelConfig", "SimModel", "Tokenizer"]
