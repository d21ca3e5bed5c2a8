"""The exported ONNX files, run by ONNX Runtime, give simservice's numbers at any batch size and length."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.model_export.support import MODELS, TEXTS, client_tokenizer, padded, reference_next_logits, unilm_rows

ort = pytest.importorskip("onnxruntime")  # installed by the `export` extra, which the test install includes


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("model", sorted(MODELS))
def test_encoder_matches_encode_at_dynamic_batch_and_length(model, exported, pipelines):
    directory = exported(model, "onnx")
    pipeline = pipelines(model)
    encoder = session(directory / "encoder.onnx")
    assert [i.name for i in encoder.get_inputs()] == ["token_ids", "segment_ids", "padding_mask"]
    assert all(i.shape == ["batch", "length"] and i.type == "tensor(int32)" for i in encoder.get_inputs())
    assert encoder.get_outputs()[0].shape == ["batch", pipeline.dim]

    rows = client_tokenizer(directory).encode_batch(TEXTS)
    expected = pipeline.encode(TEXTS)
    for batch in ([0, 1, 2, 3], [1], [2, 0]):  # 4, 1 and 2 rows, each at its own length
        inputs = padded([rows[i] for i in batch])
        (vectors,) = encoder.run(None, inputs)
        np.testing.assert_allclose(vectors, expected[batch], atol=1e-4)
    (padded_more,) = encoder.run(None, padded(rows[2:3], length=40))  # 35 padding columns are masked out
    np.testing.assert_allclose(padded_more, expected[2:3], atol=1e-4)


def test_a_client_without_simservice_tokenizes_the_same(exported, pipelines):
    """docker/README.md's client of a RoFormer-Sim export: `tokenizers`' BERT WordPiece over vocab.txt."""
    from tokenizers import BertWordPieceTokenizer

    directory = exported("roformer", "onnx")
    client = BertWordPieceTokenizer(str(directory / "vocab.txt"), lowercase=True)
    rows = [encoding.ids for encoding in client.encode_batch(TEXTS)]
    assert rows == pipelines("roformer").tokenizer.encode_batch(TEXTS)
    (vectors,) = session(directory / "encoder.onnx").run(None, padded(rows))
    np.testing.assert_allclose(vectors, pipelines("roformer").encode(TEXTS), atol=1e-4)


def test_a_client_of_a_tokenizer_json_export_tokenizes_the_same(exported, pipelines):
    """docker/README.md's client of the demo's export: `tokenizers`' tokenizer.json without special tokens,
    then the [CLS] and [SEP] ids of model.json around each row."""
    from tokenizers import Tokenizer as ClientTokenizer

    directory = exported("demo", "onnx")
    special = json.loads((directory / "model.json").read_text(encoding="utf-8"))["tokenizer"]["special_ids"]
    client = ClientTokenizer.from_file(str(directory / "tokenizer.json"))
    rows = [[special["cls"], *e.ids, special["sep"]] for e in client.encode_batch(TEXTS, add_special_tokens=False)]
    assert rows == pipelines("demo").tokenizer.encode_batch(TEXTS)
    (vectors,) = session(directory / "encoder.onnx").run(None, padded(rows))
    np.testing.assert_allclose(vectors, pipelines("demo").encode(TEXTS), atol=1e-4)


@pytest.mark.parametrize("model", ["roformer", "bert"])
def test_next_token_matches_the_mlm_head(model, exported, pipelines):
    directory = exported(model, "onnx")
    pipeline = pipelines(model)
    next_token = session(directory / "next_token.onnx")
    assert next_token.get_outputs()[0].shape == ["batch", pipeline.config.vocab_size]
    for targets in ([[5, 6], [7], [], [8, 9, 10]], [[11]] * 4):
        inputs = unilm_rows(pipeline, TEXTS, targets)
        (logits,) = next_token.run(None, inputs)
        np.testing.assert_allclose(logits, reference_next_logits(pipeline, inputs), atol=1e-4)


def test_greedy_generation_on_onnx_runtime_is_simservices(exported, pipelines):
    """A client's greedy loop over next_token.onnx produces the tokens of `generate(top_k=1)`."""
    pipeline = pipelines("demo")
    next_token = session(exported("demo", "onnx") / "next_token.onnx")
    sep = pipeline.tokenizer.sep_id
    source = pipeline.tokenizer.encode(TEXTS[0])
    generated: list[int] = []
    while len(generated) < 12 and (not generated or generated[-1] != sep):
        inputs = unilm_rows(pipeline, TEXTS[:1], [generated])
        (logits,) = next_token.run(None, inputs)
        generated.append(int(np.argmax(logits[0])))
    assert source and pipeline.tokenizer.decode(generated) == pipeline.generate(TEXTS[0], top_k=1, max_length=12)[0]


def test_model_json_states_the_opset(exported):
    facts = json.loads((exported("roformer", "onnx") / "model.json").read_text(encoding="utf-8"))
    assert facts["format"] == "onnx" and facts["exporter"]["onnx_opset"] == 17
    assert (facts["encoder"]["name"], facts["next_token"]["name"]) == ("encoder.onnx", "next_token.onnx")
    import onnx

    proto = onnx.load(str(exported("roformer", "onnx") / "encoder.onnx"), load_external_data=False)
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [17]


def test_a_model_with_zero_biases_still_runs_at_any_batch(tmp_path):
    """Freshly initialised Dense biases are all zeros, which tripped tf2onnx's reshape optimizer
    (the export then failed in ONNX Runtime at any batch of more than one row)."""
    from simservice.inference.encoder import Encoder
    from simservice.model import ModelConfig, SimModel
    from simservice.model.tokenizer import Tokenizer
    from simservice.model_export.onnx_files import write_onnx

    config = ModelConfig(vocab_size=40, hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64)
    model = SimModel(config)
    tokenizer = Tokenizer({t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])})
    write_onnx(model, tmp_path)
    encoder = session(tmp_path / "encoder.onnx")
    rng = np.random.default_rng(0)
    for rows, length in ((1, 9), (4, 8), (32, 30)):
        ids = [[2, *rng.integers(5, 40, size=int(rng.integers(1, length - 1))).tolist(), 3] for _ in range(rows)]
        (vectors,) = encoder.run(None, padded(ids))
        np.testing.assert_allclose(vectors, Encoder(model, tokenizer).encode_ids(ids), atol=1e-4)
