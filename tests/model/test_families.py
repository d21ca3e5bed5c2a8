"""Model families against transformers: tiny bge-zh (CLS), text2vec (mean) and e5 (tokenizer.json,
mean, prompts) checkpoints written by `save_pretrained`, and the golden vectors torch computed from
them with sentence-transformers' pooling (tests/reference/make_families.py)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from simservice import load_model
from simservice.model import CheckpointError
from tests.paths import FIXTURES

GOLDEN = json.loads((FIXTURES / "golden" / "families.json").read_text(encoding="utf-8"))["models"]
TOLERANCE = 1e-5  # float32 BERT on the same weights: transformers vs Keras


@pytest.fixture(scope="module", params=sorted(GOLDEN))
def family(request):
    golden = GOLDEN[request.param]
    return golden, load_model(FIXTURES / golden["checkpoint"])


def test_detected_family_pooling_and_length(family):
    golden, model = family
    assert model.config.family == "bert-embedding"
    assert model.config.pooling == golden["pooling"]
    assert not model.can_generate and model.model.mlm_head is None
    assert model.tokenizer.max_length == golden["max_length"]  # sentence_bert_config.json's max_seq_length


def test_token_ids_equal_the_models_own_tokenizer(family):
    golden, model = family
    for case in golden["encode"]:
        assert model.tokenizer.encode(case["text"]) == case["token_ids"], case["text"]
    if golden["query"]:
        prompt = golden["query"]["prompt"]
        for case in golden["query"]["encode"]:
            assert model.tokenizer.encode(case["text"], prompt=prompt) == case["token_ids"], case["text"]


def test_vectors_equal_transformers(family):
    golden, model = family
    ids = [case["token_ids"] for case in golden["encode"]]
    one_by_one = np.stack([model.encoder.encode_ids([seq])[0] for seq in ids])
    np.testing.assert_allclose(one_by_one, [case["vector"] for case in golden["encode"]], atol=TOLERANCE)
    batch = model.encoder.encode_ids(ids)
    np.testing.assert_allclose(batch, golden["encode_batch"]["vectors"], atol=TOLERANCE)


def test_prompted_vectors_equal_transformers(family):
    golden, model = family
    query = golden["query"]
    if query is None:
        assert model.tokenizer.prompts.by_name == {}
        with pytest.raises(ValueError, match="no prompts"):
            model.encode(golden["texts"][:1], prompt_name="query")
        return
    vectors = model.encode(golden["texts"], prompt_name=query["prompt_name"])
    np.testing.assert_allclose(vectors, query["encode_batch"]["vectors"], atol=TOLERANCE)
    assert model.tokenizer.prompts.query() == query["prompt"]


def test_e5_default_prompt_is_the_query_prompt():
    model = load_model(FIXTURES / "families" / "e5")
    prompts = model.tokenizer.prompts
    assert prompts.default_name == "query" and prompts.text() == "query: "
    assert prompts.document() == "passage: "
    texts = GOLDEN["e5"]["texts"][:3]
    np.testing.assert_array_equal(model.encode(texts), model.encode(texts, prompt_name="query"))
    assert not np.allclose(model.encode(texts), model.encode(texts, prompt_name="passage"))


def test_bge_prompts_a_query_but_not_a_document():
    prompts = load_model(FIXTURES / "families" / "bge_zh").tokenizer.prompts
    assert prompts.default_name is None and prompts.text() == ""
    assert prompts.query().startswith("为这个句子") and prompts.document() == ""


def test_pooling_override_and_forced_family(tmp_path):
    golden = GOLDEN["text2vec"]
    cls = load_model(FIXTURES / golden["checkpoint"], pooling="cls")
    assert cls.config.pooling == "cls"
    assert not np.allclose(cls.encode(golden["texts"][:2]), [c["vector"] for c in golden["encode"][:2]], atol=1e-3)
    with pytest.raises(CheckpointError, match="unknown model family 'gpt'"):
        load_model(FIXTURES / golden["checkpoint"], family="gpt")


def test_generation_is_refused_with_a_clear_error():
    model = load_model(FIXTURES / "families" / "text2vec")
    with pytest.raises(ValueError, match="no generator"):
        model.paraphrase("怎么开通花呗")


def test_a_pooling_simservice_does_not_compute_is_refused(tmp_path):
    directory = shutil.copytree(FIXTURES / "families" / "text2vec", tmp_path / "m")
    config = directory / "1_Pooling" / "config.json"
    raw = json.loads(config.read_text())
    raw.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    config.write_text(json.dumps(raw))
    with pytest.raises(CheckpointError, match="pooling_mode_max_tokens.*--pooling"):
        load_model(directory)
    assert load_model(directory, pooling="mean").config.pooling == "mean"  # the override reads no pooling file


def test_an_unknown_model_type_names_the_families(tmp_path):
    directory = shutil.copytree(FIXTURES / "families" / "e5", tmp_path / "m")
    raw = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps(raw | {"model_type": "xlm-roberta"}))
    with pytest.raises(CheckpointError, match="no model family recognises.*xlm-roberta"):
        load_model(directory)


def test_a_bad_default_prompt_name_is_refused(tmp_path):
    directory = shutil.copytree(FIXTURES / "families" / "e5", tmp_path / "m")
    path = directory / "config_sentence_transformers.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"default_prompt_name": "search"}))
    with pytest.raises(CheckpointError, match="default_prompt_name 'search'"):
        load_model(directory)


def _family_of(directory):
    from simservice.model.checkpoint_files import find_checkpoint, open_tensors
    from simservice.model.families import FAMILIES, Checkpoint, detect

    files = find_checkpoint(directory)
    checkpoint = Checkpoint(files, open_tensors(files))
    assert sum(family.matches(checkpoint) for family in FAMILIES.values()) == 1
    return detect(checkpoint).name


def test_an_embedding_model_with_an_mlm_head_is_bert_unilm_and_generates(tmp_path):
    from simservice.model.hf_writer import save_hf
    from simservice.training.model_setup import model_from_checkpoint

    model, tokenizer = model_from_checkpoint(FIXTURES / "families" / "e5", max_length=32)
    save_hf(model, tokenizer, tmp_path / "unilm")
    assert _family_of(tmp_path / "unilm") == "bert-unilm"
    written = {name: json.loads((tmp_path / "unilm" / name).read_text(encoding="utf-8"))
               for name in ("tokenizer_config.json", "special_tokens_map.json")}
    original = json.loads((FIXTURES / "families" / "e5" / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert written["tokenizer_config.json"]["tokenizer_class"] == "PreTrainedTokenizerFast"  # reads tokenizer.json
    for role in ("bos_token", "eos_token", "unk_token", "pad_token", "cls_token", "sep_token", "mask_token"):
        assert written["special_tokens_map.json"][role] == written["tokenizer_config.json"][role] == original[role]
    pipeline = load_model(tmp_path / "unilm")
    assert pipeline.can_generate and pipeline.model.config.pooling == "mean"
    assert len(pipeline.generate("怎么办理手机", n=2, top_p=0.95, max_length=6, seed=0)) == 2
    for name in ("bge_zh", "text2vec", "e5"):
        assert _family_of(FIXTURES / "families" / name) == "bert-embedding"
    shutil.copytree(tmp_path / "unilm", tmp_path / "port")
    (tmp_path / "port" / "modules.json").unlink()  # an MLM head without sentence-transformers: a SimBERT port
    assert _family_of(tmp_path / "port") == "roformer-sim"
