"""int8 weights: which variables are quantized, how close the vectors stay, and the XLA rule."""

import numpy as np
import pytest

from simservice import load_model
from simservice.model.config import ModelConfig
from simservice.model.loader import build_model
from tests.paths import FIXTURES

TEXTS = ["今天天气怎么样", "我想买一台新的笔记本电脑，有什么推荐吗？", "你好", "How are you 2024", "怎么开通花呗"]
PROJECTIONS = ("query", "key", "value", "output", "intermediate", "ffn_output")


def test_only_the_blocks_dense_kernels_are_int8(roformer_int8):
    weights = {w.path: w for w in roformer_int8.model.weights}
    int8 = sorted(path for path, w in weights.items() if w.dtype == "int8")
    layers = roformer_int8.config.num_layers
    expected = sorted(f"backbone/layer_{i}/{'attention/' if name in PROJECTIONS[:4] else ''}{name}/kernel"
                      for i in range(layers) for name in PROJECTIONS)
    assert int8 == expected
    for path in int8:  # one float scale per output column
        scale = weights[path.replace("/kernel", "/kernel_scale")]
        assert scale.dtype == "float32" and tuple(scale.shape) == (weights[path].shape[-1],)
    for kept in ("backbone/token_embedding/embeddings", "pooler/dense/kernel", "mlm_head/dense/kernel",
                 "mlm_head/bias"):
        assert weights[kept].dtype == "float32"


def test_int8_kernels_dequantize_to_the_float_kernels(roformer, roformer_int8):
    """kernel_int8 / scale is the float32 kernel within half a quantization step, column by column."""
    floats = {w.path: w.numpy() for w in roformer.model.weights}
    weights = {w.path: w.numpy() for w in roformer_int8.model.weights}
    for path, kernel in weights.items():
        if kernel.dtype == np.int8:
            scale = weights[path.replace("/kernel", "/kernel_scale")]
            step = 1 / scale
            assert np.all(np.abs(kernel / scale - floats[path]) <= step / 2 + 1e-7), path
            assert np.abs(kernel).max() == 127


def test_int8_vectors_are_within_cosine_0_9999_of_float32(roformer, roformer_int8):
    cosines = (roformer.encode(TEXTS) * roformer_int8.encode(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.9999
    assert not np.array_equal(roformer.encode(TEXTS), roformer_int8.encode(TEXTS))  # it did quantize


def test_int8_bert_checkpoint_loads_and_stays_close(bert):
    int8 = load_model(FIXTURES / "bert_tf1", precision="int8", jit_compile=True)
    assert (bert.encode(TEXTS) * int8.encode(TEXTS)).sum(axis=1).min() > 0.9999


def test_int8_without_xla_is_refused():
    with pytest.raises(ValueError, match="int8 needs XLA"):
        load_model(FIXTURES / "roformer_tf1", precision="int8")


def test_int8_is_not_a_dtype_policy_to_build_or_train_in():
    with pytest.raises(ValueError, match="to build a model"):
        build_model(ModelConfig(vocab_size=20, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32),
                    "int8")
