"""Tensor signatures of batches, so the compiled train step is traced once for every batch shape."""

import tensorflow as tf

MODEL_INPUTS = {
    "token_ids": tf.TensorSpec([None, None], tf.int32),
    "segment_ids": tf.TensorSpec([None, None], tf.int32),
    "padding_mask": tf.TensorSpec([None, None], tf.bool),
}


def model_inputs(batch: dict) -> dict:
    return {name: batch[name] for name in MODEL_INPUTS}


def source_mask(batch: dict):
    """The tokens a sentence vector pools over: the source (segment 0) of each row, pads excluded. In a
    UniLM row the source never sees the target, so this is the source sentence's own vector."""
    return tf.logical_and(batch["padding_mask"], tf.equal(batch["segment_ids"], 0))
