"""SimBERT / RoFormer-Sim: UniLM seq2seq on a positive pair in both directions + in-batch contrastive.

One forward pass serves both losses: the [CLS] of `[CLS] a [SEP] b [SEP]` sees only `a`
(the source is bidirectional, the target causal), so it is a's sentence vector.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from simservice.training.batches import pair_rows
from simservice.training.losses import in_batch_contrastive_loss, seq2seq_loss, target_positions, token_loss
from simservice.training.plan import BatchPlan
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs, source_mask


def target_loss(model, hidden, batch, compact_logits: bool):
    """UniLM seq2seq cross-entropy of a batch of rows; `compact_logits` projects only the target positions."""
    if compact_logits:
        states, targets = target_positions(hidden, batch["token_ids"], batch["segment_ids"], batch["padding_mask"])
        return token_loss(model.logits(states), targets)
    return seq2seq_loss(model.logits(hidden), batch["token_ids"], batch["segment_ids"], batch["padding_mask"])


class SimBertTask:
    name = "simbert"

    def __init__(self, pairs: Sequence[tuple[list[int], list[int]]], batch_size: int, seed: int,
                 scale: float = 20.0, seq2seq_weight: float = 1.0, contrastive_weight: float = 1.0,
                 compact_logits: bool = True):
        """`compact_logits`: project only target positions to the vocabulary (dynamic shapes; off for XLA)."""
        self.pairs = list(pairs)
        lengths = [np.array([len(a) + len(b) for a, b in self.pairs])]
        self.plan = BatchPlan([len(self.pairs)], batch_size, seed, salt=1, lengths=lengths)
        self.scale = scale
        self.seq2seq_weight = seq2seq_weight
        self.contrastive_weight = contrastive_weight
        self.compact_logits = compact_logits

    def signature(self) -> dict:
        return dict(MODEL_INPUTS)

    def batch(self, step: int) -> dict:
        _, indices = self.plan.batch(step)
        return pair_rows([self.pairs[i] for i in indices])

    def loss(self, model, batch, training: bool):
        hidden = model(model_inputs(batch), training=training)
        s2s = target_loss(model, hidden, batch, self.compact_logits)
        con = in_batch_contrastive_loss(model.pooled(hidden, source_mask(batch)), self.scale)
        total = self.seq2seq_weight * s2s + self.contrastive_weight * con
        return total, {"seq2seq": s2s, "contrastive": con}
