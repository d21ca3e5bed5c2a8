"""Write a `SimModel` pooled by CLS or mean as a Hugging Face BERT directory that the `bert-unilm`
family reads back: `config.json`, `model.safetensors` (MLM head included), the tokenizer
(`tokenizer.json` with the two files Transformers' AutoTokenizer reads it by, or WordPiece `vocab.txt`) and
the sentence-transformers files (its pooling, no prompts)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from simservice.model.checkpoint_writer import write_vocab
from simservice.model.int8_storage import quantize_tensors
from simservice.model.piece_tokenizer import PieceTokenizer
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer
from simservice.model.weight_map import hf_table

SERVING_LENGTH = 64  # sentence_bert_config.json's max_seq_length, as RoFormer-Sim is served
_MODES = {"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token"}


def hf_bert_config(model: SimModel, tokenizer: Tokenizer) -> dict:
    c = model.config
    return {
        "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": c.vocab_size,
        "hidden_size": c.hidden_size, "num_hidden_layers": c.num_layers, "num_attention_heads": c.num_heads,
        "intermediate_size": c.intermediate_size, "hidden_act": c.hidden_act, "hidden_dropout_prob": c.dropout,
        "attention_probs_dropout_prob": c.dropout, "max_position_embeddings": c.max_position,
        "type_vocab_size": c.type_vocab_size, "layer_norm_eps": c.layer_norm_epsilon,
        "position_embedding_type": "absolute", "pad_token_id": tokenizer.pad_id,
        "bos_token_id": tokenizer.cls_id, "eos_token_id": tokenizer.sep_id, "tie_word_embeddings": True,
    }


def sentence_transformers_files(model: SimModel) -> dict[str, object]:
    pooling = model.config.pooling
    if pooling not in _MODES:
        raise ValueError(f"pooling {pooling!r} has no sentence-transformers Pooling mode")
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {"word_embedding_dimension": model.config.hidden_size,
                                  **{mode: name == pooling for name, mode in _MODES.items()}},
        "config_sentence_transformers.json": {"prompts": {}, "default_prompt_name": None,
                                              "similarity_fn_name": "cosine"},
        "sentence_bert_config.json": {"max_seq_length": SERVING_LENGTH, "do_lower_case": False},
    }


def tokenizer_files(tokenizer: PieceTokenizer) -> dict[str, dict]:
    """`tokenizer_config.json` and `special_tokens_map.json` for a `tokenizer.json`: without them
    Transformers' AutoTokenizer takes a BERT model's tokenizer to be WordPiece and reads wrong ids."""
    ids = {"bos_token": tokenizer.cls_id, "eos_token": tokenizer.sep_id, "unk_token": tokenizer.unk_id,
           "pad_token": tokenizer.pad_id, "cls_token": tokenizer.cls_id, "sep_token": tokenizer.sep_id,
           "mask_token": tokenizer.mask_id}
    tokens = {role: tokenizer.id_to_token(i) for role, i in ids.items() if i is not None}
    return {"special_tokens_map.json": tokens,
            "tokenizer_config.json": {"tokenizer_class": "PreTrainedTokenizerFast", **tokens,
                                      "model_max_length": tokenizer.max_length, "clean_up_tokenization_spaces": False}}


def save_hf(model: SimModel, tokenizer: Tokenizer, directory: str | Path, dtype: str = "float32") -> Path:
    """Write the checkpoint into `directory` (replaced whole); `dtype` "float16" halves the weights, "int8"
    stores the large matrices in int8 with a scale per block of a row and the rest in float16 (`int8_storage`, read
    by simservice only); the loader reads either back as float32."""
    from safetensors.numpy import save_file

    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    staging.chmod(0o755)
    try:
        tensors = {e.name: np.ascontiguousarray(e.variable.numpy().T if e.transform is not None
                                                else e.variable.numpy())
                   for e in hf_table(model, "")}
        tensors = quantize_tensors(tensors) if dtype == "int8" else {k: v.astype(dtype) for k, v in tensors.items()}
        save_file(tensors, str(staging / "model.safetensors"), metadata={"format": "pt"})
        (staging / "model.safetensors").chmod(0o644)
        files = {"config.json": hf_bert_config(model, tokenizer), **sentence_transformers_files(model)}
        if isinstance(tokenizer, PieceTokenizer):
            tokenizer.save(staging / "tokenizer.json")
            files.update(tokenizer_files(tokenizer))
        else:
            write_vocab(tokenizer, staging / "vocab.txt")
        for name, content in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        old = target.with_name(target.name + ".old")
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
