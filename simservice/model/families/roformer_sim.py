"""RoFormer-Sim (SimBERTv2) and SimBERT: official TF1 releases and their Hugging Face ports.

One network encodes ([CLS] through the linear pooler) and generates (UniLM with the tied MLM
head); bert4keras's WordPiece rules on `vocab.txt`; maxlen 64 as the released models use it.
RoFormer has rotary positions, SimBERT BERT's learned table; the table's presence tells them apart.
"""

from __future__ import annotations

from simservice.model.config import Architecture, ModelConfig, Pooling
from simservice.model.errors import CheckpointError
from simservice.model.families.base import Checkpoint, Family, LoadPlan, has_mlm_head, has_sentence_transformers
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer, load_vocab
from simservice.model.weight_map import Entry, hf_table, tf1_table

MAX_LENGTH = 64


class RoFormerSim(Family):
    name = "roformer-sim"
    summary = "RoFormer-Sim (SimBERTv2) and SimBERT: encoder with a linear pooler, UniLM generator"
    can_generate = True

    def matches(self, checkpoint: Checkpoint) -> bool:
        files = checkpoint.files
        if files.layout == "tf1":
            return True
        if checkpoint.raw_config.get("model_type") == "roformer":
            return True
        # A Hugging Face BERT with an MLM head and no sentence-transformers modules is a SimBERT port.
        return has_mlm_head(checkpoint) and not has_sentence_transformers(checkpoint)

    def plan(self, checkpoint: Checkpoint, *, architecture: Architecture | None, pooling: Pooling | None,
             max_length: int | None) -> LoadPlan:
        files, names = checkpoint.files, checkpoint.names
        prefix = self._prefix(checkpoint)
        if files.layout == "tf1":
            detected: Architecture = "bert" if f"{prefix}/embeddings/position_embeddings" in names else "roformer"
        else:
            detected = "bert" if f"{prefix}embeddings.position_embeddings.weight" in names else "roformer"
        arch = architecture or detected
        try:
            if files.layout == "tf1":
                config = ModelConfig.from_bert_config(files.config, arch)
            else:
                config = ModelConfig.from_hf_config(files.config, arch)
        except (ValueError, OSError) as e:
            raise CheckpointError(f"{files.config}: {e}") from e
        config = config.replace(pooling=pooling or "linear", generator=self.can_generate)
        vocab = load_vocab(files.require_vocab())
        vocab_lines = max(vocab.values()) + 1 if vocab else 0
        if vocab_lines != config.vocab_size:
            raise CheckpointError(
                f"{files.vocab}: {vocab_lines} tokens, but {files.config.name} says vocab_size={config.vocab_size}"
            )
        try:
            tokenizer = Tokenizer(vocab, max_length=max_length or MAX_LENGTH)
        except ValueError as e:
            raise CheckpointError(f"{files.vocab}: {e}") from e
        return LoadPlan(config, tokenizer)

    def table(self, model: SimModel, checkpoint: Checkpoint) -> list[Entry]:
        prefix = self._prefix(checkpoint)
        return tf1_table(model, prefix) if checkpoint.files.layout == "tf1" else hf_table(model, prefix)

    def _prefix(self, checkpoint: Checkpoint) -> str:
        names, path = checkpoint.names, checkpoint.tensors.path
        if checkpoint.files.layout == "tf1":
            for prefix in ("bert", "roformer"):
                if f"{prefix}/embeddings/word_embeddings" in names:
                    return prefix
            raise CheckpointError(
                f"{path}: variable bert/embeddings/word_embeddings is missing "
                f"(not a BERT / RoFormer checkpoint? it has {len(names)} variables, e.g. {sorted(names)[:3]})"
            )
        return hf_prefix(names, path)


def hf_prefix(names: set[str], path) -> str:
    """The prefix of a Hugging Face checkpoint's backbone tensors: 'roformer.', 'bert.' or none."""
    for prefix in ("roformer.", "bert.", ""):
        if f"{prefix}embeddings.word_embeddings.weight" in names:
            return prefix
    raise CheckpointError(
        f"{path}: variable roformer.embeddings.word_embeddings.weight is missing "
        f"(not a RoFormer / BERT port? e.g. {sorted(names)[:3]})"
    )
