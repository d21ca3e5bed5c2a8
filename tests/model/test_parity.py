"""Numbers of simservice's model against the reference implementation (bert4keras), on the
tiny random checkpoints and goldens that tests/reference/ generates.

The Hugging Face port (roformer_hf) is checked against PyTorch's RoFormer from transformers.
Tolerance: 1e-5 max abs in float32 for sentence vectors and next-token probabilities;
greedy decoding must give identical tokens.
"""

import numpy as np
import pytest

from tests.paths import FIXTURES, golden
from simservice import load_model
from simservice.inference.reference_decoder import of as reference_of
from simservice.inference.sampler import SamplingParams

TOL = 1e-5
MODELS = ["roformer", "bert", "roformer_hf"]


@pytest.fixture(scope="module")
def roformer_hf():
    return load_model(FIXTURES / "roformer_hf")


@pytest.fixture(params=MODELS)
def case(request):
    return golden(request.param), request.getfixturevalue(request.param)


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_vectors_one_by_one(case):
    g, model = case
    for item in g["encode"]:
        assert model.tokenizer.encode(item["text"]) == item["token_ids"]
        got = model.encode([item["text"]], normalize=False)[0]
        assert np.abs(got - np.array(item["vector"])).max() < TOL
        assert np.abs(model.encode([item["text"]])[0] - _unit(item["vector"])).max() < TOL


def test_vectors_as_one_padded_batch(case):
    g, model = case
    texts = g["encode_batch"]["texts"]
    lengths = {len(model.tokenizer.encode(t)) for t in texts}
    assert len(lengths) > 3, "the batch must mix different lengths"
    got = model.encode(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), model.dim)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    assert np.abs(got - _unit(g["encode_batch"]["vectors"])).max() < TOL


def test_mlm_next_token_probabilities(case):
    g, model = case
    for item in g["mlm"]:
        segments = np.array(item["segment_ids"])
        ids = np.array(item["token_ids"])
        source, target = ids[segments == 0].tolist(), ids[segments == 1].tolist()
        probs = reference_of(model).last_probs(source, [target])[0]
        assert np.abs(probs - np.array(item["probs_last"])).max() < TOL


def test_greedy_generation_token_identical(case):
    g, model = case
    for item in g["greedy"]:
        source = model.tokenizer.encode(item["text"])
        out = reference_of(model).generate_ids(source, 1, SamplingParams(top_k=1), item["maxlen"])
        assert out[0] == item["output_ids"]
        assert model.generate(item["text"], top_k=1, max_length=item["maxlen"]) == [item["decoded"]]


def test_hf_port_matches_tf1_release(roformer, roformer_hf):
    """The same weights in both formats give the same vectors (RoFormer's LayerNorm epsilon
    differs: 1e-7 in bert4keras, 1e-12 in the port's config; the effect is below 1e-6)."""
    texts = [item["text"] for item in golden("roformer")["encode"]]
    assert np.abs(roformer.encode(texts) - roformer_hf.encode(texts)).max() < TOL


def test_pytorch_bin_port():
    """pytorch_model.bin loads like model.safetensors when torch is installed, else says how to fix it."""
    from simservice.model import CheckpointError

    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(CheckpointError, match="needs PyTorch"):
            load_model(FIXTURES / "roformer_hf_bin")
        return
    texts = [item["text"] for item in golden("roformer_hf")["encode"]]
    expected = np.array([item["vector"] for item in golden("roformer_hf")["encode"]])
    got = load_model(FIXTURES / "roformer_hf_bin").encode(texts, normalize=False)
    assert np.abs(got - expected).max() < TOL
