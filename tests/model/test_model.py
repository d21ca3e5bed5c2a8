"""Properties of the Keras model that parity goldens do not pin down on their own."""

import numpy as np
import pytest

from simservice import load_model
from simservice.inference.batching import pad_left, pad_right
from simservice.model import ModelConfig, SimModel
from simservice.model.checkpoint_writer import save_tf1
from simservice.model.masks import unilm_mask
from simservice.model.rotary import apply_rotary, rotary_sin_cos


def _hidden(model, ids, mask, segments=None):
    segments = np.zeros_like(ids) if segments is None else segments
    return model.model({"token_ids": ids, "segment_ids": segments, "padding_mask": mask}).numpy()


def test_unilm_mask_is_a_prefix_lm():
    segments = np.array([[0, 0, 0, 1, 1, 1]])
    mask = unilm_mask(segments, np.ones_like(segments, bool)).numpy()[0]
    expected = np.array([
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1],
    ], bool)
    assert np.array_equal(mask, expected)


def test_rotary_pairs_are_adjacent():
    """out[2i] = x[2i] cos - x[2i+1] sin, out[2i+1] = x[2i+1] cos + x[2i] sin, angle pos * base^(-2i/d)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 5, 2, 8)).astype(np.float32)
    sin, cos = rotary_sin_cos(np.arange(5)[None], 8)
    got = apply_rotary(x, sin, cos).numpy()
    pos = np.arange(5)[:, None, None]
    theta = pos * 10000.0 ** (-2 * np.arange(4) / 8)
    even, odd = x[0, ..., ::2], x[0, ..., 1::2]
    expected = np.empty_like(x[0])
    expected[..., ::2] = even * np.cos(theta) - odd * np.sin(theta)
    expected[..., 1::2] = odd * np.cos(theta) + even * np.sin(theta)
    assert np.abs(got[0] - expected).max() < 1e-5


@pytest.mark.parametrize("name", ["roformer", "bert"])
def test_left_padding_equals_each_row_alone(request, name):
    model = request.getfixturevalue(name)
    rows = [model.tokenizer.encode(t) for t in ["你好", "今天天气怎么样", "我想买一台新的电脑"]]
    ids, mask = pad_left(rows, 12)
    batch = _hidden(model, ids, mask)
    for i, row in enumerate(rows):
        alone_ids, alone_mask = pad_right([row], len(row))
        alone = _hidden(model, alone_ids, alone_mask)[0]
        assert np.abs(batch[i, -len(row):] - alone).max() < 1e-5


def test_save_and_load_round_trip(tmp_path, roformer):
    path = save_tf1(roformer.model, roformer.tokenizer, tmp_path / "copy")
    again = load_model(path)
    assert again.config == roformer.config
    for a, b in zip(roformer.model.weights, again.model.weights):
        assert np.array_equal(a.numpy(), b.numpy()), a.path
    texts = ["你好吗", "今天天气不错"]
    assert np.array_equal(roformer.encode(texts), again.encode(texts))


def test_save_replaces_an_existing_directory(tmp_path, roformer):
    target = tmp_path / "model"
    save_tf1(roformer.model, roformer.tokenizer, target)
    (target / "stale.txt").write_text("old")
    save_tf1(roformer.model, roformer.tokenizer, target)
    assert not (target / "stale.txt").exists()
    assert target.stat().st_mode & 0o755 == 0o755  # readable by others, like any model directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_encode_keeps_order_and_handles_one_text(roformer):
    texts = ["一二三四五六七八九十", "好", "今天天气怎么样", "好"]
    vectors = roformer.encode(texts)
    assert np.array_equal(vectors[1], vectors[3])
    assert np.abs(roformer.encode("好")[0] - vectors[1]).max() < 1e-6
    for text, vector in zip(texts, vectors):
        assert np.abs(roformer.encode([text])[0] - vector).max() < 1e-5


def test_config_validation():
    with pytest.raises(ValueError, match="multiple of num_heads"):
        ModelConfig(vocab_size=10, hidden_size=30, num_heads=4)
    with pytest.raises(ValueError, match="architecture"):
        ModelConfig(vocab_size=10, architecture="gpt")


def test_embedding_mapping_exists_only_when_sizes_differ():
    small = SimModel(ModelConfig(vocab_size=20, hidden_size=16, num_layers=1, num_heads=2,
                                 intermediate_size=32, embedding_size=8))
    plain = SimModel(ModelConfig(vocab_size=20, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32))
    assert any("embedding_mapping" in w.path for w in small.weights)
    assert not any("embedding_mapping" in w.path for w in plain.weights)


def test_mixed_bfloat16_is_close_and_leaves_the_global_policy_alone(roformer):
    import keras

    from tests.paths import FIXTURES

    low = load_model(FIXTURES / "roformer_tf1", precision="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"
    assert low.model.backbone.compute_dtype == "bfloat16"
    # Served in bfloat16, the weights are stored in it too: each one the float32 weight rounded once.
    assert len(low.model.weights) == len(roformer.model.weights)
    for mine, full in zip(low.model.weights, roformer.model.weights):
        assert mine.dtype == "bfloat16" and mine.path == full.path
        rounded = keras.ops.cast(keras.ops.cast(full.value, "bfloat16"), "float32")
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras.ops.cast(mine.value, "float32")),
                                      keras.ops.convert_to_numpy(rounded))
    texts = ["今天天气怎么样", "我想买一台新的笔记本电脑", "你好"]
    cosines = (low.encode(texts) * roformer.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.999
    out = low.generate(texts[0], n=2, top_k=1, max_length=6)
    assert len(out) == 2 and out[0] == out[1]


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16", "mixed_float16"])
def test_a_row_with_every_key_masked_stays_finite(precision):
    """Batches are padded with whole padding rows (power-of-two row counts), whose every key is
    masked; the mask's bias must stay finite in the compute dtype (-1e9 is -inf in float16), or
    those rows turn into NaN. Built as served (bf16 weights under mixed_bfloat16)."""
    from simservice.model.loader import LOAD_POLICIES, _built_under

    model = _built_under(LOAD_POLICIES[precision], ModelConfig(vocab_size=20, hidden_size=16, num_layers=2,
                                                               num_heads=2, intermediate_size=32))
    ids = np.array([[5, 6, 7, 0], [0, 0, 0, 0]], np.int32)
    hidden = model({"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": ids > 0})
    assert np.isfinite(np.asarray(hidden, np.float32)).all()


def test_unknown_precision_is_refused():
    from tests.paths import FIXTURES

    with pytest.raises(ValueError, match="precision must be one of"):
        load_model(FIXTURES / "roformer_tf1", precision="int4")


def test_xla_encoder_matches_graph_encoder(roformer):
    from tests.paths import FIXTURES

    xla = load_model(FIXTURES / "roformer_tf1", jit_compile=True)
    texts = ["今天天气怎么样", "你好"]
    assert np.abs(xla.encode(texts) - roformer.encode(texts)).max() < 1e-5
    greedy = roformer.generate(texts[0], n=2, top_k=1, max_length=6)
    assert xla.generate(texts[0], n=2, top_k=1, max_length=6) == greedy  # the traced loop, while XLA compiles
    assert xla.wait_for_compiles() and xla.decoder.compiles.compiled > 0
    assert xla.generate(texts[0], n=2, top_k=1, max_length=6) == greedy  # the XLA loop
