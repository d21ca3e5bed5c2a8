"""Model families: one module each, one line here. `detect` picks the one family that recognises a
checkpoint (at most one does); `FAMILIES[name]` is the one a caller forces (`--family`)."""

from __future__ import annotations

from simservice.model.errors import CheckpointError
from simservice.model.families.base import Checkpoint, Family, LoadPlan
from simservice.model.families.bert_embedding import BertEmbedding
from simservice.model.families.bert_unilm import BertUniLM
from simservice.model.families.roformer_sim import RoFormerSim

FAMILIES: dict[str, Family] = {family.name: family for family in (RoFormerSim(), BertEmbedding(), BertUniLM())}


def detect(checkpoint: Checkpoint) -> Family:
    found = [family for family in FAMILIES.values() if family.matches(checkpoint)]
    if len(found) > 1:
        raise CheckpointError(f"{checkpoint.files.directory}: more than one model family recognises this "
                              f"checkpoint ({', '.join(f.name for f in found)}); choose one with --family")
    if found:
        return found[0]
    raise CheckpointError(f"{checkpoint.files.directory}: no model family recognises this checkpoint "
                          f"(model_type {checkpoint.raw_config.get('model_type')!r}); families: "
                          f"{', '.join(FAMILIES)}")


def family_named(name: str) -> Family:
    if name not in FAMILIES:
        raise CheckpointError(f"unknown model family {name!r}: one of {', '.join(FAMILIES)}")
    return FAMILIES[name]


__all__ = ["FAMILIES", "Checkpoint", "Family", "LoadPlan", "detect", "family_named"]
