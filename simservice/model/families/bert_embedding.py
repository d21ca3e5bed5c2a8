"""BERT-style embedding models in the Hugging Face layout: bge-zh, text2vec, m3e, multilingual-e5.

Encode only (no generator): pooling and prompts from the sentence-transformers files (mean when
they say nothing), the checkpoint's own `tokenizer.json` when it has one (else WordPiece on
`vocab.txt`), learned absolute positions from 0, and the sequence length the model was trained to.
"""

from __future__ import annotations

from simservice.model.config import Architecture, ModelConfig, Pooling
from simservice.model.errors import CheckpointError
from simservice.model.families.base import Checkpoint, Family, LoadPlan, check_tokenizer_fits, has_mlm_head
from simservice.model.families.roformer_sim import hf_prefix
from simservice.model.piece_tokenizer import PieceTokenizer
from simservice.model.sentence_transformers import read_sentence_transformers
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer, load_vocab
from simservice.model.weight_map import Entry, hf_table

DEFAULT_POOLING: Pooling = "mean"
MODEL_TYPES = ("bert",)


class BertEmbedding(Family):
    name = "bert-embedding"
    summary = "BERT-style embedding models (e5, bge, text2vec): encoder only, CLS or mean pooling, prompts"
    can_generate = False

    def matches(self, checkpoint: Checkpoint) -> bool:
        if checkpoint.files.layout != "hf" or checkpoint.raw_config.get("model_type") not in MODEL_TYPES:
            return False
        # With an MLM head it is a generator: a SimBERT port without modules.json, else `bert-unilm`.
        return not has_mlm_head(checkpoint)

    def plan(self, checkpoint: Checkpoint, *, architecture: Architecture | None, pooling: Pooling | None,
             max_length: int | None) -> LoadPlan:
        files = checkpoint.files
        if files.layout != "hf":
            raise CheckpointError(f"{files.directory}: an embedding model must be in the Hugging Face layout "
                                  "(config.json and model.safetensors)")
        model_type = checkpoint.raw_config.get("model_type")
        if model_type not in MODEL_TYPES:
            raise CheckpointError(f"{files.config}: model_type {model_type!r} is not one this family serves "
                                  f"({', '.join(MODEL_TYPES)})")
        if architecture not in (None, "bert"):
            raise CheckpointError(f"{files.directory}: an embedding model is BERT; architecture {architecture!r} "
                                  "does not apply")
        try:
            config = ModelConfig.from_hf_config(files.config, "bert")
        except (ValueError, OSError) as e:
            raise CheckpointError(f"{files.config}: {e}") from e
        st = read_sentence_transformers(files.directory, pooling)
        config = config.replace(pooling=st.pooling or DEFAULT_POOLING, generator=self.can_generate)
        length = min(max_length or st.max_seq_length or config.max_position, config.max_position)
        try:
            if files.tokenizer_json.exists():
                source = files.tokenizer_json
                tokenizer: Tokenizer = PieceTokenizer(source, max_length=length, prompts=st.prompts)
            else:
                source = files.require_vocab()
                tokenizer = Tokenizer(load_vocab(source), max_length=length, prompts=st.prompts)
        except ValueError as e:
            raise CheckpointError(f"{source}: {e}") from e
        check_tokenizer_fits(tokenizer, config, source)
        return LoadPlan(config, tokenizer)

    def table(self, model: SimModel, checkpoint: Checkpoint) -> list[Entry]:
        return hf_table(model, hf_prefix(checkpoint.names, checkpoint.tensors.path))
