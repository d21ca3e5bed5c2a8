"""Attention masks: padding, and UniLM's seq2seq mask from segment ids."""

from keras import ops


def unilm_mask(segment_ids, padding_mask):
    """Boolean [batch, query, key]: query i sees key j iff c_j <= c_i and j is not padding.

    c = cumsum(segment_ids). With segment 0 for the source and 1 for the target, the source
    is bidirectional and each target token sees the source and the earlier targets (a
    prefix-LM). With all segments 0 the mask is plain bidirectional attention.
    """
    c = ops.cumsum(ops.cast(segment_ids, "int32"), axis=1)
    visible = c[:, None, :] <= c[:, :, None]
    return ops.logical_and(visible, ops.cast(padding_mask, "bool")[:, None, :])


def position_ids_from_padding(padding_mask):
    """Positions counted over real tokens only, so a left-padded row sees 0, 1, 2, ... as if alone."""
    mask = ops.cast(padding_mask, "int32")
    return ops.maximum(ops.cumsum(mask, axis=1) - 1, 0)
