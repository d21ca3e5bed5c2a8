"""BERT embedding models that also generate: the Hugging Face layout with sentence-transformers files
(pooling, prompts) and BERT's MLM head (`cls.predictions.*`), as `simservice train --init` writes them.

Encodes as `bert-embedding` does (the checkpoint's pooling and tokenizer) and generates as SimBERT
does (UniLM with the tied MLM head); learned absolute positions from 0.
"""

from __future__ import annotations

from simservice.model.families.base import Checkpoint, has_mlm_head, has_sentence_transformers
from simservice.model.families.bert_embedding import MODEL_TYPES, BertEmbedding


class BertUniLM(BertEmbedding):
    name = "bert-unilm"
    summary = "BERT embedding models with a UniLM generator: the checkpoint's pooling and prompts, tied MLM head"
    can_generate = True

    def matches(self, checkpoint: Checkpoint) -> bool:
        return (checkpoint.files.layout == "hf" and checkpoint.raw_config.get("model_type") in MODEL_TYPES
                and has_mlm_head(checkpoint) and has_sentence_transformers(checkpoint))
