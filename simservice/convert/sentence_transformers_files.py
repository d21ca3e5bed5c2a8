"""The sentence-transformers files: Transformer -> mean Pooling -> Normalize, e5's prompts
("query: " by default, as e5 advises for symmetric tasks), 512 tokens at most."""

from __future__ import annotations

from simservice.convert.e5_prompts import DEFAULT_PROMPT, PROMPTS


def sentence_transformers_files(hidden: int, max_length: int) -> dict[str, dict | list]:
    """Relative path -> JSON content."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "prompts": PROMPTS, "default_prompt_name": DEFAULT_PROMPT, "similarity_fn_name": "cosine"},
        "sentence_bert_config.json": {"max_seq_length": max_length, "do_lower_case": False},
    }
