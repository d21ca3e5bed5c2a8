"""The released RoFormer-Sim and SimBERT weights that `simservice download` knows by name.

URLs: ZhuiyiTechnology/roformer-sim README (RoFormer-Sim) and ZhuiyiTechnology/pretrained-models
README (SimBERT; the simbert README points there). Neither publishes a checksum or an exact size,
so `sha256` and `size` are None and each archive is verified instead by its zip CRCs, the files
a checkpoint needs, and a bert_config.json whose layers and width match the name.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

from simservice.download.errors import DownloadError

DEFAULT_BASE_URL = "https://open.zhuiyi.ai/releases/nlp/models/zhuiyi"
BASE_URL_ENV = "SIMSERVICE_DOWNLOAD_BASE_URL"

TF1_FILES = ("bert_config.json", "bert_model.ckpt.index", "bert_model.ckpt.data-*", "vocab.txt")
HF_FILES = ("config.json",)
HF_TOKENIZERS = ("vocab.txt", "tokenizer.json")  # one of them at least
HF_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
# What an embedding model's pooling, prompts and length come from (each optional).
HF_SENTENCE_FILES = ("modules.json", "*_Pooling/config.json", "config_sentence_transformers.json",
                     "sentence_bert_config.json", "tokenizer_config.json", "special_tokens_map.json")


@dataclasses.dataclass(frozen=True)
class Release:
    """One downloadable checkpoint: a zip under the base URL, or a Hugging Face repository."""

    name: str
    source: Literal["zip", "hf"]
    description: str
    repo_id: str | None = None  # source "hf" only
    sha256: str | None = None  # None: not published; the archive's contents are checked instead
    size: int | None = None  # bytes; None: not published
    approx_size: str | None = None  # as the release page states it, for the listing only

    @property
    def filename(self) -> str:
        return f"{self.name}.zip"

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{self.filename}"

    def shape(self) -> tuple[int, int] | None:
        """(layers, hidden size) encoded in an official name such as `..._L-12_H-768_A-12`."""
        match = re.search(r"_L-(\d+)_H-(\d+)_A-\d+$", self.name)
        return (int(match[1]), int(match[2])) if match else None


def _zip(name: str, description: str, approx_size: str | None = None) -> Release:
    return Release(name, "zip", description, approx_size=approx_size)


def _hf(repo_id: str, description: str) -> Release:
    return Release(repo_id.split("/")[-1], "hf", description, repo_id=repo_id)


RELEASES: dict[str, Release] = {r.name: r for r in (
    _zip("chinese_roformer-sim-char_L-12_H-768_A-12", "RoFormer-Sim base, weakly supervised"),
    _zip("chinese_roformer-sim-char_L-6_H-384_A-6", "RoFormer-Sim small, weakly supervised"),
    _zip("chinese_roformer-sim-char-ft_L-12_H-768_A-12", "RoFormer-Sim base, fine-tuned on similarity data"),
    _zip("chinese_roformer-sim-char-ft_L-6_H-384_A-6", "RoFormer-Sim small, fine-tuned on similarity data"),
    _zip("chinese_simbert_L-12_H-768_A-12", "SimBERT base", "344MB"),
    _zip("chinese_simbert_L-6_H-384_A-12", "SimBERT small", "49MB"),
    _zip("chinese_simbert_L-4_H-312_A-12", "SimBERT tiny", "26MB"),
    _hf("junnyu/roformer_chinese_sim_char_base", "Hugging Face port of RoFormer-Sim base"),
    _hf("junnyu/roformer_chinese_sim_char_small", "Hugging Face port of RoFormer-Sim small"),
    _hf("junnyu/roformer_chinese_sim_char_ft_base", "Hugging Face port of RoFormer-Sim base -ft"),
    _hf("junnyu/roformer_chinese_sim_char_ft_small", "Hugging Face port of RoFormer-Sim small -ft"),
    _hf("BAAI/bge-small-zh-v1.5", "bge small zh v1.5: embeddings only, CLS pooling (MIT)"),
    _hf("BAAI/bge-base-zh-v1.5", "bge base zh v1.5: embeddings only, CLS pooling (MIT)"),
    _hf("intfloat/multilingual-e5-small", "multilingual-e5-small: embeddings only, mean pooling, prompts (MIT)"),
    _hf("shibing624/text2vec-base-chinese", "text2vec base chinese: embeddings only, mean pooling (Apache-2.0)"),
)}


def lookup(name: str, releases: dict[str, Release] | None = None) -> Release:
    """The release called `name` (its plain name or, for a port, its `owner/repo` id)."""
    releases = RELEASES if releases is None else releases
    for release in releases.values():
        if name in (release.name, release.repo_id):
            return release
    raise DownloadError(f"unknown model {name!r}; known: {', '.join(sorted(releases))} "
                        "(see `simservice download --list`)")
