"""Write a `SimModel` as two ONNX files (encoder.onnx, next_token.onnx) with tf2onnx, opset 17.

tf2onnx converts the traced TensorFlow graph, with two hands from us:
- TensorFlow 2.21 computes exact GELU as 0.5 x erfc(-x / sqrt 2), and tf2onnx 1.17 has no
  converter for `Erfc`; it is written here as 1 - Erf (ONNX has Erf since opset 9).
- tf2onnx's `reshape_optimizer` breaks the attention's head split when a q/k/v bias is all
  zeros (TensorFlow folds the bias away, the Dense's reshapes merge, and the rewritten shape
  is read from the 2-D matmul: ONNX Runtime then fails at any batch > 1). It is left out.
The dynamic dimensions get the names `batch` and `length`, so runtimes and Triton show what
they mean.
"""

from __future__ import annotations

from pathlib import Path

import contextlib

import numpy as np
import tensorflow as tf

from simservice.model.sim_model import SimModel
from simservice.model_export.errors import ExportError
from simservice.model_export.signatures import INPUT_NAMES, encoder_fn, input_signature, next_token_fn

OPSET = 17
ENCODER_FILE = "encoder.onnx"
NEXT_TOKEN_FILE = "next_token.onnx"


def write_onnx(model: SimModel, directory: str | Path) -> dict[str, str]:
    """Write the files into `directory` (which must exist): the encoder's, and next_token's for a model
    that generates; returns the file of each function."""
    tf2onnx = _import_tf2onnx()
    files = {"encoder": ENCODER_FILE}
    functions = [(encoder_fn(model), ENCODER_FILE)]
    if model.can_generate:
        files["next_token"] = NEXT_TOKEN_FILE
        functions.append((next_token_fn(model), NEXT_TOKEN_FILE))
    for fn, name in functions:
        spec = input_signature()
        with _without_optimizer("reshape_optimizer"):
            proto, _ = tf2onnx.convert.from_function(
                tf.function(fn, input_signature=spec), input_signature=spec, opset=OPSET,
                custom_op_handlers={"Erfc": (_erfc_as_one_minus_erf, [])})
        _name_dynamic_dims(proto)
        _save(proto, Path(directory) / name)
    return files


def _import_tf2onnx():
    try:
        import tf2onnx
    except ImportError as e:
        raise ExportError(f"--format onnx needs tf2onnx and onnx ({e}); "
                          "install them with: pip install -e '.[export]'") from None
    return tf2onnx


@contextlib.contextmanager
def _without_optimizer(name: str):
    """Leave one of tf2onnx's graph optimizers out while converting (its registry is a module-level dict)."""
    from tf2onnx import optimizer

    registry = optimizer._optimizers
    order = list(registry.items())
    registry.pop(name, None)
    try:
        yield
    finally:
        registry.clear()
        registry.update(order)


def _erfc_as_one_minus_erf(ctx, node, name, args):
    """tf2onnx handler: rewrite TensorFlow's Erfc node as Erf followed by 1 - erf."""
    from tf2onnx import utils

    node.type = "Erf"
    node.domain = ""
    one = ctx.make_const(utils.make_name(f"{node.name}_one"), np.array(1, dtype=np.float32))
    ctx.insert_new_node_on_output("Sub", node.output[0], inputs=[one.output[0], node.output[0]])


def _name_dynamic_dims(proto) -> None:
    for value in proto.graph.input:
        if value.name in INPUT_NAMES:
            for dim, label in zip(value.type.tensor_type.shape.dim, ("batch", "length")):
                dim.dim_param = label
    for value in proto.graph.output:
        value.type.tensor_type.shape.dim[0].dim_param = "batch"


def _save(proto, path: Path) -> None:
    import onnx

    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
