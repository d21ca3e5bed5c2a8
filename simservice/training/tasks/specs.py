"""Tensor signatures of batches, so the compiled train step is traced once for every batch shape."""

import tensorflow as tf

MODEL_INPUTS = {
    "token_ids": tf.TensorSpec([None, None], tf.int32),
    "segment_ids": tf.TensorSpec([None, None], tf.int32),
    "padding_mask": tf.TensorSpec([None, None], tf.bool),
}


def model_inputs(batch: dict) -> dict:
    return {name: batch[name] for name in MODEL_INPUTS}
