"""Sentence vectors from the last hidden states, by the checkpoint's pooling rule (not normalised)."""

from keras import ops


def cls_vector(hidden):
    """[CLS] (the first token) of each row: [batch, length, hidden] -> [batch, hidden]."""
    return hidden[:, 0]


def mean_vector(hidden, padding_mask):
    """The mean over each row's real tokens (specials included, padding excluded), in float32,
    as sentence-transformers' mean pooling computes it."""
    mask = ops.cast(padding_mask, "float32")[:, :, None]
    total = ops.sum(ops.cast(hidden, "float32") * mask, axis=1)
    return total / ops.maximum(ops.sum(mask, axis=1), 1e-9)
