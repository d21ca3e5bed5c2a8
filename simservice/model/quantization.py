"""int8 weights for inference: Keras's own quantization of the transformer blocks' Dense kernels."""

from __future__ import annotations

import keras

from simservice.model.sim_model import SimModel


def quantize_int8(model: SimModel) -> None:
    """Quantize, in place, every Dense kernel of the backbone (q, k, v, attention output, the
    feed-forward pair, and the embedding mapping when there is one) to int8.

    Keras stores each kernel as int8 with one float scale per output column, and at call time
    quantizes the inputs per token (abs-max) and runs an int8 x int8 -> int32 matmul. The
    embeddings, LayerNorms, the pooler and the MLM head stay float32: the MLM head reads the
    token embedding matrix itself (tied weights), and the two heads are a small share of the
    work but all of the output.
    """
    prefix = model.backbone.path + "/"
    model.quantize("int8", filters=lambda layer: isinstance(layer, keras.layers.Dense)
                   and layer.path.startswith(prefix))
